"""Request fields the services read alike: whole numbers as JSON writes them and days as ISO
text, each refused in the caller's language (gipkit.french)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError


def refusal(message: str, *, fr: str) -> PydanticCustomError:
    """A validator's refusal, its French carried along for callers that ask for it."""
    return PydanticCustomError("invalid", message, {"fr": fr})


def _whole_number(value: object) -> object:
    # JSON has one number type: 2026.0 is the integer 2026 (as JSON Schema says), but "2026"
    # and true are not numbers and are refused rather than coerced.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise refusal("a whole number is expected", fr="nombre entier attendu")
    if isinstance(value, float):
        if not value.is_integer():
            raise refusal("a whole number is expected", fr="nombre entier attendu")
        return int(value)
    return value


# Integer fields are `Annotated[int, Field(…), AS_JSON_INTEGER]`: the constraints go first,
# so that they reach the JSON Schema as minimum/maximum (after a validator, pydantic would
# print them as unknown keywords).
AS_JSON_INTEGER = BeforeValidator(_whole_number)

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value: object) -> object:
    # Dates are ISO strings on the wire; pydantic would also take Unix timestamps and
    # date-times, which the documents do not allow.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise refusal("a date is written YYYY-MM-DD", fr="une date s'écrit AAAA-MM-JJ")


Day = Annotated[date, BeforeValidator(_iso_day)]
