"""Dates that filters speak of — exact days and relative ones ("today", "last month", "the past
7 days") — resolved to a half-open range of local days in the user's time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import QueryError
from .sqltypes import UTC


@dataclass(frozen=True)
class Clock:
    """'Now', the user's time zone and the first day of the week (0 = Monday)."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(UTC))
    timezone: str = "UTC"
    week_start: int = 0

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise QueryError(
                f"Unknown time zone {self.timezone!r}", f"未知的时区 {self.timezone!r}"
            ) from None

    def today(self) -> dt.date:
        now = self.now if self.now.tzinfo is not None else self.now.replace(tzinfo=UTC)
        return now.astimezone(self.zone).date()

    def midnight(self, day: dt.date) -> dt.datetime:
        """The UTC instant at which local `day` starts."""
        return dt.datetime.combine(day, dt.time(), self.zone).astimezone(UTC)


Span = tuple[dt.date, dt.date]  # [start, end) in local days

PERIODS = ("week", "month", "year")
RELATIVE = (
    "today",
    "yesterday",
    "tomorrow",
    "days_ago",
    "days_from_now",
    *(f"{w}_{p}" for w in ("this", "last", "next") for p in PERIODS),
)
WITHIN = (
    "past_week",
    "past_month",
    "past_year",
    "next_week",
    "next_month",
    "next_year",
    "past_days",
    "next_days",
    "this_week",
    "this_month",
    "this_year",
)


def _bad(value: Any, what_en: str = "a date", what_zh: str = "日期") -> QueryError:
    return QueryError(
        f"{value!r} is not {what_en} a filter understands",
        f"{value!r} 不是筛选可用的{what_zh}",
    )


def _out_of_range(value: Any) -> QueryError:
    return QueryError(
        f"{value!r} reaches beyond the years 1 to 9999, which a filter cannot",
        f"{value!r} 超出了筛选可用的公元 1 至 9999 年",
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + y, m + 1, 1)


def period(kind: str, offset: int, clock: Clock) -> Span:
    """The week, month or year containing today, moved by `offset` whole periods."""
    today = clock.today()
    if kind == "week":
        start = today - dt.timedelta(days=(today.weekday() - clock.week_start) % 7)
        start += dt.timedelta(weeks=offset)
        return start, start + dt.timedelta(days=7)
    if kind == "month":
        start = _add_months(today.replace(day=1), offset)
        return start, _add_months(start, 1)
    start = dt.date(today.year + offset, 1, 1)
    return start, dt.date(start.year + 1, 1, 1)


MAX_DAYS = 100_000  # about 270 years: further is a mistake, not a filter


def _days(spec: dict[str, Any]) -> int:
    n = spec.get("days")
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_DAYS:
        raise QueryError(
            f"'days' must be a whole number of days from 0 to {MAX_DAYS}, not {n!r}",
            f"“days”必须是 0 到 {MAX_DAYS} 之间的整数天数，而不是 {n!r}",
        )
    return n


def _local_day(moment: dt.datetime, clock: Clock) -> dt.date:
    """The user's calendar day at `moment`; a moment without an offset is in the user's zone."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(clock.zone).date()


def _exact(day: dt.date) -> Span:
    return day, day + dt.timedelta(days=1)


def _parse_exact(text: str, clock: Clock) -> dt.date:
    """'2024-03-05', or an ISO date-time ('2024-03-05T23:30+08:00'), as the user's day."""
    s = text.strip()
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        pass
    try:
        return _local_day(dt.datetime.fromisoformat(s), clock)
    except (ValueError, OverflowError):
        raise _bad(text) from None


def resolve_day(value: Any, clock: Clock) -> Span:
    """The span of an exact or relative day: '2024-03-05', {"relative": "last_month"}, ..."""
    try:
        return _resolve_day(value, clock)
    except OverflowError:
        raise _out_of_range(value) from None


def _resolve_day(value: Any, clock: Clock) -> Span:
    if isinstance(value, dt.datetime):
        return _exact(_local_day(value, clock))
    if isinstance(value, dt.date):
        return _exact(value)
    if isinstance(value, str):
        if value in RELATIVE:
            return _resolve_day({"relative": value}, clock)
        return _exact(_parse_exact(value, clock))
    if not isinstance(value, dict):
        raise _bad(value)
    if "date" in value:
        return _resolve_day(value["date"], clock)
    rel = value.get("relative")
    today = clock.today()
    one = dt.timedelta(days=1)
    if rel == "today":
        return today, today + one
    if rel == "yesterday":
        return today - one, today
    if rel == "tomorrow":
        return today + one, today + 2 * one
    if rel == "days_ago":
        day = today - dt.timedelta(days=_days(value))
        return day, day + one
    if rel == "days_from_now":
        day = today + dt.timedelta(days=_days(value))
        return day, day + one
    if isinstance(rel, str) and "_" in rel:
        which, kind = rel.split("_", 1)
        if kind in PERIODS and which in ("this", "last", "next"):
            return period(kind, {"this": 0, "last": -1, "next": 1}[which], clock)
    raise _bad(value)


def resolve_within(value: Any, clock: Clock) -> Span:
    """The span of 'is within': past/next week, month, year; past/next N days; this period.
    Past spans end with today and next spans start with today, as in Airtable."""
    try:
        return _resolve_within(value, clock)
    except OverflowError:
        raise _out_of_range(value) from None


def _resolve_within(value: Any, clock: Clock) -> Span:
    if isinstance(value, str):
        value = {"within": value}
    if not isinstance(value, dict) or value.get("within") not in WITHIN:
        raise QueryError(
            f"{value!r} is not a period for 'is within' (one of {', '.join(WITHIN)})",
            f"{value!r} 不是“在范围内”可用的时间段（可选：{', '.join(WITHIN)}）",
        )
    within = value["within"]
    today = clock.today()
    one = dt.timedelta(days=1)
    if within.startswith("this_"):
        return period(within[5:], 0, clock)
    if within in ("past_days", "next_days"):
        n = _days(value)
        if within == "past_days":
            return today - dt.timedelta(days=n), today + one
        return today, today + dt.timedelta(days=n) + one
    kind = within.split("_")[1]
    sign = -1 if within.startswith("past") else 1
    if kind == "week":
        other = today + dt.timedelta(days=7 * sign)
    else:
        other = _same_day(today, sign * (1 if kind == "month" else 12))
    if sign < 0:
        return other, today + one
    return today, other + one


def _same_day(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` away, or the last day of a shorter month."""
    first = _add_months(day.replace(day=1), months)
    last = (_add_months(first, 1) - dt.timedelta(days=1)).day
    return first.replace(day=min(day.day, last))
