"""The whole allocation on recorded inputs: two levels, pro-rating, in-kind, what-if."""

from collections import defaultdict
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.core.engine import compute
from billing.core.inputs import MemberIn, PrestationIn, RunInputs, SubscriptionIn
from billing.core.whatif import Changes, Join, Leave, Subscribe, apply, differences

ALL = ["cdc", "state", "collectivites"]


def inputs(**kw) -> RunInputs:
    base = {
        "year": 2026,
        "period_start": date(2026, 1, 1),
        "period_end": date(2026, 12, 31),
        "reference_date": date(2026, 1, 1),
        "school_year": "2025-2026",
        "visits_from": date(2025, 1, 1),
        "visits_to": date(2025, 12, 31),
        "shares": {"cdc": 1, "state": 1, "collectivites": 1},
        "members": [
            MemberIn(slug="cdc", name="CDC", kind="cdc", college="cdc"),
            MemberIn(slug="ministere", name="Ministère", kind="ministry", college="state"),
            MemberIn(
                slug="hauts-de-seine", name="HdS", kind="departement", college="collectivites"
            ),
            MemberIn(slug="ile-de-france", name="IdF", kind="region", college="collectivites"),
        ],
        "prestations": [
            PrestationIn(
                code="base",
                label="Mesure",
                kind="base",
                cost_cents=32_700_000,
                key="students",
                colleges=ALL,
            ),
            PrestationIn(
                code="notes",
                label="Notes",
                kind="option",
                cost_cents=1_000_000,
                key="visits",
                colleges=ALL,
                vat_rate_bp=2000,
            ),
        ],
        "pupils": {"hauts-de-seine": 200_000, "ile-de-france": 100_000, "cdc": 0, "ministere": 0},
        "visits": {"hauts-de-seine": 7_000_000, "ile-de-france": 3_000_000},
    }
    base.update(kw)
    return RunInputs(**base)


def test_base_in_thirds_then_by_pupils_inside_the_college():
    result = compute(inputs())
    base = {ln.member: ln.amount_cents for ln in result.lines if ln.prestation == "base"}
    assert base == {
        "cdc": 10_900_000,
        "ministere": 10_900_000,
        "hauts-de-seine": 7_266_667,
        "ile-de-france": 3_633_333,
    }
    assert result.colleges == {"cdc": 10_900_000, "state": 10_900_000, "collectivites": 10_900_000}
    # CDC and the ministry have no pupils: alone in their college, they share it equally.
    assert any("valeurs de la clé « élèves couverts » sont nulles" in w for w in result.warnings)
    # The option has no subscriber: not called, and said.
    assert any("notes n'a aucun abonné" in w for w in result.warnings)


def test_option_split_among_subscribers_pro_rated_by_days():
    subs = [
        SubscriptionIn(
            id=1, member="hauts-de-seine", prestation="notes", starts_on=date(2026, 1, 1)
        ),
        SubscriptionIn(
            id=2, member="ile-de-france", prestation="notes", starts_on=date(2026, 7, 2)
        ),
    ]
    result = compute(inputs(subscriptions=subs))
    notes = {ln.member: ln for ln in result.lines if ln.prestation == "notes"}
    assert notes["ile-de-france"].days == 183
    assert sum(ln.amount_cents for ln in notes.values()) == 1_000_000
    # weights 7M × 365/365 and 3M × 183/365
    hds = notes["hauts-de-seine"]
    assert hds.fraction == hds.weight / hds.weight_total
    assert hds.amount_cents == 927_365 or abs(hds.exact - hds.amount_cents) < 1


def test_in_kind_deducted_and_excess_reported():
    result = compute(inputs(in_kind={"ile-de-france": 5_000_000}))
    idf = result.members["ile-de-france"]
    assert (idf.gross_cents, idf.deducted_cents, idf.excess_cents, idf.net_cents) == (
        3_633_333,
        3_633_333,
        1_366_667,
        0,
    )
    assert any("dépasse le montant dû" in w for w in result.warnings)


def test_fixed_price_option_is_pro_rated():
    fixed = PrestationIn(
        code="api",
        label="API",
        kind="option",
        cost_cents=0,
        key="fixed_price",
        unit_price_cents=365_00,
        colleges=ALL,
    )
    subs = [SubscriptionIn(id=1, member="cdc", prestation="api", starts_on=date(2026, 12, 1))]
    result = compute(inputs(prestations=[*inputs().prestations, fixed], subscriptions=subs))
    (line,) = [ln for ln in result.lines if ln.prestation == "api"]
    assert (line.days, line.amount_cents) == (31, 3100)


def test_whatif_member_joins():
    before = inputs()
    after = apply(
        before,
        Changes(
            join=[
                Join(slug="yvelines", kind="departement", college="collectivites", pupils=100_000)
            ]
        ),
    )
    diff = {d.member: d.difference_cents for d in differences(compute(before), compute(after))}
    assert diff["yvelines"] > 0 and diff["hauts-de-seine"] < 0
    assert sum(diff.values()) == 0  # the same base cost, shared differently
    assert before.member("yvelines") is None  # the recorded inputs are untouched


def test_whatif_leave_and_subscribe():
    changes = Changes(
        leave=[Leave(member="ministere")],
        subscribe=[Subscribe(member="cdc", prestation="notes")],
    )
    after = compute(apply(inputs(), changes))
    assert "ministere" not in after.members
    assert any("le collège État n'a aucun membre" in w for w in after.warnings)


@settings(max_examples=60, deadline=None)
@given(
    pupils=st.lists(st.integers(0, 10**6), min_size=4, max_size=4),
    cost=st.integers(0, 10**10),
    joined=st.lists(st.integers(0, 364), min_size=4, max_size=4),
)
def test_every_prestation_and_college_adds_up(pupils, cost, joined):
    from datetime import timedelta

    base = inputs()
    members = [
        m.model_copy(update={"joined_on": date(2026, 1, 1) + timedelta(days=j)})
        for m, j in zip(base.members, joined, strict=True)
    ]
    prestations = [base.prestations[0].model_copy(update={"cost_cents": cost})]
    data = inputs(
        members=members,
        prestations=prestations,
        pupils={m.slug: p for m, p in zip(members, pupils, strict=True)},
    )
    result = compute(data)
    per_college = defaultdict(int)
    for ln in result.lines:
        per_college[ln.college] += ln.amount_cents
    assert dict(per_college) == {c: a for c, a in result.colleges.items() if a or c in per_college}
    assert sum(ln.amount_cents for ln in result.lines) == cost
