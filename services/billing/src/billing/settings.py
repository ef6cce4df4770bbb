"""Settings of billing (`GIP_BILLING_*`), with development defaults.

The seller identity printed on invoices and in their Factur-X XML is the GIP's; the defaults
are a fictitious but well-formed identity (SIREN/SIRET check digits, French VAT number key)
so that the XML validates in development. Production sets its own.
"""

from datetime import date

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from billing.core.thresholds import DEFAULT_THRESHOLDS, Threshold
from gipkit.settings import ServiceSettings


class ThresholdSetting(BaseModel):
    valid_from: date
    amount_cents: int = Field(ge=0)


class Seller(BaseModel):
    name: str = "GIP Mesure des ENT (développement)"
    siren: str = "130026032"
    siret: str = "13002603200016"
    vat_id: str = "FR77130026032"
    address_line: str = "56 rue de Lille"
    postcode: str = "75007"
    city: str = "Paris"
    country: str = "FR"
    iban: str | None = None
    email: str = "facturation@gip-mesure.example"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GIP_BILLING_", env_nested_delimiter="__")

    database_url: str = "sqlite+aiosqlite:///var/billing.db"
    port: int = 8002
    client_id: str = "svc-billing"
    client_secret: SecretStr = SecretStr("svc-billing-secret")

    # GIP_BILLING_SELLER__NAME, GIP_BILLING_SELLER__SIREN, …
    seller: Seller = Field(default_factory=Seller)
    # Convention shares of the base cost between colleges (relative parts; 1,1,1 = thirds),
    # used when a run does not say otherwise; each run stores the shares it used.
    college_shares: dict[str, int] = Field(
        default_factory=lambda: {"cdc": 1, "state": 1, "collectivites": 1}
    )
    # No-publicity procurement thresholds (HT), dated: the one in force on a run's
    # reference date applies. JSON, e.g. [{"valid_from":"2026-04-01","amount_cents":6000000}]
    procurement_thresholds: list[ThresholdSetting] = Field(
        default_factory=lambda: [
            ThresholdSetting(valid_from=t.valid_from, amount_cents=t.amount_cents)
            for t in DEFAULT_THRESHOLDS
        ]
    )
    payment_terms_days: int = Field(30, ge=0, le=365)
    # Members' list is read from tenants page by page.
    peer_page_size: int = Field(500, ge=1, le=500)
    # `python -m billing demo`: where billing answers, the year it prepares, who it acts as.
    demo_url: str = "http://127.0.0.1:8002"
    demo_year: int | None = None
    demo_client_id: str = "gip-ops"
    demo_client_secret: SecretStr = SecretStr("gip-ops-secret")

    def thresholds(self) -> tuple[Threshold, ...]:
        return tuple(Threshold(t.valid_from, t.amount_cents) for t in self.procurement_thresholds)

    def secrets(self) -> list[SecretStr]:
        return [self.client_secret]
