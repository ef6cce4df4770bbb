"""The identifier checks, on known values and on generated ones."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gipkit.uai import UAI_LETTERS, UAI_PATTERN, uai_problem
from tenants.common import validation as v
from tenants.testing import networks, sirens, uais


@pytest.mark.parametrize("uai", ["0750655E", "0690026D"])
def test_known_uais_are_valid(uai):
    assert uai_problem(uai) is None


@pytest.mark.parametrize(
    ("uai", "why"),
    [
        ("0750655F", "key letter of 0750655 is E"),
        ("075065E", "7 digits"),
        ("0750655e", "7 digits"),
        ("07506550", "7 digits"),
    ],
)
def test_wrong_uais_say_why(uai, why):
    assert why in uai_problem(uai)


@given(uais)
def test_every_generated_uai_matches_the_documented_pattern(uai):
    assert uai_problem(uai) is None
    assert re.search(UAI_PATTERN, uai)


@given(st.integers(0, 10**7 - 1))
def test_exactly_one_key_letter_per_number(number):
    digits = f"{number:07d}"
    valid = [c for c in UAI_LETTERS if uai_problem(digits + c) is None]
    assert valid == [UAI_LETTERS[number % 23]]


def test_key_alphabet_has_no_i_o_q():
    assert len(UAI_LETTERS) == 23
    assert not set("IOQ") & set(UAI_LETTERS)


@pytest.mark.parametrize("siren", ["180020026", "229200506", "237500079"])
def test_known_sirens_are_valid(siren):
    assert v.siren_problem(siren) is None


@pytest.mark.parametrize("siren", ["180020027", "18002002", "1800200260", "18002002A"])
def test_wrong_sirens_are_refused(siren):
    assert v.siren_problem(siren) is not None


@given(sirens)
def test_generated_sirens_are_valid(siren):
    assert v.siren_problem(siren) is None


@pytest.mark.parametrize(
    ("year", "ok"),
    [("2025-2026", True), ("2025-2027", False), ("2025/2026", False), ("1999-2000", False)],
)
def test_school_years(year, ok):
    assert (v.school_year_problem(year) is None) is ok
    assert bool(re.search(v.SCHOOL_YEAR_PATTERN, year)) is ok


def test_school_year_boundaries():
    from datetime import date

    assert v.school_year_of(date(2025, 8, 31)) == "2024-2025"
    assert v.school_year_of(date(2025, 9, 1)) == "2025-2026"
    assert v.school_year_start("2025-2026") == date(2025, 9, 1)


@pytest.mark.parametrize(
    ("cidr", "normal"),
    [
        ("192.0.2.0/24", "192.0.2.0/24"),
        ("2001:DB8:42::/48", "2001:db8:42::/48"),
        ("203.0.113.7/32", "203.0.113.7/32"),
    ],
)
def test_networks_are_normalised(cidr, normal):
    assert str(v.parse_network(cidr)) == normal


@pytest.mark.parametrize(
    ("cidr", "why"),
    [
        ("192.0.2.1/24", "host bits"),
        ("192.0.2.0", "CIDR"),
        ("10.0.0.0/7", "/8 or narrower"),
        ("2001::/16", "/32 or narrower"),
        ("127.0.0.0/8", "loopback"),
        ("224.0.0.0/8", "multicast"),
        ("fe80::/64", "link-local"),
        ("300.0.0.0/8", "not an IPv4 or IPv6 network"),
    ],
)
def test_bad_networks_say_why(cidr, why):
    with pytest.raises(ValueError, match=why):
        v.parse_network(cidr)


@given(networks)
def test_generated_networks_are_accepted(cidr):
    assert str(v.parse_network(cidr)) == cidr


@pytest.mark.parametrize(
    ("origin", "ok"),
    [
        ("https://ent.hauts-de-seine.fr", True),
        ("http://localhost:8080", True),
        ("https://ent.example.fr:65535", True),
        ("https://ent.example.fr:65536", False),
        ("https://ent.example.fr/", False),
        ("https://ENT.example.fr", False),
        ("ftp://ent.example.fr", False),
    ],
)
def test_origins(origin, ok):
    assert bool(re.search(v.ORIGIN_PATTERN, origin)) is ok
