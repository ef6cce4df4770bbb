"""Invoices from an approved run: numbers, immutability, Factur-X PDF, credit notes, payments."""

import io
import re

import facturx
import pypdf
import pytest

pytestmark = pytest.mark.anyio

HDS, IDF = "hauts-de-seine", "ile-de-france"
NUMBER = re.compile(r"^GIP-(\d{4})-(\d{6})$")


async def issued_run(api, *, subscribe=True):
    await api.catalogue()
    if subscribe:
        await api.subscribe(HDS, "notes")
    await api.ok(
        "PUT",
        f"/api/v1/budget-years/2026/in-kind/{IDF}",
        {"amount_cents": 1_000_000, "description": "Locaux"},
    )
    run = await api.approved_run()
    result = await api.ok("POST", f"/api/v1/allocations/{run['id']}/issue")
    return run, result


async def test_issue_a_run_numbers_gapless_and_chronological(api, fake_peers):
    run, result = await issued_run(api)
    numbers = result["issued"]
    assert len(numbers) == 4 and result["skipped"] == {}
    parsed = [NUMBER.match(n) for n in numbers]
    assert all(parsed)
    values = [int(m.group(2)) for m in parsed]
    assert values == list(range(values[0], values[0] + 4))
    invoices = [await api.ok("GET", f"/api/v1/invoices/{n}") for n in numbers]
    assert [i["issued_at"] for i in invoices] == sorted(i["issued_at"] for i in invoices)
    # Issuing again issues nothing new.
    again = await api.ok("POST", f"/api/v1/allocations/{run['id']}/issue")
    assert again["issued"] == [] and len(again["skipped"]) == 4
    one = await api.post("/api/v1/invoices", {"run_id": run["id"], "member": HDS})
    assert one.status_code == 409


async def test_invoice_lines_amounts_and_vat_consistent(api, fake_peers):
    _run, result = await issued_run(api)
    by_member = {}
    for n in result["issued"]:
        inv = await api.ok("GET", f"/api/v1/invoices/{n}")
        by_member[inv["member"]] = inv
    hds = by_member[HDS]
    assert [ln["prestation"] for ln in hds["lines"]] == ["base", "notes"]
    notes_line = hds["lines"][1]
    assert notes_line["net_cents"] == 1_200_000 and notes_line["vat_rate_bp"] == 2000
    assert hds["total_vat_cents"] == 240_000
    assert hds["total_ht_cents"] + hds["total_vat_cents"] == hds["total_ttc_cents"]
    assert hds["status"] == "unpaid" and hds["balance_cents"] == hds["total_ttc_cents"]
    idf = by_member[IDF]
    assert idf["lines"][0]["in_kind_cents"] == 1_000_000
    assert idf["total_ht_cents"] == 3_633_333 - 1_000_000


async def test_issued_invoices_are_immutable(api, fake_peers):
    _run, result = await issued_run(api)
    number = result["issued"][0]
    assert (
        await api.patch(f"/api/v1/invoices/{number}", {"buyer_name": "Autre"})
    ).status_code == 409
    assert (await api.delete(f"/api/v1/invoices/{number}")).status_code == 409


async def test_invoice_pdf_carries_valid_factur_x(api, fake_peers):
    _run, result = await issued_run(api)
    invoices = [await api.ok("GET", f"/api/v1/invoices/{n}") for n in result["issued"]]
    hds = next(i for i in invoices if i["member"] == HDS)
    response = await api.get(f"/api/v1/invoices/{hds['number']}/pdf", as_=("member-viewer", HDS))
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pdf = response.content
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert hds["number"] in text
    assert "Service de mesure d'audience" in text and "Notes de synth" in text
    _name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert facturx.get_level(__import__("lxml.etree").etree.fromstring(xml)) == "en16931"
    data = facturx.parse_ubl_cii_xml(xml) if hasattr(facturx, "parse_ubl_cii_xml") else None
    text_xml = xml.decode()
    assert '<ram:ID schemeID="0002">130026032</ram:ID>' in text_xml  # seller SIREN
    assert '<ram:GlobalID schemeID="0009">13002603200016</ram:GlobalID>' in text_xml
    assert '<ram:ID schemeID="0002">229200506</ram:ID>' in text_xml  # buyer SIREN

    def money(c):
        return f"{c // 100}.{c % 100:02d}"

    assert f"<ram:TaxBasisTotalAmount>{money(hds['total_ht_cents'])}<" in text_xml
    assert f'currencyID="EUR">{money(hds["total_vat_cents"])}<' in text_xml
    assert f"<ram:GrandTotalAmount>{money(hds['total_ttc_cents'])}<" in text_xml
    assert data is None or data  # parsed without error when the package offers it
    # The other member's PDF does not exist for this member.
    idf = next(i for i in invoices if i["member"] == IDF)
    other = await api.get(f"/api/v1/invoices/{idf['number']}/pdf", as_=("member-admin", HDS))
    assert other.status_code == 404
    xml_only = await api.get(f"/api/v1/invoices/{hds['number']}/factur-x.xml")
    assert facturx.xml_check_xsd(xml_only.content, flavor="factur-x", level="en16931")


async def test_credit_notes_own_series_and_full_cancellation(api, fake_peers):
    _run, result = await issued_run(api)
    hds = next(
        i
        for i in [await api.ok("GET", f"/api/v1/invoices/{n}") for n in result["issued"]]
        if i["member"] == HDS
    )
    url = f"/api/v1/invoices/{hds['number']}/credit-notes"
    partial = await api.ok(
        "POST",
        url,
        {"reason": "Erreur de clé", "lines": [{"prestation": "notes", "amount_cents": 333}]},
        201,
    )
    assert re.match(r"^GIP-AV-\d{4}-\d{6}$", partial["number"])
    assert partial["total_ht_cents"] == 333 and partial["total_vat_cents"] == 67
    too_much = await api.post(
        url, {"reason": "x", "lines": [{"prestation": "notes", "amount_cents": 1_200_000}]}
    )
    assert too_much.status_code == 409
    rest = await api.ok("POST", url, {"reason": "Annulation"}, 201)
    n1 = int(partial["number"][-6:])
    assert int(rest["number"][-6:]) == n1 + 1
    after = await api.ok("GET", f"/api/v1/invoices/{hds['number']}")
    assert after["status"] == "credited" and after["balance_cents"] == 0
    assert after["credited_ttc_cents"] == after["total_ttc_cents"]
    assert after["credit_notes"] == [partial["number"], rest["number"]]
    assert (await api.post(url, {"reason": "encore"})).status_code == 409
    pdf = await api.get(f"/api/v1/credit-notes/{rest['number']}/pdf", as_=("member-admin", HDS))
    _name, xml = facturx.get_xml_from_pdf(pdf.content, check_xsd=False)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml and hds["number"].encode() in xml
    listed = await api.ok("GET", "/api/v1/credit-notes", as_=("member-viewer", IDF))
    assert listed["items"] == []


async def test_new_run_supersedes_only_through_credit_notes(api, fake_peers):
    run, result = await issued_run(api)
    second = await api.run()
    blocked = await api.post(f"/api/v1/allocations/{second['id']}/approve")
    assert blocked.status_code == 409 and "credit" in blocked.json()["detail"]
    for number in result["issued"]:
        await api.ok(
            "POST",
            f"/api/v1/invoices/{number}/credit-notes",
            {"reason": "Nouvelle répartition"},
            201,
        )
    await api.ok("POST", f"/api/v1/allocations/{second['id']}/approve")
    assert (await api.ok("GET", f"/api/v1/allocations/{run['id']}"))["status"] == "superseded"


async def test_payments_statuses_balances_and_ledger(api, fake_peers):
    _run, result = await issued_run(api)
    invoices = {
        i["member"]: i
        for i in [await api.ok("GET", f"/api/v1/invoices/{n}") for n in result["issued"]]
    }
    hds = invoices[HDS]
    url = f"/api/v1/invoices/{hds['number']}/payments"
    await api.ok(
        "POST",
        url,
        {"amount_cents": 100_000, "received_on": "2026-03-01", "reference": "VIR-1"},
        201,
    )
    assert (await api.ok("GET", f"/api/v1/invoices/{hds['number']}"))["status"] == "partial"
    over = await api.post(
        url, {"amount_cents": hds["total_ttc_cents"], "received_on": "2026-03-02"}
    )
    assert over.status_code == 409
    await api.ok(
        "POST",
        url,
        {"amount_cents": hds["total_ttc_cents"] - 100_000, "received_on": "2026-03-02"},
        201,
    )
    paid = await api.ok("GET", f"/api/v1/invoices/{hds['number']}")
    assert (paid["status"], paid["balance_cents"]) == ("paid", 0)
    own = await api.ok("GET", "/api/v1/balances", as_=("member-viewer", HDS))
    assert own == [
        {
            "member": HDS,
            "invoiced_ttc_cents": hds["total_ttc_cents"],
            "credited_ttc_cents": 0,
            "paid_cents": hds["total_ttc_cents"],
            "balance_cents": 0,
        }
    ]
    everyone = await api.ok("GET", "/api/v1/balances", params={"year": 2026})
    assert {b["member"] for b in everyone} == set(invoices)
    ledger = await api.get("/api/v1/ledger.csv", params={"year": 2026})
    rows = ledger.content.decode("utf-8-sig").strip().split("\r\n")
    assert rows[0].startswith("date;document;number")
    assert sum(1 for r in rows if ";invoice;" in r) == 4
    assert sum(1 for r in rows if ";payment;" in r) == 2
    payments = await api.ok("GET", url, as_=("member-admin", HDS))
    assert [p["amount_cents"] for p in payments] == [100_000, hds["total_ttc_cents"] - 100_000]


async def test_invoice_lists_are_scoped(api, fake_peers):
    await issued_run(api)
    own = await api.ok("GET", "/api/v1/invoices", as_=("member-admin", HDS))
    assert [i["member"] for i in own["items"]] == [HDS]
    service = await api.get("/api/v1/invoices", as_=("service", None))
    assert service.status_code == 403


async def test_member_covered_by_in_kind_gets_no_invoice(api, fake_peers):
    await api.catalogue()
    await api.ok(
        "PUT",
        f"/api/v1/budget-years/2026/in-kind/{IDF}",
        {"amount_cents": 99_000_000, "description": "Tout"},
    )
    run = await api.approved_run()
    result = await api.ok("POST", f"/api/v1/allocations/{run['id']}/issue")
    assert IDF in result["skipped"] and "in-kind" in result["skipped"][IDF]
    totals = {
        m["member"]: m for m in await api.ok("GET", f"/api/v1/allocations/{run['id']}/members")
    }
    assert totals[IDF]["net_cents"] == 0 and totals[IDF]["excess_cents"] > 0


async def test_draft_runs_issue_nothing(api, fake_peers):
    await api.catalogue()
    run = await api.run()
    assert (await api.post(f"/api/v1/allocations/{run['id']}/issue")).status_code == 409
    assert (
        await api.post("/api/v1/invoices", {"run_id": run["id"], "member": HDS})
    ).status_code == 409


async def test_issued_rows_refuse_changes_below_the_api(api, fake_peers, session):
    """Even a script going around the API cannot change an issued invoice."""
    from sqlmodel import select

    from billing.invoices.models import ImmutableDocument, Invoice

    _run, result = await issued_run(api)
    invoice = (
        await session.exec(select(Invoice).where(Invoice.number == result["issued"][0]))
    ).one()
    invoice.total_ttc_cents += 1
    session.add(invoice)
    with pytest.raises(ImmutableDocument):
        await session.flush()
