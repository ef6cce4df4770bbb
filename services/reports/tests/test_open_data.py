"""Open data: weekly figures per establishment, statistical secrecy that totals cannot undo,
CSV + Parquet + a Frictionless data package, published once and never changed."""

import csv
import io
import json
import random
from datetime import date

import frictionless
import pyarrow.parquet as pq
import pytest
from reports_support import ESTABLISHMENTS, make_settings, sample_indicators

from gipkit.cli import run_cli
from gipkit.testing.database import migrated_database_url
from reports.commands import commands
from reports.common.periods import last_closed_week, parse_week
from reports.open_data.secrecy import (
    PROFILE_COLUMNS,
    Count,
    WeekFigures,
    protect,
    protect_all,
    recoverable_cells,
)
from reports.peers import IndicatorGroup, Metrics

WEEK = "2026-W10"  # 2 to 8 March 2026
PROFILES = list(PROFILE_COLUMNS)


def figures(uai="0920001A", profiles=None, devices=None) -> WeekFigures:
    profiles = profiles or {
        "1": Count(700, 180),
        "2": Count(250, 60),
        "3": Count(240, 58),
        "4": Count(8, 2),
    }
    counts = {k: profiles.get(k, Count()) for k in PROFILES}
    return WeekFigures(
        uai=uai,
        name="Collège",
        commune="Courbevoie",
        academie="Versailles",
        visits=sum(c.visits for c in counts.values()),
        unique_visitors=sum(c.unique_visitors for c in counts.values()),
        page_views=5000,
        profiles=counts,
        devices=devices
        if devices is not None
        else {"desktop": Count(900, 220), "mobile": Count(300, 80)},
    )


# --- secrecy (pure) ----------------------------------------------------------------------------


def test_a_small_cell_is_hidden_with_a_complement():
    row = protect(figures())
    assert row.profiles["4"] == (None, None)
    assert row.profiles["3"] == (None, None)  # the smallest other non-empty profile
    assert row.profiles["1"] == (700, 180) and row.profiles["6"] == (0, 0)
    assert row.visits == 1198 and row.unique_visitors == 300
    assert row.mobile_share == 0.25
    assert row.hidden_cells == 4


def test_a_row_of_fewer_than_3_visitors_is_hidden_entirely():
    row = protect(figures(profiles={"1": Count(5, 2)}))
    assert (row.visits, row.unique_visitors, row.page_views, row.mobile_share) == (None,) * 4
    assert all(cell == (None, None) for cell in row.profiles.values())


def test_mobile_share_hidden_when_either_side_is_small():
    assert (
        protect(figures(devices={"desktop": Count(900, 220), "mobile": Count(3, 1)})).mobile_share
        is None
    )
    assert (
        protect(figures(devices={"desktop": Count(2, 2), "mobile": Count(900, 220)})).mobile_share
        is None
    )
    assert protect(figures(devices={"mobile": Count(900, 220)})).mobile_share == 1.0


def test_an_attacker_cannot_recompute_a_hidden_cell_from_the_totals():
    row = protect(figures())
    # The attack: total minus every published profile cell.
    for position, total in ((0, row.visits), (1, row.unique_visitors)):
        published = sum(
            cell[position] for cell in row.profiles.values() if cell[position] is not None
        )
        remainder = total - published
        hidden = [k for k, cell in row.profiles.items() if cell[position] is None]
        assert len(hidden) >= 2  # two unknowns, one equation
        truth = figures().profiles["4"]
        secret_value = truth.visits if position == 0 else truth.unique_visitors
        assert remainder != secret_value  # the remainder mixes the hidden cells
    assert recoverable_cells(row) == []


def test_no_hidden_cell_is_ever_recoverable_random_rows():
    rng = random.Random(2026)
    rows = []
    for i in range(400):
        profiles = {}
        for key in PROFILES:
            visitors = rng.choice([0, 0, 1, 2, 3, 4, 10, 50])
            profiles[key] = Count(visitors * rng.randint(1, 4), visitors)
        rows.append(figures(uai=f"{i:07d}A", profiles=profiles))
    published = protect_all(rows)
    hidden = 0
    for row in published:
        assert recoverable_cells(row) == [], row
        hidden += sum(cell[0] is None for cell in row.profiles.values())
    assert hidden > 100  # the test did meet secret cells


# --- publication through the API --------------------------------------------------------------


def by_establishment(**kw):
    """0920001A: normal; 0920002B: 2 visitors (whole row secret); 0750001C: no visit."""
    scope = kw["scope"]
    answer = sample_indicators(**kw)
    if scope == "uai:0920002B":
        tiny = Metrics(visits=3, unique_visitors=2, page_views=9)
        return answer.model_copy(
            update={
                "totals": tiny,
                "groups": (IndicatorGroup(key="1", visits=3, unique_visitors=2, page_views=9),),
            }
        )
    if scope == "uai:0750001C":
        return answer.model_copy(update={"totals": Metrics(), "groups": ()})
    return answer


@pytest.fixture
def open_world(fake_peers):
    fake_peers.indicators_override = by_establishment
    return fake_peers


@pytest.mark.anyio
async def test_publish_serve_validate_and_never_change(client, tokens, open_world, tmp_path):
    admin = tokens.headers(roles=["gip-admin"])
    published = await client.put(f"/api/v1/open-data/{WEEK}", headers=admin)
    assert published.status_code == 201, published.text
    release = published.json()
    assert release["week_start"] == "2026-03-02" and release["week_end"] == "2026-03-08"
    assert release["rows"] == 2  # the establishment without visits is not listed
    assert release["licence"] == "Licence Ouverte / Open Licence version 2.0"
    names = sorted(f["name"] for f in release["files"])
    assert names == [
        "datapackage.json",
        f"etablissements-hebdo-{WEEK}.csv",
        f"etablissements-hebdo-{WEEK}.parquet",
    ]
    asked = {(c["scope"], c["group_by"]) for c in open_world.indicator_calls}
    assert ("uai:0920001A", "profile") in asked and ("uai:0920001A", "device") in asked

    # Anyone, without a token.
    listing = await client.get("/api/v1/open-data")
    assert [r["week"] for r in listing.json()["items"]] == [WEEK]
    contents = {}
    for f in release["files"]:
        answer = await client.get(f["href"])
        assert answer.status_code == 200
        assert answer.headers["etag"] == f'"{f["sha256"]}"'
        assert "immutable" in answer.headers["cache-control"]
        contents[f["name"]] = answer.content
        (tmp_path / f["name"]).write_bytes(answer.content)
    again = await client.get(
        release["files"][0]["href"], headers={"If-None-Match": f'"{release["files"][0]["sha256"]}"'}
    )
    assert again.status_code == 304

    # Frictionless: schema, types, constraints, bytes and hashes of both files.
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    package = json.loads(contents["datapackage.json"])
    assert package["licenses"][0]["name"] == "etalab-2.0"
    assert package["resources"][0]["schema"]["primaryKey"] == ["uai", "semaine"]

    rows = list(csv.DictReader(io.StringIO(contents[f"etablissements-hebdo-{WEEK}.csv"].decode())))
    assert [r["uai"] for r in rows] == ["0920001A", "0920002B"]
    first, tiny = rows
    assert first["semaine"] == "2026-03-02" and first["visites"] == "1200"
    assert first["visites_personnels_etablissement"] == ""  # secret (2 visitors)
    assert first["visites_parents"] == ""  # its complement
    assert first["visites_eleves"] == "700" and first["part_mobile"] == "0.2083"
    assert tiny["visites"] == "" and tiny["visiteurs_uniques"] == "" and tiny["etablissement"]
    table = pq.read_table(io.BytesIO(contents[f"etablissements-hebdo-{WEEK}.parquet"])).to_pylist()
    assert table[0]["uai"] == "0920001A" and table[0]["semaine"] == date(2026, 3, 2)
    assert table[0]["visites_parents"] is None and table[0]["visites_eleves"] == 700

    # Published files never change: publishing again answers the same files.
    open_world.indicators_override = lambda **kw: sample_indicators(**kw, scale=3)
    republished = await client.put(f"/api/v1/open-data/{WEEK}", headers=admin)
    assert republished.status_code == 200
    assert republished.json()["files"] == release["files"]


@pytest.mark.anyio
async def test_publication_rules(client, tokens, open_world):
    admin = tokens.headers(roles=["gip-admin"])
    current = last_closed_week(date.today())
    from datetime import timedelta

    from reports.common.periods import week_of

    this_week = week_of(current.start + timedelta(days=7))
    answer = await client.put(f"/api/v1/open-data/{this_week.label}", headers=admin)
    assert answer.status_code == 409
    assert (await client.put(f"/api/v1/open-data/{WEEK}")).status_code == 401
    member = tokens.headers(roles=["member-admin"], organization="hauts-de-seine")
    assert (await client.put(f"/api/v1/open-data/{WEEK}", headers=member)).status_code == 403
    assert (await client.put("/api/v1/open-data/2025-W53", headers=admin)).status_code == 404
    assert (await client.get(f"/api/v1/open-data/{WEEK}")).status_code == 404
    missing = await client.get(f"/api/v1/open-data/{WEEK}/etablissements-hebdo-{WEEK}.csv")
    assert missing.status_code == 404
    open_world.down = {"measure"}
    assert (await client.put(f"/api/v1/open-data/{WEEK}", headers=admin)).status_code == 503


def test_weeks():
    assert parse_week("2026-W10").start == date(2026, 3, 2)
    assert parse_week("2026-03-05").label == "2026-W10"
    assert last_closed_week(date(2026, 3, 9)).label == "2026-W10"
    assert last_closed_week(date(2026, 3, 8)).label == "2026-W09"


def test_the_publish_command(open_world, migrations_dir, tmp_path, worker_id, capsys):
    url = migrated_database_url(
        name=f"reports_od_{worker_id}", migrations_dir=migrations_dir, tmp_dir=tmp_path
    )
    settings = make_settings(database_url=url.render_as_string(hide_password=False))

    def cli(*argv):
        return run_cli(
            name="reports",
            settings_factory=lambda: settings,
            app_path="reports.main:create",
            migrations_dir=None,
            commands=commands(lambda: settings),
            argv=list(argv),
        )

    assert cli("publish-open-data", "--week", WEEK) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["created"] is True and first["rows"] == 2
    assert cli("publish-open-data", "--week", "2026-03-04") == 0
    second = json.loads(capsys.readouterr().out)
    assert second["created"] is False and second["files"] == first["files"]
    assert len(ESTABLISHMENTS) == 2
