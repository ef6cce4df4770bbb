"""Hypothesis strategies for tenants' identifiers, and their registration with schemathesis.

Test-only (hypothesis and schemathesis are development dependencies): the OpenAPI document's
custom string formats (`fr-siren`, `fr-uai`, `cidr`) carry rules a regular expression cannot
(check digits, network rules); schemathesis generates values of them from these strategies.
"""

from __future__ import annotations

import ipaddress

import schemathesis
from hypothesis import strategies as st
from stdnum import luhn

from gipkit.uai import uai_check_letter
from tenants.common import validation as v

sirens = (
    st.integers(0, 10**8 - 1).map(lambda n: f"{n:08d}").map(lambda d: d + luhn.calc_check_digit(d))
)
uais = st.integers(0, 10**7 - 1).map(lambda n: f"{n:07d}").map(lambda d: d + uai_check_letter(d))


def _network(version: int, address: int, prefix: int) -> str:
    cls = ipaddress.IPv4Network if version == 4 else ipaddress.IPv6Network
    return str(cls((address, prefix), strict=False))


def _acceptable(cidr: str) -> bool:
    try:
        v.parse_network(cidr)
    except ValueError:
        return False
    return True


networks = st.one_of(
    st.builds(_network, st.just(4), st.integers(0, 2**32 - 1), st.integers(8, 32)),
    st.builds(_network, st.just(6), st.integers(0, 2**128 - 1), st.integers(32, 128)),
).filter(_acceptable)


def register_formats() -> None:
    schemathesis.openapi.format(v.SIREN_FORMAT, sirens)
    schemathesis.openapi.format(v.UAI_FORMAT, uais)
    schemathesis.openapi.format(v.CIDR_FORMAT, networks)
