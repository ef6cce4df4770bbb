"""Now and today as reports means them: stored UTC, days and hours in Europe/Paris."""

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    PARIS: tzinfo = ZoneInfo("Europe/Paris")
except ZoneInfoNotFoundError:  # a container without tzdata: a day's edge is off by 1-2 h
    PARIS = UTC


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return datetime.now(PARIS).date()


def paris_day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()
