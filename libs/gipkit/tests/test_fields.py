"""Whole numbers and ISO days as the services read them, refused in either language."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import pytest
from pydantic import AfterValidator, Field, TypeAdapter, ValidationError

from gipkit.fields import AS_JSON_INTEGER, Day
from gipkit.french import Reason, validation_reason

Whole = TypeAdapter(Annotated[int, Field(ge=0), AS_JSON_INTEGER])
Days = TypeAdapter(Day)


def refused(adapter: TypeAdapter, value: object) -> dict:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    (error,) = caught.value.errors()
    return error


def test_a_whole_number_may_be_written_as_json_writes_it():
    assert Whole.validate_python(2026) == 2026
    assert Whole.validate_python(2026.0) == 2026
    for value in ("2026", True, 1.5, None):
        error = refused(Whole, value)
        assert error["msg"] == "a whole number is expected", value
        assert validation_reason(error) == "nombre entier attendu"
    # The field's own limits still apply, with their French.
    assert validation_reason(refused(Whole, -1)) == "doit être supérieur ou égal à 0"


def test_a_day_is_iso_text_and_nothing_else():
    assert Days.validate_python("2026-09-01") == date(2026, 9, 1)
    for value in (0, "0", "2026-09-01T00:00:00", "01/09/2026"):
        error = refused(Days, value)
        assert error["msg"] == "a date is written YYYY-MM-DD", value
        assert validation_reason(error) == "une date s'écrit AAAA-MM-JJ"
    # Well written but no such day: pydantic's own refusal, in French too.
    assert validation_reason(refused(Days, "2026-02-30")) == "date attendue (AAAA-MM-JJ)"


def _even(value: int) -> int:
    if value % 2:
        raise ValueError(Reason("an even number is expected", fr="nombre pair attendu"))
    if value > 100:
        raise ValueError("at most 100")  # a plain refusal keeps its words
    return value


Even = TypeAdapter(Annotated[int, AfterValidator(_even)])


def test_a_validator_raising_a_reason_is_said_in_french_too():
    error = refused(Even, 3)
    assert error["msg"] == "Value error, an even number is expected"
    assert validation_reason(error) == "nombre pair attendu"
    assert validation_reason(refused(Even, 102)) is None
