from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from gipkit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GIP_MEASURE_")

    database_url: str = "sqlite+aiosqlite:///var/measure.db"
    port: int = 8003
    client_id: str = "svc-measure"
    client_secret: SecretStr = SecretStr("svc-measure-secret")
