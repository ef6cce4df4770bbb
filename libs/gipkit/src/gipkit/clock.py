"""Today as the GIP's users mean it: days in Europe/Paris (DESIGN.md §4). Moments are stored
in UTC (`gipkit.types.utcnow`); a Paris day is the date of a moment in Paris."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

# gipkit depends on `tzdata`: the zone is there even where the system has no zoneinfo, so a
# day's edge and an hour are never silently UTC.
PARIS = ZoneInfo("Europe/Paris")


def today() -> date:
    return datetime.now(PARIS).date()


def paris_day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()
