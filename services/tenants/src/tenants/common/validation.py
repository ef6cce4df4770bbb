"""Checks of the identifiers tenants stores: SIREN, UAI, school years, networks, origins.

Each check exists twice on purpose: as a function (used by services and the CSV import), and
as a JSON-Schema `pattern` + `format` on the API, so that what the OpenAPI document promises
is exactly what the service accepts. The custom formats (`fr-siren`, `fr-uai`, `cidr`) name
the checksum/semantic rules a regular expression cannot carry. The UAI's function and pattern
are `gipkit.uai`'s: measure checks UAIs too.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren as stdnum_siren

from gipkit.french import Reason

# --- slugs ---------------------------------------------------------------------------------

# DNS-label shaped: what Keycloak accepts as an organisation alias and client id, and safe in
# URLs. 1 to 63 characters, lowercase letters, digits and inner hyphens.
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
_SLUG = re.compile(SLUG_PATTERN)


def is_slug(value: str) -> bool:
    return bool(_SLUG.fullmatch(value))


# --- free text ------------------------------------------------------------------------------

# No control characters (PostgreSQL refuses NUL in text; the rest have no place in a name) and
# no leading space. Character classes only: JSON Schema (ECMA), pydantic (Rust) and Python's
# `re` agree on them, which they do not on `\s`.
TEXT_PATTERN = r"^[^\x00-\x20\x7f][^\x00-\x1f\x7f]*$"

# --- SIREN ----------------------------------------------------------------------------------

SIREN_PATTERN = r"^[0-9]{9}$"
SIREN_FORMAT = "fr-siren"


def siren_problem(value: str) -> Reason | None:
    """Why `value` is not a SIREN (9 digits with a Luhn key), or None if it is one."""
    if not re.fullmatch(r"[0-9]{9}", value):
        return Reason("a SIREN is 9 digits", fr="un SIREN s'écrit de 9 chiffres")
    try:
        stdnum_siren.validate(value)
    except StdnumError:
        return Reason(
            "not a valid SIREN: its check digit is wrong",
            fr="SIREN non valide : son chiffre de contrôle est faux",
        )
    return None


# --- UAI ------------------------------------------------------------------------------------

# The check (`uai_problem`) and its pattern (`UAI_PATTERN`) are `gipkit.uai`'s, shared with
# measure; the format names the key-letter rule on tenants' API.
UAI_FORMAT = "fr-uai"


# --- school years ---------------------------------------------------------------------------

FIRST_SCHOOL_YEAR = 2000
LAST_SCHOOL_YEAR = 2098
# `2025-2026`: the second year follows the first. A regular expression cannot add one, so the
# pattern lists the years tenants accepts (2000-2001 … 2098-2099).
SCHOOL_YEAR_PATTERN = (
    "^(?:" + "|".join(f"{y}-{y + 1}" for y in range(FIRST_SCHOOL_YEAR, LAST_SCHOOL_YEAR + 1)) + ")$"
)


def school_year_problem(value: str) -> Reason | None:
    m = re.fullmatch(r"([0-9]{4})-([0-9]{4})", value)
    if not m:
        return Reason(
            "a school year is written like 2025-2026",
            fr="une année scolaire s'écrit comme 2025-2026",
        )
    first, second = int(m[1]), int(m[2])
    if second != first + 1:
        return Reason(
            "a school year spans two consecutive years, like 2025-2026",
            fr="une année scolaire couvre deux années qui se suivent, comme 2025-2026",
        )
    if not FIRST_SCHOOL_YEAR <= first <= LAST_SCHOOL_YEAR:
        return Reason(
            f"school years run from {FIRST_SCHOOL_YEAR} to {LAST_SCHOOL_YEAR + 1}",
            fr=f"les années scolaires vont de {FIRST_SCHOOL_YEAR} à {LAST_SCHOOL_YEAR + 1}",
        )
    return None


def school_year_start(school_year: str) -> date:
    """1 September of the school year's first year (DESIGN.md §4: 1 Sept – 31 Aug)."""
    return date(int(school_year[:4]), 9, 1)


def school_year_of(day: date) -> str:
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


# --- networks -------------------------------------------------------------------------------

CIDR_FORMAT = "cidr"
# Broader than this, a "network of an establishment" would make half the Internet "inside".
MIN_PREFIX = {4: 8, 6: 32}


def parse_network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """An establishment's declared network, or ValueError saying why it is not one."""
    if "/" not in value:
        raise ValueError(
            Reason(
                "a network is written in CIDR notation, like 192.0.2.0/24",
                fr="un réseau s'écrit en notation CIDR, comme 192.0.2.0/24",
            )
        )
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        if "host bits set" in str(exc):
            loose = ipaddress.ip_network(value, strict=False)
            raise ValueError(
                Reason(
                    f"host bits are set; the network is {loose}",
                    fr=f"des bits d'hôte sont à 1 ; le réseau est {loose}",
                )
            ) from None
        raise ValueError(
            Reason(
                f"not an IPv4 or IPv6 network: {exc}",
                fr=f"ce n'est pas un réseau IPv4 ni IPv6 ({exc})",
            )
        ) from None
    if network.prefixlen < MIN_PREFIX[network.version]:
        raise ValueError(
            Reason(
                f"an IPv{network.version} network must be /{MIN_PREFIX[network.version]} "
                "or narrower",
                fr=f"un réseau IPv{network.version} doit être un /{MIN_PREFIX[network.version]} "
                "ou plus étroit",
            )
        )
    if (
        network.is_loopback
        or network.is_multicast
        or network.is_link_local
        or network.is_unspecified
        or network.is_reserved
    ):
        raise ValueError(
            Reason(
                "loopback, link-local, multicast and reserved ranges are not networks",
                fr="les plages de bouclage, lien-local, multidiffusion et réservées ne sont pas "
                "des réseaux d'établissement",
            )
        )
    return network


# --- browser origins ------------------------------------------------------------------------

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PORT = r"(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
# An origin as browsers send it: scheme, lowercase host, optional port, no path.
ORIGIN_PATTERN = rf"^https?://{_LABEL}(?:\.{_LABEL})*(?::{_PORT})?$"

# --- e-mail and internet domains ------------------------------------------------------------

EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$"
DOMAIN_PATTERN = rf"^{_LABEL}(?:\.{_LABEL})*\.[a-z]{{2,63}}$"
