"""A note as an HTML page (French, fr-FR formats), its charts embedded as SVG images."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from reports.common import fr
from reports.composition.figures import NoteFigures
from reports.rendering import charts

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class NoteView:
    """What a rendering shows besides the figures: which note, when its data stops."""

    note_id: str
    figures: NoteFigures
    data_cutoff: datetime
    sha256: str


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["n"] = fr.number
    env.filters["pct"] = fr.percent
    env.filters["spct"] = lambda v: fr.percent(v, signed=True)
    env.filters["long_date"] = fr.long_date
    env.filters["service"] = lambda label: label.replace("_", " ")
    return env


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def render_html(view: NoteView) -> str:
    f = view.figures
    headline = [
        ("Visites", f.headline.visits),
        ("Visiteurs uniques", f.headline.unique_visitors),
        ("Pages vues", f.headline.page_views),
    ]
    return (
        _environment()
        .get_template("note.html.j2")
        .render(
            f=f,
            headline=headline,
            charts={k: _data_uri(v) for k, v in charts.all_charts(f).items()},
            css=(TEMPLATES / "note.css").read_text(encoding="utf-8"),
            cutoff=fr.paris_datetime(view.data_cutoff),
            note_id=view.note_id,
            sha256=view.sha256,
        )
    )
