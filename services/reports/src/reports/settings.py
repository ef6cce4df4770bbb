from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from gipkit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GIP_REPORTS_")

    database_url: str = "sqlite+aiosqlite:///var/reports.db"
    port: int = 8004
    client_id: str = "svc-reports"
    client_secret: SecretStr = SecretStr("svc-reports-secret")
