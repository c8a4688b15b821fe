"""Date and time types: date, date-time (time-zone aware, stored in UTC)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import partial
from itertools import repeat
from operator import attrgetter
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy.types import TypeEngine

from ..errors import ValueProblem
from ..sqltypes import UTC, ISODate, UTCDateTime
from .base import FieldType, problem, wrong_type

DateFormat = Literal["iso", "local", "us", "european", "friendly"]

_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_XYY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_HALF = r"(am|pm|a\.m\.|p\.m\.|上午|下午|中午|早上|晚上|凌晨)?"
_CLOCK = re.compile(
    rf"^{_HALF}(\d{{1,2}})[:：](\d{{1,2}})(?:[:：](\d{{1,2}})(?:[.,](\d{{1,6}})\d*)?)?{_HALF}$",
    re.I,
)
_CHINESE = re.compile(rf"^{_HALF}(\d{{1,2}})[时点](?:(\d{{1,2}})分?|(半))?(?:(\d{{1,2}})秒)?$")
_HOUR = re.compile(rf"^(\d{{1,2}}){_HALF}$", re.I)
_AFTERNOON = ("pm", "p.m.", "下午", "晚上")
_tzinfo = attrgetter("tzinfo")
_UTCS = repeat(UTC)
_UTC_KEYS = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Zulu"})
_MORNING = ("am", "a.m.", "上午", "早上", "凌晨")


def _bad_date(text: str, why_en: str = "", why_zh: str = "") -> ValueProblem:
    return problem(
        "invalid_date",
        f"{text[:40]!r} is not a date{why_en}",
        f"{text[:40]!r} 不是有效日期{why_zh}",
    )


def _ymd(text: str, day_first: bool) -> tuple[int, int, int] | None:
    s = text.strip()
    m = _YMD.match(s)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        return y, mo, d
    m = _XYY.match(s)
    if not m:
        return None
    a, b, y = (int(g) for g in m.groups())
    if a > 12 or (day_first and b <= 12):
        return y, b, a
    return y, a, b


def parse_date(text: str, day_first: bool = False) -> dt.date:
    """A calendar date: 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 3/5/2024 (month first
    unless `day_first`, or unless the first number cannot be a month)."""
    ymd = _ymd(text, day_first)
    if ymd is None:
        raise _bad_date(text)
    try:
        return dt.date(*ymd)
    except ValueError:
        raise _bad_date(text, " (no such day)", "（不存在这一天）") from None


def parse_time(text: str) -> dt.time | None:
    """A time of day: 14:30, 14:30:15.5, 2:30 pm, 2pm, 下午2点30分, 下午3点半; None if not one."""
    s = text.replace(" ", "").lower()
    hour, minute, second, micro, halves = 0, 0, 0, 0, ""
    if m := _CLOCK.match(s):
        pre, h, mi, sec, frac, post = m.groups()
        hour, minute, second = int(h), int(mi), int(sec or 0)
        micro, halves = int((frac or "0").ljust(6, "0")), (pre or post or "")
    elif m := _CHINESE.match(s):
        pre, h, mi, half, sec = m.groups()
        hour, minute, second = int(h), 30 if half else int(mi or 0), int(sec or 0)
        halves = pre or ""
    elif m := _HOUR.match(s):
        hour, halves = int(m.group(1)), m.group(2) or ""
        if not halves:
            return None  # a bare number is not a time
    else:
        return None
    if halves in _AFTERNOON and hour < 12:
        hour += 12
    elif halves in _MORNING and hour == 12:
        hour = 0
    try:
        return dt.time(hour, minute, second, micro)
    except ValueError:
        return None


def parse_datetime(text: str, zone: dt.tzinfo, *, day_first: bool = False) -> dt.datetime:
    """An aware date-time from text: ISO 8601 (with 'Z' or an offset, or without one, read in
    `zone`), '2024/3/5 14:30', '3/5/2024 2:30 pm', '2024年3月5日 下午2点30分', or a bare date
    (midnight). Raises a ValueProblem coded 'invalid_datetime'."""
    s = text.strip()
    try:
        parsed = dt.datetime.fromisoformat(s)
    except ValueError:
        parsed = None
    if parsed is not None:
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
    m = re.match(r"^(.*?[日号]|\S+)\s*(.*)$", s)
    assert m is not None
    date_part, time_part = m.group(1), m.group(2).strip()
    ymd = _ymd(date_part, day_first)
    clock = parse_time(time_part) if time_part else dt.time()
    if ymd is None or clock is None:
        raise _bad_datetime(text)
    try:
        day = dt.date(*ymd)
    except ValueError:
        raise _bad_datetime(text, no_such_day=True) from None
    return dt.datetime.combine(day, clock, zone)


def _bad_datetime(text: str, *, no_such_day: bool = False) -> ValueProblem:
    return problem(
        "invalid_datetime",
        f"{text[:40]!r} is not a date and time{' (no such day)' if no_such_day else ''}",
        f"{text[:40]!r} 不是有效的日期时间{'（不存在这一天）' if no_such_day else ''}",
    )


class DateOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date_format: DateFormat = "iso"


class DateType(FieldType):
    """A calendar day without a time. A date-time given to it keeps its own calendar day, as
    written ('2024-03-05T23:30+08:00' is 5 March)."""

    name = "date"
    label_en = "Date"
    label_zh = "日期"
    Options = DateOptions
    has_range = True

    def column_type(self) -> TypeEngine[Any]:
        return ISODate()

    def normalize(self, value: Any) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            s = value.strip()
            if not s:
                return None
            day_first = self.options.date_format == "european"
            try:
                return parse_date(s, day_first=day_first)
            except ValueProblem as first:
                try:
                    return parse_datetime(s, UTC, day_first=day_first).date()
                except ValueProblem:
                    raise first from None
        raise wrong_type(value, "a date", "日期")

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        # fast path: a column of dates (and empties) is kept as it is
        if set(map(type, values)) <= {dt.date, type(None)}:
            return list(values), []
        return super().normalize_many(values)

    def to_text(self, value: Any) -> str:
        if value is None:
            return ""
        return str(value.isoformat())


class DateTimeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date_format: DateFormat = "iso"
    time_format: Literal["24h", "12h"] = "24h"
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}") from None
        return v


class DateTimeType(FieldType):
    """A point in time. Stored in UTC and read back in UTC; text or a naive datetime without an
    offset is read in the field's time zone, a bare date is midnight there."""

    name = "datetime"
    label_en = "Date and time"
    label_zh = "日期时间"
    Options = DateTimeOptions
    has_range = True

    def __init__(self, options: BaseModel | None = None) -> None:
        super().__init__(options)
        self.zone = ZoneInfo(self.options.timezone)

    def column_type(self) -> TypeEngine[Any]:
        return UTCDateTime()

    def normalize(self, value: Any) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            moment = value if value.tzinfo is not None else value.replace(tzinfo=self.zone)
        elif isinstance(value, dt.date):
            moment = dt.datetime.combine(value, dt.time(), self.zone)
        elif isinstance(value, str):
            if not value.strip():
                return None
            day_first = self.options.date_format == "european"
            moment = parse_datetime(value, self.zone, day_first=day_first)
        else:
            raise wrong_type(value, "a date and time", "日期时间")
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise problem(
                "invalid_datetime",
                f"{moment.isoformat()} is outside the years 1 to 9999 in UTC",
                f"{moment.isoformat()} 换算为 UTC 后超出公元 1 至 9999 年",
            ) from None

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        # fast path: aware datetimes (and empties) only move to UTC, column-wise
        present = values if None not in values else [v for v in values if v is not None]
        if set(map(type, present)) <= {dt.datetime} and None not in map(_tzinfo, present):
            try:
                if present is values:
                    return list(map(dt.datetime.astimezone, values, _UTCS)), []
                return [None if v is None else v.astimezone(UTC) for v in values], []
            except OverflowError:  # beyond the years 1 to 9999: the slow path names it
                pass
        # naive datetimes and dates (a spreadsheet's, which gives a midnight as a date) are
        # read in the field's zone, column-wise
        whole = present is values
        kinds = set(map(type, present))
        if kinds <= {dt.datetime, dt.date}:
            if dt.date in kinds:
                present = [
                    v if type(v) is dt.datetime else dt.datetime.combine(v, dt.time())
                    for v in present
                ]
            if set(map(_tzinfo, present)) <= {None}:
                try:
                    if self.zone.key in _UTC_KEYS:  # already in UTC: only marked so
                        moved = list(map(partial(dt.datetime.replace, tzinfo=UTC), present))
                    else:
                        local = map(partial(dt.datetime.replace, tzinfo=self.zone), present)
                        moved = list(map(dt.datetime.astimezone, local, _UTCS))
                except OverflowError:
                    return super().normalize_many(values)
                if whole:
                    return moved, []
                it = iter(moved)
                return [None if v is None else next(it) for v in values], []
        return super().normalize_many(values)

    def to_text(self, value: Any) -> str:
        if value is None:
            return ""
        local = value.astimezone(self.zone)
        return str(local.isoformat(timespec="seconds"))

    def to_excel(self, value: Any) -> Any:
        # Excel has no time zones: write the wall-clock time of the field's zone
        if value is None:
            return None
        return value.astimezone(self.zone).replace(tzinfo=None)
