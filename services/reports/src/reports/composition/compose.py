"""From indicator answers to a note's figures (pure: no I/O, no clock, no locale data).

Everything that goes into the figures is decided here from the answers alone, so that the same
answers always give the same figures and the same SHA-256. French words are written out here
rather than taken from Babel, whose data may change between versions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from gipkit import codes
from reports.common import labels
from reports.common.periods import Period, PeriodKind, school_year_start
from reports.composition.figures import (
    SECRET,
    Cell,
    Figure,
    Headline,
    MonthRow,
    Months,
    NoteFigures,
    PeriodInfo,
    Ratio,
    Row,
    ScopeInfo,
    Secrecy,
    ServiceRow,
)
from reports.composition.secrecy import THRESHOLD, CellCount, is_primary, suppressed
from reports.peers import IndicatorGroup, Indicators, Metrics

MONTHS_SHORT = (
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
)  # fmt: skip
MONTHS_LONG = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
QUARTERS = ("1er", "2e", "3e", "4e")

NOTE_BREAKDOWN = (
    "Une visite compte une fois dans chaque valeur qu'elle touche (service, appareil, "
    "système) : ces répartitions peuvent dépasser le total."
)
NOTE_SUM_OF_PROJECTS = (
    "Au-dessus d'un projet ENT, les visiteurs uniques sont la somme des visiteurs uniques de "
    "chaque projet : les pseudonymes sont propres à chaque projet."
)
NOTE_SECRECY = (
    "Secret statistique : une case calculée sur moins de {threshold} visiteurs distincts est "
    "remplacée par « secret », ainsi qu'une autre case de la même répartition lorsqu'elle "
    "pourrait être retrouvée par différence."
)
NOTE_TIME = "Jours et heures en heure de Paris ; une visite est datée par sa première page vue."
NOTE_EVOLUTION = "Évolutions : par rapport à la même période de l'année précédente."
NOTE_EVOLUTION_SO_FAR = (
    "Évolutions : la période n'étant pas finie, par rapport aux mêmes jours de l'année "
    "précédente, jusqu'au {end}."
)


class InconsistentSources(ValueError):
    """The answers do not describe one note (different methods, missing breakdown)."""


@dataclass(frozen=True)
class Sources:
    """The indicator answers a note is composed from, one per breakdown."""

    headline: Indicators
    months: Indicators
    hours: Indicators
    profiles: Indicators
    services: Indicators
    devices: Indicators
    operating_systems: Indicators
    inside: Indicators

    def all(self) -> tuple[Indicators, ...]:
        return (
            self.headline,
            self.months,
            self.hours,
            self.profiles,
            self.services,
            self.devices,
            self.operating_systems,
            self.inside,
        )


# What each breakdown is asked of measure: (group_by, compare with the previous year).
BREAKDOWNS: Mapping[str, tuple[str | None, bool]] = MappingProxyType(
    {
        "headline": (None, True),
        "months": ("month", True),
        "hours": ("hour", False),
        "profiles": ("profile", False),
        "services": ("service", True),
        "devices": ("device", False),
        "operating_systems": ("os", False),
        "inside": ("inside", False),
    }
)


def months_span(period: Period) -> tuple[date, date]:
    """The months chart: the school year the period starts in, up to the period's end."""
    start = school_year_start(period.start)
    return start, min(period.end, date(start.year + 1, 8, 31))


def period_title(period: Period) -> str:
    if period.kind is PeriodKind.quarter:
        return f"{QUARTERS[(period.start.month - 1) // 3]} trimestre {period.start.year}"
    if period.kind is PeriodKind.school_year:
        return f"année scolaire {period.label}"
    return f"du {long_date(period.start)} au {long_date(period.end)}"


def long_date(day: date) -> str:
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS_LONG[day.month - 1]} {day.year}"


def compose(
    *,
    scope: ScopeInfo,
    period: Period,
    sources: Sources,
    threshold: int = THRESHOLD,
    top_services: int = 10,
) -> NoteFigures:
    methods = {s.method_version for s in sources.all()}
    if len(methods) != 1:
        raise InconsistentSources(f"answers of several methods: {sorted(methods)}")
    counter = _Counter()
    headline, total_public = _headline(sources.headline, threshold, counter)
    hours = _breakdown(
        _filled(sources.hours.groups, (f"{h:02d}" for h in range(24)), _hour_key),
        lambda k, _: f"{int(k)} h" if k.isdigit() else k,
        threshold=threshold,
        total_public=total_public,
        counter=counter,
    )
    profiles, devices, systems, inside = (
        _labelled(answer, table, threshold=threshold, total_public=total_public, counter=counter)
        for answer, table in (
            (sources.profiles, codes.PROFILES),
            (sources.devices, codes.DEVICES),
            (sources.operating_systems, codes.OPERATING_SYSTEMS),
            (sources.inside, codes.INSIDE),
        )
    )
    # Last year's days as measure counted them: a period still running is weighed against the
    # days it has had so far, and the note says so.
    previous_start, previous_end = period.previous_year
    measured = sources.headline
    if measured.previous_from is not None and measured.previous_to is not None:
        so_far = measured.previous_to < previous_end
        previous_start, previous_end = measured.previous_from, measured.previous_to
    else:
        so_far = False
    evolution = (
        NOTE_EVOLUTION_SO_FAR.format(end=long_date(previous_end)) if so_far else NOTE_EVOLUTION
    )
    notes = [NOTE_BREAKDOWN, NOTE_TIME, evolution, NOTE_SECRECY.format(threshold=threshold)]
    if sources.headline.unique_visitors_method == "sum_of_project_uniques":
        notes.insert(1, NOTE_SUM_OF_PROJECTS)
    return NoteFigures(
        scope=scope,
        period=PeriodInfo(
            kind=period.kind.value,
            label=period.label,
            title=period_title(period),
            start=period.start,
            end=period.end,
            previous_start=previous_start,
            previous_end=previous_end,
        ),
        method_version=methods.pop(),
        unique_visitors_method=sources.headline.unique_visitors_method,
        headline=headline,
        months=_months(sources.months, period, threshold, total_public, counter),
        hours=hours,
        profiles=profiles,
        services=_services(sources.services, threshold, total_public, top_services, counter),
        devices=devices,
        mobile_share=_share_of(devices, labels.MOBILE_DEVICE),
        operating_systems=systems,
        inside=inside,
        secrecy=Secrecy(threshold=threshold, suppressed_cells=counter.hidden),
        reading_notes=notes,
    )


class _Counter:
    def __init__(self) -> None:
        self.hidden = 0


def _hour_key(key: str) -> str:
    return f"{int(key):02d}" if key.isdigit() else key


def _filled(
    groups: Iterable[IndicatorGroup],
    keys: Iterable[str],
    normalise: Callable[[str], str] = str,
) -> list[IndicatorGroup]:
    """Every expected key (absent ones as empty groups), then unexpected ones, by key."""
    by_key: dict[str, IndicatorGroup] = {}
    for g in groups:
        key = normalise(g.key)
        by_key[key] = g.model_copy(update={"key": key})
    expected = list(keys)
    rows = [by_key.pop(k, IndicatorGroup(key=k)) for k in expected]
    return rows + [by_key[k] for k in sorted(by_key)]


def _evolution(value: Cell, previous: Cell | None) -> Ratio:
    if value == SECRET or previous == SECRET:
        return SECRET
    if previous is None or previous == 0:
        return None
    assert isinstance(value, int) and isinstance(previous, int)
    return round((value - previous) / previous, 4)


def _headline(answer: Indicators, threshold: int, counter: _Counter) -> tuple[Headline, bool]:
    hidden = is_primary(answer.totals.unique_visitors, threshold)
    previous = answer.previous_totals
    hidden_previous = previous is not None and is_primary(previous.unique_visitors, threshold)
    counter.hidden += hidden + hidden_previous

    def figure(name: str) -> Figure:
        value: Cell = SECRET if hidden else getattr(answer.totals, name)
        before: Cell | None = None
        if previous is not None:
            before = SECRET if hidden_previous else getattr(previous, name)
        return Figure(value=value, previous=before, evolution=_evolution(value, before))

    headline = Headline(
        visits=figure("visits"),
        unique_visitors=figure("unique_visitors"),
        page_views=figure("page_views"),
    )
    return headline, not hidden


def _hide(
    metrics: Sequence[Metrics],
    threshold: int,
    total_public: bool,
    counter: _Counter,
    *,
    additive: bool = True,
) -> frozenset[int]:
    """Cells to hide. `additive`: the cells add up to the published total, so a lone hidden
    cell needs a complement; services do not (a visit counts in each service it touches)."""
    if not total_public:  # the scope itself is secret: so is every part of it
        hidden = frozenset(i for i, m in enumerate(metrics) if m.visits or m.unique_visitors)
    else:
        cells = [CellCount(m.unique_visitors, m.visits) for m in metrics]
        hidden = suppressed(cells, threshold=threshold, total_published=additive)
    counter.hidden += len(hidden)
    return hidden


def _breakdown(
    groups: Sequence[IndicatorGroup],
    label: Callable[[str, str | None], str],
    *,
    threshold: int,
    total_public: bool,
    counter: _Counter,
) -> list[Row]:
    hidden = _hide(groups, threshold, total_public, counter)
    total_visits = sum(g.visits for g in groups)
    rows = []
    for i, g in enumerate(groups):
        secret = i in hidden
        share: Ratio = None if total_visits == 0 else round(g.visits / total_visits, 4)
        rows.append(
            Row(
                key=g.key,
                label=label(g.key, g.label),
                visits=SECRET if secret else g.visits,
                unique_visitors=SECRET if secret else g.unique_visitors,
                page_views=SECRET if secret else g.page_views,
                share=SECRET if secret else share,
            )
        )
    return rows


def _labelled(
    answer: Indicators,
    table: Mapping[str, str],
    *,
    threshold: int,
    total_public: bool,
    counter: _Counter,
) -> list[Row]:
    """A breakdown over a fixed list of codes (every one shown, absent ones as 0)."""
    return _breakdown(
        _filled(answer.groups, table),
        lambda k, g: table.get(k) or g or k,
        threshold=threshold,
        total_public=total_public,
        counter=counter,
    )


def _share_of(rows: Sequence[Row], key: str) -> Ratio:
    for row in rows:
        if row.key == key:
            return row.share
    return None


def _services(
    answer: Indicators, threshold: int, total_public: bool, top: int, counter: _Counter
) -> list[ServiceRow]:
    groups = list(answer.groups)
    hidden = _hide(groups, threshold, total_public, counter, additive=False)
    previous = {g.key: g for g in answer.previous_groups or ()}
    previous_list = list(previous.values())
    hidden_previous = _hide(previous_list, threshold, total_public, counter, additive=False)
    hidden_previous_keys = {previous_list[i].key for i in hidden_previous}
    total_visits = sum(g.visits for g in groups)
    # Only visible services are ranked: a "secret" row's rank would tell its size.
    visible = [g for i, g in enumerate(groups) if i not in hidden]
    visible.sort(key=lambda g: (-g.visits, g.key))
    rows = []
    for g in visible[:top]:
        before: Cell | None = None
        if answer.previous_groups is not None:
            p = previous.get(g.key)
            before = SECRET if g.key in hidden_previous_keys else (p.visits if p else 0)
        rows.append(
            ServiceRow(
                key=g.key,
                label=labels.label(codes.SERVICES, g.key, g.label),
                visits=g.visits,
                unique_visitors=g.unique_visitors,
                page_views=g.page_views,
                share=None if total_visits == 0 else round(g.visits / total_visits, 4),
                previous_visits=before,
                evolution=_evolution(g.visits, before),
            )
        )
    return rows


def _month_keys(start: date, end: date) -> list[str]:
    keys, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def _months(
    answer: Indicators, period: Period, threshold: int, total_public: bool, counter: _Counter
) -> Months:
    start, end = months_span(period)
    school = f"{start.year}-{start.year + 1}"
    every = _month_keys(start, date(start.year + 1, 8, 31))
    covered = _month_keys(start, end)
    current = _filled(answer.groups, covered)
    hidden = _hide(current, threshold, total_public, counter)
    values = {g.key: (SECRET if i in hidden else g.visits) for i, g in enumerate(current)}
    # peers keys the previous year's months by this year's month they sit beside.
    last_year = {g.key: g for g in answer.previous_groups or ()}
    previous = [last_year.get(k, IndicatorGroup(key=k)) for k in covered]
    hidden_before = _hide(previous, threshold, total_public, counter)
    before = {g.key: (SECRET if i in hidden_before else g.visits) for i, g in enumerate(previous)}
    rows = [
        MonthRow(
            key=k,
            label=MONTHS_SHORT[int(k[5:7]) - 1],
            visits=values.get(k),
            previous_visits=before.get(k) if answer.previous_groups is not None else None,
        )
        for k in every
    ]
    return Months(school_year=school, start=start, end=end, rows=rows)
