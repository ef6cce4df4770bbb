"""The dashboard's periods: quarters, school years, chosen dates, and French refusals."""

from __future__ import annotations

from datetime import date

import pytest

from gateway.console.periods import parse_period, recent_quarters

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("value", "label", "start", "end"),
    [
        ("2026-Q1", "1er trimestre 2026", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-Q4", "4e trimestre 2026", date(2026, 10, 1), date(2026, 12, 31)),
        ("2025-2026", "année scolaire 2025-2026", date(2025, 9, 1), date(2026, 8, 31)),
        (None, "année scolaire 2026-2027", date(2026, 9, 1), date(2027, 8, 31)),
    ],
)
def test_named_periods(value, label, start, end):
    period = parse_period(value, today=TODAY)
    assert (period.label, period.start, period.end) == (label, start, end)


@pytest.mark.parametrize(
    "value", ["personnalisée", "Personnalisée ", "personnalisee", "custom", ""]
)
def test_chosen_dates(value):
    period = parse_period(value, today=TODAY, start="2026-09-01", end="2026-11-15")
    assert (period.start, period.end) == (date(2026, 9, 1), date(2026, 11, 15))
    assert period.label == "du 01/09/2026 au 15/11/2026" and period.chosen


def test_a_named_period_wins_over_dates_left_in_the_form():
    period = parse_period("2026-Q1", today=TODAY, start="2026-09-01", end="2026-11-15")
    assert (period.start, period.end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert not period.chosen


@pytest.mark.parametrize(
    ("value", "start", "end", "message"),
    [
        ("personnalisée", None, None, "Dates de début et de fin attendues"),
        ("personnalisée", "2026-11-15", "2026-09-01", "La date de fin précède"),
        ("2026-Q5", None, None, "Période inconnue"),
        ("2025-2027", None, None, "Période inconnue"),
    ],
)
def test_refusals_say_why_in_french(value, start, end, message):
    with pytest.raises(ValueError, match=message):
        parse_period(value, today=TODAY, start=start, end=end)


def test_recent_quarters_start_with_the_one_in_progress():
    quarters = recent_quarters(TODAY, count=3)
    assert quarters == [
        ("2026-Q4", "4e trimestre 2026"),
        ("2026-Q3", "3e trimestre 2026"),
        ("2026-Q2", "2e trimestre 2026"),
    ]
