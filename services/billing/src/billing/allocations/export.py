"""A run as CSV, for the accountant: one row per line, amounts in euros with a dot."""

from __future__ import annotations

from collections.abc import Sequence

from billing.allocations.models import AllocationLine, AllocationRun
from billing.allocations.present import euros
from billing.common.responses import csv_text

HEADER = (
    "run",
    "year",
    "status",
    "member",
    "prestation",
    "college",
    "key",
    "key_value",
    "key_total",
    "days",
    "period_days",
    "weight",
    "weight_total",
    "fraction",
    "pool_eur",
    "exact_cents",
    "amount_eur",
    "in_kind_eur",
    "net_eur",
)


def run_csv(run: AllocationRun, lines: Sequence[AllocationLine]) -> str:
    return csv_text(
        HEADER,
        (
            (
                run.id,
                run.year,
                run.status,
                ln.member,
                ln.prestation,
                ln.college,
                ln.key,
                ln.key_value,
                ln.key_total,
                ln.days,
                ln.period_days,
                ln.weight,
                ln.weight_total,
                ln.fraction,
                euros(ln.pool_cents),
                ln.exact_cents,
                euros(ln.amount_cents),
                euros(ln.in_kind_cents),
                euros(ln.net_cents),
            )
            for ln in lines
        ),
    )
