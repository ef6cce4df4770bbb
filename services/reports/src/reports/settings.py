from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from gipkit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GIP_REPORTS_")

    database_url: str = "sqlite+aiosqlite:///var/reports.db"
    port: int = 8004
    client_id: str = "svc-reports"
    client_secret: SecretStr = SecretStr("svc-reports-secret")

    # --- notes ---------------------------------------------------------------------------
    notes_prestation: str = Field(
        "notes-synthese", description="billing's code of the synthesis-notes option"
    )
    secrecy_threshold: int = Field(3, ge=2, description="Fewest distinct visitors of a cell")
    top_services: int = Field(10, ge=1, le=50)
    entitlement_cache_seconds: float = Field(
        60.0, ge=0, description="How long an entitlement answer of billing is reused"
    )

    # --- usage delivery to billing (outbox) ---------------------------------------------
    usage_delivery_enabled: bool = True
    usage_delivery_interval_seconds: float = Field(15.0, gt=0)
    usage_batch_size: int = Field(100, ge=1, le=1000)
    usage_max_attempts: int = Field(
        30, ge=1, description="After this many failed deliveries a usage is parked as failed"
    )
    usage_backoff_seconds: float = Field(10.0, ge=0)
    usage_backoff_max_seconds: float = Field(3600.0, ge=0)

    # --- open data -----------------------------------------------------------------------
    open_data_concurrency: int = Field(4, ge=1, le=32, description="Parallel calls to measure")
    open_data_delay_days: int = Field(
        1, ge=0, description="Days after its Sunday before a week counts as closed"
    )
