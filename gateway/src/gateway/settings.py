"""The gateway's settings: `GIP_GATEWAY_*` for its own values, `GIP_PEER_*` for the services."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from gipkit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GIP_GATEWAY_")

    port: int = 8000
    # The gateway keeps no data (create_app(use_database=False)); an empty URL also keeps the
    # base class from refusing a development SQLite URL in production.
    database_url: str = ""

    # Per-client token bucket: the steady rate, and how many requests may come at once.
    # `rate_limit_per_minute <= 0` turns the limit off.
    rate_limit_per_minute: float = 600
    rate_limit_burst: int = Field(100, ge=1)
    # Upper bound on the clients tracked at once; the least recently seen are forgotten first.
    rate_limit_max_clients: int = Field(100_000, ge=1)

    # The one shared client that forwards requests to the services.
    proxy_connect_timeout: float = 2.0
    proxy_read_timeout: float = 30.0
    proxy_write_timeout: float = 30.0
    proxy_pool_timeout: float = 5.0
    proxy_max_connections: int = 200
    proxy_max_keepalive: int = 50
    # Seconds a client is told to wait (Retry-After) when a service cannot be reached.
    proxy_retry_after: int = Field(5, ge=1)

    # The merged OpenAPI document: each service's is fetched with this timeout and kept this long.
    openapi_fetch_timeout: float = 2.0
    openapi_cache_seconds: float = 60.0

    # The console: where browsers reach the gateway (OIDC redirect URIs are built from it), its
    # public OIDC client, and how long an idle console session lives.
    public_url: str = "http://127.0.0.1:8000"
    console_client_id: str = "gip-console"
    console_session_seconds: int = Field(8 * 3600, ge=60)
    # Seals console sessions into their cookies (AES-GCM under a key derived from it): every
    # replica must share it.
    console_cookie_secret: SecretStr = SecretStr("dev-only-change-me")
    # The secret before the last rotation: cookies it sealed are still opened (and sealed anew
    # with the current one), so a rotation logs nobody out. Drop it a session lifetime later.
    console_cookie_previous_secret: SecretStr | None = None

    def secrets(self) -> list[SecretStr]:
        """The console's cookie secrets, the current one first. The gateway verifies tokens
        and forwards them: it holds no client secret (the base class would otherwise refuse its
        empty `client_secret` in production)."""
        previous = self.console_cookie_previous_secret
        return [self.console_cookie_secret, *([previous] if previous is not None else [])]

    @model_validator(mode="after")
    def _cookie_secret_strength(self) -> Settings:
        if self.env == "production" and any(len(s.get_secret_value()) < 32 for s in self.secrets()):
            raise ValueError("console cookie secrets: at least 32 characters each")
        return self
