"""Date and time types: date, date-time (time-zone aware, stored in UTC)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy.types import TypeEngine

from ..sqltypes import UTC, ISODate, UTCDateTime
from .base import FieldType, problem, wrong_type

DateFormat = Literal["iso", "local", "us", "european", "friendly"]

_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_XYY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_TIME = re.compile(
    r"^(am|pm|上午|下午|早上|晚上)?(\d{1,2})\s*[:：时点]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})(?:[.,](\d{1,6}))?\s*秒?)?\s*分?"
    r"\s*(am|pm|上午|下午)?$",
    re.I,
)


def _bad_date(text: str, why_en: str = "", why_zh: str = "") -> Exception:
    return problem(
        "invalid_date",
        f"{text[:40]!r} is not a date{why_en}",
        f"{text[:40]!r} 不是有效日期{why_zh}",
    )


def parse_date(text: str, day_first: bool = False) -> dt.date:
    """A calendar date: 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 3/5/2024 (month first
    unless `day_first`, or unless the first number cannot be a month)."""
    s = text.strip()
    m = _YMD.match(s)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _XYY.match(s)
        if not m:
            raise _bad_date(text)
        a, b, y = (int(g) for g in m.groups())
        if a > 12 or (day_first and b <= 12):
            d, mo = a, b
        else:
            mo, d = a, b
    try:
        return dt.date(y, mo, d)
    except ValueError:
        raise _bad_date(text, " (no such day)", "（不存在这一天）") from None


class DateOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date_format: DateFormat = "iso"


class DateType(FieldType):
    """A calendar day without a time."""

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
            head = re.split(r"[T ]", s, maxsplit=1)[0] if re.match(r"^\d{4}-", s) else s
            return parse_date(head, day_first=self.options.date_format == "european")
        raise wrong_type(value, "a date", "日期")

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
    """A point in time. Stored in UTC; text without an offset is read in the field's time zone."""

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
            moment: dt.datetime = value
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=self.zone)
            return moment.astimezone(UTC)
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time(), self.zone).astimezone(UTC)
        if isinstance(value, str):
            s = value.strip()
            if not s:
                return None
            return self._parse(s).astimezone(UTC)
        raise wrong_type(value, "a date and time", "日期时间")

    def _parse(self, s: str) -> dt.datetime:
        iso = s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s
        try:
            parsed = dt.datetime.fromisoformat(iso)
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=self.zone)
        # '2024/3/5 14:30', '2024年3月5日 下午2点30分', '3/5/2024 2:30 pm'
        m = re.match(r"^(.*?日|\S+)\s*(.*)$", s)
        assert m is not None
        date_part, time_part = m.group(1), m.group(2).strip()
        day = parse_date(date_part, day_first=self.options.date_format == "european")
        if not time_part:
            return dt.datetime.combine(day, dt.time(), self.zone)
        t = _TIME.match(time_part.replace(" ", ""))
        if not t:
            raise problem(
                "invalid_datetime",
                f"{s[:40]!r} is not a date and time",
                f"{s[:40]!r} 不是有效的日期时间",
            )
        pre, h, mi, sec, frac, post = t.groups()
        half = (pre or post or "").lower()
        hour = int(h)
        if half in ("pm", "下午", "晚上") and hour < 12:
            hour += 12
        if half in ("am", "上午", "早上") and hour == 12:
            hour = 0
        try:
            clock = dt.time(hour, int(mi), int(sec or 0), int((frac or "0").ljust(6, "0")))
        except ValueError:
            raise problem(
                "invalid_datetime", f"{s[:40]!r} has no such time", f"{s[:40]!r} 时间无效"
            ) from None
        return dt.datetime.combine(day, clock, self.zone)

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
