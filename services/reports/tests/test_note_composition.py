"""Note composition: pure, deterministic, with statistical secrecy."""

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
from reports_support import CUTOFF, sample_indicators

from reports.common.periods import custom, parse_named
from reports.composition.canonical import canonical_json, sha256_hex
from reports.composition.compose import (
    BREAKDOWNS,
    InconsistentSources,
    Sources,
    compose,
    months_span,
    period_title,
)
from reports.composition.figures import SECRET, NoteFigures, ScopeInfo
from reports.composition.secrecy import CellCount, suppressed

SCOPE = ScopeInfo(id="member:hauts-de-seine", kind="member", label="Hauts-de-Seine")
Q1 = parse_named("2026-Q1")


def sources_for(period, scope="member:hauts-de-seine", **kw) -> Sources:
    answers = {}
    for name, (group_by, compare) in BREAKDOWNS.items():
        start, end = months_span(period) if name == "months" else (period.start, period.end)
        answers[name] = sample_indicators(
            scope=scope, date_from=start, date_to=end, group_by=group_by, compare=compare, **kw
        )
    return Sources(**answers)


def note(period=Q1, **kw) -> NoteFigures:
    return compose(scope=SCOPE, period=period, sources=sources_for(period, **kw))


def test_same_answers_give_the_same_figures_and_hash():
    first, second = note(), note()
    assert first == second
    assert canonical_json(first) == canonical_json(second)
    assert sha256_hex(first) == sha256_hex(second)
    assert len(sha256_hex(first)) == 64


def test_order_of_groups_in_answers_does_not_matter():
    sources = sources_for(Q1)
    rng = random.Random(7)
    shuffled = {}
    for name in BREAKDOWNS:
        answer = getattr(sources, name)
        groups = list(answer.groups)
        rng.shuffle(groups)
        shuffled[name] = answer.model_copy(update={"groups": tuple(groups)})
    again = compose(scope=SCOPE, period=Q1, sources=Sources(**shuffled))
    assert sha256_hex(again) == sha256_hex(compose(scope=SCOPE, period=Q1, sources=sources))


def test_other_figures_give_another_hash():
    assert sha256_hex(note()) != sha256_hex(note(scale=2))


def test_cutoff_is_not_part_of_the_figures():
    later = note(cutoff=CUTOFF + timedelta(hours=5))
    assert sha256_hex(later) == sha256_hex(note())


def test_headline_with_evolution_against_previous_year():
    figures = note()
    visits = figures.headline.visits
    assert (visits.value, visits.previous, visits.evolution) == (1200, 1000, 0.2)
    assert figures.headline.page_views.evolution == 0.35
    assert figures.method_version == "v1"
    assert figures.unique_visitors_method == "sum_of_project_uniques"
    assert figures.period.previous_start == date(2025, 1, 1)
    assert figures.period.title == "1er trimestre 2026"


def test_a_running_period_is_weighed_against_last_years_days_so_far():
    # measure answered the quarter's first 45 days against the same days of 2025.
    sources = sources_for(Q1)
    so_far = sources.headline.model_copy(
        update={"previous_from": date(2025, 1, 1), "previous_to": date(2025, 2, 14)}
    )
    figures = compose(scope=SCOPE, period=Q1, sources=replace(sources, headline=so_far))
    assert (figures.period.previous_start, figures.period.previous_end) == (
        date(2025, 1, 1),
        date(2025, 2, 14),
    )
    assert any("jusqu'au 14 février 2025" in n for n in figures.reading_notes)
    # A whole period is said to be compared whole.
    whole = note()
    assert whole.period.previous_end == date(2025, 3, 31)
    assert not any("jusqu'au" in n for n in whole.reading_notes)


def test_profiles_use_national_labels_and_hide_small_cells_with_a_complement():
    profiles = {r.key: r for r in note().profiles}
    assert [r.key for r in note().profiles] == ["1", "2", "3", "4", "6", "7"]
    assert profiles["1"].label == "Élèves"
    assert profiles["4"].label == "Personnels administratifs, vie scolaire, techniques"
    # 2 distinct visitors: secret; the smallest other non-empty profile (parents) goes too,
    # or it could be found again from the total.
    assert profiles["4"].visits == SECRET and profiles["4"].unique_visitors == SECRET
    assert profiles["3"].visits == SECRET
    assert profiles["1"].visits == 700 and profiles["2"].visits == 250
    assert profiles["6"].visits == 0  # an empty cell tells nothing about anyone


def test_hours_are_the_24_hours_with_secrecy():
    hours = note().hours
    assert [r.key for r in hours] == [f"{h:02d}" for h in range(24)]
    assert hours[3].visits == SECRET
    peak = max((r for r in hours if isinstance(r.visits, int)), key=lambda r: r.visits)
    assert peak.key == "19" and peak.label == "19 h"


def test_top_services_ranked_with_evolution_and_secret_left_out():
    services = note().services
    assert [s.key for s in services] == ["0", "3", "9", "10", "4"]
    assert services[0].label == "Page_ENT"
    assert services[1].label == "Notes" and services[2].label == "Cahier_Textes"
    assert services[1].previous_visits == 450 and services[1].evolution == round(150 / 450, 4)
    assert services[3].evolution is None  # nothing to compare with
    assert all(s.key != "19" for s in services)  # 1 visitor: not shown, not even ranked


def test_devices_os_mobile_share_inside():
    figures = note()
    assert figures.mobile_share == round(250 / 1200, 4)
    assert [r.key for r in figures.devices] == ["desktop", "mobile", "tablet", "other"]
    systems = {r.key: r for r in figures.operating_systems}
    assert systems["linux"].visits == SECRET
    assert {r.key: r.visits for r in figures.inside}["inside"] == 500
    assert {r.key: r.label for r in figures.inside}["outside"] == "Hors établissement"


def test_months_across_the_school_year_this_year_and_last():
    months = note().months
    assert months.school_year == "2025-2026"
    assert (months.start, months.end) == (date(2025, 9, 1), date(2026, 3, 31))
    assert [m.key for m in months.rows][:2] == ["2025-09", "2025-10"]
    assert len(months.rows) == 12
    by_key = {m.key: m for m in months.rows}
    assert by_key["2025-10"].visits == 100 and by_key["2025-10"].previous_visits == 80
    assert by_key["2025-09"].label == "sept."
    assert by_key["2026-04"].visits is None  # after the note's period


def test_previous_groups_keyed_by_last_year_are_aligned():
    # The brief's shape gives last year's months under their own keys (2024-10).
    sources = sources_for(Q1)
    months = sources.months
    shifted = tuple(
        g.model_copy(update={"key": f"{int(g.key[:4]) - 1}{g.key[4:]}"})
        for g in months.previous_groups
    )
    from reports.peers import parse_indicators

    raw = {
        "method_version": "v1",
        "data_cutoff": "2026-04-01T02:00:00Z",
        "totals": months.totals.model_dump(),
        "groups": [g.model_dump() for g in months.groups],
        "previous": {
            "totals": months.previous_totals.model_dump(),
            "groups": [g.model_dump() for g in shifted],
        },
    }
    parsed = parse_indicators(
        raw,
        scope=months.scope,
        date_from=months.date_from,
        date_to=months.date_to,
        group_by="month",
    )
    assert parsed.previous_groups == months.previous_groups


def test_a_scope_with_fewer_than_3_visitors_is_secret_throughout():
    def tiny(**kw):
        answer = sample_indicators(**kw)
        return answer.model_copy(
            update={
                "totals": answer.totals.model_copy(update={"unique_visitors": 2}),
                "groups": tuple(
                    g.model_copy(update={"unique_visitors": min(g.unique_visitors, 2)})
                    for g in answer.groups
                ),
            }
        )

    answers = {}
    for name, (group_by, compare) in BREAKDOWNS.items():
        start, end = months_span(Q1) if name == "months" else (Q1.start, Q1.end)
        answers[name] = tiny(
            scope="uai:0920001A", date_from=start, date_to=end, group_by=group_by, compare=compare
        )
    figures = compose(scope=SCOPE, period=Q1, sources=Sources(**answers))
    assert figures.headline.visits.value == SECRET
    assert figures.headline.visits.evolution == SECRET
    assert all(r.visits in (SECRET, 0) for r in figures.profiles + figures.hours)
    assert figures.services == []


def test_answers_of_two_methods_are_refused():
    sources = sources_for(Q1)
    mixed = Sources(
        **{
            name: getattr(sources, name).model_copy(update={"method_version": "v2"})
            if name == "hours"
            else getattr(sources, name)
            for name in BREAKDOWNS
        }
    )
    with pytest.raises(InconsistentSources):
        compose(scope=SCOPE, period=Q1, sources=mixed)


def test_school_year_and_custom_periods():
    year = parse_named("2025-2026")
    assert (year.start, year.end) == (date(2025, 9, 1), date(2026, 8, 31))
    assert period_title(year) == "année scolaire 2025-2026"
    assert months_span(year) == (date(2025, 9, 1), date(2026, 8, 31))
    span = custom(date(2026, 1, 18), date(2026, 1, 5), today=date(2026, 3, 1))
    assert span.label == "2026-01-05/2026-01-18"
    assert period_title(span) == "du 5 janvier 2026 au 18 janvier 2026"
    far = custom(date(1990, 1, 1), date(2999, 1, 1), today=date(2026, 3, 1))
    assert far.start == date(2000, 1, 1) and far.end == date(2027, 3, 2)
    figures = note(period=year)
    assert figures.period.kind == "school_year"


def test_suppression_of_a_breakdown():
    cells = [CellCount(2, 5), CellCount(10, 40), CellCount(0, 0), CellCount(8, 20)]
    assert suppressed(cells) == {0, 3}
    assert suppressed(cells, total_published=False) == {0}
    assert suppressed([CellCount(1, 1), CellCount(2, 2), CellCount(9, 9)]) == {0, 1}
    assert suppressed([CellCount(5, 5), CellCount(0, 0)]) == set()
