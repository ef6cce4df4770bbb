"""Settings of measure (`GIP_MEASURE_*`), with development defaults."""

import tempfile
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from gipkit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GIP_MEASURE_")

    database_url: str = "sqlite+aiosqlite:///var/measure.db"
    port: int = 8003
    client_id: str = "svc-measure"
    client_secret: SecretStr = SecretStr("svc-measure-secret")

    # The secret each project's pseudonymisation key is derived from (per project and school
    # year). Changing it changes every pseudonym: set it once per deployment, keep it safe.
    pseudonym_secret: SecretStr = SecretStr("dev-only-change-me")
    # Raw hits are kept this many months (CNIL guidance for audience measurement: 25).
    retention_months: int = Field(25, ge=1, le=120)
    # One ingestion request: at most this many hits and this many bytes (decompressed).
    max_batch_hits: int = Field(10_000, ge=1, le=100_000)
    max_body_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    # How far in the future a hit's timestamp may be (clock skew of the ENT's servers).
    max_future_seconds: int = Field(300, ge=0)
    # The browser tag: requests per minute and client IP.
    collect_per_minute: int = Field(600, ge=1)
    # How long answers from tenants are reused.
    directory_ttl_seconds: float = Field(60.0, ge=0)
    # Requests of at most this many hits share transactions (group commit; 0: never).
    group_commit_max_request_hits: int = Field(20, ge=0)
    # How long a group commit may wait for requests already being checked, so that under load
    # a transaction takes many of them (fewer commits: more requests per second, and less
    # queueing). A lone request does not wait.
    group_commit_gather_ms: float = Field(5.0, ge=0, le=100)
    # The rollup (visitor-day facts) runs after ingestion, in the background: woken by each
    # batch, or every `rollup_interval_seconds` for marks other processes left. Inline: the
    # answer to a batch waits for its rollup (read-your-writes; tests).
    rollup_inline: bool = False
    # False: this process leaves the rollup to others (`python -m measure rollup --follow`, a
    # deployment of its own), and spends its CPU on ingestion alone.
    rollup_in_process: bool = True
    rollup_interval_seconds: float = Field(5.0, gt=0)
    rollup_batch_marks: int = Field(5_000, ge=1)
    # `rollup --follow` touches this file after every pass; `rollup --alive` (the worker's
    # health check) says whether it did so lately.
    rollup_heartbeat_file: Path = Path(tempfile.gettempdir()) / "measure-rollup.alive"
    # `rollup --follow` lowers its CPU priority by this much (nice(2)): where it shares cores
    # with the API and PostgreSQL, a burst of hits is answered first and the figures catch up
    # on the idle CPU (`data_cutoff` says how far they go). 0 keeps the priority it was given.
    rollup_nice: int = Field(10, ge=0, le=19)
    # `python -m measure demo`: where to post hits and as which ENT client.
    demo_url: str = "http://127.0.0.1:8000"
    demo_client_id: str = "demo-ent"
    demo_client_secret: SecretStr = SecretStr("demo-ent-secret")

    def secrets(self) -> list[SecretStr]:
        return [self.client_secret, self.pseudonym_secret]
