"""Content negotiation, ETag matching and French formats (pure helpers)."""

from datetime import UTC, date, datetime

from reports.common import fr
from reports.common.negotiation import etag_matches, negotiate

OFFERED = ("application/json", "text/html", "application/pdf")


def test_negotiate():
    assert negotiate(None, OFFERED) == "application/json"
    assert negotiate("*/*", OFFERED) == "application/json"
    assert negotiate("application/pdf", OFFERED) == "application/pdf"
    assert negotiate("text/*", OFFERED) == "text/html"
    assert negotiate("text/html;q=0.5, application/pdf;q=0.9", OFFERED) == "application/pdf"
    assert negotiate("application/*;q=0.2, text/html", OFFERED) == "text/html"
    assert negotiate("application/json;q=0, */*;q=0.1", OFFERED) == "text/html"
    assert negotiate("image/png", OFFERED) is None
    assert negotiate("application/xml, text/plain", OFFERED) is None


def test_etag_matches():
    assert etag_matches('"a", "b"', '"b"')
    assert etag_matches('W/"b"', '"b"')
    assert etag_matches("*", '"b"')
    assert not etag_matches('"c"', '"b"')
    assert not etag_matches(None, '"b"')


def test_french_formats():
    assert fr.number(36_500_000) == "36\u202f500\u202f000"
    assert fr.number("secret") == "secret"
    assert fr.number(None) == "–"
    assert fr.percent(0.453) == "45,3\u00a0%"
    assert fr.percent(0.45, signed=True) == "+45,0\u00a0%"
    assert fr.percent(-0.038, signed=True) == "-3,8\u00a0%"
    assert fr.long_date(date(2026, 4, 1)) == "1er avril 2026"
    assert fr.long_date(date(2026, 3, 31)) == "31 mars 2026"
    # Stored UTC, shown in Europe/Paris (summer time from 29 March 2026).
    assert fr.paris_datetime(datetime(2026, 4, 1, 2, 0, tzinfo=UTC)) == "1er avril 2026 à 04:00"
    assert fr.paris_datetime(datetime(2026, 1, 5, 23, 30, tzinfo=UTC)) == "6 janvier 2026 à 00:30"
