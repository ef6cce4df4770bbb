"""Usage metering through the outbox, against a real HTTP stand-in of billing that is stopped
and started again: queued while billing is down, delivered once when it is back."""

import asyncio
import contextlib

import pytest
from reports_support import BillingLedger, FakePeers, StandIn, make_settings
from sqlmodel import select

from gipkit.http import ClientCredentials, ServiceClient, TokenProvider
from reports import peers
from reports.main import create
from reports.usage.models import UsageOutbox
from reports.usage.service import DeliveryPolicy, deliver_due

pytestmark = pytest.mark.anyio

REAL_RECORD_USAGE = peers.record_usage
Q1 = {"scope": "member:hauts-de-seine", "period": "2026-Q1"}
NOW_POLICY = DeliveryPolicy(backoff_seconds=0)


@contextlib.asynccontextmanager
async def reports_app(database, tokens, **settings):
    application = create(make_settings(**settings))
    application.state.db = database
    application.state.verifier = tokens.verifier()
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def idp():
    stand_in = StandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def billing_port():
    # A free port, then nothing listening on it: billing is down until a test starts it.
    probe = StandIn().start()
    port = probe.port
    probe.stop()
    return port


@pytest.fixture
def world(monkeypatch):
    fake = FakePeers().install(monkeypatch)
    # Usage goes over HTTP for real; entitlement and the rest stay fakes.
    monkeypatch.setattr(peers, "record_usage", REAL_RECORD_USAGE)
    return fake


async def billing_client(idp, port):
    tokens = TokenProvider(
        ClientCredentials(idp_url=idp.url, realm="gip", client_id="svc-reports", client_secret="s")
    )
    # No waiting between attempts in tests; the outbox, not the client, retries for long.
    client = ServiceClient(
        "billing", f"http://127.0.0.1:{port}", tokens=tokens, retries=1, backoff=0
    )
    return client, tokens


async def rows(session):
    # Fresh from the database: other sessions (the app's, the delivery's) changed them.
    query = select(UsageOutbox).order_by(UsageOutbox.id).execution_options(populate_existing=True)
    return (await session.exec(query)).all()


async def test_billing_down_then_up_usage_arrives_exactly_once(
    database, session, tokens, idp, billing_port, world
):
    ledger = BillingLedger()
    async with reports_app(database, tokens, idp_url=idp.url) as app:
        client, provider = await billing_client(idp, billing_port)
        app.state.peers = {**app.state.peers, "billing": client}
        try:
            import httpx

            http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
            admin = tokens.headers(roles=["gip-admin"])
            partner = tokens.headers(roles=["partner"], organization="hauts-de-seine")
            note = await http.post("/api/v1/notes", json=Q1, headers=admin)
            assert note.status_code == 201
            pull = await http.get(f"/api/v1/notes/{note.json()['id']}", headers=partner)
            assert pull.status_code == 200
            await http.aclose()

            # Billing is down: both usages stay queued, with the reason.
            report = await deliver_due(db=database, clients=app.state.peers, policy=NOW_POLICY)
            assert (report.delivered, report.retrying, report.failed) == (0, 2, 0)
            queued = await rows(session)
            assert [r.status for r in queued] == ["pending", "pending"]
            assert all(r.attempts == 1 and r.last_error for r in queued)
            assert ledger.posts == 0

            billing = StandIn(ledger, port=billing_port).start()
            try:
                report = await deliver_due(db=database, clients=app.state.peers, policy=NOW_POLICY)
                assert report.delivered == 2
                again = await deliver_due(db=database, clients=app.state.peers, policy=NOW_POLICY)
                assert again.delivered == 0
            finally:
                billing.stop()
        finally:
            await client.aclose()
            await provider.aclose()

    delivered = await rows(session)
    assert [r.status for r in delivered] == ["delivered", "delivered"]
    assert ledger.posts == 2
    assert sorted(ledger.recorded) == sorted(r.idempotency_key for r in delivered)
    note_id = note.json()["id"]
    assert ledger.recorded[f"note-{note_id}"] == {
        "member": "hauts-de-seine",
        "prestation": "notes-synthese",
        "kind": "note_generated",
        "quantity": 1,
        "occurred_at": delivered[0].occurred_at.isoformat(),
        "reference": note_id,
    }
    pull_key = delivered[1].idempotency_key
    assert pull_key.startswith("pull-") and ledger.recorded[pull_key]["kind"] == "partner_pull"


async def test_a_resent_usage_is_counted_once_by_its_key(database, session, tokens, idp, world):
    ledger = BillingLedger()
    billing = StandIn(ledger).start()
    async with reports_app(database, tokens, idp_url=idp.url) as app:
        client, provider = await billing_client(idp, billing.port)
        app.state.peers = {**app.state.peers, "billing": client}
        try:
            from gipkit.types import utcnow
            from reports.usage.models import UsageKind
            from reports.usage.service import enqueue

            enqueue(
                session,
                kind=UsageKind.partner_pull,
                member="hauts-de-seine",
                prestation="notes-synthese",
                reference="n1",
                occurred_at=utcnow(),
            )
            await session.commit()
            assert (
                await deliver_due(db=database, clients=app.state.peers, policy=NOW_POLICY)
            ).delivered == 1
            # The answer was lost (crash before the commit): the row is sent again.
            row = (await rows(session))[0]
            row.status = "pending"
            session.add(row)
            await session.commit()
            assert (
                await deliver_due(db=database, clients=app.state.peers, policy=NOW_POLICY)
            ).delivered == 1
        finally:
            await client.aclose()
            await provider.aclose()
            billing.stop()
    assert ledger.posts == 2 and len(ledger.recorded) == 1


async def test_a_refused_usage_is_parked_as_failed(database, session, tokens, idp, world):
    refusing = StandIn(lambda *_: (422, {"title": "Unprocessable", "status": 422})).start()
    async with reports_app(database, tokens, idp_url=idp.url) as app:
        client, provider = await billing_client(idp, refusing.port)
        app.state.peers = {**app.state.peers, "billing": client}
        try:
            from gipkit.types import utcnow
            from reports.usage.models import UsageKind
            from reports.usage.service import enqueue

            enqueue(
                session,
                kind=UsageKind.partner_pull,
                member="hauts-de-seine",
                prestation="notes-synthese",
                reference="n1",
                occurred_at=utcnow(),
            )
            await session.commit()
            report = await deliver_due(db=database, clients=app.state.peers, policy=NOW_POLICY)
            assert report.failed == 1
            assert (await rows(session))[0].status == "failed"
            # Not retried on its own; `deliver-usage --include-failed` sends it again.
            assert (
                await deliver_due(db=database, clients=app.state.peers, policy=NOW_POLICY)
            ).failed == 0
            again = await deliver_due(
                db=database, clients=app.state.peers, policy=NOW_POLICY, include_failed=True
            )
            assert again.failed == 1
        finally:
            await client.aclose()
            await provider.aclose()
            refusing.stop()


async def test_backoff_grows_and_attempts_are_bounded():
    policy = DeliveryPolicy(backoff_seconds=10, backoff_max_seconds=60, max_attempts=3)
    assert [policy.delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]


async def test_the_delivery_loop_sends_queued_usage_after_the_answer(
    database, session, tokens, idp, world
):
    ledger = BillingLedger()
    billing = StandIn(ledger).start()
    async with reports_app(
        database,
        tokens,
        idp_url=idp.url,
        peer_billing=billing.url,
        usage_delivery_enabled=True,
        usage_delivery_interval_seconds=30,
    ) as app:
        import httpx

        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as http:
            note = await http.post(
                "/api/v1/notes", json=Q1, headers=tokens.headers(roles=["gip-admin"])
            )
            assert note.status_code == 201
        # Woken by the request (not by the 30 s interval).
        for _ in range(100):
            if ledger.recorded:
                break
            await asyncio.sleep(0.05)
    billing.stop()
    assert list(ledger.recorded) == [f"note-{note.json()['id']}"]
