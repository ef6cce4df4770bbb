"""The cyclic garbage collector in a long-running service.

Once a service has started, most of its heap lives as long as the process: modules, routes,
pydantic schemas, connection pools, parsers' tables (about 150,000 objects in measure). Left
to itself, every older-generation collection walks them all again, and a request that makes
many objects (a 1,000-hit batch makes tens of thousands) sets off several: in measure that was
about a sixth of the CPU of a batch. `settle` moves what exists after startup out of the
collector's sight (gc.freeze) and lets the youngest generation grow larger before it is
collected, so collections walk only what requests made, less often. Reference counting still
frees everything at once; only reference cycles wait for a collection.
"""

from __future__ import annotations

import gc

from gipkit.settings import ServiceSettings

# Allocations (net of frees) before a youngest-generation collection; CPython's own is 700.
YOUNG_THRESHOLD = 10_000


def settle() -> None:
    """Call once, when the process has started: collect, freeze what is left, and raise the
    youngest generation's threshold."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, oldest)


def settle_for(settings: ServiceSettings) -> None:
    """`settle`, unless the settings say not to (`gc_freeze`; off by default in tests)."""
    if settings.settles_heap:
        settle()
