"""The shape of a school year of ENT use, from the report's figures
(reference/national-tagging.md): evenings peak around 19:00, Wednesday afternoons and
weekends are lower, holidays near zero, September ramps up, October is real use; pupils are
most visitors, then parents and teachers; 10 %+ on mobile; Windows the most common OS."""

from __future__ import annotations

from datetime import date

# Share of each hour (Europe/Paris) in a school day's visits.
HOURS = (
    0.2, 0.1, 0.05, 0.05, 0.05, 0.2, 1.0, 2.5, 3.5, 3.0, 3.0, 3.0,
    2.0, 2.5, 3.5, 4.0, 5.0, 6.5, 8.5, 10.0, 9.0, 7.0, 4.0, 1.5,
)  # fmt: skip
# Profiles (national ids) and their share of visitors.
PROFILES = (("1", 0.62), ("3", 0.2), ("2", 0.13), ("4", 0.04), ("7", 0.01))
# Services (national ids; "" is any other page, counted as Page_ENT) and their share of hits.
SERVICES = (
    ("9", 0.2), ("3", 0.18), ("", 0.16), ("10", 0.12), ("4", 0.08), ("11", 0.07),
    ("1", 0.06), ("13", 0.05), ("2", 0.04), ("5", 0.02), ("19", 0.01), ("15", 0.01),
)  # fmt: skip
_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Mobile Safari/537.36"
)
_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)
_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15"
)
_LINUX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0"
_CHROMEOS = (
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)
# One device per person, drawn once: 13 % phones, 4 % tablets.
DEVICES = (
    (_WINDOWS, 0.55), (_MAC, 0.1), (_CHROMEOS, 0.1), (_LINUX, 0.08),
    (_IPHONE, 0.07), (_ANDROID, 0.06), (_IPAD, 0.04),
)  # fmt: skip

# School holidays (zone C, approximately) as (first day, last day) by month-day.
HOLIDAYS = (
    ((10, 18), (11, 2)),
    ((12, 20), (1, 4)),
    ((2, 14), (3, 1)),
    ((4, 11), (4, 26)),
    ((7, 5), (8, 31)),
)


def _in(day: date, first: tuple[int, int], last: tuple[int, int]) -> bool:
    md = (day.month, day.day)
    if first <= last:
        return first <= md <= last
    return md >= first or md <= last


def day_weight(day: date) -> float:
    """How busy a day is, relative to an ordinary school day in full use."""
    if any(_in(day, a, b) for a, b in HOLIDAYS):
        return 0.03 if day.month in (7, 8) else 0.25
    weight = (1.0, 1.0, 0.75, 1.0, 0.9, 0.35, 0.45)[day.weekday()]
    if day.month == 9:  # the September ramp: real use starts in October
        weight *= 0.3 + 0.7 * (day.day / 30)
    return weight
