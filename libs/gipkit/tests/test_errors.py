import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from gipkit.errors import (
    Conflict,
    FieldError,
    NotFound,
    install_error_handlers,
    problem_responses,
)
from gipkit.french import prefers_french
from gipkit.http import PeerNotFound, PeerTimeout, PeerUnavailable

pytestmark = pytest.mark.anyio


class Thing(BaseModel):
    count: int = Field(ge=1)
    name: str = Field("x", max_length=5)


def make_app() -> FastAPI:
    app = FastAPI(responses=problem_responses(500))
    install_error_handlers(app)

    @app.get("/missing")
    async def missing() -> None:
        raise NotFound("member not found", fr="membre introuvable")

    @app.get("/conflict")
    async def conflict() -> None:
        raise Conflict(
            "overlaps", errors=[FieldError(field="valid_from", reason="overlap")], extra={"x": 1}
        )

    @app.post("/things")
    async def things(thing: Thing) -> Thing:
        return thing

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    @app.get("/peer/{kind}")
    async def peer(kind: str) -> None:
        raise {
            "down": PeerUnavailable("tenants", None, {}, retry_after=7),
            "slow": PeerTimeout("tenants", None, {}),
            "odd": PeerNotFound("tenants", 404, {"detail": "x"}),
        }[kind]

    return app


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=make_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_gip_error_is_problem_json(client):
    r = await client.get("/missing")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"].endswith("/not-found")
    assert body["title"] == "Not Found"
    assert body["detail"] == "member not found"
    assert body["instance"] == "/missing"


async def test_field_errors_and_extensions(client):
    body = (await client.get("/conflict")).json()
    assert body["status"] == 409
    assert body["errors"] == [{"field": "valid_from", "reason": "overlap"}]
    assert body["x"] == 1


async def test_validation_errors_name_the_field(client):
    r = await client.post("/things", json={"count": "many"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    fields = [e["field"] for e in r.json()["errors"]]
    assert fields == ["body.count"]


async def test_unexpected_error_hides_its_detail(client):
    r = await client.get("/boom")
    assert r.status_code == 500
    assert "secret internal detail" not in r.text
    assert "Traceback" not in r.text
    assert r.json()["title"] == "Internal Server Error"


@pytest.mark.parametrize(("kind", "status"), [("down", 503), ("slow", 504), ("odd", 502)])
async def test_peer_errors_become_gateway_statuses(client, kind, status):
    r = await client.get(f"/peer/{kind}")
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    if status == 503:
        assert r.headers["retry-after"] == "7"


def test_declared_responses_use_the_problem_schema():
    declared = problem_responses(404, 409)
    assert set(declared) == {404, 409}
    assert "application/problem+json" in declared[404]["content"]


FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}


async def test_a_caller_that_asks_for_french_gets_its_problems_in_french(client):
    r = await client.get("/missing", headers=FRENCH)
    assert r.json()["title"] == "Introuvable" and r.json()["detail"] == "membre introuvable"
    assert r.headers["content-language"] == "fr"
    assert "Accept-Language" in r.headers["vary"]
    # An error raised without a French detail keeps its own, under a French title.
    body = (await client.get("/conflict", headers=FRENCH)).json()
    assert (body["title"], body["detail"]) == ("Opération impossible en l'état", "overlaps")
    # Peers' failures and unexpected errors too.
    assert (await client.get("/peer/down", headers=FRENCH)).json()["detail"] == (
        "le service tenants est indisponible ; réessayez dans quelques instants"
    )
    assert (await client.get("/boom", headers=FRENCH)).json()["title"] == "Erreur interne"
    unknown = await client.get("/nowhere", headers=FRENCH)
    assert unknown.status_code == 404 and unknown.json()["title"] == "Introuvable"


async def test_validation_reasons_in_french_say_the_limits(client):
    r = await client.post("/things", json={"count": 0, "name": "too long"}, headers=FRENCH)
    assert r.status_code == 422
    body = r.json()
    assert body["title"] == "Données invalides"
    assert body["detail"] == "La requête n'est pas valide : voir les champs en erreur."
    assert {e["field"]: e["reason"] for e in body["errors"]} == {
        "body.count": "doit être supérieur ou égal à 1",
        "body.name": "au plus 5 caractères",
    }
    missing = (await client.post("/things", json={}, headers=FRENCH)).json()
    assert missing["errors"] == [{"field": "body.count", "reason": "champ obligatoire"}]


async def test_english_stays_the_default(client):
    for headers in ({}, {"Accept-Language": "en"}, {"Accept-Language": "en, fr;q=0.8"}):
        r = await client.get("/missing", headers=headers)
        assert r.json()["detail"] == "member not found", headers
        assert "content-language" not in r.headers
        assert r.headers["vary"] == "Accept-Language"  # the words would differ in French
    r = await client.post("/things", json={"count": 0}, headers={"Accept-Language": "de"})
    assert r.json()["errors"][0]["reason"] == "Input should be greater than or equal to 1"


@pytest.mark.parametrize(
    ("header", "french"),
    [
        ("fr", True),
        ("fr-FR", True),
        ("en;q=0.5, fr", True),
        ("en, fr", False),  # equal weights: the first named
        ("fr;q=0", False),
        ("de, fr;q=0.9", False),
        ("", False),
        ("fr;q=bad, en;q=0.1", False),
        ("french", False),
    ],
)
def test_which_language_a_request_prefers(header, french):
    assert prefers_french(header) is french
