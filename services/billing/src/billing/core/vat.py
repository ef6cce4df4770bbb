"""VAT of a document: computed per rate on the sum of the lines (EN 16931 BG-23), rounded
half-up to the cent once per rate, so that HT + TVA = TTC exactly."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from billing.core.apportion import round_half_up


@dataclass(frozen=True)
class VatLine:
    rate_bp: int  # basis points: 2000 = 20 %
    basis_cents: int
    vat_cents: int


@dataclass(frozen=True)
class Totals:
    breakdown: list[VatLine]
    ht_cents: int
    vat_cents: int

    @property
    def ttc_cents(self) -> int:
        return self.ht_cents + self.vat_cents


def vat_of(basis_cents: int, rate_bp: int) -> int:
    return round_half_up(Fraction(basis_cents * rate_bp, 10_000))


def totals(lines: Iterable[tuple[int, int]]) -> Totals:
    """`lines` are (rate_bp, net HT cents)."""
    bases: dict[int, int] = {}
    for rate, amount in lines:
        bases[rate] = bases.get(rate, 0) + amount
    breakdown = [VatLine(r, b, vat_of(b, r)) for r, b in sorted(bases.items())]
    return Totals(
        breakdown=breakdown,
        ht_cents=sum(v.basis_cents for v in breakdown),
        vat_cents=sum(v.vat_cents for v in breakdown),
    )


def credit_totals(
    lines: Iterable[tuple[int, int]],
    *,
    invoice: Iterable[VatLine],
    credited_before: Iterable[VatLine],
) -> Totals:
    """VAT of a credit note. When it credits the last of a rate's basis, its VAT is what is
    left of the invoice's VAT for that rate: an invoice credited in several notes nets to
    exactly zero, whatever each note's own rounding was."""
    raw = totals(lines)
    invoiced = {v.rate_bp: v for v in invoice}
    before: dict[int, tuple[int, int]] = {}
    for v in credited_before:
        b, t = before.get(v.rate_bp, (0, 0))
        before[v.rate_bp] = (b + v.basis_cents, t + v.vat_cents)
    breakdown = []
    for v in raw.breakdown:
        inv = invoiced.get(v.rate_bp)
        basis_before, vat_before = before.get(v.rate_bp, (0, 0))
        if inv is not None and basis_before + v.basis_cents == inv.basis_cents:
            breakdown.append(VatLine(v.rate_bp, v.basis_cents, inv.vat_cents - vat_before))
        else:
            breakdown.append(v)
    return Totals(
        breakdown=breakdown,
        ht_cents=sum(v.basis_cents for v in breakdown),
        vat_cents=sum(v.vat_cents for v in breakdown),
    )


def to_json(breakdown: Iterable[VatLine]) -> list[dict[str, int]]:
    return [
        {"rate_bp": v.rate_bp, "basis_cents": v.basis_cents, "vat_cents": v.vat_cents}
        for v in breakdown
    ]


def from_json(rows: Iterable[dict[str, int]]) -> list[VatLine]:
    return [VatLine(r["rate_bp"], r["basis_cents"], r["vat_cents"]) for r in rows]
