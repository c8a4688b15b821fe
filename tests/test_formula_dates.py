"""Date functions across time zones, on SQLite and PostgreSQL alike. Row 1: Due 2024-03-05 (a
Tuesday), When 2024-03-05 14:30 UTC (22:30 in Shanghai, 03:30 on the 6th in Auckland). Row 3:
When 2024-11-03 05:30 UTC, which is 01:30 EDT in New York, half an hour before clocks go back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from test_formula_db import FormulaDB, fdb

__all__ = ["fdb"]

UTC = dt.UTC
SH, NY, AKL = "Asia/Shanghai", "America/New_York", "Pacific/Auckland"


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


Case = tuple[str, int, str, Any]  # formula, row, base time zone, value

ARITHMETIC: list[Case] = [
    ("DATEADD({Due}, 1, 'days')", 1, "UTC", dt.date(2024, 3, 6)),
    ("DATEADD({Due}, 2, 'weeks')", 1, "UTC", dt.date(2024, 3, 19)),
    ("DATEADD({Due}, 1, 'months')", 1, "UTC", dt.date(2024, 4, 5)),
    ("DATEADD({Due}, 1, 'quarter')", 1, "UTC", dt.date(2024, 6, 5)),
    ("DATEADD({Due}, -1, 'y')", 1, "UTC", dt.date(2023, 3, 5)),
    ("DATEADD({Due}, 1.5, 'd')", 1, "UTC", dt.date(2024, 3, 7)),  # whole days, rounded
    ("DATEADD({Due}, 2, 'M')", 3, "UTC", dt.date(2025, 2, 28)),  # the month's last day
    ("DATEADD({Due}, 2, 'hours')", 1, "UTC", at(2024, 3, 5, 2)),
    ("DATEADD({Due}, 2, 'hours')", 1, SH, at(2024, 3, 4, 18)),  # from midnight in Shanghai
    ("DATEADD({When}, 1, 'days')", 1, "UTC", at(2024, 3, 6, 14, 30)),
    ("DATEADD({When}, 30, 'minutes')", 1, "UTC", at(2024, 3, 5, 15)),
    ("DATEADD({When}, 500, 'ms')", 1, "UTC", dt.datetime(2024, 3, 5, 14, 30, 0, 500000, UTC)),
    ("DATEADD({When}, 90, 's')", 1, "UTC", at(2024, 3, 5, 14, 31, 30)),
    ("DATEADD({When}, -2, 'M')", 1, "UTC", at(2024, 1, 5, 14, 30)),
    ("DATEADD({When}, 1, 'days')", 3, NY, at(2024, 11, 4, 6, 30)),  # same wall time after DST
    ("DATEADD({When}, 24, 'hours')", 3, NY, at(2024, 11, 4, 5, 30)),
    ("DATEADD('2024-01-31', 1, 'months')", 1, "UTC", at(2024, 2, 29)),
    ("DATEADD({Due}, 1, 'days')", 2, "UTC", None),
    ("ISERROR(DATEADD({Due}, 1, 'days'))", 2, "UTC", False),
    ("DATEADD({Due}, 100000, 'years')", 1, "UTC", None),
    ("ISERROR(DATEADD({Due}, 100000, 'years'))", 1, "UTC", True),
    ("ISERROR(DATEADD('not a date', 1, 'days'))", 1, "UTC", True),
    ("DATETIME_DIFF({When}, {Due}, 'hours')", 1, "UTC", 14),
    ("DATETIME_DIFF({When}, {Due}, 'hours')", 1, SH, 22),
    ("DATETIME_DIFF({Due}, {When}, 'hours')", 1, "UTC", -14),  # toward zero
    ("DATETIME_DIFF({When}, {Due})", 1, "UTC", 52200),
    ("DATETIME_DIFF({When}, {Due}, 'minutes')", 1, "UTC", 870),
    ("DATETIME_DIFF({When}, {Due}, 'milliseconds')", 1, "UTC", 52200000),
    ("DATETIME_DIFF({When}, {Due}, 'days')", 1, "UTC", 0),
    ("DATETIME_DIFF('2024-05-31', {Due}, 'months')", 1, "UTC", 2),
    ("DATETIME_DIFF('2024-03-31', '2024-02-29', 'months')", 1, "UTC", 1),
    ("DATETIME_DIFF('2024-02-29', '2024-01-31', 'months')", 1, "UTC", 1),
    ("DATETIME_DIFF('2024-01-31', '2024-02-29', 'months')", 1, "UTC", -1),
    ("DATETIME_DIFF('2024-03-04', '2024-02-05', 'months')", 1, "UTC", 0),
    ("DATETIME_DIFF('2025-03-04', {Due}, 'years')", 1, "UTC", 0),
    ("DATETIME_DIFF('2025-03-05', {Due}, 'years')", 1, "UTC", 1),
    ("DATETIME_DIFF('2024-09-05', {Due}, 'quarters')", 1, "UTC", 2),
    ("DATETIME_DIFF('2024-03-19', {Due}, 'weeks')", 1, "UTC", 2),
    ("DATETIME_DIFF(DATEADD({When}, 1, 'days'), {When}, 'days')", 3, NY, 1),
    ("DATETIME_DIFF(DATEADD({When}, 1, 'days'), {When}, 'hours')", 3, NY, 25),
    ("DATETIME_DIFF({When}, {Due}, 'days')", 2, "UTC", None),
]

FORMATS: list[Case] = [
    ("DATETIME_FORMAT({When}, 'YYYY-MM-DD HH:mm')", 1, "UTC", "2024-03-05 14:30"),
    ("DATETIME_FORMAT({When}, 'YYYY-MM-DD HH:mm')", 1, SH, "2024-03-05 22:30"),
    ("DATETIME_FORMAT({When})", 1, "UTC", "2024-03-05T14:30:00.000+00:00"),
    ("DATETIME_FORMAT({When})", 1, SH, "2024-03-05T22:30:00.000+08:00"),
    ("DATETIME_FORMAT({When}, 'M/D/YY h:mm a')", 1, "UTC", "3/5/24 2:30 pm"),
    ("DATETIME_FORMAT({When}, 'dddd, MMMM Do YYYY')", 1, "UTC", "Tuesday, March 5th 2024"),
    ("DATETIME_FORMAT({When}, 'ddd MMM D, dd d')", 1, "UTC", "Tue Mar 5, Tu 2"),
    (
        "DATETIME_FORMAT({When}, 'L | LL | LLL')",
        1,
        "UTC",
        "03/05/2024 | March 5, 2024 | March 5, 2024 2:30 PM",
    ),
    ("DATETIME_FORMAT({When}, 'll, LT, LTS')", 1, "UTC", "Mar 5, 2024, 2:30 PM, 2:30:00 PM"),
    (
        "DATETIME_FORMAT({When}, '[Week] W, [Q]Q, DDD DDDD, GGGG')",
        1,
        "UTC",
        "Week 10, Q1, 65 065, 2024",
    ),
    ("DATETIME_FORMAT({When}, 'X x')", 1, "UTC", "1709649000 1709649000000"),
    ("DATETIME_FORMAT({When}, 'Z ZZ')", 1, "Asia/Kolkata", "+05:30 +0530"),
    ("DATETIME_FORMAT({When}, 'Z')", 1, "America/St_Johns", "-03:30"),
    ("DATETIME_FORMAT({When}, 'hh A, H:m:s, k')", 1, "UTC", "02 PM, 14:30:0, 14"),
    ("DATETIME_FORMAT({When}, 'kk')", 1, "Asia/Kolkata", "20"),
    ("DATETIME_FORMAT(LAST_MODIFIED_TIME(), 'ss.SSS S SS')", 1, "UTC", "30.123 1 12"),
    ("DATETIME_FORMAT({When}, 'YYYY \"Q\" [MM]')", 1, "UTC", '2024 "1" MM'),
    ("DATETIME_FORMAT({When}, 'YYYY\\\\MM')", 1, "UTC", "2024\\03"),
    ("DATETIME_FORMAT({When}, 'YYYY年M月D日 HH:mm')", 1, SH, "2024年3月5日 22:30"),
    ("DATETIME_FORMAT({Due}, 'YYYY-MM-DD HH:mm Z')", 1, SH, "2024-03-05 00:00 +08:00"),
    ("DATETIME_FORMAT({When}, 'YYYY-MM-DD HH:mm Z')", 3, NY, "2024-11-03 01:30 -04:00"),
    ("DATETIME_FORMAT(DATEADD({When}, 1, 'hours'), 'HH:mm Z')", 3, NY, "01:30 -05:00"),
    ("DATETIME_FORMAT({When}, 'YYYY')", 2, "UTC", None),
    ("DATESTR({When})", 1, "UTC", "2024-03-05"),
    ("DATESTR({When})", 1, AKL, "2024-03-06"),
    ("DATESTR({Due})", 1, AKL, "2024-03-05"),
    ("TIMESTR({When})", 1, "UTC", "14:30:00"),
    ("TIMESTR({When})", 1, SH, "22:30:00"),
    ("TIMESTR({Due})", 1, SH, "00:00:00"),
]

PARSING: list[Case] = [
    ("DATETIME_PARSE('2024-03-05 10:00')", 1, "UTC", at(2024, 3, 5, 10)),
    ("DATETIME_PARSE('2024-03-05 10:00')", 1, SH, at(2024, 3, 5, 2)),
    ("DATETIME_PARSE('2024-03-05T10:00:00Z')", 1, SH, at(2024, 3, 5, 10)),
    (
        "DATETIME_PARSE('2024-03-05T10:00:00.25+05:30')",
        1,
        "UTC",
        dt.datetime(2024, 3, 5, 4, 30, 0, 250000, UTC),
    ),
    ("DATETIME_PARSE('2024-03-05 10:00 -0800')", 1, SH, at(2024, 3, 5, 18)),
    ("DATETIME_PARSE('2024/3/5')", 1, "UTC", at(2024, 3, 5)),
    ("DATETIME_PARSE('2024年3月5日')", 1, SH, at(2024, 3, 4, 16)),
    ("DATETIME_PARSE('05/03/2024', 'DD/MM/YYYY')", 1, "UTC", at(2024, 3, 5)),
    (
        "DATETIME_PARSE('March 5, 2024 2:30 pm', 'MMMM D, YYYY h:mm a')",
        1,
        "UTC",
        at(2024, 3, 5, 14, 30),
    ),
    ("DATETIME_PARSE('5 mar 24', 'D MMM YY')", 1, "UTC", at(2024, 3, 5)),
    ("DATETIME_PARSE('12:00 am', 'hh:mm a')", 1, "UTC", at(1970, 1, 1)),
    ("DATETIME_PARSE('Tue, 5th Mar 2024', 'ddd, Do MMM YYYY')", 1, "UTC", at(2024, 3, 5)),
    ("DATETIME_PARSE('1709649000', 'X')", 1, SH, at(2024, 3, 5, 14, 30)),
    (
        "DATETIME_PARSE('1709649000500', 'x')",
        1,
        "UTC",
        dt.datetime(2024, 3, 5, 14, 30, 0, 500000, UTC),
    ),
    ("DATETIME_PARSE({Due})", 1, "UTC", at(2024, 3, 5)),
    ("DATETIME_PARSE('2024-02-30')", 1, "UTC", None),
    ("ISERROR(DATETIME_PARSE('2024-02-30'))", 1, "UTC", True),
    ("ISERROR(DATETIME_PARSE('nonsense'))", 1, "UTC", True),
    ("ISERROR(DATETIME_PARSE('25:00', 'HH:mm'))", 1, "UTC", True),
    ("ISERROR(DATETIME_PARSE('0000-01-01'))", 1, "UTC", True),
    ("DATETIME_PARSE('')", 1, "UTC", None),
    ("ISERROR(DATETIME_PARSE(''))", 1, "UTC", False),
    ("DATETIME_PARSE('2024-11-03 01:30')", 1, NY, at(2024, 11, 3, 6, 30)),  # ambiguous: standard
    ("DATETIME_PARSE('2024-03-10 02:30')", 1, NY, at(2024, 3, 10, 7, 30)),  # skipped hour
    # text read from a field, when the formula runs
    ("DATETIME_PARSE({Stamp})", 1, SH, dt.datetime(2024, 3, 5, 4, 30, 0, 250000, UTC)),
    ("DATETIME_PARSE({Stamp})", 3, "UTC", None),
    ("ISERROR(DATETIME_PARSE({Stamp}))", 3, "UTC", True),
    ("ISERROR(DATETIME_PARSE({Stamp}))", 2, "UTC", False),
    ("DATETIME_PARSE({Dmy}, 'D/M/YYYY h:mm a')", 1, "UTC", at(2024, 3, 5, 14, 30)),
    ("DATETIME_PARSE({Dmy}, 'D/M/YYYY h:mm a')", 1, SH, at(2024, 3, 5, 6, 30)),
    ("ISERROR(DATETIME_PARSE({Dmy}, 'D/M/YYYY h:mm a'))", 3, "UTC", True),
    ("DATETIME_PARSE({Words}, 'dddd, Do MMMM YYYY')", 1, "UTC", at(2024, 3, 5)),
    ("DATETIME_PARSE({Words}, 'X')", 3, "UTC", at(2024, 3, 5, 14, 30)),
    ("ISERROR(DATETIME_PARSE({Words}, 'X'))", 1, "UTC", True),
    ("DATETIME_PARSE({Dmy} & '', 'D/M/YYYY h:mm a')", 1, NY, at(2024, 3, 5, 19, 30)),
    ("IS_SAME({Due}, {Stamp}, 'day')", 1, "UTC", True),
    ("{Due} = {Stamp}", 1, "UTC", False),
    ("{When} > {Stamp}", 1, "UTC", True),
    ("DATEADD({Stamp}, 1, 'days')", 1, "UTC", dt.datetime(2024, 3, 6, 4, 30, 0, 250000, UTC)),
    ("ISERROR(DATEADD({Stamp}, 1, 'days'))", 3, "UTC", True),
    ("DATESTR({Stamp})", 1, "UTC", "2024-03-05"),
]

PARTS: list[Case] = [
    ("YEAR({When}) & MONTH({When}) & DAY({When})", 1, "UTC", "202435"),
    ("HOUR({When})", 1, "UTC", 14),
    ("HOUR({When})", 1, SH, 22),
    ("MINUTE({When})", 1, "UTC", 30),
    ("SECOND(LAST_MODIFIED_TIME())", 1, "UTC", 30),
    ("DAY({When})", 1, AKL, 6),
    ("HOUR({Due})", 1, SH, 0),
    ("DAY({Due})", 1, AKL, 5),
    ("YEAR('2023-07-01')", 1, "UTC", 2023),
    ("YEAR({Due})", 2, "UTC", None),
    ("WEEKDAY({Due})", 1, "UTC", 2),
    ("WEEKDAY({Due}, 'Monday')", 1, "UTC", 1),
    ("WEEKDAY('2024-03-03')", 1, "UTC", 0),
    ("WEEKDAY('2024-03-03', 'Monday')", 1, "UTC", 6),
    ("WEEKDAY({When})", 1, AKL, 3),
    ("WEEKNUM({Due})", 1, "UTC", 10),
    ("WEEKNUM('2024-01-01')", 1, "UTC", 1),
    ("WEEKNUM('2024-01-07')", 1, "UTC", 2),
    ("WEEKNUM('2024-01-07', 'Monday')", 1, "UTC", 1),
    ("WEEKNUM('2024-12-31')", 1, "UTC", 53),
    ("WEEKNUM('2023-01-01')", 1, "UTC", 1),
]

WORKDAYS: list[Case] = [
    ("WORKDAY({Due}, 5)", 1, "UTC", dt.date(2024, 3, 12)),
    ("WORKDAY({Due}, 0)", 1, "UTC", dt.date(2024, 3, 5)),
    ("WORKDAY({Due}, -2)", 1, "UTC", dt.date(2024, 3, 1)),
    ("WORKDAY({Due}, 1, '2024-03-06')", 1, "UTC", dt.date(2024, 3, 7)),
    ("WORKDAY({Due}, 3, '2024-03-06, 2024-03-07')", 1, "UTC", dt.date(2024, 3, 12)),
    ("WORKDAY('2024-03-08', 1)", 1, "UTC", dt.date(2024, 3, 11)),
    ("WORKDAY({Due}, 2.7)", 1, "UTC", dt.date(2024, 3, 7)),
    ("WORKDAY({When}, 1)", 1, AKL, dt.date(2024, 3, 7)),  # from Wednesday the 6th there
    ("WORKDAY({Due}, 5)", 2, "UTC", None),
    ("ISERROR(WORKDAY({Due}, 200000))", 1, "UTC", True),
    ("WORKDAY_DIFF('2024-01-01', '2024-01-05')", 1, "UTC", 5),
    (
        "WORKDAY_DIFF('2017-01-01', '2017-12-31', '2017-07-04, 2017-11-23, 2017-12-25')",
        1,
        "UTC",
        257,
    ),
    (
        "WORKDAY_DIFF('2017-12-31', '2017-01-01', '2017-07-04,2017-11-23,2017-12-25')",
        1,
        "UTC",
        -257,
    ),
    ("WORKDAY_DIFF({Due}, {Due})", 1, "UTC", 1),
    ("WORKDAY_DIFF('2024-03-09', '2024-03-10')", 1, "UTC", 0),
    ("WORKDAY_DIFF({Due}, '2024-03-20')", 2, "UTC", None),
]

COMPARING: list[Case] = [
    ("IS_BEFORE({Due}, {When})", 1, "UTC", True),
    ("IS_AFTER({When}, '2024-03-05')", 1, "UTC", True),
    ("IS_AFTER({Due}, {When})", 1, AKL, False),
    ("IS_BEFORE(BLANK(), {When})", 1, "UTC", False),
    ("IS_BEFORE({Due}, {When})", 2, "UTC", False),
    ("IS_SAME({Due}, {When})", 1, "UTC", False),
    ("IS_SAME({Due}, '2024-03-05')", 1, "UTC", True),
    ("IS_SAME({Due}, {When}, 'day')", 1, "UTC", True),
    ("IS_SAME({Due}, {When}, 'day')", 1, AKL, False),
    ("IS_SAME({When}, '2024-03-01', 'month')", 1, "UTC", True),
    ("IS_SAME({When}, '2024-12-31', 'year')", 1, "UTC", True),
    ("IS_SAME({Due}, '2024-01-01', 'quarter')", 1, "UTC", True),
    ("IS_SAME('2024-03-03', '2024-03-09', 'week')", 1, "UTC", True),
    ("IS_SAME('2024-03-09', '2024-03-10', 'week')", 1, "UTC", False),
    ("IS_SAME({When}, '2024-03-05 14:59', 'hour')", 1, "UTC", True),
    ("IS_SAME({When}, '2024-03-05 14:31', 'minute')", 1, "UTC", False),
    ("IS_SAME({Due}, {When}, 'day')", 2, "UTC", False),
    ("DATETIME_FORMAT(SET_TIMEZONE({When}, 'Asia/Tokyo'), 'HH:mm')", 1, "UTC", "23:30"),
    ("HOUR(SET_TIMEZONE({When}, 'America/Los_Angeles'))", 1, SH, 6),
    ("SET_TIMEZONE({When}, 'Asia/Tokyo')", 1, "UTC", at(2024, 3, 5, 14, 30)),
    (
        "DATETIME_FORMAT(SET_TIMEZONE({Due}, 'Asia/Tokyo'), 'YYYY-MM-DD HH:mm Z')",
        1,
        SH,
        "2024-03-05 00:00 +09:00",
    ),
    ("DATESTR(SET_TIMEZONE({When}, 'Pacific/Auckland'))", 1, "UTC", "2024-03-06"),
    (
        "DATETIME_FORMAT(DATEADD(SET_TIMEZONE({When}, 'America/New_York'), 1, 'days'), 'HH:mm')",
        3,
        "UTC",
        "01:30",
    ),
    ("IF({Num} > 0, {Due}, {When})", 1, "UTC", at(2024, 3, 5)),
    ("IF({Num} > 0, {Due}, {When})", 3, "UTC", at(2024, 11, 3, 5, 30)),
]


def run(fdb: FormulaDB, text: str, row: int, tz: str, expected: Any) -> None:
    got = fdb.ev(text, row, tz=tz)
    assert got == expected, f"{text} (row {row}, {tz}) on {fdb.dialect}: {got!r} != {expected!r}"


@pytest.mark.parametrize(("text", "row", "tz", "expected"), ARITHMETIC)
def test_date_arithmetic(fdb: FormulaDB, text: str, row: int, tz: str, expected: Any) -> None:
    run(fdb, text, row, tz, expected)


@pytest.mark.parametrize(("text", "row", "tz", "expected"), FORMATS)
def test_date_formatting(fdb: FormulaDB, text: str, row: int, tz: str, expected: Any) -> None:
    run(fdb, text, row, tz, expected)


@pytest.mark.parametrize(("text", "row", "tz", "expected"), PARSING)
def test_date_parsing(fdb: FormulaDB, text: str, row: int, tz: str, expected: Any) -> None:
    run(fdb, text, row, tz, expected)


@pytest.mark.parametrize(("text", "row", "tz", "expected"), PARTS)
def test_date_parts(fdb: FormulaDB, text: str, row: int, tz: str, expected: Any) -> None:
    run(fdb, text, row, tz, expected)


@pytest.mark.parametrize(("text", "row", "tz", "expected"), WORKDAYS)
def test_working_days(fdb: FormulaDB, text: str, row: int, tz: str, expected: Any) -> None:
    run(fdb, text, row, tz, expected)


@pytest.mark.parametrize(("text", "row", "tz", "expected"), COMPARING)
def test_comparing_dates_and_zones(
    fdb: FormulaDB, text: str, row: int, tz: str, expected: Any
) -> None:
    run(fdb, text, row, tz, expected)


def test_relative_to_now(fdb: FormulaDB) -> None:
    now = at(2024, 3, 15, 12)
    assert fdb.ev("TONOW({Due})", now=now) == 10
    assert fdb.ev("FROMNOW({Due})", now=now) == -10
    assert fdb.ev("TONOW({Due})", 2, now=now) is None
    assert fdb.ev("IS_BEFORE({Due}, TODAY())", now=now) is True
    assert fdb.ev("DATETIME_DIFF(TODAY(), {Due}, 'days')", now=now, tz=AKL) == 11
