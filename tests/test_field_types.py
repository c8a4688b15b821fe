"""Focused cases per field type: what each type reads, what it refuses, and how it says so."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from engine.errors import ValueProblem
from engine.fields import FieldType, field_type

UTC = dt.UTC


def ft(name: str, **options: Any) -> FieldType:
    return field_type(name, options)


def refused(ftype: FieldType, value: Any) -> ValueProblem:
    """The problem `ftype` raises for `value`, after checking it speaks English and Chinese."""
    with pytest.raises(ValueProblem) as err:
        ftype.normalize(value)
    p = err.value
    assert p.message_en.strip() and p.message_zh.strip() and p.message_en != p.message_zh
    return p


def code(ftype: FieldType, value: Any) -> str:
    return refused(ftype, value).code


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# --- date and time -------------------------------------------------------------------------------
SHANGHAI = {"timezone": "Asia/Shanghai"}


@pytest.mark.parametrize(
    ("text", "zone", "instant"),
    [
        ("2024-03-05 14:30", "Asia/Shanghai", at(2024, 3, 5, 6, 30)),
        ("2024-03-05T14:30:00", "Asia/Shanghai", at(2024, 3, 5, 6, 30)),
        ("2024-03-05T14:30:00Z", "Asia/Shanghai", at(2024, 3, 5, 14, 30)),
        ("2024-03-05T14:30:00+08:00", "America/New_York", at(2024, 3, 5, 6, 30)),
        ("2024-03-05T14:30:00-05:00", "Asia/Shanghai", at(2024, 3, 5, 19, 30)),
        ("2024年3月5日 下午2点30分", "Asia/Shanghai", at(2024, 3, 5, 6, 30)),
        ("2024年3月5日下午3点半", "Asia/Shanghai", at(2024, 3, 5, 7, 30)),
        ("2024年3月5日 上午9点", "Asia/Shanghai", at(2024, 3, 5, 1, 0)),
        ("2024/3/5 14:30", "Asia/Shanghai", at(2024, 3, 5, 6, 30)),
        ("3/5/2024 2:30 pm", "Asia/Shanghai", at(2024, 3, 5, 6, 30)),
        ("3/5/2024 12:15 AM", "UTC", at(2024, 3, 5, 0, 15)),
        ("2024-03-05", "Asia/Shanghai", at(2024, 3, 4, 16, 0)),
        ("2024-07-01 12:00", "America/New_York", at(2024, 7, 1, 16, 0)),  # summer time
        ("2024-01-01 12:00", "America/New_York", at(2024, 1, 1, 17, 0)),
    ],
)
def test_datetime_text_is_read_in_the_fields_zone(text: str, zone: str, instant: Any) -> None:
    value = ft("datetime", timezone=zone).normalize(text)
    assert value == instant and value.utcoffset() == dt.timedelta(0)


def test_datetime_objects() -> None:
    t = ft("datetime", **SHANGHAI)
    assert t.normalize(dt.datetime(2024, 3, 5, 14, 30)) == at(2024, 3, 5, 6, 30)  # naive: local
    aware = dt.datetime(2024, 3, 5, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    assert t.normalize(aware) == at(2024, 3, 5, 17, 30)
    assert t.normalize(dt.date(2024, 3, 5)) == at(2024, 3, 4, 16, 0)
    assert t.to_text(at(2024, 3, 5, 6, 30)) == "2024-03-05T14:30:00+08:00"
    assert t.from_text(t.to_text(at(2024, 3, 5, 6, 30))) == at(2024, 3, 5, 6, 30)


@pytest.mark.parametrize(
    "text", ["2024-02-30 10:00", "2024-03-05 25:00", "2024-03-05 noon", "14:30", "0001-01-01"]
)
def test_datetime_refuses(text: str) -> None:
    assert code(ft("datetime", **SHANGHAI), text) == "invalid_datetime"


def test_datetime_reads_back_as_the_same_instant_in_utc(build_table: Any) -> None:
    t = build_table([{"name": "At", "type": "datetime", "options": SHANGHAI}])
    rec = t.create({"At": "2024年3月5日 下午2点30分"})
    back = t.get(rec.id)["At"]
    assert back == at(2024, 3, 5, 6, 30) and back.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    ("text", "day_first", "day"),
    [
        ("2024-03-05", False, dt.date(2024, 3, 5)),
        ("2024/3/5", False, dt.date(2024, 3, 5)),
        ("2024.3.5", False, dt.date(2024, 3, 5)),
        ("2024年3月5日", False, dt.date(2024, 3, 5)),
        ("3/5/2024", False, dt.date(2024, 3, 5)),  # month first by default
        ("3/5/2024", True, dt.date(2024, 5, 3)),  # day first with the european format
        ("13/5/2024", False, dt.date(2024, 5, 13)),  # 13 cannot be a month
        ("5/13/2024", True, dt.date(2024, 5, 13)),  # nor here
        ("2024-02-29", False, dt.date(2024, 2, 29)),
        ("2024-03-05T23:30:00+08:00", False, dt.date(2024, 3, 5)),  # its own calendar day
        ("2024-03-05 14:30", False, dt.date(2024, 3, 5)),
    ],
)
def test_date_formats(text: str, day_first: bool, day: dt.date) -> None:
    t = ft("date", date_format="european" if day_first else "iso")
    assert t.normalize(text) == day
    assert t.from_text(t.to_text(day)) == day


@pytest.mark.parametrize("text", ["2024-02-30", "2023-02-29", "2024-13-01", "32/1/2024", "junk"])
def test_date_refuses(text: str) -> None:
    p = refused(ft("date"), text)
    assert p.code == "invalid_date"


def test_date_refusal_says_why() -> None:
    p = refused(ft("date"), "2024-02-30")
    assert "no such day" in p.message_en and "不存在" in p.message_zh


# --- numbers -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1:30", 5400),
        ("1:30:15", 5415),
        ("0:00:01.5", 1.5),
        ("-0:30", -1800),
        ("2h 5m", 7500),
        ("1.5h", 5400),
        ("90分钟", 5400),
        ("1小时30分钟", 5400),
        ("1天2小时", 93600),
        ("45s", 45),
        ("45", 45),
        (90, 90),
        (1.25, 1.25),
    ],
)
def test_duration_reads(text: Any, seconds: float) -> None:
    assert ft("duration").normalize(text) == seconds


@pytest.mark.parametrize("text", ["1:75", "abc", "3,5", "1h x"])
def test_duration_refuses(text: str) -> None:
    assert code(ft("duration"), text) == "invalid_duration"


@pytest.mark.parametrize(
    ("fmt", "seconds", "text"),
    [
        ("h:mm", 5415, "1:30"),
        ("h:mm", 5430, "1:31"),  # rounded half-up to the minute
        ("h:mm", -1800, "-0:30"),
        ("h:mm:ss", 59.6, "0:01:00"),  # not 0:00:60
        ("h:mm:ss", 5415, "1:30:15"),
        ("h:mm:ss.sss", 65.25, "0:01:05.250"),
        ("h:mm:ss.s", 3599.96, "1:00:00.0"),
    ],
)
def test_duration_text(fmt: str, seconds: float, text: str) -> None:
    t = ft("duration", format=fmt)
    assert t.to_text(seconds) == text
    assert t.to_text(t.from_text(text)) == text


@pytest.mark.parametrize(
    ("options", "value", "fraction"),
    [
        ({}, "50%", 0.5),
        ({}, "50", 0.5),
        ({}, "50 ％", 0.5),
        ({}, 0.5, 0.5),
        ({}, "12.5%", 0.13),  # precision 0: whole percents, half-up
        ({"precision": 1}, "12.5%", 0.125),
        ({}, "-20%", -0.2),
    ],
)
def test_percent(options: dict[str, Any], value: Any, fraction: float) -> None:
    t = ft("percent", **options)
    assert t.normalize(value) == fraction
    assert t.from_text(t.to_text(fraction)) == fraction


def test_percent_refuses_a_sign_in_the_middle() -> None:
    assert code(ft("percent"), "5%0") == "invalid_number"


@pytest.mark.parametrize(
    ("value", "result"), [(1, 1), (5, 5), ("3", 3), (4.0, 4), ("★★★", 3), (0, None), ("", None)]
)
def test_rating_reads(value: Any, result: int | None) -> None:
    assert ft("rating").normalize(value) == result


@pytest.mark.parametrize(
    ("value", "problem"), [(6, "out_of_range"), (-1, "out_of_range"), (2.5, "not_integer")]
)
def test_rating_bounds(value: Any, problem: str) -> None:
    assert code(ft("rating"), value) == problem
    assert ft("rating", max=10).normalize(10) == 10
    assert code(ft("rating", max=10), 11) == "out_of_range"


@pytest.mark.parametrize(
    ("precision", "value", "result"),
    [
        (0, "1.0", 1),
        (0, " 1,234 ", 1234),
        (0, 2**53, 2**53),
        (2, 2.675, 2.68),  # half-up as written, though the float 2.675 is a hair below
        (2, 1.005, 1.01),
        (2, -2.675, -2.68),
        (2, 1.004, 1.0),
        (2, "1,234.567", 1234.57),
        (2, "1e3", 1000),
        (2, 1e300, 1e300),
    ],
)
def test_number_precision(precision: int, value: Any, result: float) -> None:
    assert ft("number", precision=precision).normalize(value) == result


@pytest.mark.parametrize(
    ("precision", "value", "problem"),
    [
        (0, 1.5, "not_integer"),
        (0, "1.5", "not_integer"),
        (0, 2**53 + 1, "out_of_range"),
        (2, "3,5", "invalid_number"),
        (2, "1e400", "invalid_number"),
        (2, float("nan"), "invalid_number"),
        (2, True, "invalid_type"),
    ],
)
def test_number_refuses(precision: int, value: Any, problem: str) -> None:
    assert code(ft("number", precision=precision), value) == problem


def test_number_precision_is_kept_by_the_database(build_table: Any) -> None:
    t = build_table(
        [
            {"name": "Whole", "type": "number"},
            {"name": "Cents", "type": "number", "options": {"precision": 2}},
        ]
    )
    rec = t.create({"Whole": "42", "Cents": 2.675})
    back = t.get(rec.id)
    assert (back["Whole"], type(back["Whole"]), back["Cents"]) == (42, int, 2.68)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("¥1,299", 1299.0),
        ("￥12", 12.0),
        ("$1,299.50", 1299.5),
        ("€5", 5.0),
        ("100元", 100.0),
        ("1,299.00元", 1299.0),
        ("-¥5", -5.0),
        ("¥-5", -5.0),
        ("  ¥ 1,000,000.005 ", 1000000.01),
        (12.345, 12.35),
    ],
)
def test_currency_reads(text: Any, amount: float) -> None:
    assert ft("currency").normalize(text) == amount


@pytest.mark.parametrize("text", ["1$2", "¥", "3,5", "1,2345", "--5", "-¥-5", "¥5¥5"])
def test_currency_refuses(text: str) -> None:
    assert code(ft("currency"), text) == "invalid_number"


def test_currency_text_round_trips_with_its_own_symbol() -> None:
    t = ft("currency", symbol="HK$")
    assert t.normalize("HK$1,000") == 1000
    assert t.to_text(-1299.5) == "-HK$1,299.50"
    assert t.from_text(t.to_text(-1299.5)) == -1299.5
    assert ft("currency").to_text(1299.5) == "¥1,299.50"


def test_number_like_types_convert_by_value_not_by_text() -> None:
    assert ft("number", precision=2).convert_from(1299.5, ft("currency")) == 1299.5
    assert ft("currency").convert_from(0.5, ft("percent")) == 0.5
    assert ft("percent").convert_from(0.25, ft("number", precision=2)) == 0.25
    assert ft("duration").convert_from(90, ft("number")) == 90
    with pytest.raises(ValueProblem) as err:
        ft("number").convert_from(0.5, ft("percent"))  # precision 0 still refuses a fraction
    assert err.value.code == "not_integer"


# --- choices -------------------------------------------------------------------------------------
def test_checkbox() -> None:
    t = ft("checkbox")
    words = ["是", "TRUE", "yes", "✓", "1", 1, True]
    assert [t.normalize(w) for w in words] == [True] * len(words)
    assert [t.normalize(w) for w in ["否", "false", "No", "", None, 0]] == [False] * 6
    p = refused(t, "maybe")
    assert p.code == "invalid_type" and "是/否" in p.message_en and "是/否" in p.message_zh


PRIORITY = {"choices": ["Low", "Medium", "High"]}


def test_unknown_option_lists_the_options() -> None:
    p = refused(ft("single_select", **PRIORITY), "Urgent")
    assert p.code == "unknown_option"
    assert "Low, Medium, High" in p.message_en and "Low, Medium, High" in p.message_zh


def test_single_select_matches_case_insensitively() -> None:
    t = ft("single_select", choices=["High", "是", "42"])
    assert [t.normalize(v) for v in ["high", " HIGH ", "是", 42, "", None]] == [
        "High",
        "High",
        "是",
        "42",
        None,
        None,
    ]


COLOURS = {"choices": ["A", "B", "Red, White", "C"]}


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("A, B", ["A", "B"]),
        ("A；B", ["A", "B"]),
        ("A;B、C", ["A", "B", "C"]),
        ("A\nB", ["A", "B"]),
        ("b, a, B", ["B", "A"]),  # case-insensitive, each once, in the order given
        (["A", "a", "A"], ["A"]),
        ("Red, White", ["Red, White"]),  # an option whose name has a comma
        ("A, Red, White, B", ["A", "Red, White", "B"]),
        ("red, white；c", ["Red, White", "C"]),
        ("A,,B,", ["A", "B"]),
        ([], None),
        ("", None),
    ],
)
def test_multiple_select_splits_and_dedupes(value: Any, names: list[str] | None) -> None:
    assert ft("multiple_select", **COLOURS).normalize(value) == names


def test_multiple_select_refuses_an_unknown_option() -> None:
    p = refused(ft("multiple_select", **COLOURS), "A, Z")
    assert p.code == "unknown_option" and "'Z'" in p.message_en and "Red, White" in p.message_zh


def test_single_select_sorts_in_option_order(build_table: Any) -> None:
    t = build_table([{"name": "P", "type": "single_select", "options": PRIORITY}])
    t.create_many([{"P": v} for v in ["High", "Low", None, "Medium", "Low"]])
    f = t.field("P")
    table = t.schema().sql
    col = table.c[f.column]
    with t.db.read() as conn:
        got = conn.execute(select(col).order_by(f.type.sort_key(col), table.c.id)).scalars()
        assert list(got) == ["Low", "Low", "Medium", "High", None]
