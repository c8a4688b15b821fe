"""The write path's fast paths give exactly what the value-by-value path gives.

Batch writes normalise a column at once (`normalize_many`), check rules over a column
(`RuleChecker.check`) and make SQLite's stored text column-wise (`sqlite_bind_many`), each with a
C-level fast path for the common clean case. These properties hold each fast path to the slow path
it stands for, on columns that take the fast path and on columns that must fall back, so a change
to a type's `normalize` that a fast path does not follow shows up here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from engine.errors import ValueProblem
from engine.fields import FieldType, field_type
from engine.rules import RuleChecker, Rules
from engine.sqltypes import ISODate, UTCDateTime

EXAMPLES = settings(max_examples=300, deadline=None)
UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")
ZERO = dt.timezone(dt.timedelta(0), "Z")  # equal to UTC, not UTC itself
ZONES = st.sampled_from([UTC, SHANGHAI, ZoneInfo("America/New_York"), ZERO])
OPTIONS = ["待付款", "已付款", "High", "42"]

ANY = (
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", " ", "\n", "a\nb", "\x00", "\ud800", "1,5", "50%", "¥12"])
    | st.dates()
    | st.datetimes(timezones=st.none() | ZONES)
    | st.lists(st.text(max_size=3), max_size=2)
)

PHONES = st.from_regex(r"\A\+?[0-9]{1,4}(?:[ \-][0-9]{1,5}){0,3}\Z") | st.sampled_from(
    ["13800138000", "+86 138 0013 8000", "010-12345678", "12", "1-2", "+", " 138", "１３８"]
)
MONEY = (
    st.integers(0, 4)
    .flatmap(
        lambda k: st.decimals(-(10**16), 10**16, places=k, allow_nan=False, allow_infinity=False)
    )
    .map(float)
)

# type name, options, values that should take the fast path
CLEAN: list[tuple[str, dict[str, Any], st.SearchStrategy[Any]]] = [
    ("text", {}, st.none() | st.text(max_size=20)),
    ("long_text", {}, st.none() | st.text(max_size=20)),
    ("number", {}, st.integers(-(2**54), 2**54)),
    ("number", {"precision": 2}, st.none() | st.integers(-(10**16), 10**16) | MONEY),
    ("currency", {"precision": 2}, st.none() | st.integers(-(10**16), 10**16) | MONEY),
    ("currency", {"precision": 0}, st.none() | MONEY | st.floats(-1e6, 1e6)),
    ("percent", {"precision": 1}, st.none() | MONEY.map(lambda v: v / 100) | st.floats(-2, 2)),
    ("percent", {}, st.none() | st.floats(allow_nan=True, allow_infinity=True)),
    ("single_select", {"choices": OPTIONS}, st.none() | st.sampled_from([*OPTIONS, "high", "x"])),
    ("checkbox", {}, st.booleans()),
    ("date", {}, st.none() | st.dates()),
    ("datetime", {"timezone": "Asia/Shanghai"}, st.none() | st.datetimes(timezones=ZONES)),
    ("phone", {}, st.none() | PHONES),
    # numbers a spreadsheet stored for phones, around the 3 and 31 digits the fast path takes
    ("phone", {}, st.integers(-10, 10**12) | st.sampled_from([99, 100, 10**30, 10**31])),
    ("phone", {}, st.integers(0, 10**15).map(float)),
]


def _same(values: list[Any]) -> list[tuple[type, str]]:
    return [(type(v), repr(v)) for v in values]


def _slow(ftype: FieldType, values: list[Any]) -> tuple[list[Any], list[tuple[int, str, str]]]:
    out, problems = FieldType.normalize_many(ftype, values)  # one value at a time
    return out, [(i, p.code, p.message_en) for i, p in problems]


@pytest.mark.parametrize(("name", "options", "clean"), CLEAN, ids=lambda x: str(x)[:20])
def test_normalize_many_is_normalize(
    name: str, options: dict[str, Any], clean: st.SearchStrategy[Any]
) -> None:
    ftype = field_type(name, options)

    @EXAMPLES
    @given(st.lists(clean, max_size=8) | st.lists(clean | ANY, max_size=8))
    def prop(values: list[Any]) -> None:
        try:
            expected, expected_problems = _slow(ftype, values)
        except Exception as e:  # not a ValueProblem: whatever the slow path does, so does this
            with pytest.raises(type(e)):
                ftype.normalize_many(values)
            return
        out, problems = ftype.normalize_many(values)
        assert _same(out) == _same(expected)
        assert [(i, p.code, p.message_en) for i, p in problems] == expected_problems

    prop()


RANGED: list[tuple[str, dict[str, Any], Any, Any, st.SearchStrategy[Any]]] = [
    (
        "number",
        {},
        0,
        100,
        st.none() | st.integers(-5, 105) | st.floats(allow_nan=True, allow_infinity=False),
    ),
    ("currency", {}, -10.5, None, st.none() | st.floats(-20, 20)),
    ("date", {}, "2024-01-01", "2024-12-31", st.none() | st.dates()),
    (
        "datetime",
        {"timezone": "Asia/Shanghai"},
        None,
        "2024-06-01 12:00",
        st.none() | st.datetimes(timezones=st.just(UTC)),
    ),
]


@pytest.mark.parametrize(
    ("name", "options", "lo", "hi", "values"), RANGED, ids=lambda x: str(x)[:12]
)
def test_rules_over_a_column_are_rules_per_value(
    name: str, options: dict[str, Any], lo: Any, hi: Any, values: st.SearchStrategy[Any]
) -> None:
    """Checking a column (of stored values, NaN too) finds what checking each value on its own
    finds."""
    ftype = field_type(name, options)
    checker = RuleChecker(ftype, Rules(required=True, min=lo, max=hi))

    @EXAMPLES
    @given(st.lists(values, max_size=8))
    def prop(column: list[Any]) -> None:
        found = [(i, p.code) for i, p in checker.check(column, required=True)]
        each = sorted(
            (i, p.code) for i, v in enumerate(column) for _, p in checker.check([v], required=True)
        )
        assert sorted(found) == each

    prop()


def test_required_checkbox_and_lists() -> None:
    box = RuleChecker(field_type("checkbox"), Rules(required=True))
    assert [i for i, _ in box.check([True, False, True], required=True)] == [1]
    assert box.check([True, False], required=False) == []
    tags = RuleChecker(field_type("multiple_select", {"choices": OPTIONS}), Rules(required=True))
    assert [i for i, _ in tags.check([["High"], [], None], required=True)] == [1, 2]


DIALECT = sqlite.dialect()


@EXAMPLES
@given(
    st.lists(
        st.none() | st.datetimes(timezones=ZONES) | st.datetimes(timezones=st.just(UTC)),
        max_size=6,
    )
)
def test_utc_datetime_text_is_the_bind_processors(values: list[Any]) -> None:
    coltype = UTCDateTime()
    proc = coltype._cached_bind_processor(DIALECT)
    assert proc is not None
    fast = coltype.sqlite_bind_many(values)
    if fast is not None:
        assert fast == [proc(v) for v in values]
    if all(v is None or (v.tzinfo is UTC and v.year >= 1000) for v in values):
        assert fast is not None  # the clean case does take the fast path


def test_utc_datetime_text_edges() -> None:
    coltype = UTCDateTime()
    proc = coltype._cached_bind_processor(DIALECT)
    assert proc is not None
    edges = [
        dt.datetime(2024, 3, 5, 14, 30, tzinfo=UTC),
        dt.datetime(2024, 3, 5, 14, 30, 0, 1, tzinfo=UTC),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        dt.datetime(1000, 1, 1, tzinfo=UTC),
        None,
    ]
    assert coltype.sqlite_bind_many(edges) == [proc(v) for v in edges]
    assert coltype.sqlite_bind_many([dt.datetime(999, 1, 1, tzinfo=UTC)]) is None
    assert coltype.sqlite_bind_many([dt.datetime(2024, 1, 1)]) is None  # naive: the processor
    assert coltype.sqlite_bind_many([None, None]) == [None, None]


@EXAMPLES
@given(st.lists(st.none() | st.dates() | st.datetimes(), max_size=6))
def test_iso_date_text_is_the_bind_processors(values: list[Any]) -> None:
    coltype = ISODate()
    proc = coltype._cached_bind_processor(DIALECT)
    assert proc is not None
    fast = coltype.sqlite_bind_many(values)
    if fast is not None:
        assert fast == [proc(v) for v in values]
    if not any(isinstance(v, dt.datetime) for v in values):
        assert fast is not None


def test_a_bad_value_is_named_not_raised() -> None:
    """A value the fast check cannot even hash (a list) falls back to the problem it is."""
    select = field_type("single_select", {"choices": OPTIONS})
    out, problems = select.normalize_many(["High", ["High"]])
    assert out == ["High", None]
    assert [(i, p.code) for i, p in problems] == [(1, "invalid_type")]
    with pytest.raises(ValueProblem):
        select.normalize(["High"])
