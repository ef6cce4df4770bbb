"""COPY's text format, as measure builds it for PostgreSQL (the round trip itself is exercised
by every rollup test on PostgreSQL)."""

from datetime import UTC, date, datetime

from measure.common.dbdialect import copy_line, copy_text
from measure.common.sql import text_array


def test_fields_are_escaped_and_typed_as_copy_reads_them():
    rows = [
        {"a": "plain", "b": 3, "c": date(2026, 3, 1), "d": None},
        {
            "a": "tab\there\\ and\nnew line\r",
            "b": -1,
            "c": datetime(2026, 3, 1, tzinfo=UTC),
            "d": "",
        },
    ]
    assert copy_text(rows, ["a", "b", "c", "d"]) == (
        "plain\t3\t2026-03-01\t\\N\n"
        "tab\\there\\\\ and\\nnew line\\r\t-1\t2026-03-01T00:00:00+00:00\t\n"
    )


def test_a_line_of_text_fields_is_joined_and_escaped_only_where_needed():
    assert copy_line(("a", "b", "")) == "a\tb\t\n"
    assert copy_line(("back\\slash", "x")) == "back\\\\slash\tx\n"
    assert copy_line(("tab\there", "new\nline\r")) == "tab\\there\tnew\\nline\\r\n"


def test_array_literals_quote_every_value_and_escape_only_where_needed():
    assert text_array([]) == "{}"
    assert text_array(["a", "", "Mac OS X"]) == '{"a","","Mac OS X"}'
    assert text_array(iter(["x", "y"])) == '{"x","y"}'
    assert text_array(iter(['"', "x"])) == '{"\\"","x"}'
    assert text_array(['say "hi"', "back\\slash", "plain"]) == (
        '{"say \\"hi\\"","back\\\\slash","plain"}'
    )
    # A NUL (which PostgreSQL text cannot hold) is not taken for a separator.
    assert text_array(["a\x00b"]) == '{"a\x00b"}'
