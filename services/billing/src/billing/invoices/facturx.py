"""Factur-X (EN 16931 profile) XML of a document: UN/CEFACT CII D16B, as Chorus Pro takes it.

Element order follows the CII schema's sequences (the XSD shipped with the `factur-x`
package checks it). VAT: category S with its rate, or E (exempt) with the reason, when a
prestation carries no VAT (members' contributions outside the scope of VAT).
"""

from __future__ import annotations

from datetime import date
from xml.etree import ElementTree as ET

from billing.invoices.document import Document, Party

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
EN16931 = "urn:cen.eu:en16931:2017"
EXEMPTION = "Contribution d'un membre du GIP : hors du champ de la TVA"
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)


def _q(tag: str) -> str:
    prefix, name = tag.split(":")
    return f"{{{NS[prefix]}}}{name}"


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, _q(tag), attrs)
    if text is not None:
        node.text = text
    return node


def amount(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def rate(bp: int) -> str:
    return f"{bp // 100}.{bp % 100:02d}"


def _date(parent: ET.Element, tag: str, day: date) -> None:
    _el(_el(parent, tag), "udt:DateTimeString", day.strftime("%Y%m%d"), format="102")


def _party(parent: ET.Element, tag: str, party: Party) -> None:
    node = _el(parent, tag)
    if party.siret:
        _el(node, "ram:GlobalID", party.siret, schemeID="0009")
    _el(node, "ram:Name", party.name)
    if party.siren:
        org = _el(node, "ram:SpecifiedLegalOrganization")
        _el(org, "ram:ID", party.siren, schemeID="0002")
    address = _el(node, "ram:PostalTradeAddress")
    if party.postcode:
        _el(address, "ram:PostcodeCode", party.postcode)
    if party.address_line:
        _el(address, "ram:LineOne", party.address_line)
    if party.city:
        _el(address, "ram:CityName", party.city)
    _el(address, "ram:CountryID", party.country)
    if party.email:
        uri = _el(node, "ram:URIUniversalCommunication")
        _el(uri, "ram:URIID", party.email, schemeID="EM")
    if party.vat_id:
        _el(_el(node, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_id, schemeID="VA")


def _category(bp: int) -> str:
    return "S" if bp > 0 else "E"


def cii_xml(doc: Document) -> bytes:
    root = ET.Element(_q("rsm:CrossIndustryInvoice"))
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)

    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", doc.number)
    _el(header, "ram:TypeCode", doc.type_code)
    _date(header, "ram:IssueDateTime", doc.issue_date)
    for text in doc.notes:
        _el(_el(header, "ram:IncludedNote"), "ram:Content", text)

    trade = _el(root, "rsm:SupplyChainTradeTransaction")
    for line in doc.lines:
        item = _el(trade, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(line.position))
        product = _el(item, "ram:SpecifiedTradeProduct")
        _el(product, "ram:SellerAssignedID", line.code)
        _el(product, "ram:Name", line.label)
        agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
        price = _el(agreement, "ram:NetPriceProductTradePrice")
        _el(price, "ram:ChargeAmount", amount(line.net_cents))
        delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
        _el(delivery, "ram:BilledQuantity", "1", unitCode="C62")
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:CategoryCode", _category(line.vat_rate_bp))
        _el(tax, "ram:RateApplicablePercent", rate(line.vat_rate_bp))
        summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, "ram:LineTotalAmount", amount(line.net_cents))

    agreement = _el(trade, "ram:ApplicableHeaderTradeAgreement")
    _el(agreement, "ram:BuyerReference", doc.buyer_reference)
    _party(agreement, "ram:SellerTradeParty", doc.seller)
    _party(agreement, "ram:BuyerTradeParty", doc.buyer)
    _el(trade, "ram:ApplicableHeaderTradeDelivery")

    settlement = _el(trade, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", "EUR")
    if doc.seller.iban:
        means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram:TypeCode", "30")  # credit transfer
        _el(_el(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", doc.seller.iban)
    for v in doc.breakdown:
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", amount(v.vat_cents))
        _el(tax, "ram:TypeCode", "VAT")
        if v.rate_bp == 0:
            _el(tax, "ram:ExemptionReason", EXEMPTION)
        _el(tax, "ram:BasisAmount", amount(v.basis_cents))
        _el(tax, "ram:CategoryCode", _category(v.rate_bp))
        _el(tax, "ram:RateApplicablePercent", rate(v.rate_bp))
    if doc.period:
        period = _el(settlement, "ram:BillingSpecifiedPeriod")
        _date(period, "ram:StartDateTime", doc.period[0])
        _date(period, "ram:EndDateTime", doc.period[1])
    if doc.due_date:
        terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
        _date(terms, "ram:DueDateDateTime", doc.due_date)
    totals = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(totals, "ram:LineTotalAmount", amount(sum(ln.net_cents for ln in doc.lines)))
    _el(totals, "ram:TaxBasisTotalAmount", amount(doc.ht_cents))
    _el(totals, "ram:TaxTotalAmount", amount(doc.vat_cents), currencyID="EUR")
    _el(totals, "ram:GrandTotalAmount", amount(doc.ttc_cents))
    _el(totals, "ram:DuePayableAmount", amount(doc.ttc_cents))
    if doc.preceding:
        ref = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(ref, "ram:IssuerAssignedID", doc.preceding[0])
        issued = _el(ref, "ram:FormattedIssueDateTime")
        _el(issued, "qdt:DateTimeString", doc.preceding[1].strftime("%Y%m%d"), format="102")
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml
