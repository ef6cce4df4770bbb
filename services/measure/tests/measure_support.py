"""Test data of measure: two organisations' projects, their establishments over time, and a
hit builder."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from gipkit.testing.tokens import CLOSED_PEERS, TEST_ISSUER
from measure.common.directory import Attachment, Project, StaticDirectory
from measure.settings import Settings

# Hauts-de-Seine funds one project; Île-de-France another; the école moves between them on
# 1 September 2026 (an establishment changes project at a school-year boundary).
HDS_SITE, IDF_SITE = "920001", "750001"
COLLEGE, LYCEE, ECOLE = "0920001B", "0750655E", "0690026D"
HDS = Project(
    slug="ent-92",
    site_id=HDS_SITE,
    members=("hauts-de-seine",),
    allowed_origins=("https://ent.hauts-de-seine.example",),
    attachments=(
        Attachment(COLLEGE, date(2020, 9, 1), None),
        Attachment(ECOLE, date(2020, 9, 1), date(2026, 8, 31)),
    ),
)
IDF = Project(
    slug="monlycee",
    site_id=IDF_SITE,
    members=("ile-de-france",),
    allowed_origins=("https://monlycee.example",),
    attachments=(
        Attachment(LYCEE, date(2020, 9, 1), None),
        Attachment(ECOLE, date(2026, 9, 1), None),
    ),
)


def directory() -> StaticDirectory:
    return StaticDirectory(
        projects=[HDS, IDF], network_map={COLLEGE: ["192.0.2.0/24", "2001:db8:92::/48"]}
    )


_counter = iter(range(10**9))


def hit(ts: datetime | str, **overrides: Any) -> dict[str, Any]:
    moment = ts if isinstance(ts, str) else ts.astimezone(UTC).isoformat()
    body: dict[str, Any] = {
        "event_id": f"e{next(_counter)}",
        "ts": moment,
        "site": HDS_SITE,
        "uai": COLLEGE,
        "user": "eleve-1",
        "profile": "1",
        "service": "3",
        "page": "notes",
    }
    body.update(overrides)
    return body


def measure_settings(**overrides: object) -> Settings:
    """Test settings: the test issuer, and every peer and the IdP on closed ports."""
    values: dict[str, object] = {
        "env": "test",
        "oidc_issuer": TEST_ISSUER,
        "idp_url": "http://127.0.0.1:9",
        # Figures right after each batch; the background worker has its own tests.
        "rollup_inline": True,
        **CLOSED_PEERS,
    }
    values.update(overrides)
    return Settings(**values)
