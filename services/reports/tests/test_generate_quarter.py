"""`generate-quarter`: the quarter's notes of every entitled subscriber, never twice."""

import json
from datetime import date

import pytest
from reports_support import make_settings
from sqlmodel import select

from gipkit.cli import run_cli
from gipkit.testing.database import migrated_database_url
from reports.commands import commands
from reports.common.periods import parse_named, previous_quarter
from reports.notes.models import Note
from reports.notes.quarterly import generate_quarter
from reports.peers import Subscription
from reports.usage.models import UsageOutbox

HDS, IDF = "hauts-de-seine", "ile-de-france"
SUBSCRIBERS = [
    Subscription(member=HDS, project=None),
    Subscription(member=HDS, project="ent92"),
    Subscription(member=IDF, project=None),  # billing says: not entitled
    Subscription(member=HDS, project=None, status="cancelled"),
]


@pytest.mark.anyio
async def test_twice_creates_nothing_twice(database, session, fake_peers):
    fake_peers.subscriptions_list = SUBSCRIBERS
    q1 = parse_named("2026-Q1")
    run = dict(
        db=database, clients={}, quarter=q1, settings=make_settings(), today=date(2026, 4, 1)
    )

    first = await generate_quarter(**run)
    assert first.created == ["member:hauts-de-seine", "project:ent92"]
    assert first.not_entitled == ["member:ile-de-france"]
    assert first.failed == {}
    calls = len(fake_peers.indicator_calls)

    second = await generate_quarter(**run)
    assert second.created == []
    assert second.existing == ["member:hauts-de-seine", "project:ent92"]
    assert len(fake_peers.indicator_calls) == calls  # not even recomputed

    notes = (await session.exec(select(Note))).all()
    assert sorted((n.scope, n.period_label, n.trigger) for n in notes) == [
        ("member:hauts-de-seine", "2026-Q1", "quarterly"),
        ("project:ent92", "2026-Q1", "quarterly"),
    ]
    usage = (await session.exec(select(UsageOutbox))).all()
    assert sorted(u.idempotency_key for u in usage) == sorted(f"note-{n.id}" for n in notes)
    # Entitlement judged on the quarter's last day.
    assert {c["on"] for c in fake_peers.entitlement_calls} == {date(2026, 3, 31)}


@pytest.mark.anyio
async def test_a_failing_scope_does_not_stop_the_others(database, fake_peers, monkeypatch):
    fake_peers.subscriptions_list = SUBSCRIBERS[:2]
    real = fake_peers.indicators

    async def flaky(clients, **kw):
        if kw["scope"] == "project:ent92":
            from gipkit.http import PeerUnavailable

            raise PeerUnavailable("measure", 503)
        return await real(clients, **kw)

    import reports.peers as peers

    monkeypatch.setattr(peers, "indicators", flaky)
    report = await generate_quarter(
        db=database,
        clients={},
        quarter=parse_named("2026-Q1"),
        settings=make_settings(),
        today=date(2026, 4, 1),
    )
    assert report.created == ["member:hauts-de-seine"]
    assert list(report.failed) == ["project:ent92"]


def test_previous_quarter():
    assert previous_quarter(date(2026, 4, 1)).label == "2026-Q1"
    assert previous_quarter(date(2026, 1, 2)).label == "2025-Q4"
    assert previous_quarter(date(2026, 3, 31)).label == "2025-Q4"


def test_the_command(fake_peers, migrations_dir, tmp_path, worker_id, capsys):
    url = migrated_database_url(
        name=f"reports_cli_{worker_id}", migrations_dir=migrations_dir, tmp_dir=tmp_path
    )
    fake_peers.subscriptions_list = SUBSCRIBERS[:2]
    settings = make_settings(database_url=url.render_as_string(hide_password=False))

    def cli(*argv):
        code = run_cli(
            name="reports",
            settings_factory=lambda: settings,
            app_path="reports.main:create",
            migrations_dir=None,
            commands=commands(lambda: settings),
            argv=list(argv),
        )
        return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    code, summary = cli("generate-quarter", "--quarter", "2026-Q1")
    assert code == 0
    assert summary["created"] == ["member:hauts-de-seine", "project:ent92"]
    # The command delivers the usage it queued.
    assert len(fake_peers.usage) == 2

    code, summary = cli("generate-quarter", "--quarter", "2026-Q1")
    assert (code, summary["created"], len(summary["existing"])) == (0, [], 2)

    code, summary = cli("deliver-usage")
    assert (code, summary) == (0, {"delivered": 0, "retrying": 0, "failed": 0})

    fake_peers.down = {"billing"}
    code = run_cli(
        name="reports",
        settings_factory=lambda: settings,
        app_path="reports.main:create",
        migrations_dir=None,
        commands=commands(lambda: settings),
        argv=["generate-quarter", "--quarter", "previous"],
    )
    assert code == 1
    assert "billing" in capsys.readouterr().err
