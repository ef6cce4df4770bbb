"""The allocation of a year's costs (DESIGN.md §3 billing), as one pure function.

Level 1: each base prestation is split between colleges by the convention's shares.
Level 2: inside a college (base) or among an option's subscribers, by the prestation's key,
each weight pro-rated by the days of membership or subscription in the year. Fixed-price
options cost their unit price pro-rated by days; usage-priced ones their unit price per unit
used. In-kind contributions are then deducted from each member's cash due.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from billing.core.apportion import NothingToWeigh, apportion, round_half_up
from billing.core.colleges import split_between_colleges
from billing.core.fr import KEY_NAMES, euros_fr
from billing.core.inkind import deduct_in_kind
from billing.core.inputs import MemberIn, PrestationIn, RunInputs
from billing.core.prorata import days_between, overlap_days, union_days
from billing.core.voting import PUBLIC_KINDS
from gipkit.codes import COLLEGES
from gipkit.french import Reason

APPORTIONED_KEYS = frozenset({"students", "visits", "equal"})


@dataclass
class Line:
    """One member's part of one prestation, and everything needed to redo the arithmetic."""

    member: str
    prestation: str
    college: str
    key: str
    key_value: int  # the member's raw key value (pupils, visits, 1, units used, unit price)
    key_total: int  # the raw key values of everyone sharing the same pool, added up
    days: int  # days of membership or subscription counted in the period
    period_days: int
    weight: Fraction  # key value × days / period days
    weight_total: Fraction
    pool_cents: int  # the amount being shared (a college's part of the base, an option's cost)
    fraction: Fraction  # the member's share of the pool
    exact: Fraction  # cents before rounding
    amount_cents: int  # cents after rounding
    in_kind_cents: int = 0

    @property
    def net_cents(self) -> int:
        return self.amount_cents - self.in_kind_cents


@dataclass
class MemberTotal:
    member: str
    name: str
    kind: str
    college: str
    public: bool
    gross_cents: int = 0
    in_kind_cents: int = 0
    deducted_cents: int = 0
    excess_cents: int = 0

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.deducted_cents


@dataclass
class RunResult:
    lines: list[Line] = field(default_factory=list)
    members: dict[str, MemberTotal] = field(default_factory=dict)
    colleges: dict[str, int] = field(default_factory=dict)  # base cost per college
    warnings: list[str] = field(default_factory=list)
    cost_cents: int = 0  # what the catalogue costs (apportioned prestations)
    called_cents: int = 0  # what the lines add up to


class AllocationError(ValueError):
    """The inputs cannot be allocated (e.g. no member can pay the base cost)."""


def _membership_days(m: MemberIn, inputs: RunInputs) -> int:
    return overlap_days(m.joined_on, m.left_on, inputs.period_start, inputs.period_end)


def _key_value(key: str, member: str, inputs: RunInputs, prestation: str) -> int:
    if key == "students":
        return inputs.pupils.get(member, 0)
    if key == "visits":
        return inputs.visits.get(member, 0)
    if key == "usage":
        return inputs.usage.get(prestation, {}).get(member, 0)
    return 1  # equal, fixed_price: one part each


def _share(
    *,
    prestation: PrestationIn,
    pool: int,
    participants: dict[str, int],  # member → days counted
    colleges: dict[str, str],
    inputs: RunInputs,
    period_days: int,
    warnings: list[str],
    label: str,
) -> list[Line]:
    """Apportion `pool` cents among participants by the prestation's key × days."""
    values = {m: _key_value(prestation.key, m, inputs, prestation.code) for m in participants}
    key = prestation.key
    weights = {m: Fraction(values[m] * d, period_days) for m, d in participants.items()}
    try:
        parts = apportion(pool, weights)
    except NothingToWeigh:
        # No pupil counted, no visit measured: equal shares (by days) rather than nobody.
        warnings.append(
            f"{label} : toutes les valeurs de la clé « {KEY_NAMES.get(key, key)} » sont nulles ; "
            "partage à parts égales "
            "(au prorata des jours) à la place"
        )
        key = "equal"
        values = dict.fromkeys(participants, 1)
        weights = {m: Fraction(d, period_days) for m, d in participants.items()}
        parts = apportion(pool, weights)
    key_total = sum(values.values())
    weight_total = sum(weights.values(), Fraction(0))
    return [
        Line(
            member=m,
            prestation=prestation.code,
            college=colleges[m],
            key=key,
            key_value=values[m],
            key_total=key_total,
            days=participants[m],
            period_days=period_days,
            weight=weights[m],
            weight_total=weight_total,
            pool_cents=pool,
            fraction=parts[m].fraction,
            exact=parts[m].exact,
            amount_cents=parts[m].amount,
        )
        for m in sorted(participants)
    ]


def _priced(
    *,
    prestation: PrestationIn,
    participants: dict[str, int],
    colleges: dict[str, str],
    inputs: RunInputs,
    period_days: int,
) -> list[Line]:
    """Fixed price pro-rated by days, or unit price × units used: no sharing, one rounding."""
    unit = prestation.unit_price_cents or 0
    lines = []
    usage = inputs.usage.get(prestation.code, {})
    key_total = sum(usage.get(m, 0) for m in participants) if prestation.key == "usage" else 0
    for m in sorted(participants):
        days = participants[m]
        if prestation.key == "usage":
            value = usage.get(m, 0)
            if value == 0:
                continue
            fraction, exact, total = Fraction(1), Fraction(unit * value), key_total
            weight = Fraction(value)
        else:
            value, total = unit, unit * len(participants)
            fraction = Fraction(days, period_days)
            exact = unit * fraction
            weight = fraction
        lines.append(
            Line(
                member=m,
                prestation=prestation.code,
                college=colleges[m],
                key=prestation.key,
                key_value=value,
                key_total=total,
                days=days,
                period_days=period_days,
                weight=weight,
                weight_total=weight,
                pool_cents=unit,
                fraction=fraction,
                exact=exact,
                amount_cents=round_half_up(exact),
            )
        )
    return lines


def _subscribers(
    prestation: PrestationIn, inputs: RunInputs, active: dict[str, MemberIn], warnings: list[str]
) -> dict[str, int]:
    ranges: dict[str, list[tuple[date | None, date | None]]] = defaultdict(list)
    for s in inputs.subscriptions:
        if s.prestation != prestation.code:
            continue
        member = active.get(s.member)
        if member is None:
            warnings.append(
                f"abonnement {s.id} de {s.member} à {s.prestation} : {s.member} n'est pas "
                "membre pendant l'exercice ; non facturé"
            )
            continue
        if member.college not in prestation.colleges:
            warnings.append(
                f"abonnement {s.id} de {s.member} à {s.prestation} : le collège "
                f"{COLLEGES.get(member.college, member.college)} n'est pas concerné par "
                f"{s.prestation} ; non facturé"
            )
            continue
        # A subscription counts only while its member is a member.
        lo = max(s.starts_on, member.joined_on or s.starts_on)
        hi_candidates = [d for d in (s.ends_on, member.left_on) if d is not None]
        ranges[s.member].append((lo, min(hi_candidates) if hi_candidates else None))
    days = {m: union_days(r, inputs.period_start, inputs.period_end) for m, r in ranges.items()}
    return {m: d for m, d in days.items() if d > 0}


def compute(inputs: RunInputs) -> RunResult:
    result = RunResult()
    warnings = result.warnings
    period_days = days_between(inputs.period_start, inputs.period_end)
    membership = {m.slug: _membership_days(m, inputs) for m in inputs.members}
    active = {m.slug: m for m in inputs.members if membership[m.slug] > 0}
    colleges = {slug: m.college for slug, m in active.items()}
    for m in inputs.members:
        if m.slug not in active:
            warnings.append(
                f"{m.slug} n'est pas membre pendant l'exercice {inputs.year} : hors du calcul"
            )

    for prestation in sorted(inputs.prestations, key=lambda p: p.code):
        label = f"prestation {prestation.code}"
        if prestation.kind == "base":
            lines = _base(prestation, inputs, active, membership, period_days, result, label)
        else:
            if prestation.key == "usage":
                # What was used is billed, subscribed or not: the usage was served.
                used = inputs.usage.get(prestation.code, {})
                participants = {
                    s: membership[s]
                    for s, m in active.items()
                    if used.get(s, 0) > 0 and m.college in prestation.colleges
                }
            else:
                participants = _subscribers(prestation, inputs, active, warnings)
            if prestation.key in APPORTIONED_KEYS:
                result.cost_cents += prestation.cost_cents
                if not participants:
                    warnings.append(
                        f"{label} n'a aucun abonné en {inputs.year} : son coût "
                        f"({euros_fr(prestation.cost_cents)}) n'est pas appelé"
                    )
                    continue
                lines = _share(
                    prestation=prestation,
                    pool=prestation.cost_cents,
                    participants=participants,
                    colleges=colleges,
                    inputs=inputs,
                    period_days=period_days,
                    warnings=warnings,
                    label=label,
                )
            else:
                lines = _priced(
                    prestation=prestation,
                    participants=participants,
                    colleges=colleges,
                    inputs=inputs,
                    period_days=period_days,
                )
        result.lines.extend(lines)

    _totals(result, inputs, active)
    return result


def _base(
    prestation: PrestationIn,
    inputs: RunInputs,
    active: dict[str, MemberIn],
    membership: dict[str, int],
    period_days: int,
    result: RunResult,
    label: str,
) -> list[Line]:
    concerned = {c: s for c, s in inputs.shares.items() if c in prestation.colleges}
    present = {m.college for m in active.values()}
    if prestation.key not in APPORTIONED_KEYS:
        # A priced base (unusual): every member of a concerned college pays its price.
        participants = {s: membership[s] for s, m in active.items() if m.college in concerned}
        colleges = {s: active[s].college for s in participants}
        return _priced(
            prestation=prestation,
            participants=participants,
            colleges=colleges,
            inputs=inputs,
            period_days=period_days,
        )
    result.cost_cents += prestation.cost_cents
    try:
        split = split_between_colleges(prestation.cost_cents, concerned, present)
    except ValueError as exc:
        said = exc.args[0] if exc.args else exc
        raise AllocationError(
            Reason(f"{label}: {said}", fr=f"{label} : {getattr(said, 'fr', said)}")
        ) from exc
    result.warnings.extend(f"{label}: {w}" for w in split.warnings)
    lines: list[Line] = []
    for college, part in sorted(split.parts.items()):
        result.colleges[college] = result.colleges.get(college, 0) + part.amount
        participants = {s: membership[s] for s, m in active.items() if m.college == college}
        lines.extend(
            _share(
                prestation=prestation,
                pool=part.amount,
                participants=participants,
                colleges={s: college for s in participants},
                inputs=inputs,
                period_days=period_days,
                warnings=result.warnings,
                label=f"{label}, college {college}",
            )
        )
    return lines


def _totals(result: RunResult, inputs: RunInputs, active: dict[str, MemberIn]) -> None:
    by_member: dict[str, list[Line]] = defaultdict(list)
    for line in result.lines:
        by_member[line.member].append(line)
    for slug, member in sorted(active.items()):
        lines = by_member.get(slug, [])
        in_kind = inputs.in_kind.get(slug, 0)
        # Lines are one per prestation for a member: the prestation code is the line's key.
        deduction = deduct_in_kind({ln.prestation: ln.amount_cents for ln in lines}, in_kind)
        for ln in lines:
            ln.in_kind_cents = deduction.per_line[ln.prestation]
        result.members[slug] = MemberTotal(
            member=slug,
            name=member.name,
            kind=member.kind,
            college=member.college,
            public=member.kind in PUBLIC_KINDS,
            gross_cents=deduction.gross_cents,
            in_kind_cents=in_kind,
            deducted_cents=deduction.deducted_cents,
            excess_cents=deduction.excess_cents,
        )
        if deduction.excess_cents:
            result.warnings.append(
                f"{slug} : l'apport en nature dépasse le montant dû de "
                f"{euros_fr(deduction.excess_cents)} ; l'excédent n'est pas remboursé"
            )
    for slug in sorted(set(inputs.in_kind) - set(active)):
        result.warnings.append(
            f"{slug} : apport en nature enregistré, mais pas membre dans ce calcul"
        )
    result.called_cents = sum(ln.amount_cents for ln in result.lines)
