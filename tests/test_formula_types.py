"""Result types (every node gets one), type errors with their positions, and the Python types
of compiled results on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from test_formula_db import BY_NAME, FormulaDB, fdb

from engine.formula import FormulaError, FType, ftype_of_field_type, parse, unify
from engine.formula import nodes as n

__all__ = ["fdb"]

N, S, D, DT, B, A, E = (
    FType.NUMBER,
    FType.TEXT,
    FType.DATE,
    FType.DATETIME,
    FType.BOOLEAN,
    FType.ARRAY,
    FType.BLANK,
)


def typed(text: str) -> FType:
    return parse(text, BY_NAME.get).result_type


@pytest.mark.parametrize(
    ("text", "ftype"),
    [
        ("1 + 2", N),
        ("-{Done}", N),
        ("'a' & 1", S),
        ("{Num} > 1", B),
        ("{Name} = {Num}", B),
        ("{Due}", D),
        ("{When}", DT),
        ("{Tags}", A),
        ("{Done}", B),
        ("BLANK()", E),
        ("ERROR()", E),
        ("TRUE()", B),
        ("IF({Done}, 1)", N),
        ("IF({Done}, 1, BLANK())", N),
        ("IF({Done}, 1, {Done})", N),
        ("IF({Done}, 1, 'x')", S),
        ("IF({Done}, {Due}, {When})", DT),
        ("IF({Done}, {Due}, BLANK())", D),
        ("IF({Done}, {Tags}, {Tags})", A),
        ("IF({Done}, {Tags}, 'x')", S),
        ("IF({Done}, BLANK(), ERROR())", E),
        ("SWITCH({Num}, 1, 'a', 2, 'b')", S),
        ("SWITCH({Num}, 1, {Due}, {When})", DT),
        ("SWITCH({Num}, 'x')", S),
        ("LEN({Name})", N),
        ("VALUE({Code})", N),
        ("REGEX_MATCH({Name}, 'x')", B),
        ("ISERROR(1)", B),
        ("SUM({Amounts})", N),
        ("COUNTA({Tags}, 'x')", N),
        ("ARRAYJOIN({Tags})", S),
        ("ARRAYUNIQUE({Tags})", A),
        ("ARRAYCOMPACT('x')", A),
        ("TODAY()", D),
        ("NOW()", DT),
        ("DATEADD({Due}, 1, 'days')", D),
        ("DATEADD({Due}, 1, 'M')", D),
        ("DATEADD({Due}, 1, 'hours')", DT),
        ("DATEADD({When}, 1, 'days')", DT),
        ("DATEADD('2024-01-01', 1, 'days')", DT),
        ("DATETIME_DIFF({Due}, {When})", N),
        ("DATETIME_FORMAT({Due})", S),
        ("DATETIME_PARSE('2024-01-01')", DT),
        ("DATESTR({When})", S),
        ("WORKDAY({When}, 1)", D),
        ("IS_SAME({Due}, {When}, 'day')", B),
        ("SET_TIMEZONE({Due}, 'UTC')", D),
        ("SET_TIMEZONE({When}, 'UTC')", DT),
        ("RECORD_ID()", S),
        ("CREATED_TIME()", DT),
        ("TONOW({Due})", N),
    ],
)
def test_result_types(text: str, ftype: FType) -> None:
    assert typed(text) is ftype


def test_every_node_has_a_type() -> None:
    root = parse("IF({Num} > 1, LEN({Name}) & '!', DATESTR(TODAY()))", BY_NAME.get).root
    assert [x.ftype for x in n.walk(root)] == [S, B, N, N, S, N, S, S, S, D]


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("{Name} + 1", 0, "join text with &"),
        ("1 - {Name}", 4, "needs numbers"),
        ("{Due} * 2", 0, "DATEADD"),
        ("-{Tags}", 1, "needs numbers"),
        ("ABS('x')", 4, "Argument 1 of ABS must be a number, not text"),
        ("ROUND(1, {Due})", 9, "Argument 2 of ROUND"),
        ("SUM({Name})", 4, "numbers or a list"),
        ("DATEADD({Num}, 1, 'days')", 8, "must be a date"),
        ("DATEADD({Due}, 1, {Name})", 18, "written in the formula"),
        ("DATETIME_FORMAT({When}, {Name})", 24, "written in the formula"),
        ("DATEADD({Due}, 1, 'fortnights')", 18, "Unknown unit"),
        ("{Due} > 5", 6, "Cannot compare a date"),
        ("{Num} < 'a'", 6, "VALUE"),
        ("{Tags} > 1", 7, "Cannot use '>'"),
        ("SWITCH({Due}, 1, 'x')", 14, "Cannot compare a date"),
        ("REGEX_MATCH({Name}, '(?P<x>a)')", 20, "groups are supported"),
        ("REGEX_MATCH({Name}, '[')", 20, "never closed"),
        ("REGEX_MATCH({Name}, 'a{')", 20, "literal brace"),
        ("REGEX_MATCH({Name}, 'a++')", 20, "Possessive"),
        ("REGEX_MATCH({Name}, '(a')", 20, "Invalid pattern"),
        ("REGEX_MATCH({Name}, '[[:alpha:]]')", 20, "[:alpha:]"),
        ("REGEX_MATCH({Name}, {Code})", 20, "written in the formula"),
        ("SET_TIMEZONE({When}, 'Mars/Base')", 21, "Unknown time zone"),
        ("WEEKDAY({Due}, 'Tuesday')", 15, "'Sunday' or 'Monday'"),
        ("DATETIME_PARSE('x', 'Q YYYY')", 20, "cannot be read"),
        ("DATETIME_PARSE('x', 'YYYY YYYY')", 20, "twice"),
    ],
)
def test_type_errors_say_what_and_where(text: str, position: int, words: str) -> None:
    with pytest.raises(FormulaError) as info:
        typed(text)
    e = info.value
    assert e.position == position, (e.position, str(e))
    assert words in e.message_en
    assert e.kind in ("type", "invalid_argument")
    assert e.message_zh != e.message_en


def test_type_errors_in_chinese() -> None:
    with pytest.raises(FormulaError) as info:
        typed("ABS('x')")
    assert info.value.message_zh == "ABS 的第 1 个参数应为数字，而不是文本"
    with pytest.raises(FormulaError) as info:
        typed("{Name} * 2")
    assert "连接文本请用 &" in info.value.message_zh


def test_what_is_accepted_without_complaint() -> None:
    for text in (
        "{Num} = 'a'",  # equality compares as text
        "{Tags} = 'a'",
        "{Due} = '2024-01-01'",  # text next to a date is read as a date
        "{Due} < {When}",
        "{Done} + 1",
        "BLANK() + 1",
        "{Due} & {Tags} & {Done}",
        "DATEADD('2024-01-01', {Done}, 'days')",
        "SUM({Done}, BLANK(), {Amounts})",
        "MAX({Amounts}, 1)",
    ):
        parse(text, BY_NAME.get)


def test_unify() -> None:
    assert unify([]) is E
    assert unify([E, E]) is E
    assert unify([N, E]) is N
    assert unify([N, B]) is N
    assert unify([D, DT, E]) is DT
    assert unify([D, N]) is S
    assert unify([A, A]) is A
    assert unify([A, S]) is S


def test_field_types_map_to_formula_types() -> None:
    assert ftype_of_field_type("currency") is N
    assert ftype_of_field_type("single_select") is S
    assert ftype_of_field_type("multiple_select") is A
    assert ftype_of_field_type("checkbox") is B
    assert ftype_of_field_type("created_time") is DT
    assert ftype_of_field_type("date") is D
    assert ftype_of_field_type("user", is_list=True) is A


@pytest.mark.parametrize(
    ("text", "python_type"),
    [
        ("{Num} * 2", float),
        ("LEN({Name})", float),
        ("{Rating} + 1", float),
        ("{Name} & '!'", str),
        ("{Num} > 1", bool),
        ("REGEX_MATCH({Name}, 'H')", bool),
        ("DATEADD({Due}, 1, 'days')", dt.date),
        ("{When}", dt.datetime),
        ("ARRAYCOMPACT({Tags})", list),
    ],
)
def test_compiled_values_have_the_result_types_python_type(
    fdb: FormulaDB, text: str, python_type: type
) -> None:
    value = fdb.ev(text)
    assert type(value) is python_type
    if isinstance(value, dt.datetime):
        assert value.tzinfo is dt.UTC
