"""Dates: TODAY, NOW, DATEADD, DATETIME_DIFF, DATETIME_FORMAT, DATETIME_PARSE, DATESTR,
TIMESTR, YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, WEEKDAY, WEEKNUM, WORKDAY, WORKDAY_DIFF,
IS_BEFORE, IS_AFTER, IS_SAME, SET_TIMEZONE, TONOW, FROMNOW.

Date-times are instants; a date is its calendar day, which starts at midnight on the wall clock
of the base's time zone (or of SET_TIMEZONE's). Days, weeks, months, quarters and years are
counted on that wall clock (so adding a day across a DST change keeps the time of day); hours,
minutes, seconds and milliseconds are elapsed time."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from . import coerce
from .datefmt import (
    CALENDAR,
    DEFAULT_FORMAT,
    EXACT_SECONDS,
    check_format,
    check_parse_format,
    parse_spec,
    unit,
    weekday_start,
)
from .nodes import Call, Text
from .registry import DATE, NUMBER, TEXT, Function, Kind, LiteralProblem, Param, fn, literal
from .types import FType
from .values import SQL, Cond, Ctx, Val, txt


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise LiteralProblem(
            f"Unknown time zone {name!r} (use a name such as 'Asia/Shanghai' or 'UTC')",
            f"未知的时区 {name!r}（请使用 'Asia/Shanghai'、'UTC' 这样的名称）",
        ) from None
    return name


def _const(args: list[Val], i: int, default: str) -> str:
    value = args[i].const if len(args) > i else default
    assert isinstance(value, str)
    return value


def _number(sql: SQL) -> Val:
    return Val(sql, FType.NUMBER)


def _err_if_lost(out: SQL, given: SQL) -> Cond:
    """A function of a non-blank value that came out NULL failed."""
    return sa.and_(out.is_(None), given.is_not(None))


def _today(c: Ctx, args: list[Val], node: Call) -> Val:
    local = c.d.local_of_instant(c.now, c.timezone)
    return Val(c.d.date_of_local(local), FType.DATE, nullable=False)


def _now(c: Ctx, args: list[Val], node: Call) -> Val:
    return Val(c.now, FType.DATETIME, nullable=False)


def _dateadd_type(types: list[FType], node: Call) -> FType:
    arg = node.args[2]
    assert isinstance(arg, Text)
    return FType.DATE if types[0] is FType.DATE and unit(arg.value) in CALENDAR else FType.DATETIME


def _dateadd(c: Ctx, args: list[Val], node: Call) -> Val:
    v, n, u = args[0], args[1].sql, unit(_const(args, 2, ""))
    d = c.d
    if node.ftype is FType.DATE:
        out = d.add(v.sql, n, u, "date")
    elif u in EXACT_SECONDS:
        out = d.add(coerce.instant(c, v), n, u, "instant")
    else:
        out = d.instant_of_local(d.add(coerce.local(c, v), n, u, "local"), c.zone(v))
    return Val(out, node.ftype, zone=v.zone).but(err=_err_if_lost(out, v.sql))


def _diff(c: Ctx, a: Val, b: Val, u: str) -> SQL:
    if u in EXACT_SECONDS:
        return c.d.diff(coerce.instant(c, a), coerce.instant(c, b), u)
    return c.d.diff(coerce.local(c, a), coerce.local(c, b), u)


def _datetime_diff(c: Ctx, args: list[Val], node: Call) -> Val:
    return _number(_diff(c, args[0], args[1], unit(_const(args, 2, "seconds"))))


def _format(c: Ctx, v: Val, fmt: str) -> Val:
    return Val(c.d.format(coerce.instant(c, v), c.zone(v), fmt), FType.TEXT)


def _datetime_format(c: Ctx, args: list[Val], node: Call) -> Val:
    return _format(c, args[0], _const(args, 1, DEFAULT_FORMAT))


def _datetime_parse(c: Ctx, args: list[Val], node: Call) -> Val:
    s = args[0].sql
    fmt = args[1].const if len(args) > 1 else None
    assert fmt is None or isinstance(fmt, str)
    if isinstance(args[0].const, str):
        return coerce.parsed_constant(c, args[0].const, parse_spec(fmt))
    out = c.d.parse(s, parse_spec(fmt), c.timezone)
    unreadable = sa.and_(out.is_(None), c.d.trim(s) != "")
    return Val(out, FType.DATETIME).but(err=unreadable)


def _datestr(c: Ctx, args: list[Val], node: Call) -> Val:
    return Val(c.d.date_text(coerce.day(c, args[0])), FType.TEXT)


def _timestr(c: Ctx, args: list[Val], node: Call) -> Val:
    return _format(c, args[0], "HH:mm:ss")


def _part(name: str) -> Function:
    def impl(c: Ctx, args: list[Val], node: Call) -> Val:
        return _number(c.d.part(coerce.local(c, args[0]), name))

    label = {"day": "DAY", "year": "YEAR", "month": "MONTH", "hour": "HOUR"}
    label |= {"minute": "MINUTE", "second": "SECOND"}
    return fn(label[name], [DATE], FType.NUMBER, impl)


def _weekday(c: Ctx, args: list[Val], node: Call) -> Val:
    dow = c.d.part(coerce.local(c, args[0]), "dow")
    start = weekday_start(_const(args, 1, "Sunday"))
    return _number((dow - start + 7) % 7)


def _weeknum(c: Ctx, args: list[Val], node: Call) -> Val:
    start = weekday_start(_const(args, 1, "Sunday"))

    def weeknum(local: SQL) -> SQL:
        doy, dow = c.d.part(local, "doy"), (c.d.part(local, "dow") - start + 7) % 7
        jan1 = (dow - (doy - 1) % 7 + 7) % 7
        return (doy - 1 + jan1) // 7 + 1

    return _number(c.d.let(coerce.local(c, args[0]), weeknum))


def _workday(c: Ctx, args: list[Val], node: Call) -> Val:
    start = coerce.day(c, args[0])
    holidays = args[2].sql if len(args) > 2 else txt("")
    out = c.d.workday(start, args[1].sql, holidays)
    return Val(out, FType.DATE).but(err=_err_if_lost(out, start))


def _workday_diff(c: Ctx, args: list[Val], node: Call) -> Val:
    a, b = coerce.day(c, args[0]), coerce.day(c, args[1])
    holidays = args[2].sql if len(args) > 2 else txt("")
    out = c.d.workday_diff(a, b, holidays)
    lost = sa.and_(out.is_(None), a.is_not(None), b.is_not(None))
    return _number(out).but(err=lost)


def _order(op: str) -> Function:
    def impl(c: Ctx, args: list[Val], node: Call) -> Val:
        a, b = coerce.instant(c, args[0]), coerce.instant(c, args[1])
        value = sa.func.coalesce(a < b if op == "<" else a > b, sa.false())
        return Val(value, FType.BOOLEAN, nullable=False)

    return fn("IS_BEFORE" if op == "<" else "IS_AFTER", [DATE, DATE], FType.BOOLEAN, impl)


def _is_same(c: Ctx, args: list[Val], node: Call) -> Val:
    if len(args) < 3:
        same = coerce.instant(c, args[0]) == coerce.instant(c, args[1])
    else:
        u = unit(_const(args, 2, ""))
        a = c.d.trunc(coerce.local(c, args[0]), u)
        b = c.d.trunc(coerce.local(c, args[1]), u)
        same = a == b
    return Val(sa.func.coalesce(same, sa.false()), FType.BOOLEAN, nullable=False)


def _set_timezone(c: Ctx, args: list[Val], node: Call) -> Val:
    return args[0].but(zone=_zone(_const(args, 1, "")))


def _set_timezone_type(types: list[FType], node: Call) -> FType:
    return FType.DATE if types[0] is FType.DATE else FType.DATETIME


def _relative(name: str) -> Function:
    def impl(c: Ctx, args: list[Val], node: Call) -> Val:
        v = args[0]
        now = Val(c.now, FType.DATETIME, zone=c.zone(v))
        a, b = (now, v) if name == "TONOW" else (v, now)
        return _number(_diff(c, a, b, "d"))

    return fn(name, [DATE], FType.NUMBER, impl, volatile=True)


_UNIT = literal(unit)
_START = literal(weekday_start, optional=True)
_OPT_TEXT = Param(Kind.TEXT, optional=True)

FUNCTIONS = [
    fn("TODAY", [], FType.DATE, _today, volatile=True),
    fn("NOW", [], FType.DATETIME, _now, volatile=True),
    fn("DATEADD", [DATE, NUMBER, _UNIT], _dateadd_type, _dateadd),
    fn("DATETIME_DIFF", [DATE, DATE, literal(unit, optional=True)], FType.NUMBER, _datetime_diff),
    fn(
        "DATETIME_FORMAT",
        [DATE, literal(check_format, optional=True)],
        FType.TEXT,
        _datetime_format,
    ),
    fn(
        "DATETIME_PARSE",
        [TEXT, literal(check_parse_format, optional=True), literal(str, optional=True)],
        FType.DATETIME,
        _datetime_parse,
    ),
    fn("DATESTR", [DATE], FType.TEXT, _datestr),
    fn("TIMESTR", [DATE], FType.TEXT, _timestr),
    *(_part(p) for p in ("year", "month", "day", "hour", "minute", "second")),
    fn("WEEKDAY", [DATE, _START], FType.NUMBER, _weekday),
    fn("WEEKNUM", [DATE, _START], FType.NUMBER, _weeknum),
    fn("WORKDAY", [DATE, NUMBER, _OPT_TEXT], FType.DATE, _workday),
    fn("WORKDAY_DIFF", [DATE, DATE, _OPT_TEXT], FType.NUMBER, _workday_diff),
    _order("<"),
    _order(">"),
    fn("IS_SAME", [DATE, DATE, literal(unit, optional=True)], FType.BOOLEAN, _is_same),
    fn("SET_TIMEZONE", [DATE, literal(_zone)], _set_timezone_type, _set_timezone),
    _relative("TONOW"),
    _relative("FROMNOW"),
]
