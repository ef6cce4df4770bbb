from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from gipkit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GIP_TENANTS_")

    database_url: str = "sqlite+aiosqlite:///var/tenants.db"
    port: int = 8001
    client_id: str = "svc-tenants"
    client_secret: SecretStr = SecretStr("svc-tenants-secret")
