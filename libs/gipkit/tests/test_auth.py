import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import Depends, FastAPI

from gipkit.auth import (
    JWKSCache,
    PrincipalDep,
    TenantScopeDep,
    TokenVerifier,
    organizations_from_claim,
    principal_from_claims,
    require_roles,
)
from gipkit.errors import NotFound, Unauthorized, install_error_handlers
from gipkit.testing.tokens import TEST_AUDIENCE, TEST_ISSUER, TokenFactory

pytestmark = pytest.mark.anyio


async def test_valid_token_gives_principal(tokens):
    token = tokens.mint(
        roles=["member-admin", "offline_access"],
        organization=["hauts-de-seine"],
        client_id="gip-console",
        username="hds-admin",
        subject="u1",
    )
    p = await tokens.verifier().verify(token)
    assert p.subject == "u1"
    assert p.client_id == "gip-console"
    assert p.roles == frozenset({"member-admin"})  # non-realm-app roles are dropped
    assert p.organization == "hauts-de-seine"
    assert p.username == "hds-admin"


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"iss": "http://evil/realms/gip"}, r"(?i)issuer"),
        ({"aud": "account"}, r"(?i)audience"),
    ],
)
async def test_bad_claims_are_refused(tokens, claims, message):
    token = tokens.mint(roles=["gip-admin"], **claims)
    with pytest.raises(Unauthorized, match=message):
        await tokens.verifier().verify(token)


async def test_claims_of_a_token_issued_for_another_audience(tokens):
    # An OpenID Connect ID token is issued for the client that asked for it, not for the API.
    id_token = tokens.mint(aud="gip-console", nonce="n-1", typ="ID")
    verifier = tokens.verifier()
    claims = await verifier.claims(id_token, audience="gip-console")
    assert claims["nonce"] == "n-1"
    with pytest.raises(Unauthorized, match=r"(?i)audience"):
        await verifier.verify(id_token)  # not an access token of this API
    with pytest.raises(Unauthorized, match=r"(?i)audience"):
        await verifier.claims(tokens.mint(), audience="gip-console")


async def test_exp_is_required(tokens):
    payload = {"iss": TEST_ISSUER, "aud": TEST_AUDIENCE, "sub": "x"}
    token = jwt.encode(payload, tokens.private_key, algorithm="RS256", headers={"kid": tokens.kid})
    with pytest.raises(Unauthorized, match="exp"):
        await tokens.verifier().verify(token)


async def test_small_leeway_accepts_just_expired(tokens):
    token = tokens.mint(roles=["gip-admin"], expires_in=-10)
    assert (await tokens.verifier().verify(token)).roles == {"gip-admin"}


async def test_alg_none_and_hs256_are_refused(tokens):
    claims = {"iss": TEST_ISSUER, "aud": TEST_AUDIENCE, "sub": "x", "exp": int(time.time()) + 60}
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": tokens.kid})
    with pytest.raises(Unauthorized, match="algorithm"):
        await tokens.verifier().verify(unsigned)
    # The classic confusion attack: HS256 keyed with the public key.
    hs = jwt.encode(claims, "x" * 32, algorithm="HS256", headers={"kid": tokens.kid})
    with pytest.raises(Unauthorized, match="algorithm"):
        await tokens.verifier().verify(hs)


async def test_es256_is_accepted():
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update(kid="ec1", alg="ES256", use="sig")

    async def fetch():
        return {"keys": [jwk]}

    verifier = TokenVerifier(keys=JWKSCache(fetch), issuer=TEST_ISSUER, audience=TEST_AUDIENCE)
    claims = {"iss": TEST_ISSUER, "aud": TEST_AUDIENCE, "sub": "x", "exp": int(time.time()) + 60}
    token = jwt.encode(claims, key, algorithm="ES256", headers={"kid": "ec1"})
    assert (await verifier.verify(token)).subject == "x"


async def test_token_signed_by_another_key_is_refused(tokens):
    other = TokenFactory()
    with pytest.raises(Unauthorized):
        await tokens.verifier().verify(other.mint(roles=["gip-admin"]))


class FakeIdP:
    def __init__(self, jwks):
        self.jwks = jwks
        self.calls = 0
        self.down = False

    async def fetch(self):
        self.calls += 1
        if self.down:
            raise httpx.ConnectError("refused")
        return self.jwks


async def test_jwks_cache_keeps_keys_when_idp_is_down(tokens):
    idp = FakeIdP(tokens.jwks)
    now = [0.0]
    cache = JWKSCache(idp.fetch, clock=lambda: now[0])
    verifier = TokenVerifier(keys=cache, issuer=TEST_ISSUER, audience=TEST_AUDIENCE)
    await verifier.verify(tokens.mint(roles=["gip-admin"]))
    idp.down = True
    now[0] = 1000
    assert await cache.refresh() is False
    await verifier.verify(tokens.mint(roles=["gip-admin"]))  # known key still verifies
    assert idp.calls == 2


async def test_unknown_kid_refreshes_at_most_once_per_30s(tokens):
    idp = FakeIdP(tokens.jwks)
    now = [0.0]
    cache = JWKSCache(idp.fetch, clock=lambda: now[0])
    assert await cache.get(tokens.kid) is not None
    assert idp.calls == 1
    for _ in range(5):
        assert await cache.get("rotated") is None
    assert idp.calls == 1  # within 30 s of the last fetch: no new request
    now[0] = 31
    await cache.get("rotated")
    assert idp.calls == 2
    await cache.get("rotated")
    assert idp.calls == 2


async def test_rotated_key_is_picked_up(tokens):
    rotated = TokenFactory()
    rotated.kid = "test-key-2"
    idp = FakeIdP(tokens.jwks)
    now = [0.0]
    cache = JWKSCache(idp.fetch, clock=lambda: now[0])
    verifier = TokenVerifier(keys=cache, issuer=TEST_ISSUER, audience=TEST_AUDIENCE)
    await verifier.verify(tokens.mint(roles=["gip-admin"]))
    idp.jwks = {"keys": tokens.jwks["keys"] + rotated.jwks["keys"]}
    now[0] = 45
    assert (await verifier.verify(rotated.mint(roles=["partner"]))).roles == {"partner"}


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("hauts-de-seine", ("hauts-de-seine",)),
        (["b", "a"], ("a", "b")),
        ({"hauts-de-seine": {"id": "123"}}, ("hauts-de-seine",)),
        (None, ()),
        ("", ()),
    ],
)
def test_organization_claim_shapes(claim, expected):
    assert organizations_from_claim(claim) == expected


def test_tenant_visibility():
    admin = principal_from_claims({"sub": "a", "realm_access": {"roles": ["gip-admin"]}})
    member = principal_from_claims(
        {"sub": "m", "realm_access": {"roles": ["member-admin"]}, "organization": "hds"}
    )
    assert admin.can_see("anything")
    assert member.can_see("hds")
    assert not member.can_see("idf")
    assert not member.can_see(None)
    with pytest.raises(NotFound):
        member.ensure_can_see("idf")


def make_app(tokens) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.state.verifier = tokens.verifier()

    @app.get("/me")
    async def me(principal: PrincipalDep) -> dict:
        return {"sub": principal.subject}

    @app.get("/admin", dependencies=[Depends(require_roles("gip-admin"))])
    async def admin() -> dict:
        return {"ok": True}

    @app.get("/scope")
    async def scope(scope: TenantScopeDep) -> dict:
        return {"all": scope.all, "orgs": sorted(scope.organizations or [])}

    return app


@pytest.fixture
async def client(tokens):
    transport = httpx.ASGITransport(app=make_app(tokens))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_missing_token_is_401_with_challenge(client):
    r = await client.get("/me")
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.headers["content-type"] == "application/problem+json"


async def test_garbage_token_is_401(client):
    r = await client.get("/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert r.status_code == 401


async def test_require_roles(client, tokens):
    assert (
        await client.get("/admin", headers=tokens.headers(roles=["gip-admin"]))
    ).status_code == 200
    r = await client.get("/admin", headers=tokens.headers(roles=["member-admin"]))
    assert r.status_code == 403
    assert "gip-admin" in r.json()["detail"]


async def test_tenant_scope(client, tokens):
    admin = await client.get("/scope", headers=tokens.headers(roles=["gip-admin"]))
    assert admin.json() == {"all": True, "orgs": []}
    member = await client.get(
        "/scope", headers=tokens.headers(roles=["member-viewer"], organization="hds")
    )
    assert member.json() == {"all": False, "orgs": ["hds"]}


async def test_a_verified_token_is_checked_once_until_it_expires(tokens):
    now = [time.time()]
    verifier = tokens.verifier()
    verifier._clock = lambda: now[0]
    checks = []
    original = verifier._verify

    async def counted(token):
        checks.append(token)
        return await original(token)

    verifier._verify = counted
    token = tokens.mint(roles=["gip-admin"], expires_in=60)
    first = await verifier.verify(token)
    assert await verifier.verify(token) == first
    assert len(checks) == 1
    now[0] += 60 + 30 + 1  # past exp and the leeway: checked again (and still valid here)
    await verifier.verify(token)
    assert len(checks) == 2
    refused = tokens.mint(roles=["gip-admin"], aud="someone-else")
    for _ in range(2):
        with pytest.raises(Unauthorized):
            await verifier.verify(refused)
    assert len(checks) == 4  # a refused token is not remembered
