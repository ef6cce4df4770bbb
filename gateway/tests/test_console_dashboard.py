"""The dashboard page with measure's indicators faked by respx: what each breakdown reads as
(months in words, services without the national guide's underscores, the table's header), the
signed evolution, and which days of last year it is weighed against."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from console_fakes import NNBSP, Console

pytestmark = pytest.mark.anyio

GROUPS: dict[str, list[dict[str, Any]]] = {
    "month": [{"key": "2026-09", "label": None}, {"key": "2027-01", "label": None}],
    "hour": [{"key": "19", "label": None}],
    "profile": [{"key": "1", "label": "Élèves"}],
    "service": [{"key": "9", "label": "Cahier_Textes"}],
    "device": [{"key": "mobile", "label": "Mobile"}],
    "os": [{"key": "ios", "label": "iOS"}],
    "inside": [{"key": "outside", "label": "Hors établissement"}],
}


def indicators(previous_to: str) -> Any:
    """measure's answer for the school year 2026-2027, last year's totals up to `previous_to`."""

    def answer(request: httpx.Request) -> httpx.Response:
        group_by = request.url.params["group_by"]
        project = request.url.params["scope"].startswith("project:")
        figures = {"visits": 1398, "unique_visitors": 150, "page_views": 5000}
        groups = [
            {
                **g,
                **figures,
                "previous": {"visits": 1000, "unique_visitors": 148, "page_views": 4000},
            }
            for g in GROUPS[group_by]
        ]
        return httpx.Response(
            200,
            json={
                "scope": request.url.params["scope"],
                "from": "2026-09-01",
                "to": "2027-08-31",
                "group_by": group_by,
                "method_version": "v1",
                "data_cutoff": "2026-11-30T07:00:00Z",
                # A member's two projects: its uniques are their sum (measure says so).
                "unique_visitors_method": "exact" if project else "sum_of_project_uniques",
                "projects": 1 if project else 2,
                "breakdown_may_exceed_total": group_by not in ("month", "hour"),
                "totals": figures,
                "groups": groups,
                "previous": {
                    "from": "2025-09-01",
                    "to": previous_to,
                    "totals": {"visits": 1000, "unique_visitors": 160, "page_views": 4000},
                },
            },
        )

    return answer


async def dashboard(console: Console, previous_to: str, scope: str = "member:hds") -> str:
    route = console.on("GET", "measure", "/api/v1/indicators")
    route.mock(side_effect=indicators(previous_to))
    await console.log_in("member-viewer", organization=["hds"])
    page = await console.client.get("/console/", params={"period": "2026-2027", "scope": scope})
    assert page.status_code == 200, page.text
    # The console asks the services for their problems in French (gipkit.french).
    assert route.calls.last.request.headers["accept-language"] == "fr"
    return page.text


async def test_groups_read_in_words_and_evolutions_are_signed(console, monkeypatch):
    monkeypatch.setattr("gateway.console.dashboard.today_paris", lambda: date(2026, 11, 30))
    text = await dashboard(console, "2025-11-30")
    assert "sept. 2026" in text and "janv. 2027" in text
    # A month still to come has no figure yet, not a zero (read on 30 November 2026).
    assert '<th scope="row">janv. 2027</th><td>—</td>' in text
    assert '"to_come": true' in text
    assert '<th scope="row">sept. 2026</th><td>1' in text  # 1 398, with a narrow space
    assert "Cahier Textes" in text and "Cahier_Textes</th>" not in text
    for header in ("Mois", "Heure", "Profil", "Service", "Appareil", "Système", "Lieu"):
        assert f'<th scope="col">{header}</th>' in text
    assert f"+39,8{NNBSP}% sur un an" in text  # 1,398 visits against 1,000
    assert f"-6,2{NNBSP}% sur un an" in text  # 150 visitors against 160
    # What the figures are: uniques summed over the member's projects, breakdowns that may
    # add up to more than the total (a visit counts in each service it touches).
    assert "Somme des visiteurs uniques de 2 projets" in text
    assert text.count("la somme peut dépasser le total") == 5


async def test_a_running_period_says_it_is_weighed_against_last_year_so_far(console):
    text = await dashboard(console, "2025-11-30")
    assert "du 1 septembre 2025 au 30 novembre 2025" in text
    assert "autant de jours qu'elle en compte à ce jour" in text


async def test_an_ended_period_is_weighed_against_the_whole_of_last_year(console):
    text = await dashboard(console, "2026-08-31")
    assert "du 1 septembre 2025 au 31 août 2026" in text
    assert "à ce jour" not in text


async def test_a_projects_uniques_are_exact_and_not_said_to_be_a_sum(console):
    text = await dashboard(console, "2025-11-30", scope="project:ent-hds")
    assert "Somme des visiteurs uniques" not in text


async def test_dates_given_without_a_period_are_the_period(console):
    route = console.on("GET", "measure", "/api/v1/indicators")
    route.mock(side_effect=indicators("2025-11-15"))
    await console.log_in("member-viewer", organization=["hds"])
    page = await console.client.get(
        "/console/", params={"period": "", "start": "2026-09-01", "end": "2026-11-15"}
    )
    assert page.status_code == 200
    sent = route.calls.last.request.url.params
    assert (sent["from"], sent["to"]) == ("2026-09-01", "2026-11-15")
    assert 'value="personnalisée"' in page.text
