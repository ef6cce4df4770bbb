"""The note's charts, drawn with matplotlib as SVG (text kept as text: searchable in the PDF).

matplotlib's object API only (no pyplot global state), one lock around drawing: rendering
runs in worker threads. A fixed hash salt and no date make the same figures draw the same SVG.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from reports.common import fr
from reports.composition.figures import MonthRow, NoteFigures, Row

_LOCK = threading.Lock()
_RC = {
    "svg.hashsalt": "gip-mesure",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
THIS_YEAR = "#1f5fa8"
LAST_YEAR = "#a8b8cc"
ACCENT = "#1f5fa8"


def _value(cell: object) -> float:
    """A count to draw; secret or missing cells are not drawn (NaN)."""
    return float(cell) if isinstance(cell, int) else math.nan


def _axis_numbers(ax: object) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fr.number(int(v))))  # type: ignore[attr-defined]


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return buffer.getvalue()


def _draw(build: object) -> str:
    with _LOCK, matplotlib.rc_context(cast(Any, _RC)):
        fig = Figure(figsize=(7.0, 2.6), dpi=96)
        build(fig)  # type: ignore[operator]
        return _svg(fig)


def months(rows: Sequence[MonthRow], school_year: str) -> str:
    def build(fig: Figure) -> None:
        ax = fig.add_subplot()
        xs = list(range(len(rows)))
        width = 0.4
        ax.bar(
            [x - width / 2 for x in xs],
            [_value(r.previous_visits) for r in rows],
            width,
            label="année précédente",
            color=LAST_YEAR,
        )
        ax.bar(
            [x + width / 2 for x in xs],
            [_value(r.visits) for r in rows],
            width,
            label=school_year,
            color=THIS_YEAR,
        )
        ax.set_xticks(xs, [r.label for r in rows])
        _axis_numbers(ax)
        ax.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)

    return _draw(build)


def hours(rows: Sequence[Row]) -> str:
    def build(fig: Figure) -> None:
        ax = fig.add_subplot()
        ax.bar(range(len(rows)), [_value(r.visits) for r in rows], color=ACCENT)
        ax.set_xticks(range(len(rows)), [r.key for r in rows], fontsize=7)
        ax.set_xlabel("heure (Paris)")
        _axis_numbers(ax)

    return _draw(build)


def bars(rows: Sequence[Row]) -> str:
    """Horizontal bars of a breakdown's visits, largest on top; secret rows left out."""
    shown = [r for r in rows if isinstance(r.visits, int) and r.visits > 0]
    shown.sort(key=lambda r: _value(r.visits))

    def build(fig: Figure) -> None:
        fig.set_size_inches(7.0, max(1.2, 0.28 * len(shown) + 0.6))
        ax = fig.add_subplot()
        ax.barh(range(len(shown)), [_value(r.visits) for r in shown], color=ACCENT)
        ax.set_yticks(range(len(shown)), [r.label.replace("_", " ") for r in shown])
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fr.number(int(v))))

    return _draw(build)


def all_charts(figures: NoteFigures) -> dict[str, str]:
    return {
        "months": months(figures.months.rows, figures.months.school_year),
        "hours": hours(figures.hours),
        "profiles": bars(figures.profiles),
        "services": bars(figures.services),
        "devices": bars(figures.devices),
    }
