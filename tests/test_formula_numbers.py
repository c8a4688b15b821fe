"""Number, aggregate, list and record functions, case by case, on SQLite and PostgreSQL alike
(see test_formula_functions for how cases run). Row 1's Amounts are [1, 2.5, null, "x", true];
row 3's Tags are [["x", ["y"]], "z", 3]."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from test_formula_db import ROWS, FormulaDB, fdb
from test_formula_functions import Case, check

__all__ = ["fdb"]

NUMBERS: list[Case] = [
    ("ABS(-2.5)", 1, 2.5),
    ("ABS({Num})", 2, 0),
    ("ROUND(2.5)", 1, 3),
    ("ROUND(-2.5)", 1, -2),  # ties toward +infinity
    ("ROUND(1.005, 2)", 1, 1.01),  # decimal, not binary, rounding
    ("ROUND(1234.5678, 2)", 1, 1234.57),
    ("ROUND(1234.5, -2)", 1, 1200),
    ("ROUND(-1.55, 1)", 1, -1.5),
    ("ROUND({Num})", 3, -2),
    ("ROUND({Num}, 1)", 2, 0),
    ("ROUNDUP(2.1)", 1, 3),
    ("ROUNDUP(-2.1)", 1, -3),
    ("ROUNDUP(1.234, 2)", 1, 1.24),
    ("ROUNDDOWN(2.99, 1)", 1, 2.9),
    ("ROUNDDOWN(-2.99)", 1, -2),
    ("ROUNDDOWN(1234, -2)", 1, 1200),
    ("CEILING(2.1)", 1, 3),
    ("CEILING(0.3, 0.1)", 1, 0.3),
    ("CEILING(7, 5)", 1, 10),
    ("CEILING(-2.5)", 1, -2),
    ("FLOOR(7, 2)", 1, 6),
    ("FLOOR(-2.5)", 1, -3),
    ("FLOOR(2.5, 0)", 1, 0),
    ("INT(2.7)", 1, 2),
    ("INT(-2.5)", 1, -3),
    ("MOD(7, 3)", 1, 1),
    ("MOD(-7, 3)", 1, -1),
    ("MOD(7.5, 2)", 1, 1.5),
    ("MOD(0.3, 0.1)", 1, 0),
    ("MOD(1, 0)", 1, None),
    ("ISERROR(MOD(1, 0))", 1, True),
    ("POWER(2, 10)", 1, 1024),
    ("POWER(2, -1)", 1, 0.5),
    ("POWER(-8, 3)", 1, -512),
    ("POWER(4, 0.5)", 1, 2),
    ("POWER(0, 0)", 1, 1),
    ("POWER(0, 3)", 1, 0),
    ("POWER(0, -1)", 1, None),
    ("POWER(-8, 1 / 3)", 1, None),
    ("POWER(10, 400)", 1, None),
    ("POWER(10, -400)", 1, 0),
    ("ISERROR(POWER({Qty}, -1))", 3, True),
    ("SQRT(16)", 1, 4),
    ("SQRT(-1)", 1, None),
    ("ISERROR(SQRT(-1))", 1, True),
    ("SQRT({Num})", 2, 0),
    ("EXP(0)", 1, 1),
    ("EXP(1)", 1, 2.718281828459045),
    ("EXP(1000)", 1, None),
    ("EXP(-1000)", 1, 0),
    ("LOG(100)", 1, 2),
    ("LOG(1000)", 1, 3),
    ("LOG(8, 2)", 1, 3),
    ("LOG(0)", 1, None),
    ("LOG(-1)", 1, None),
    ("LOG(10, 1)", 1, None),
    ("ISERROR(LOG(10, 0))", 1, True),
    ("EVEN(1.5)", 1, 2),
    ("EVEN(3)", 1, 4),
    ("EVEN(-1)", 1, -2),
    ("EVEN(0)", 1, 0),
    ("ODD(1.5)", 1, 3),
    ("ODD(2)", 1, 3),
    ("ODD(0)", 1, 1),
    ("ODD(-2)", 1, -3),
    ("VALUE('12.5')", 1, 12.5),
    ("VALUE({Code})", 1, 12.5),
    ("VALUE(' $1,234.50 ')", 1, 1234.5),
    ("VALUE('-¥8')", 1, -8),
    ("VALUE('50%')", 1, 0.5),
    ("VALUE('1e3')", 1, 1000),
    ("VALUE('.5')", 1, 0.5),
    ("VALUE(42)", 1, 42),
    ("VALUE('abc')", 1, None),
    ("VALUE('1.2.3')", 1, None),
    ("VALUE('')", 1, None),
    ("VALUE({Code})", 3, None),
    ("ISERROR(VALUE({Code}))", 3, True),
]

AGGREGATES: list[Case] = [
    ("MIN(3, 1, 2)", 1, 1),
    ("MIN({Num}, 5)", 2, 5),  # blanks are skipped
    ("MIN({Num}, BLANK())", 2, None),
    ("MAX({Num}, 3, BLANK())", 1, 3),
    ("MAX({Amounts})", 1, 2.5),  # numbers only: not null, "x" or true
    ("MAX({Amounts})", 3, 10),
    ("MIN({Amounts})", 3, -4),
    ("MIN({Tags})", 1, None),
    ("MAX({Amounts}, {Num})", 2, None),
    ("SUM(1, 2, 3)", 1, 6),
    ("SUM({Num}, {Qty})", 2, 0),
    ("SUM({Amounts})", 1, 3.5),
    ("SUM({Amounts})", 3, 6),
    ("SUM({Amounts})", 2, 0),
    ("SUM({Amounts}, 10, {Num})", 1, 15),
    ("SUM({Done}, 1)", 1, 2),
    ("AVERAGE(1, 2, 3, 4)", 1, 2.5),
    ("AVERAGE({Amounts})", 1, 1.75),
    ("AVERAGE({Num}, 2.5)", 2, 2.5),
    ("AVERAGE({Tags})", 1, None),
    ("COUNT(1, 'a', BLANK(), 2)", 1, 2),
    ("COUNT({Amounts})", 1, 2),
    ("COUNT({Num})", 2, 0),
    ("COUNTA({Tags})", 1, 3),
    ("COUNTA({Tags})", 3, 4),
    ("COUNTA(1, '', 'x', BLANK())", 1, 2),
    ("COUNTA({Due}, {When})", 1, 2),
    ("COUNTALL({Tags})", 1, 5),
    ("COUNTALL({Tags})", 2, 0),
    ("COUNTALL(1, BLANK())", 1, 2),
    ("COUNTALL({Tags}, 1)", 2, 1),
]

ARRAYS: list[Case] = [
    ("ARRAYJOIN({Tags})", 1, "a, b, , a, "),
    ("ARRAYJOIN({Tags}, '|')", 1, "a|b||a|"),
    ("ARRAYJOIN({Tags})", 2, None),
    ("ARRAYJOIN({Tags})", 3, "x, y, z, 3"),
    ("ARRAYJOIN({Files}, ';')", 1, "a.png;b.pdf"),
    ("ARRAYJOIN({Amounts}, '')", 1, "12.5x1"),
    ("ARRAYJOIN('solo')", 1, "solo"),
    ("ARRAYJOIN({Num})", 1, "1.5"),
    ("ARRAYJOIN({Num})", 2, None),
    ("ARRAYUNIQUE({Tags})", 1, ["a", "b", None, ""]),
    ("ARRAYUNIQUE({Amounts})", 1, [1, 2.5, None, "x", True]),
    ("ARRAYCOMPACT({Tags})", 1, ["a", "b", "a"]),
    ("ARRAYCOMPACT(BLANK())", 1, None),
    ("ARRAYFLATTEN({Tags})", 3, ["x", "y", "z", 3]),
    ("ARRAYFLATTEN({Tags})", 2, None),
    ("ARRAYFLATTEN({Files})", 1, ROWS[0]["files"]),
    ("ARRAYUNIQUE(ARRAYCOMPACT({Tags}))", 1, ["a", "b"]),
    ("LEN(ARRAYJOIN(ARRAYUNIQUE({Tags}), ''))", 1, 2),
    ("IF({Tags}, 'some', 'none')", 2, "none"),
    ("IF(ARRAYCOMPACT({Tags}), 'some', 'none')", 1, "some"),
]

RECORD: list[Case] = [
    ("RECORD_ID()", 1, "1"),
    ("'rec' & RECORD_ID()", 3, "rec3"),
    ("CREATED_TIME()", 1, dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC)),
    ("LAST_MODIFIED_TIME()", 1, ROWS[0]["modified"]),
    ("LAST_MODIFIED_TIME()", 2, None),
    ("DATETIME_DIFF(LAST_MODIFIED_TIME(), CREATED_TIME(), 'days')", 1, 31),
]


@pytest.mark.parametrize(("text", "row", "expected"), NUMBERS)
def test_number_functions(fdb: FormulaDB, text: str, row: int, expected: Any) -> None:
    check(fdb, text, row, expected)


@pytest.mark.parametrize(("text", "row", "expected"), AGGREGATES)
def test_aggregates_take_numbers_and_lists(
    fdb: FormulaDB, text: str, row: int, expected: Any
) -> None:
    check(fdb, text, row, expected)


@pytest.mark.parametrize(("text", "row", "expected"), ARRAYS)
def test_array_functions(fdb: FormulaDB, text: str, row: int, expected: Any) -> None:
    check(fdb, text, row, expected)


@pytest.mark.parametrize(("text", "row", "expected"), RECORD)
def test_record_functions(fdb: FormulaDB, text: str, row: int, expected: Any) -> None:
    check(fdb, text, row, expected)


def test_one_formula_over_all_rows(fdb: FormulaDB) -> None:
    assert fdb.rows("ROUND({Num} * {Qty} + SUM({Amounts}), 1)") == [6.5, 0, 6]
    assert fdb.rows("IF({Num} > 0, 'up', IF({Num} < 0, 'down', 'flat'))") == ["up", "flat", "down"]
