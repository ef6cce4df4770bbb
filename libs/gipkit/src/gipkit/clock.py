"""Today as the GIP's users mean it: days in Europe/Paris (DESIGN.md §4). Moments are stored
in UTC (`gipkit.types.utcnow`); a Paris day is the date of a moment in Paris. A year before a
day is what comparisons with the previous year line up with."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

# gipkit depends on `tzdata`: the zone is there even where the system has no zoneinfo, so a
# day's edge and an hour are never silently UTC.
PARIS = ZoneInfo("Europe/Paris")


def today() -> date:
    return datetime.now(PARIS).date()


def paris_day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def year_before(day: date) -> date:
    """The same day one year earlier; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)
