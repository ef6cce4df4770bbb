"""Health, readiness over every peer, metrics, settings and the command line."""

import subprocess
import sys

import pytest

from gateway.settings import Settings

pytestmark = pytest.mark.anyio


async def test_healthz(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_200_when_every_peer_is_up(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {
        "tenants": "ok",
        "billing": "ok",
        "measure": "ok",
        "reports": "ok",
    }


async def test_readyz_is_503_listing_the_peers_that_are_down(gateway, helpers):
    down = {"peer_billing": helpers.closed_port_url(), "peer_reports": helpers.closed_port_url()}
    async with gateway(**down) as app, helpers.asgi_client(app) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    body = response.json()
    assert body["detail"] == "not ready: billing, reports"
    assert body["checks"] == {
        "tenants": "ok",
        "billing": "unavailable",
        "measure": "ok",
        "reports": "unavailable",
    }


async def test_metrics_label_proxied_requests_by_template(client, auth):
    await client.get("/api/v1/members/hauts-de-seine", headers=auth)
    text = (await client.get("/metrics")).text
    assert 'service="gateway"' in text
    assert "hauts-de-seine" not in text
    assert 'route="/api/v1/{path:path}"' in text


def test_settings_defaults_and_environment(monkeypatch):
    for key in ("GIP_GATEWAY_PORT", "GIP_GATEWAY_RATE_LIMIT_PER_MINUTE", "GIP_PEER_BILLING"):
        monkeypatch.delenv(key, raising=False)
    defaults = Settings()
    assert defaults.port == 8000
    assert defaults.rate_limit_per_minute == 600
    assert defaults.proxy_connect_timeout == 2.0
    assert defaults.proxy_read_timeout == 30.0
    monkeypatch.setenv("GIP_GATEWAY_RATE_LIMIT_PER_MINUTE", "60")
    monkeypatch.setenv("GIP_GATEWAY_PROXY_READ_TIMEOUT", "3.5")
    monkeypatch.setenv("GIP_PEER_BILLING", "http://billing:8002")
    configured = Settings()
    assert configured.rate_limit_per_minute == 60
    assert configured.proxy_read_timeout == 3.5
    assert configured.peer_billing == "http://billing:8002"


PRODUCTION = {"env": "production", "idp_url": "https://sso.gip-mesure.fr"}


def test_production_needs_no_client_secret_for_the_gateway():
    cookie_secret = "s" * 32
    settings = Settings(**PRODUCTION, console_cookie_secret=cookie_secret)
    assert [s.get_secret_value() for s in settings.secrets()] == [cookie_secret]
    assert settings.database_url == ""


@pytest.mark.parametrize(
    ("secret", "refusal"),
    [
        (None, "a development secret is configured"),  # the default
        ("dev-only-change-me", "a development secret is configured"),
        ("", "a secret is empty"),
        ("too-short-for-a-key", "at least 32 characters"),
    ],
)
def test_production_refuses_a_weak_console_cookie_secret(secret, refusal):
    given = {} if secret is None else {"console_cookie_secret": secret}
    with pytest.raises(ValueError, match=refusal):
        Settings(**PRODUCTION, **given)


def test_production_refuses_a_weak_previous_console_cookie_secret():
    current = "c" * 32
    with pytest.raises(ValueError, match="a development secret is configured"):
        Settings(
            **PRODUCTION,
            console_cookie_secret=current,
            console_cookie_previous_secret="dev-only-change-me",
        )
    with pytest.raises(ValueError, match="at least 32 characters"):
        Settings(**PRODUCTION, console_cookie_secret=current, console_cookie_previous_secret="x")
    rotated = Settings(
        **PRODUCTION, console_cookie_secret=current, console_cookie_previous_secret="p" * 32
    )
    assert [s.get_secret_value() for s in rotated.secrets()] == [current, "p" * 32]


def test_command_line_offers_serve():
    result = subprocess.run(
        [sys.executable, "-m", "gateway", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0
    assert "serve" in result.stdout
    assert "migrate" not in result.stdout
