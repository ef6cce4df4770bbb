"""Largest-remainder apportionment: exact sums, known tables, the documented tie-break."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.core.apportion import NothingToWeigh, apportion, round_half_up

slugs = st.text(alphabet="abcdefghij-", min_size=1, max_size=6)
weights = st.one_of(
    st.integers(0, 10**7),
    st.fractions(min_value=0, max_value=10**6, max_denominator=366),
)


@given(
    total=st.integers(0, 10**11),
    parts=st.dictionaries(slugs, weights, min_size=1, max_size=40).filter(
        lambda d: sum(d.values()) > 0
    ),
)
def test_parts_add_up_exactly_and_stay_within_a_cent(total, parts):
    result = apportion(total, parts)
    assert sum(p.amount for p in result.values()) == total
    for key, part in result.items():
        assert abs(part.amount - part.exact) < 1
        assert part.amount >= 0
        if parts[key] == 0:
            assert part.amount == 0


@given(total=st.integers(0, 10**9), parts=st.dictionaries(slugs, st.integers(1, 1000), min_size=1))
def test_result_does_not_depend_on_the_order_of_the_parts(total, parts):
    forward = apportion(total, parts)
    backward = apportion(total, dict(reversed(list(parts.items()))))
    assert {k: p.amount for k, p in forward.items()} == {k: p.amount for k, p in backward.items()}


def test_327000_euros_in_thirds_is_109000_each():
    result = apportion(32_700_000, {"cdc": 1, "state": 1, "collectivites": 1})
    assert {k: p.amount for k, p in result.items()} == {
        "cdc": 10_900_000,
        "state": 10_900_000,
        "collectivites": 10_900_000,
    }
    assert all(p.fraction == Fraction(1, 3) for p in result.values())


def test_one_cent_left_goes_to_the_largest_remainder():
    # 100 cents by 1:2 → 33.33 and 66.67: the remainder .67 wins the cent.
    result = apportion(100, {"a": 1, "b": 2})
    assert (result["a"].amount, result["b"].amount) == (33, 67)


def test_equal_remainders_go_to_the_larger_weight():
    # 10 cents by 1.5:3:... → remainders tie; larger weight wins.
    result = apportion(1, {"small": Fraction(1), "large": Fraction(1)})
    assert result["large"].amount + result["small"].amount == 1
    result = apportion(3, {"a": 1, "b": 1, "c": 2})
    # quotas .75 .75 1.5 → floors 0 0 1; remainders .75 .75 .5: a and b get a cent each.
    assert (result["a"].amount, result["b"].amount, result["c"].amount) == (1, 1, 1)
    result = apportion(5, {"x": 2, "y": 4, "z": 4})
    # quotas 1, 2, 2 exactly: no leftover.
    assert (result["x"].amount, result["y"].amount, result["z"].amount) == (1, 2, 2)
    result = apportion(1, {"light": 1, "heavy": 3, "zzz": 0})
    # quotas .25/.75: heavy has the larger remainder anyway.
    assert result["heavy"].amount == 1


def test_equal_remainder_and_weight_go_to_the_first_slug():
    result = apportion(2, {"b": 1, "a": 1, "c": 1})
    assert (result["a"].amount, result["b"].amount, result["c"].amount) == (1, 1, 0)


def test_tie_on_remainder_broken_by_weight_before_slug():
    # quotas: a=1/3*... construct equal remainders with different weights:
    # total 2, weights a=1, b=1, c=4 → quotas 1/3, 1/3, 4/3 → floors 0,0,1, remainders 1/3 each;
    # one cent left → the larger weight (c) gets it although "a" sorts first.
    result = apportion(2, {"a": 1, "b": 1, "c": 4})
    assert (result["a"].amount, result["b"].amount, result["c"].amount) == (0, 0, 2)


def test_all_zero_weights_are_refused():
    with pytest.raises(NothingToWeigh):
        apportion(100, {"a": 0, "b": 0})


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError):
        apportion(-1, {"a": 1})
    with pytest.raises(ValueError):
        apportion(1, {"a": -1, "b": 2})


def test_round_half_up():
    assert round_half_up(Fraction(5, 2)) == 3
    assert round_half_up(Fraction(3, 2)) == 2
    assert round_half_up(Fraction(-5, 2)) == -3
    assert round_half_up(Fraction(249, 100)) == 2
