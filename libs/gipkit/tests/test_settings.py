import pytest
from pydantic import SecretStr, ValidationError
from pydantic_settings import SettingsConfigDict

from gipkit.settings import ServiceSettings


class DemoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GIP_DEMO_")
    port: int = 8099
    client_secret: SecretStr = SecretStr("svc-billing-secret")


def test_service_values_use_the_service_prefix(monkeypatch):
    monkeypatch.setenv("GIP_DEMO_PORT", "9123")
    monkeypatch.setenv("GIP_DEMO_DATABASE_URL", "postgresql://u@h/db")
    s = DemoSettings()
    assert s.port == 9123
    assert s.database_url == "postgresql://u@h/db"


def test_platform_values_are_shared_names(monkeypatch):
    monkeypatch.setenv("GIP_IDP_URL", "http://keycloak:8080")
    monkeypatch.setenv("GIP_PEER_TENANTS", "http://tenants:8001")
    s = DemoSettings()
    assert s.issuer == "http://keycloak:8080/realms/gip"
    assert s.jwks_url == "http://keycloak:8080/realms/gip/protocol/openid-connect/certs"
    assert s.peer_tenants == "http://tenants:8001"


def test_issuer_can_differ_from_the_backchannel_url(monkeypatch):
    monkeypatch.setenv("GIP_IDP_URL", "http://keycloak:8080")
    monkeypatch.setenv("GIP_OIDC_ISSUER", "https://login.gip.fr/realms/gip")
    assert DemoSettings().issuer == "https://login.gip.fr/realms/gip"


def test_dev_defaults_are_fine_outside_production():
    assert DemoSettings(env="dev").client_secret.get_secret_value() == "svc-billing-secret"


PROD = {
    "GIP_ENV": "production",
    "GIP_IDP_URL": "https://login.gip.fr",
    "GIP_DEMO_DATABASE_URL": "postgresql://u@db/demo",
    "GIP_DEMO_CLIENT_SECRET": "a-real-long-random-secret",
}


def test_production_with_real_values_starts(monkeypatch):
    for k, v in PROD.items():
        monkeypatch.setenv(k, v)
    assert DemoSettings().env == "production"


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("GIP_DEMO_CLIENT_SECRET", "svc-billing-secret", "development secret"),
        ("GIP_DEMO_CLIENT_SECRET", "", "empty"),
        ("GIP_IDP_URL", "http://127.0.0.1:8080", "development IdP"),
        ("GIP_IDP_URL", "http://localhost:8080", "development IdP"),
        ("GIP_DEMO_DATABASE_URL", "sqlite:///var/demo.db", "SQLite"),
    ],
)
def test_production_refuses_dev_values(monkeypatch, key, value, reason):
    for k, v in PROD.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError, match=reason):
        DemoSettings()
