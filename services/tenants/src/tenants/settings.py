from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from gipkit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GIP_TENANTS_")

    database_url: str = "sqlite+aiosqlite:///var/tenants.db"
    port: int = 8001
    client_id: str = "svc-tenants"
    client_secret: SecretStr = SecretStr("svc-tenants-secret")

    # The confidential client tenants provisions the IdP with (organisations, users, clients):
    # its service account needs the realm's admin rights (gip-admin in the dev realm).
    idp_admin_client_id: str = "gip-ops"
    idp_admin_client_secret: SecretStr = SecretStr("gip-ops-secret")
    # A provisioning call that takes longer is treated as the IdP being unavailable.
    idp_timeout_seconds: float = Field(10.0, gt=0)

    def secrets(self) -> list[SecretStr]:
        return [*super().secrets(), self.idp_admin_client_secret]
