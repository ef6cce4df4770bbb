"""The text a `visitor_day_facts` row keeps: one visitor-day's share of the figures, as
`uai,dim,value,visits,page_views` items joined by `;` (no code, UAI or dimension value holds
either character; `value` is empty for the `all` dimension)."""

from __future__ import annotations

from collections.abc import Iterable

# (uai, dim, value, visits, page_views)
Share = tuple[str, str, str, int, int]


def encode(shares: Iterable[Share]) -> str:
    return ";".join(f"{u},{d},{v},{n},{p}" for u, d, v, n, p in shares)


def decode(text: str) -> list[Share]:
    out: list[Share] = []
    for item in text.split(";") if text else ():
        uai, dim, value, visits, page_views = item.split(",")
        out.append((uai, dim, value, int(visits), int(page_views)))
    return out
