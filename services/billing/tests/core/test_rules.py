"""Pro-rating, thresholds, college redistribution, in-kind deduction, voting weights."""

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.core.colleges import NoPayingCollege, split_between_colleges
from billing.core.inkind import deduct_in_kind
from billing.core.prorata import days_between, overlap_days, union_days
from billing.core.thresholds import DEFAULT_THRESHOLDS, Threshold, over_threshold, threshold_on
from billing.core.voting import voting_weights

Y0, Y1 = date(2026, 1, 1), date(2026, 12, 31)


def test_days_of_a_year_and_of_a_leap_year():
    assert days_between(Y0, Y1) == 365
    assert days_between(date(2028, 1, 1), date(2028, 12, 31)) == 366
    assert days_between(Y1, Y0) == 0


def test_mid_year_start_is_pro_rated():
    assert overlap_days(date(2026, 7, 1), None, Y0, Y1) == 184
    assert overlap_days(None, date(2026, 1, 31), Y0, Y1) == 31
    assert overlap_days(date(2025, 1, 1), date(2025, 12, 31), Y0, Y1) == 0


def test_overlapping_subscriptions_count_once():
    ranges = [(date(2026, 1, 1), date(2026, 6, 30)), (date(2026, 6, 1), date(2026, 7, 31))]
    assert union_days(ranges, Y0, Y1) == 212
    adjacent = [(date(2026, 1, 1), date(2026, 1, 10)), (date(2026, 1, 11), date(2026, 1, 20))]
    assert union_days(adjacent, Y0, Y1) == 20


@given(
    st.lists(
        st.tuples(st.dates(date(2025, 6, 1), date(2027, 6, 1)), st.integers(0, 400)), max_size=6
    )
)
def test_union_never_exceeds_the_period_nor_the_sum(ranges):
    from datetime import timedelta

    spans = [(s, s + timedelta(days=n)) for s, n in ranges]
    total = union_days(spans, Y0, Y1)
    assert 0 <= total <= 365
    assert total <= sum(overlap_days(s, e, Y0, Y1) for s, e in spans)


def test_threshold_changes_on_1_april_2026():
    assert threshold_on(DEFAULT_THRESHOLDS, date(2026, 3, 31)).amount_cents == 4_000_000
    assert threshold_on(DEFAULT_THRESHOLDS, date(2026, 4, 1)).amount_cents == 6_000_000
    with pytest.raises(LookupError):
        threshold_on(DEFAULT_THRESHOLDS, date(1999, 1, 1))


def test_members_over_the_threshold_with_their_excess():
    over = over_threshold(
        {"a": 4_000_000, "b": 4_000_001, "c": 9_000_000}, Threshold(date(2000, 1, 1), 4_000_000)
    )
    assert [(e.member, e.excess_cents) for e in over] == [("c", 5_000_000), ("b", 1)]


def test_college_without_member_is_redistributed_with_a_warning():
    split = split_between_colleges(
        32_700_000, {"cdc": 1, "state": 1, "collectivites": 1}, {"cdc", "collectivites"}
    )
    assert {c: p.amount for c, p in split.parts.items()} == {
        "cdc": 16_350_000,
        "collectivites": 16_350_000,
    }
    assert len(split.warnings) == 1 and "le collège État" in split.warnings[0]


def test_redistribution_follows_the_remaining_shares():
    split = split_between_colleges(
        1000, {"cdc": 2, "state": 1, "collectivites": 1}, {"cdc", "state"}
    )
    assert {c: p.amount for c, p in split.parts.items()} == {"cdc": 667, "state": 333}


def test_no_college_with_members_is_an_error():
    with pytest.raises(NoPayingCollege):
        split_between_colleges(100, {"cdc": 1}, {"state"})


def test_in_kind_is_deducted_and_the_excess_reported():
    d = deduct_in_kind({"base": 7000, "notes": 3000}, 2500)
    assert (d.deducted_cents, d.excess_cents, d.net_cents) == (2500, 0, 7500)
    assert d.per_line == {"base": 1750, "notes": 750}
    over = deduct_in_kind({"base": 1000}, 1500)
    assert (over.deducted_cents, over.excess_cents, over.net_cents) == (1000, 500, 0)


@given(
    st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 10**8), min_size=1),
    st.integers(0, 10**9),
)
def test_in_kind_never_makes_anything_negative(lines, in_kind):
    d = deduct_in_kind(lines, in_kind)
    assert d.net_cents >= 0
    assert sum(d.per_line.values()) == d.deducted_cents
    assert all(0 <= d.per_line[k] <= lines[k] for k in lines)
    assert d.deducted_cents + d.excess_cents == in_kind


def test_voting_weights_and_the_public_majority():
    w = voting_weights({"cdc": 100, "state": 100, "vendor": 100}, {"cdc": True, "state": True})
    assert sum(v.basis_points for v in w.votes) == 10_000
    assert w.public_fraction == Fraction(2, 3) and w.public_majority
    half = voting_weights({"a": 50, "b": 50}, {"a": True})
    assert not half.public_majority  # exactly half is not more than half
