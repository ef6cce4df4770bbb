"""Names two services must agree on, checked where both can be imported."""

from billing.demo.catalogue import PRESTATIONS, SUBSCRIPTIONS
from reports.settings import Settings as ReportsSettings


def test_the_demo_catalogue_has_the_option_reports_asks_billing_about():
    # reports asks billing whether a member is entitled to this prestation code; the demo
    # catalogue must sell it under that code, or no demo member could read a note.
    code = ReportsSettings().notes_prestation
    assert code in {p["code"] for p in PRESTATIONS}
    assert code in {prestation for _, prestation, _ in SUBSCRIPTIONS}
