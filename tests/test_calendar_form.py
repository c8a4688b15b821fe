"""Calendar pages (month and week spans, the entries in them, moving an entry to another day)
and form submissions (labels, required fields, fields not on the form, all problems at once)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import engine
from engine.dates import Clock
from views.api import Views
from views.calendar import span

D = dt.date


# --- spans --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mode", "day", "week_start", "expected"),
    [
        ("month", D(2024, 3, 15), 0, (D(2024, 2, 26), D(2024, 4, 1))),  # Mar 31 is a Sunday
        ("month", D(2024, 3, 1), 6, (D(2024, 2, 25), D(2024, 4, 7))),  # weeks from Sunday
        ("month", D(2024, 4, 30), 0, (D(2024, 4, 1), D(2024, 5, 6))),  # Apr 1 is a Monday
        ("month", D(2024, 12, 31), 0, (D(2024, 11, 25), D(2025, 1, 6))),
        ("month", D(2021, 2, 10), 0, (D(2021, 2, 1), D(2021, 3, 1))),  # exactly four weeks
        ("week", D(2024, 3, 6), 0, (D(2024, 3, 4), D(2024, 3, 11))),
        ("week", D(2024, 3, 4), 0, (D(2024, 3, 4), D(2024, 3, 11))),
        ("week", D(2024, 3, 10), 0, (D(2024, 3, 4), D(2024, 3, 11))),
        ("week", D(2024, 3, 6), 6, (D(2024, 3, 3), D(2024, 3, 10))),
        ("week", D(2024, 12, 31), 0, (D(2024, 12, 30), D(2025, 1, 6))),
    ],
)
def test_spans(mode: str, day: dt.date, week_start: int, expected: tuple[dt.date, dt.date]) -> None:
    start, end = span(mode, day, week_start)
    assert (start, end) == expected
    assert start.weekday() == week_start and (end - start).days % 7 == 0
    assert start <= day < end


# --- entries ------------------------------------------------------------------------------------
@pytest.fixture
def events(build_table: Any) -> engine.Table:
    return build_table(
        [
            {"name": "Name"},
            {"name": "Day", "type": "date"},
            {"name": "Until", "type": "date"},
            {"name": "At", "type": "datetime", "options": {"timezone": "Asia/Shanghai"}},
            {"name": "Kind", "type": "single_select", "options": {"choices": ["a", "b"]}},
        ],
        [
            {"Name": "before", "Day": "2024-02-25", "Kind": "a"},
            {"Name": "first", "Day": "2024-02-26", "Kind": "a"},
            {"Name": "mid", "Day": "2024-03-15", "Kind": "b"},
            {"Name": "early", "Day": "2024-03-04", "Kind": "a"},
            {"Name": "last", "Day": "2024-03-31", "Kind": "a"},
            {"Name": "after", "Day": "2024-04-01", "Kind": "a"},
            {"Name": "undated", "Kind": "a"},
            {"Name": "long", "Day": "2024-02-20", "Until": "2024-02-27", "Kind": "b"},
            {"Name": "gone", "Day": "2024-02-10", "Until": "2024-02-25", "Kind": "b"},
        ],
    )


def entry_names(page: Any) -> list[str]:
    return [r["Name"] for r in page.result.records]


def test_entries_within_a_month_and_a_week(events: engine.Table) -> None:
    v = Views(events)
    cal = v.create("Cal", "calendar", config={"date_field": "Day"})
    page = v.entries(cal, D(2024, 3, 15))
    assert (page.start, page.end) == (D(2024, 2, 26), D(2024, 4, 1))
    assert entry_names(page) == ["first", "early", "mid", "last"]  # by date
    assert page.result.total == 4
    week = v.entries(cal, D(2024, 3, 6), mode="week")
    assert (week.start, week.end) == (D(2024, 3, 4), D(2024, 3, 11))
    assert entry_names(week) == ["early"]
    sunday = Views(events, clock=Clock(week_start=6)).entries(cal, D(2024, 3, 1))
    assert (sunday.start, sunday.end) == (D(2024, 2, 25), D(2024, 4, 7))
    assert entry_names(sunday) == ["before", "first", "early", "mid", "last", "after"]
    weekly = v.create("Weekly", "calendar", config={"date_field": "Day", "mode": "week"})
    assert entry_names(v.entries(weekly, D(2024, 3, 15))) == ["mid"]
    only_b = v.create(
        "b only",
        "calendar",
        query={"filter": {"items": [{"field": "Kind", "op": "is", "value": "b"}]}},
        config={"date_field": "Day"},
    )
    assert entry_names(v.entries(only_b, D(2024, 3, 15))) == ["mid"]
    assert entry_names(v.entries(cal, D(2024, 3, 15), search="IRS")) == ["first"]


def test_spans_with_an_end_date_show_on_every_page_they_overlap(events: engine.Table) -> None:
    v = Views(events)
    cal = v.create("Cal", "calendar", config={"date_field": "Day", "end_field": "Until"})
    assert entry_names(v.entries(cal, D(2024, 3, 15))) == ["long", "first", "early", "mid", "last"]
    assert "long" in entry_names(v.entries(cal, D(2024, 2, 1)))
    assert "gone" not in entry_names(v.entries(cal, D(2024, 3, 1)))


def test_date_time_entries_fall_on_the_users_local_day(events: engine.Table) -> None:
    # 2024-03-03 17:30 UTC is Monday 2024-03-04 01:30 in Shanghai
    events.create({"Name": "late", "At": dt.datetime(2024, 3, 3, 17, 30, tzinfo=dt.UTC)})
    v = Views(events)
    cal = v.create("At", "calendar", config={"date_field": "At", "mode": "week"})
    in_utc = v.entries(cal, D(2024, 3, 4))
    in_shanghai = Views(events, clock=Clock(timezone="Asia/Shanghai")).entries(cal, D(2024, 3, 4))
    assert entry_names(in_utc) == [] and entry_names(in_shanghai) == ["late"]


def test_a_user_sees_the_calendar_in_their_own_zone(
    db: engine.Database, events: engine.Table
) -> None:
    events.create({"Name": "late", "At": dt.datetime(2024, 3, 3, 17, 30, tzinfo=dt.UTC)})
    user = db.create_user("zhang@example.com", admin=True)  # users start in Asia/Shanghai
    cal = Views(events).create("At", "calendar", config={"date_field": "At", "mode": "week"})
    mine = Views(engine.Table(db.acting_as(user), events.id))
    assert entry_names(mine.entries(cal, D(2024, 3, 4))) == ["late"]


# --- moving entries -----------------------------------------------------------------------------
def test_move_entry_keeps_the_time_of_day_in_the_fields_zone(build_table: Any) -> None:
    table = build_table(
        [
            {"name": "Name"},
            {"name": "At", "type": "datetime", "options": {"timezone": "Asia/Shanghai"}},
            {"name": "NY", "type": "datetime", "options": {"timezone": "America/New_York"}},
            {"name": "Day", "type": "date"},
            {"name": "Until", "type": "date"},
        ]
    )
    rec = table.create({"Name": "x", "At": "2024-03-05 23:30", "NY": "2024-03-09 09:00"})
    v = Views(table)
    shanghai = v.create("Shanghai", "calendar", config={"date_field": "At"})
    moved = v.move_entry(shanghai, rec.id, D(2024, 3, 10))
    assert moved["At"].astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None) == dt.datetime(
        2024, 3, 10, 23, 30
    )
    assert moved["At"] == dt.datetime(2024, 3, 10, 15, 30, tzinfo=dt.UTC)
    new_york = v.create("New York", "calendar", config={"date_field": "NY"})
    moved = v.move_entry(new_york, rec.id, D(2024, 3, 11))  # across the change to summer time
    assert moved["NY"] == dt.datetime(2024, 3, 11, 13, 0, tzinfo=dt.UTC)  # still 09:00 local
    empty = table.create({"Name": "no time"})
    assert v.move_entry(shanghai, empty.id, D(2024, 3, 1))["At"] == dt.datetime(
        2024, 3, 1, 1, 0, tzinfo=dt.UTC
    )  # 09:00 in Shanghai


def test_move_entry_moves_the_end_with_the_start(build_table: Any) -> None:
    table = build_table(
        [{"name": "Name"}, {"name": "Day", "type": "date"}, {"name": "Until", "type": "date"}]
    )
    rec = table.create({"Name": "trip", "Day": "2024-03-05", "Until": "2024-03-08"})
    v = Views(table)
    cal = v.create("Trips", "calendar", config={"date_field": "Day", "end_field": "Until"})
    moved = v.move_entry(cal, rec.id, D(2024, 3, 20))
    assert (moved["Day"], moved["Until"]) == (D(2024, 3, 20), D(2024, 3, 23))
    open_ended = table.create({"Name": "open", "Day": "2024-03-05"})
    moved = v.move_entry(cal, open_ended.id, D(2024, 3, 1))
    assert (moved["Day"], moved["Until"]) == (D(2024, 3, 1), None)


def test_move_entry_refuses_a_date_tessera_keeps(build_table: Any) -> None:
    table = build_table([{"name": "Name"}, {"name": "Created", "type": "created_time"}])
    rec = table.create({"Name": "x"})
    v = Views(table)
    cal = v.create("Created", "calendar")
    assert entry_names(v.entries(cal, rec.created_at.date())) == ["x"]
    with pytest.raises(engine.ValidationError) as err:
        v.move_entry(cal, rec.id, D(2020, 1, 1))
    assert [p.code for p in err.value.problems] == ["read_only"]
    assert table.get(rec.id).created_at == rec.created_at


# --- forms --------------------------------------------------------------------------------------
@pytest.fixture
def signup(build_table: Any) -> engine.Table:
    return build_table(
        [
            {"name": "Name"},
            {"name": "Email", "type": "email", "rules": {"required": True}},
            {"name": "Age", "type": "number", "rules": {"min": 0}},
            {"name": "Agree", "type": "checkbox"},
            {"name": "Source", "rules": {"default": "web"}},
            {"name": "Internal"},
        ]
    )


def form_config() -> dict[str, Any]:
    return {
        "fields": [
            {"field": "Name", "label": "Your name", "required": True, "help": "As on your ID"},
            {"field": "Email", "label": "邮箱"},
            {"field": "Age"},
            {"field": "Agree", "label": "I agree", "required": True},
        ],
        "submit_message": "Thanks!",
    }


def test_a_form_creates_a_record(signup: engine.Table) -> None:
    v = Views(signup)
    form = v.create("Sign up", "form", config=form_config())
    rec = v.submit(form, {"Name": "张三", "Email": "z@example.com", "Age": "30", "Agree": "是"})
    assert dict(rec) == {
        "Name": "张三",
        "Email": "z@example.com",
        "Age": 30,
        "Agree": True,
        "Source": "web",  # not on the form: its default
        "Internal": None,
    }
    by_id = v.submit(form, {signup.field("Name").id: "李四", "email": "l@example.com", "Agree": 1})
    assert by_id["Name"] == "李四" and signup.count() == 2


def test_required_fields_and_labels(signup: engine.Table) -> None:
    v = Views(signup)
    form = v.create("Sign up", "form", config=form_config())
    with pytest.raises(engine.ValidationError) as err:
        v.submit(form, {"Name": "   ", "Agree": False})
    found = {(p.field_name, p.code) for p in err.value.problems}
    assert found == {("Your name", "required"), ("邮箱", "required"), ("I agree", "required")}
    assert all(p.row is None and p.field_id is not None for p in err.value.problems)
    assert signup.count() == 0


def test_fields_not_on_the_form_are_refused(signup: engine.Table) -> None:
    v = Views(signup)
    form = v.create("Sign up", "form", config=form_config())
    good = {"Name": "a", "Email": "a@example.com", "Agree": True}
    with pytest.raises(engine.ValidationError) as err:
        v.submit(form, {**good, "Internal": "sneaky"})
    assert [(p.field_name, p.code) for p in err.value.problems] == [("Internal", "not_on_form")]
    with pytest.raises(engine.ValidationError) as err:
        v.submit(form, {**good, "Nope": 1})
    assert [(p.field_name, p.code) for p in err.value.problems] == [("Nope", "unknown_field")]
    assert signup.count() == 0


def test_every_problem_is_reported_at_once(signup: engine.Table) -> None:
    v = Views(signup)
    form = v.create("Sign up", "form", config=form_config())
    with pytest.raises(engine.ValidationError) as err:
        v.submit(form, {"Email": "not an email", "Age": -1, "Internal": "x", "Agree": "maybe"})
    found = sorted((p.field_name or "", p.code) for p in err.value.problems)
    assert found == sorted(
        [
            ("Your name", "required"),
            ("邮箱", "invalid_email"),
            ("Age", "below_min"),
            ("I agree", "invalid_type"),
            ("Internal", "not_on_form"),
        ]
    )
    assert signup.count() == 0


def test_submit_needs_a_form(signup: engine.Table) -> None:
    v = Views(signup)
    grid = v.create("Grid")
    with pytest.raises(engine.SchemaError):
        v.submit(grid, {"Name": "a"})
    assert signup.count() == 0
