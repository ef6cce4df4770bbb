"""Settings shared by every service, read from the environment.

Platform-wide values (environment, IdP, peers) use fixed `GIP_*` names so that one compose
file or ConfigMap sets them once; a service's own values (database, port, its client
credentials) use the service's prefix, e.g. `GIP_TENANTS_DATABASE_URL`.
"""

from __future__ import annotations

from ipaddress import ip_address
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The dev realm's published secrets (DESIGN.md fixture table): never acceptable in production.
DEV_SECRETS = frozenset(
    {
        "gip-ops-secret",
        "demo-partner-secret",
        "demo-ent-secret",
        "svc-billing-secret",
        "svc-measure-secret",
        "svc-reports-secret",
        "svc-tenants-secret",
        "dev-only-change-me",
    }
)

Environment = Literal["dev", "test", "production"]


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


class ServiceSettings(BaseSettings):
    """Base class: a service subclasses it and sets `env_prefix` and its own defaults."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, env_file=None)

    # --- platform-wide -------------------------------------------------------------------
    env: Environment = Field("dev", validation_alias="GIP_ENV")
    idp_url: str = Field("http://127.0.0.1:8080", validation_alias="GIP_IDP_URL")
    realm: str = Field("gip", validation_alias="GIP_REALM")
    oidc_issuer: str | None = Field(None, validation_alias="GIP_OIDC_ISSUER")
    oidc_audience: str = Field("gip-api", validation_alias="GIP_OIDC_AUDIENCE")
    cors_origins: list[str] = Field(default_factory=list, validation_alias="GIP_CORS_ORIGINS")
    log_level: str = Field("INFO", validation_alias="GIP_LOG_LEVEL")
    peer_tenants: str = Field("http://127.0.0.1:8001", validation_alias="GIP_PEER_TENANTS")
    peer_billing: str = Field("http://127.0.0.1:8002", validation_alias="GIP_PEER_BILLING")
    peer_measure: str = Field("http://127.0.0.1:8003", validation_alias="GIP_PEER_MEASURE")
    peer_reports: str = Field("http://127.0.0.1:8004", validation_alias="GIP_PEER_REPORTS")

    # --- the service's own (prefixed) ----------------------------------------------------
    database_url: str = "sqlite+aiosqlite:///var/service.db"
    host: str = "127.0.0.1"
    port: int = 8000
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    # After startup, the heap that lives as long as the process is frozen out of the cyclic
    # collector's sight (gipkit.heap). None: on, but in tests, where apps start and stop many
    # times in one process and what a freeze keeps would never be freed.
    gc_freeze: bool | None = None

    @property
    def settles_heap(self) -> bool:
        return self.env != "test" if self.gc_freeze is None else self.gc_freeze

    @property
    def issuer(self) -> str:
        return self.oidc_issuer or f"{self.idp_url.rstrip('/')}/realms/{self.realm}"

    @property
    def jwks_url(self) -> str:
        base = f"{self.idp_url.rstrip('/')}/realms/{self.realm}"
        return f"{base}/protocol/openid-connect/certs"

    @property
    def token_url(self) -> str:
        base = f"{self.idp_url.rstrip('/')}/realms/{self.realm}"
        return f"{base}/protocol/openid-connect/token"

    def secrets(self) -> list[SecretStr]:
        """Every secret this settings object holds; subclasses add theirs."""
        return [self.client_secret]

    @model_validator(mode="after")
    def _refuse_dev_values_in_production(self) -> ServiceSettings:
        if self.env != "production":
            return self
        problems = []
        if any(s.get_secret_value() in DEV_SECRETS for s in self.secrets()):
            problems.append("a development secret is configured")
        if any(not s.get_secret_value() for s in self.secrets()):
            problems.append("a secret is empty")
        if _is_loopback(self.idp_url) or _is_loopback(self.issuer):
            problems.append("the IdP is the local development IdP")
        if self.database_url.startswith("sqlite"):
            problems.append("SQLite is for development only")
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self
