"""Statistical secrecy: which cells of a breakdown must be hidden (pure).

Primary: a cell computed from 1 or 2 distinct visitors (fewer than the threshold; an empty
cell tells nothing about anyone). Complementary: when the breakdown's total is published, a
lone hidden cell could be found again by difference, so one more cell — the smallest
non-empty one, to lose the least — is hidden with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 3


@dataclass(frozen=True)
class CellCount:
    """What secrecy needs to know of a cell: its distinct visitors and its weight (visits)."""

    unique_visitors: int
    weight: int


def is_primary(unique_visitors: int, threshold: int = THRESHOLD) -> bool:
    return 0 < unique_visitors < threshold


def suppressed(
    cells: Sequence[CellCount], *, threshold: int = THRESHOLD, total_published: bool = True
) -> frozenset[int]:
    """Indexes of the cells to hide."""
    hidden = {i for i, c in enumerate(cells) if is_primary(c.unique_visitors, threshold)}
    if len(hidden) == 1 and total_published:
        hidden.add(_complement(cells, hidden))
    return frozenset(i for i in hidden if i >= 0)


def _complement(cells: Sequence[CellCount], hidden: set[int]) -> int:
    candidates = [i for i in range(len(cells)) if i not in hidden]
    if not candidates:
        return -1
    # Prefer a non-empty cell (hiding a structural zero protects little), then the smallest.
    return min(candidates, key=lambda i: (cells[i].weight == 0, cells[i].weight, i))
