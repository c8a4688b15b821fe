"""Date conditions with a frozen clock: exact and relative days, weeks (starting on Monday, or on
another day), months and years, 'is within', all in the user's time zone — around midnight, at
month and year ends, across a daylight-saving change."""

from __future__ import annotations

from typing import Any

import pytest

import engine
from engine.dates import Clock
from engine.errors import QueryError
from tests.query_helpers import clock, cond, names, query, where

DAYS = {
    "去年底": "2023-12-31",
    "一月底": "2024-01-31",
    "周日": "2024-02-25",
    "周一": "2024-02-26",
    "二月28": "2024-02-28",
    "闰日": "2024-02-29",
    "三月一": "2024-03-01",  # a Friday
    "周日本": "2024-03-03",
    "下周一": "2024-03-04",
    "四月初": "2024-04-01",
    "除夕": "2024-12-31",
    "明年初": "2025-01-01",
}
MOMENTS = {
    "前一秒": "2024-02-29T23:59:59+08:00",
    "零点": "2024-03-01T00:00:00+08:00",
    "早八点": "2024-03-01T08:00:00+08:00",
    "深夜": "2024-03-01T23:59:59+08:00",
    "次日零点": "2024-03-02T00:00:00+08:00",
    "dst-before": "2024-03-10T04:59:59Z",  # 23:59:59 on 9 March in New York (EST)
    "dst-early": "2024-03-10T05:00:00Z",  # midnight of 10 March (EST)
    "dst-late": "2024-03-11T03:59:59Z",  # 23:59:59 of 10 March (EDT: the day had 23 hours)
    "dst-next": "2024-03-11T04:00:00Z",  # midnight of 11 March (EDT)
}
SHANGHAI = clock("2024-03-01T00:30")  # still 29 February in UTC and in New York
ALL = list(DAYS)


@pytest.fixture
def days(build_table: Any) -> engine.Table:
    rows = [{"名": n, "日期": d} for n, d in DAYS.items()]
    return build_table([{"name": "名"}, {"name": "日期", "type": "date"}], rows, name="Days")


@pytest.fixture
def moments(build_table: Any) -> engine.Table:
    fields = [{"name": "名"}, {"name": "时间", "type": "datetime"}, {"name": "建", "type": "created_time"}]  # fmt: skip
    rows = [{"名": n, "时间": t} for n, t in MOMENTS.items()]
    return build_table(fields, rows, name="Moments")


def check(table: engine.Table, at: Clock, cases: list[tuple[str, Any, list[str]]]) -> None:
    field = "日期" if table.name == "Days" else "时间"
    for op, value, want in cases:
        assert names(table, where(cond(field, op, value)), at=at) == want, (op, value)


def rel(name: str, days: int | None = None) -> dict[str, Any]:
    return {"relative": name} if days is None else {"relative": name, "days": days}


def within(name: str, days: int | None = None) -> dict[str, Any]:
    return {"within": name} if days is None else {"within": name, "days": days}


def test_relative_days_weeks_months_years_in_shanghai(days: engine.Table) -> None:
    check(
        days,
        SHANGHAI,
        [
            ("is", "today", ["三月一"]),
            ("is", rel("yesterday"), ["闰日"]),
            ("is", "tomorrow", []),
            ("is", rel("days_ago", 30), ["一月底"]),
            ("is", rel("days_from_now", 3), ["下周一"]),
            ("is", rel("this_week"), ["周一", "二月28", "闰日", "三月一", "周日本"]),
            ("is", rel("last_week"), ["周日"]),
            ("is", rel("next_week"), ["下周一"]),
            ("is", rel("this_month"), ["三月一", "周日本", "下周一"]),
            ("is", rel("last_month"), ["周日", "周一", "二月28", "闰日"]),
            ("is", rel("next_month"), ["四月初"]),
            ("is", rel("this_year"), ALL[1:-1]),
            ("is", rel("last_year"), ["去年底"]),
            ("is", rel("next_year"), ["明年初"]),
            ("is", "2024-02-28", ["二月28"]),
            ("is", {"date": "2024-02-28"}, ["二月28"]),
            ("is", "2024-02-29T23:30:00-05:00", ["三月一"]),  # 1 March 12:30 in Shanghai
            ("is_before", "today", ALL[:6]),
            ("is_after", "today", ALL[7:]),
            ("is_on_or_before", rel("last_week"), ["去年底", "一月底", "周日"]),
            ("is_on_or_after", rel("next_week"), ["下周一", "四月初", "除夕", "明年初"]),
            ("is_after", rel("this_month"), ["四月初", "除夕", "明年初"]),
            ("is_before", rel("this_year"), ["去年底"]),
            ("is_within", within("past_days", 5), ["周日", "周一", "二月28", "闰日", "三月一"]),
            ("is_within", within("past_days", 0), ["三月一"]),
            ("is_within", within("next_days", 3), ["三月一", "周日本", "下周一"]),
            ("is_within", "past_week", ["周日", "周一", "二月28", "闰日", "三月一"]),
            ("is_within", "next_week", ["三月一", "周日本", "下周一"]),
            ("is_within", "past_month", ["周日", "周一", "二月28", "闰日", "三月一"]),
            ("is_within", "next_month", ["三月一", "周日本", "下周一", "四月初"]),
            ("is_within", "past_year", ALL[:7]),
            ("is_within", "next_year", ALL[6:]),
            ("is_within", "this_month", ["三月一", "周日本", "下周一"]),
            ("is_within", "this_week", ["周一", "二月28", "闰日", "三月一", "周日本"]),
        ],
    )


def test_weeks_may_start_on_sunday(days: engine.Table) -> None:
    sunday = clock("2024-03-01T00:30", week_start=6)
    check(days, sunday, [("is", rel("this_week"), ["周日", "周一", "二月28", "闰日", "三月一"])])
    check(days, sunday, [("is", rel("next_week"), ["周日本", "下周一"])])


def test_month_end_and_leap_day(days: engine.Table) -> None:
    march_31 = clock("2024-03-31T10:00")
    check(
        days,
        march_31,
        [
            ("is_within", "past_month", ["闰日", "三月一", "周日本", "下周一"]),  # from 29 Feb
            ("is", rel("last_month"), ["周日", "周一", "二月28", "闰日"]),
            ("is_within", "next_month", ["四月初"]),
            ("is", rel("days_ago", 31), ["闰日"]),
        ],
    )


def test_year_end_in_new_york(days: engine.Table) -> None:
    new_years_eve = clock("2024-12-31T23:30", "America/New_York")  # 1 January in Shanghai
    check(
        days,
        new_years_eve,
        [
            ("is", "today", ["除夕"]),
            ("is", "tomorrow", ["明年初"]),
            ("is", rel("this_year"), ALL[1:-1]),
            ("is", rel("next_year"), ["明年初"]),
            ("is", rel("this_week"), ["除夕", "明年初"]),
            ("is", rel("next_month"), ["明年初"]),
            ("is_within", within("past_days", 1), ["除夕"]),
        ],
    )
    same_moment = Clock(now=new_years_eve.now, timezone="Asia/Shanghai")
    check(days, same_moment, [("is", "today", ["明年初"]), ("is", rel("this_year"), ["明年初"])])


def test_date_times_are_compared_by_the_users_day(moments: engine.Table) -> None:
    today = ["零点", "早八点", "深夜"]
    check(
        moments,
        SHANGHAI,
        [
            ("is", "today", today),
            ("is", "yesterday", ["前一秒"]),
            ("is", "tomorrow", ["次日零点"]),
            ("is", "2024-03-01", today),
            ("is_before", "today", ["前一秒"]),
            ("is_after", "today", ["次日零点", "dst-before", "dst-early", "dst-late", "dst-next"]),
            ("is_on_or_before", "today", ["前一秒", *today]),
            ("is_on_or_after", "today", [*today, "次日零点", *list(MOMENTS)[5:]]),
            ("is_within", within("past_days", 1), ["前一秒", *today]),
        ],
    )
    check(moments, Clock(now=SHANGHAI.now), [("is", "today", ["前一秒", "零点"])])  # UTC
    new_york = Clock(now=SHANGHAI.now, timezone="America/New_York")
    check(moments, new_york, [("is", "today", ["前一秒", "零点", "早八点"])])


def test_a_day_with_23_hours(moments: engine.Table) -> None:
    spring_forward = clock("2024-03-10T12:00", "America/New_York")
    check(
        moments,
        spring_forward,
        [
            ("is", "today", ["dst-early", "dst-late"]),
            ("is", "yesterday", ["dst-before"]),
            ("is", "tomorrow", ["dst-next"]),
        ],
    )


def test_system_times_use_the_clock_too(moments: engine.Table) -> None:
    assert names(moments, where(cond("建", "is", "today"))) == list(MOMENTS)  # the real now
    assert names(moments, where(cond("建", "is", "today")), at=SHANGHAI) == []  # in 2024


BAD: list[tuple[str, Any, str, str]] = [
    ("is", "next tuesday", "'next tuesday' is not a date", "不是筛选可用的日期"),
    ("is", "2024-02-30", "'2024-02-30' is not a date", "日期"),
    ("is", "2024-03-05xyz", "'2024-03-05xyz' is not a date", "日期"),
    ("is", 20240305, "20240305 is not a date", "日期"),
    ("is", rel("fortnight"), "is not a date", "日期"),
    ("is", rel("days_ago"), "'days' must be a whole number", "整数天数"),
    ("is", rel("days_ago", -1), "'days' must be a whole number", "整数天数"),
    ("is", rel("days_from_now", 10**9), "'days' must be a whole number", "整数天数"),
    ("is", "9999-12-31", "beyond the years 1 to 9999", "超出"),
    ("is", None, "is not a date", "日期"),
    ("is_within", "past_decade", "is not a period for 'is within'", "时间段"),
    ("is_within", "today", "is not a period for 'is within'", "时间段"),
    ("is_within", within("next_days", True), "'days' must be a whole number", "整数天数"),
]


@pytest.mark.parametrize(("op", "value", "en", "zh"), BAD, ids=[repr(b[1]) for b in BAD])
def test_dates_that_do_not_fit_are_refused(days: engine.Table, op: str, value: Any, en: str, zh: str) -> None:  # fmt: skip
    with pytest.raises(QueryError) as err:
        query(days, {"filter": where(cond("日期", op, value))}, at=SHANGHAI)
    assert en in err.value.message_en and zh in err.value.message_zh, str(err.value)


def test_an_unknown_time_zone_is_refused(days: engine.Table) -> None:
    with pytest.raises(QueryError, match="Unknown time zone"):
        query(days, {"filter": where(cond("日期", "is", "today"))}, at=Clock(timezone="Mars/Base"))
