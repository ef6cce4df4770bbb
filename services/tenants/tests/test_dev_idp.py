"""The Keycloak adapter live against the dev IdP (infra/dev-idp, Keycloak's admin paths):
python-keycloak unchanged, real HTTP, real tokens. Skipped where Node.js is not installed."""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import jwt
import pytest

from tenants.idp.keycloak import KeycloakIdentityProvider
from tenants.idp.port import IdpConflict, IdpNotFound, MachineClient, NewUser, Organization

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[3]
SERVER = ROOT / "infra" / "dev-idp" / "server.js"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def dev_idp(tmp_path_factory):
    node = shutil.which("node")
    if node is None or not (SERVER.parent / "node_modules").is_dir():
        pytest.skip("the dev IdP needs Node.js and infra/dev-idp/node_modules")
    port = _free_port()
    env = {
        **os.environ,
        "DEV_IDP_HOST": "127.0.0.1",
        "DEV_IDP_PORT": str(port),
        "DEV_IDP_STATE_DIR": str(tmp_path_factory.mktemp("dev-idp")),
        "DEV_IDP_EXIT_WITH_PARENT": "1",
    }
    process = subprocess.Popen(
        [node, str(SERVER)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/realms/gip/.well-known/openid-configuration").is_success:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("the dev IdP did not start")
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


@pytest.fixture
async def kc(dev_idp):
    provider = KeycloakIdentityProvider(
        server_url=dev_idp, realm="gip", client_id="gip-ops", client_secret="gip-ops-secret"
    )
    yield provider
    await provider.aclose()


async def _token(url: str, client_id: str, secret: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(
            f"{url}/realms/gip/protocol/openid-connect/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            },
        )


async def test_organisations_are_adopted_or_created_once(kc):
    realm_org = await kc.ensure_organization(
        Organization("hauts-de-seine", "Département des Hauts-de-Seine"), known_id=None
    )
    again = await kc.ensure_organization(
        Organization("hauts-de-seine", "Département des Hauts-de-Seine"), known_id=None
    )
    assert realm_org == again
    new = await kc.ensure_organization(
        Organization("live-test", "Live test", ("live-test.example",)), known_id=None
    )
    renamed = await kc.ensure_organization(Organization("live-test", "Live test 2"), known_id=new)
    assert renamed == new


async def test_users_of_an_organisation(kc):
    org = await kc.ensure_organization(Organization("live-users", "Live users"), known_id=None)
    user, _ = await kc.invite_user(
        org, NewUser("live.user@example.fr", "live.user@example.fr", "Live", None, "member-admin")
    )
    listed = await kc.list_organization_users(org, first=0, max_results=10)
    assert [(u.username, u.roles) for u in listed] == [("live.user@example.fr", ("member-admin",))]
    with pytest.raises(IdpConflict):
        await kc.invite_user(
            org, NewUser("live.user@example.fr", "other@example.fr", None, None, "member-viewer")
        )
    await kc.remove_user(org, user.id)
    assert await kc.list_organization_users(org, first=0, max_results=10) == []
    with pytest.raises(IdpNotFound):
        await kc.remove_user(org, user.id)


async def test_machine_client_tokens_carry_role_organisation_and_audience(kc, dev_idp):
    client = MachineClient("live-partner-1", "Live partner", "partner", "hauts-de-seine")
    idp_id = await kc.ensure_client(client)
    assert await kc.ensure_client(client) == idp_id  # adopted, not made twice
    secret = await kc.new_client_secret(idp_id)
    answer = await _token(dev_idp, "live-partner-1", secret)
    assert answer.status_code == 200
    claims = jwt.decode(answer.json()["access_token"], options={"verify_signature": False})
    assert claims["organization"] == "hauts-de-seine"
    assert "partner" in claims["realm_access"]["roles"]
    assert claims["aud"] == "gip-api" or "gip-api" in claims["aud"]

    rotated = await kc.new_client_secret(idp_id)
    assert (await _token(dev_idp, "live-partner-1", secret)).status_code == 401
    await kc.set_client_enabled(idp_id, False)
    assert (await _token(dev_idp, "live-partner-1", rotated)).status_code in (400, 401)
    await kc.set_client_enabled(idp_id, True)
    assert (await _token(dev_idp, "live-partner-1", rotated)).status_code == 200


async def test_a_realm_client_cannot_be_taken_over(kc):
    with pytest.raises(IdpConflict):
        await kc.ensure_client(MachineClient("gip-ops", "x", "partner", "hauts-de-seine"))
