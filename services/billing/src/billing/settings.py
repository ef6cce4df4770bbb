from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from gipkit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GIP_BILLING_")

    database_url: str = "sqlite+aiosqlite:///var/billing.db"
    port: int = 8002
    client_id: str = "svc-billing"
    client_secret: SecretStr = SecretStr("svc-billing-secret")
