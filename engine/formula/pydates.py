"""Date arithmetic in Python, exactly as the PostgreSQL expressions do it; SQLite's functions
(see sqlite_udfs.py) call these. Local times are naive datetimes on the wall clock of a zone,
instants are naive datetimes in UTC."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

from . import datefmt
from .datefmt import DAYS, MONTHS, ParseSpec

MAX_COUNT = {"d": 3_700_000, "w": 530_000, "M": 120_000, "Q": 40_000, "y": 10_000}
MAX_MICROS = 315_000_000_000_000_000  # about 10,000 years
MAX_WORKDAYS = 100_000
_US = {"ms": 1_000, "s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000}
_DAY_US = 86_400_000_000


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def to_local(instant: dt.datetime, zone_name: str) -> dt.datetime:
    return instant.replace(tzinfo=dt.UTC).astimezone(zone(zone_name)).replace(tzinfo=None)


def to_instant(local: dt.datetime, zone_name: str) -> dt.datetime:
    """The UTC instant of a wall-clock time; in a gap or an overlap, the reading with the smaller
    offset from UTC wins (what PostgreSQL does)."""
    z = zone(zone_name)
    off0 = local.replace(tzinfo=z, fold=0).utcoffset()
    off1 = local.replace(tzinfo=z, fold=1).utcoffset()
    assert off0 is not None and off1 is not None
    return local - min(off0, off1)


def add_months(value: dt.datetime, months: int) -> dt.datetime:
    y, m = divmod(value.month - 1 + months, 12)
    year = value.year + y
    day = min(value.day, calendar.monthrange(year, m + 1)[1])
    return value.replace(year=year, month=m + 1, day=day)


def round_count(n: float) -> int:
    return math.floor(n + 0.5)


def add(value: dt.datetime, n: float, unit: str) -> dt.datetime | None:
    """`value` moved by `n` units: calendar units on the wall clock (whole units, rounded half
    up), elapsed-time units to the microsecond."""
    try:
        if unit in _US:
            micros = math.floor(n * _US[unit] + 0.5)
            if abs(micros) > MAX_MICROS:
                return None
            return value + dt.timedelta(microseconds=micros)
        count = round_count(n)
        if abs(count) > MAX_COUNT[unit]:
            return None
        if unit in ("d", "w"):
            return value + dt.timedelta(days=count * (7 if unit == "w" else 1))
        return add_months(value, count * {"M": 1, "Q": 3, "y": 12}[unit])
    except (OverflowError, ValueError):
        return None


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // b
    return q if a >= 0 else -q


def months_between(a: dt.datetime, b: dt.datetime) -> int:
    whole = (a.year - b.year) * 12 + a.month - b.month
    if a >= b:
        return whole - (1 if add_months(b, whole) > a else 0)
    return whole + (1 if add_months(a, -whole) > b else 0)


def diff(a: dt.datetime, b: dt.datetime, unit: str) -> int:
    """a - b in whole units, truncated toward zero."""
    if unit in ("M", "Q", "y"):
        months = months_between(a, b)
        return _trunc_div(months, {"M": 1, "Q": 3, "y": 12}[unit])
    delta = a - b
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    per = _US.get(unit) or _DAY_US * (7 if unit == "w" else 1)
    return _trunc_div(micros, per)


def trunc(value: dt.datetime, unit: str) -> dt.datetime:
    if unit == "ms":
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    if unit == "s":
        return value.replace(microsecond=0)
    if unit == "m":
        return value.replace(second=0, microsecond=0)
    if unit == "h":
        return value.replace(minute=0, second=0, microsecond=0)
    day = value.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "d":
        return day
    if unit == "w":
        return day - dt.timedelta(days=(day.weekday() + 1) % 7)
    if unit == "M":
        return day.replace(day=1)
    if unit == "Q":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


# --- working days ------------------------------------------------------------------------------
def holidays(text: str | None) -> set[str]:
    return set(re.sub(r"\s", "", text or "").split(","))


def workday(start: dt.date, n: float, hol: str | None) -> dt.date | None:
    count = int(n)  # toward zero
    if abs(count) > MAX_WORKDAYS:
        return None
    skip = holidays(hol)
    step = dt.timedelta(days=1 if count > 0 else -1)
    day, done = start, 0
    try:
        while done < abs(count):
            day += step
            if day.weekday() < 5 and day.isoformat() not in skip:
                done += 1
    except OverflowError:
        return None
    return day


def workday_diff(a: dt.date, b: dt.date, hol: str | None) -> int | None:
    lo, hi = (a, b) if a <= b else (b, a)
    span = (hi - lo).days
    if span > MAX_WORKDAYS:
        return None
    skip = holidays(hol)
    count = 0
    for i in range(span + 1):
        day = lo + dt.timedelta(days=i)
        if day.weekday() < 5 and day.isoformat() not in skip:
            count += 1
    return count if a <= b else -count


# --- formatting and parsing --------------------------------------------------------------------
def _offset(seconds: int, colon: bool) -> str:
    sign = "-" if seconds < 0 else "+"
    h, m = divmod(abs(seconds) // 60, 60)
    return f"{sign}{h:02d}{':' if colon else ''}{m:02d}"


def _ordinal(n: int) -> str:
    if 11 <= n % 100 <= 13:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def _values(t: dt.datetime, offset: int, epoch_us: int) -> dict[str, object]:
    """What each format token stands for at local time `t`."""
    h12 = t.hour % 12 or 12
    dow = (t.weekday() + 1) % 7
    iso = t.isocalendar()
    return {
        "YYYY": f"{t.year:04d}",
        "YY": f"{t.year % 100:02d}",
        "Q": (t.month - 1) // 3 + 1,
        "MMMM": MONTHS[t.month - 1],
        "MMM": MONTHS[t.month - 1][:3],
        "MM": f"{t.month:02d}",
        "M": t.month,
        "DDDD": f"{t.timetuple().tm_yday:03d}",
        "DDD": t.timetuple().tm_yday,
        "Do": _ordinal(t.day),
        "DD": f"{t.day:02d}",
        "D": t.day,
        "dddd": DAYS[dow],
        "ddd": DAYS[dow][:3],
        "dd": DAYS[dow][:2],
        "d": dow,
        "WW": f"{iso[1]:02d}",
        "W": iso[1],
        "GGGG": f"{iso[0]:04d}",
        "HH": f"{t.hour:02d}",
        "H": t.hour,
        "hh": f"{h12:02d}",
        "h": h12,
        "kk": f"{t.hour or 24:02d}",
        "k": t.hour or 24,
        "mm": f"{t.minute:02d}",
        "m": t.minute,
        "ss": f"{t.second:02d}",
        "s": t.second,
        "SSS": f"{t.microsecond // 1000:03d}",
        "SS": f"{t.microsecond // 10000:02d}",
        "S": t.microsecond // 100000,
        "A": "AM" if t.hour < 12 else "PM",
        "a": "am" if t.hour < 12 else "pm",
        "ZZ": _offset(offset, colon=False),
        "Z": _offset(offset, colon=True),
        "X": epoch_us // 1_000_000,
        "x": epoch_us // 1_000,
    }


_EPOCH = dt.datetime(1970, 1, 1)


def format_instant(instant: dt.datetime, zone_name: str, fmt: str) -> str:
    local = to_local(instant, zone_name)
    offset = int((local - instant).total_seconds())
    delta = instant - _EPOCH
    epoch_us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    values = _values(local, offset, epoch_us)
    return "".join(v if k == "lit" else str(values[v]) for k, v in _tokens(fmt))


@lru_cache(maxsize=256)
def _tokens(fmt: str) -> tuple[datefmt.Piece, ...]:
    return tuple(datefmt.format_tokens(fmt))


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def parse(text: str, spec: ParseSpec, zone_name: str) -> dt.datetime | None:
    """The UTC instant that `text` written as `spec` stands for, or None."""
    m = _regex(spec.regex).match(text)
    if m is None:
        return None
    got = {role: m.group(i + 1) for i, role in enumerate(spec.roles)}
    if got.get("unix") is not None:
        return _EPOCH + dt.timedelta(seconds=int(got["unix"]))
    if got.get("unixms") is not None:
        return _EPOCH + dt.timedelta(milliseconds=int(got["unixms"]))
    year = int(got["year"]) if got.get("year") else 1970
    if got.get("year2"):
        year = datefmt.year_of_two_digits(int(got["year2"]))
    month = int(got["month"]) if got.get("month") else 1
    if got.get("monthname"):
        month = datefmt.month_of_name(got["monthname"])
    hour = int(got.get("hour") or 0)
    ampm = (got.get("ampm") or "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    micro = int((got.get("fraction") or "0").ljust(6, "0"))
    try:
        local = dt.datetime(
            year,
            month,
            int(got.get("day") or 1),
            hour,
            int(got.get("minute") or 0),
            int(got.get("second") or 0),
            micro,
        )
    except ValueError:
        return None
    offset = got.get("offset")
    if not offset:
        return to_instant(local, zone_name)
    if offset in "Zz":
        return local
    sign = -1 if offset[0] == "-" else 1
    minutes = int(offset[1:3]) * 60 + (int(offset[-2:]) if len(offset) > 3 else 0)
    try:
        return local - sign * dt.timedelta(minutes=minutes)
    except OverflowError:
        return None
