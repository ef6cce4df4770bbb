"""Establishments: UAI check, headcounts, networks, CSV import."""

import pytest

pytestmark = pytest.mark.anyio

E = "/api/v1/establishments"


async def test_register_and_read(api):
    created = await api.establishment("0750655E", name="Lycée Henri-IV", type="lycee")
    assert created["uai"] == "0750655E"
    got = await api.get(f"{E}/0750655E")
    assert got.status_code == 200 and got.json()["name"] == "Lycée Henri-IV"
    assert (await api.post(E, {**created, "created_at": None})).status_code == 422
    again = {k: created[k] for k in ("uai", "name", "type", "commune", "academie")}
    assert (await api.post(E, again)).status_code == 409


async def test_wrong_uai_is_422_naming_the_field(api):
    response = await api.post(
        E,
        {"uai": "0750655F", "name": "X", "type": "lycee", "commune": "Paris", "academie": "Paris"},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors[0]["field"] == "body.uai"
    assert "E" in errors[0]["reason"]


async def test_uai_is_immutable(api):
    await api.establishment("0750655E")
    assert (await api.patch(f"{E}/0750655E", {"uai": "0690026D"})).status_code == 422
    renamed = await api.patch(f"{E}/0750655E", {"name": "Henri-IV"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Henri-IV"


async def test_a_path_that_is_not_a_uai_is_not_an_establishment(api):
    assert (await api.get(f"{E}/0750655F")).status_code == 404
    # /import is not read as a UAI: GET there is the wrong method.
    assert (await api.get(f"{E}/import")).status_code == 405


async def test_headcounts_per_school_year(api):
    await api.establishment("0750655E")
    for year, pupils in (("2024-2025", 610), ("2025-2026", 640)):
        put = await api.put(
            f"{E}/0750655E/headcounts/{year}", {"pupils": pupils, "teachers": 50, "staff": 20}
        )
        assert put.status_code == 200, put.text
    changed = await api.put(
        f"{E}/0750655E/headcounts/2025-2026", {"pupils": 645, "teachers": 50, "staff": 21}
    )
    assert changed.json()["pupils"] == 645
    listed = (await api.get(f"{E}/0750655E/headcounts")).json()
    assert [(h["school_year"], h["pupils"]) for h in listed] == [
        ("2024-2025", 610),
        ("2025-2026", 645),
    ]
    for year in ("2025-2027", "2025"):
        bad = await api.put(
            f"{E}/0750655E/headcounts/{year}", {"pupils": 1, "teachers": 1, "staff": 1}
        )
        assert bad.status_code == 422
    for body in (
        {"pupils": -1, "teachers": 1, "staff": 1},
        {"pupils": "5", "teachers": 1, "staff": 1},
    ):
        assert (await api.put(f"{E}/0750655E/headcounts/2025-2026", body)).status_code == 422
    whole = await api.put(
        f"{E}/0750655E/headcounts/2025-2026", {"pupils": 12.0, "teachers": 1, "staff": 1}
    )
    assert whole.status_code == 200 and whole.json()["pupils"] == 12


async def test_networks_refuse_overlapping_duplicates(api):
    await api.establishment("0750655E")
    await api.establishment("0690026D")
    first = await api.post(f"{E}/0750655E/networks", {"cidr": "192.0.2.0/24", "label": "main"})
    assert first.status_code == 201
    assert first.json()["version"] == 4
    v6 = await api.post(f"{E}/0750655E/networks", {"cidr": "2001:DB8:42::/48"})
    assert v6.status_code == 201 and v6.json()["cidr"] == "2001:db8:42::/48"
    for cidr in ("192.0.2.0/24", "192.0.2.128/25", "192.0.0.0/16", "2001:db8:42:1::/64"):
        clash = await api.post(f"{E}/0750655E/networks", {"cidr": cidr})
        assert clash.status_code == 409, cidr
        assert "overlaps" in clash.json()["detail"]
    # Another establishment may declare the same network (a cité scolaire shares one).
    shared = await api.post(f"{E}/0690026D/networks", {"cidr": "192.0.2.0/24"})
    assert shared.status_code == 201
    for cidr in ("192.0.2.1/24", "not-a-network", "127.0.0.0/8", "10.0.0.0/4"):
        assert (await api.post(f"{E}/0750655E/networks", {"cidr": cidr})).status_code == 422
    loose = await api.post(
        f"{E}/0750655E/networks", {"cidr": "192.0.2.1/24"}, headers={"Accept-Language": "fr"}
    )
    assert loose.json()["errors"][0]["reason"] == (
        "des bits d'hôte sont à 1 ; le réseau est 192.0.2.0/24"
    )

    listed = await api.get(f"{E}/0750655E/networks", as_=("service", None))
    assert [n["cidr"] for n in listed.json()["networks"]] == ["192.0.2.0/24", "2001:db8:42::/48"]
    etag = listed.headers["etag"]
    assert (
        await api.get(f"{E}/0750655E/networks", headers={"If-None-Match": etag})
    ).status_code == 304

    gone = await api.delete(f"{E}/0750655E/networks/{first.json()['id']}")
    assert gone.status_code == 204
    assert (await api.delete(f"{E}/0750655E/networks/{first.json()['id']}")).status_code == 404
    # Another establishment's network id is not this one's.
    other = (await api.get(f"{E}/0690026D/networks")).json()["networks"][0]["id"]
    assert (await api.delete(f"{E}/0750655E/networks/{other}")).status_code == 404
    after = await api.get(f"{E}/0750655E/networks", headers={"If-None-Match": etag})
    assert after.status_code == 200


CSV = """uai,name,type,commune,academie,pupils,teachers,staff
0750655E,Lycée Henri-IV,Lycée,Paris,Paris,2500,180,60
0690026D,Lycée du Parc,lycee,Lyon,Lyon,"2 100",150,50
0750655F,Bad key,lycee,Paris,Paris,1,1,1
0921234{k},Collège X,collège,Nanterre,Versailles,600,45,x
0750655E,Twice,lycee,Paris,Paris,1,1,1
0921235{k2},,college,Nanterre,Versailles,,,
0921236{k3},Collège Z,spaceship,Nanterre,Versailles,,,
"""


def _csv(make_uai) -> str:
    return CSV.format(
        k=make_uai("0921234")[-1], k2=make_uai("0921235")[-1], k3=make_uai("0921236")[-1]
    )


async def test_import_accepts_valid_rows_and_reports_the_others(api, make_uai):
    response = await api.csv(_csv(make_uai), school_year="2025-2026")
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["rows"], report["created"], report["updated"], report["unchanged"]) == (
        7,
        2,
        0,
        0,
    )
    assert report["rejected"] == 5
    by_line = {(e["line"], e["field"]) for e in report["errors"]}
    assert by_line == {
        (4, "uai"),
        (5, "staff"),
        (6, "uai"),
        (7, "name"),
        (8, "type"),
    }
    henri = (await api.get(f"{E}/0750655E")).json()
    assert henri["type"] == "lycee" and henri["academie"] == "Paris"
    counts = (await api.get(f"{E}/0690026D/headcounts")).json()
    assert counts[0]["pupils"] == 2100  # "2 100" as French spreadsheets write it


async def test_the_import_reports_in_french_to_whoever_asks(api, make_uai):
    response = await api.post(
        f"{E}/import",
        None,
        content=_csv(make_uai).encode(),
        headers={"Content-Type": "text/csv", "Accept-Language": "fr-FR,fr;q=0.9"},
        params={"school_year": "2025-2026"},
    )
    reasons = {(e["line"], e["field"]): e["reason"] for e in response.json()["errors"]}
    assert reasons[(4, "uai")] == "UAI non valide : la lettre clé de 0750655 est E"
    assert reasons[(6, "uai")] == "0750655E figure déjà ligne 2"
    assert reasons[(8, "type")] == "type inconnu : « spaceship »"
    assert reasons[(5, "staff")] == "un effectif est un nombre entier de 0 à 10000000"
    refused = await api.post(
        f"{E}/import",
        None,
        content=b"name,uai\n",
        headers={"Content-Type": "text/csv", "Accept-Language": "fr"},
    )
    assert refused.json()["errors"][0]["reason"].startswith("la première ligne doit être")


async def test_reimporting_the_same_file_changes_nothing(api, make_uai):
    await api.csv(_csv(make_uai), school_year="2025-2026")
    before = (await api.get(f"{E}/0750655E")).json()
    again = (await api.csv(_csv(make_uai), school_year="2025-2026")).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert (await api.get(f"{E}/0750655E")).json() == before
    changed = _csv(make_uai).replace("2500,180,60", "2510,180,60")
    third = (await api.csv(changed, school_year="2025-2026")).json()
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 1)


async def test_import_without_headcounts_and_with_semicolons(api):
    text = "\ufeffuai;name;type;commune;academie\r\n0750655E;Henri-IV;LGT;Paris;Paris\r\n"
    report = (await api.csv(text)).json()
    assert report["created"] == 1 and report["errors"] == []
    assert (await api.get(f"{E}/0750655E/headcounts")).json() == []


async def test_import_with_headcounts_needs_the_school_year(api):
    text = "uai,name,type,commune,academie,pupils,teachers,staff\n0750655E,H,lycee,P,P,1,1,1\n"
    report = (await api.csv(text)).json()
    assert report["created"] == 0
    assert report["errors"][0]["line"] == 1


@pytest.mark.parametrize(
    "text",
    ["", "{}", "name,uai,type,commune,academie\n", "uai,name,type\n0750655E,X,lycee\n"],
)
async def test_a_file_without_the_header_is_refused_whole(api, text):
    response = await api.csv(text)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


async def test_import_wants_csv_utf8(api):
    as_json = await api.post(f"{E}/import", {"uai": "0750655E"})
    assert as_json.status_code == 415
    latin1 = "uai,name,type,commune,academie\n0750655E,Lycée,lycee,Paris,Paris\n".encode("latin-1")
    response = await api.post(
        f"{E}/import", None, content=latin1, headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 422


async def test_list_filters(api, make_uai):
    await api.establishment("0750655E", academie="Paris", type="lycee")
    await api.establishment("0690026D", academie="Lyon", type="lycee")
    await api.establishment(make_uai("0921234"), type="college")
    paris = (await api.get(E, params={"academie": "Paris"})).json()["items"]
    assert [e["uai"] for e in paris] == ["0750655E"]
    lycees = (await api.get(E, params={"type": "lycee"})).json()["items"]
    assert len(lycees) == 2
