"""Validation rules, each accepting and rejecting, on both databases.

A rejected write raises `engine.ValidationError` listing every problem and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import insert, inspect
from sqlalchemy.exc import IntegrityError

import engine
from engine.rules import Rules


def rejected(fn: Any, *args: Any) -> list[tuple[str | None, str, int | None]]:
    """(field name, code, row) of each problem of the ValidationError that `fn(*args)` raises."""
    with pytest.raises(engine.ValidationError) as err:
        fn(*args)
    return [(p.field_name, p.code, p.row) for p in err.value.problems]


# --- required -----------------------------------------------------------------------------------
def test_required_on_create_refuses_missing_and_empty(build_table):
    t = build_table([{"name": "Name", "rules": {"required": True}}, {"name": "Note"}])
    assert rejected(t.create, {"Note": "no name"}) == [("Name", "required", 0)]
    assert rejected(t.create, {"Name": ""}) == [("Name", "required", 0)]
    assert rejected(t.create, {"Name": None}) == [("Name", "required", 0)]
    assert rejected(t.create, {"Name": "   "}) == [("Name", "required", 0)]
    assert t.count() == 0
    assert t.create({"Name": "张三"})["Name"] == "张三"


def test_required_on_update_refuses_setting_empty_only(build_table):
    t = build_table(
        [{"name": "Name", "rules": {"required": True}}, {"name": "Note"}], [{"Name": "a"}]
    )
    rid = t.all()[0].id
    assert rejected(t.update, rid, {"Name": ""}) == [("Name", "required", 0)]
    assert rejected(t.update, rid, {"Name": None}) == [("Name", "required", 0)]
    # an update that leaves the required field alone is fine
    assert t.update(rid, {"Note": "x"})["Name"] == "a"
    assert t.update(rid, {"Name": "b"})["Name"] == "b"


def test_required_checkbox_means_checked(build_table):
    t = build_table(
        [{"name": "Name"}, {"name": "Agreed", "type": "checkbox", "rules": {"required": True}}]
    )
    assert rejected(t.create, {"Name": "a"}) == [("Agreed", "required", 0)]
    assert rejected(t.create, {"Name": "a", "Agreed": False}) == [("Agreed", "required", 0)]
    assert rejected(t.create, {"Name": "a", "Agreed": "否"}) == [("Agreed", "required", 0)]
    rec = t.create({"Name": "a", "Agreed": "是"})
    assert rec["Agreed"] is True
    assert rejected(t.update, rec.id, {"Agreed": False}) == [("Agreed", "required", 0)]


def test_required_multiple_select_refuses_empty_list(build_table):
    t = build_table(
        [
            {"name": "Name"},
            {
                "name": "Tags",
                "type": "multiple_select",
                "options": {"choices": ["VIP", "新客"]},
                "rules": {"required": True},
            },
        ]
    )
    assert rejected(t.create, {"Tags": []}) == [("Tags", "required", 0)]
    assert t.create({"Tags": ["VIP"]})["Tags"] == ["VIP"]


# --- unique -------------------------------------------------------------------------------------
@pytest.fixture
def phones(build_table):
    return build_table(
        [{"name": "Name"}, {"name": "Phone", "type": "phone", "rules": {"unique": True}}]
    )


def test_unique_exempts_empty_values(phones):
    phones.create_many([{"Name": "a"}, {"Name": "b", "Phone": ""}, {"Name": "c", "Phone": None}])
    phones.create({"Name": "d"})
    assert phones.count() == 4


def test_unique_refuses_duplicates_inside_one_batch(phones):
    rows = [{"Phone": "13800138000"}, {"Phone": "13900139000"}, {"Phone": "13800138000"}]
    assert rejected(phones.create_many, rows) == [("Phone", "not_unique", 2)]
    assert phones.count() == 0


def test_unique_refuses_values_of_existing_rows(phones):
    a = phones.create({"Name": "a", "Phone": "13800138000"})
    b = phones.create({"Name": "b", "Phone": "13900139000"})
    assert rejected(phones.create, {"Phone": "13800138000"}) == [("Phone", "not_unique", 0)]
    assert rejected(phones.update, b.id, {"Phone": "13800138000"}) == [("Phone", "not_unique", 0)]
    assert phones.get(b.id)["Phone"] == "13900139000"
    # a record keeps its own value
    assert phones.update(a.id, {"Phone": "13800138000", "Name": "A"})["Name"] == "A"
    assert phones.count() == 2


def test_unique_ignores_trashed_rows(phones):
    old = phones.create({"Name": "old", "Phone": "13800138000"})
    phones.delete(old.id)
    new = phones.create({"Name": "new", "Phone": "13800138000"})
    assert new["Phone"] == "13800138000"


def test_restore_refuses_a_unique_value_taken_meanwhile(phones):
    old = phones.create({"Name": "old", "Phone": "13800138000"})
    phones.delete(old.id)
    phones.create({"Name": "new", "Phone": "13800138000"})
    assert rejected(phones.restore, old.id) == [("Phone", "not_unique", 0)]
    assert phones.count() == 1
    assert phones.count(trashed=True) == 1


def test_unique_is_enforced_by_the_database(db, phones):
    phones.create({"Name": "a", "Phone": "13800138000"})
    schema = phones.schema()
    table = schema.sql
    column = schema.field("Phone").column
    now = dt.datetime.now(dt.UTC)
    row = {"created_at": now, "updated_at": now, "position": 99.0}
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(insert(table).values(**row, **{column: "13800138000"}))
    # the index covers live rows only: a trashed row may repeat the value
    with db.engine.begin() as conn:
        conn.execute(insert(table).values(**row, trashed_at=now, **{column: "13800138000"}))
    indexes = inspect(db.engine).get_indexes(schema.physical_name)
    assert [ix["column_names"] for ix in indexes if ix["unique"]] == [[column]]
    assert phones.count() == 1 and phones.count(trashed=True) == 1


def test_unique_number_compares_values_not_text(build_table):
    t = build_table([{"name": "Name"}, {"name": "No", "type": "number", "rules": {"unique": True}}])
    t.create({"No": 7})
    assert rejected(t.create, {"No": "7.0"}) == [("No", "not_unique", 0)]


# --- min / max ----------------------------------------------------------------------------------
RANGES: list[tuple[str, dict[str, Any], dict[str, Any], list[Any], list[Any], list[Any]]] = [
    # type, options, rules, accepted, below min, above max
    ("number", {}, {"min": 0, "max": 100}, [0, 100, "42"], [-1], [101, "1,000"]),
    (
        "currency",
        {"symbol": "¥"},
        {"min": 0, "max": 1000},
        ["¥0", 1000, 9.99],
        [-0.01],
        ["¥1,000.01"],
    ),
    ("percent", {}, {"min": "10%", "max": 1}, ["10%", 0.5, "100%"], [0.05, "9%"], ["150%", 1.01]),
    ("rating", {"max": 5}, {"min": 2, "max": 4}, [2, 4, "★★★"], [1], [5]),
    ("duration", {}, {"min": 60, "max": "2:00"}, ["1:00", 7200], [59], ["2h 1m"]),
    (
        "date",
        {},
        {"min": "2024-01-01", "max": "2024-12-31"},
        ["2024-01-01", "2024年12月31日", dt.date(2024, 6, 1)],
        ["2023-12-31"],
        ["2025/1/1"],
    ),
    (
        "datetime",
        {"timezone": "Asia/Shanghai"},
        {"min": "2024-01-01 00:00", "max": "2024-01-31 23:59"},
        ["2024-01-01 00:00", "2023-12-31T16:00:00Z", "2024-01-31T15:59:00+00:00"],
        ["2023-12-31 23:59", "2023-12-31T15:59:59Z"],
        ["2024-02-01 00:00"],
    ),
]


@pytest.mark.parametrize(
    ("type_", "options", "rules", "ok", "low", "high"), RANGES, ids=[r[0] for r in RANGES]
)
def test_min_max(build_table, type_, options, rules, ok, low, high):
    t = build_table(
        [{"name": "Name"}, {"name": "V", "type": type_, "options": options, "rules": rules}]
    )
    t.create_many([{"V": v} for v in ok])
    assert t.count() == len(ok)
    assert rejected(t.create_many, [{"V": v} for v in low]) == [
        ("V", "below_min", i) for i in range(len(low))
    ]
    assert rejected(t.create_many, [{"V": v} for v in high]) == [
        ("V", "above_max", i) for i in range(len(high))
    ]
    rid = t.all()[0].id
    assert rejected(t.update, rid, {"V": high[0]}) == [("V", "above_max", 0)]
    assert t.create({"V": None})["V"] is None  # empty passes every rule but required
    assert t.count() == len(ok) + 1


def test_range_messages_show_values_as_the_field_shows_them(build_table):
    t = build_table([{"name": "P", "type": "percent", "rules": {"max": 1}}])
    with pytest.raises(engine.ValidationError) as err:
        t.create({"P": "150%"})
    (p,) = err.value.problems
    assert "150%" in p.message_en and "100%" in p.message_en
    assert "大于最大值" in p.message_zh


# --- length and pattern -------------------------------------------------------------------------
def test_min_and_max_length_count_characters(build_table):
    t = build_table([{"name": "Code", "rules": {"min_length": 2, "max_length": 4}}])
    t.create_many([{"Code": "ab"}, {"Code": "张三丰"}, {"Code": "🚀🚀🚀🚀"}, {"Code": ""}])
    assert rejected(t.create_many, [{"Code": "a"}, {"Code": "abcde"}, {"Code": "张三丰李四"}]) == [
        ("Code", "too_short", 0),
        ("Code", "too_long", 1),
        ("Code", "too_long", 2),
    ]


def test_pattern_with_the_users_own_message(build_table):
    message = "编号为两个大写字母加四位数字，例如 AB1234"
    t = build_table(
        [
            {"name": "No", "rules": {"pattern": r"[A-Z]{2}\d{4}", "pattern_message": message}},
            {"name": "Plain", "type": "email", "rules": {"pattern": r".*@example\.com"}},
        ]
    )
    t.create({"No": "AB1234", "Plain": "a@example.com"})
    with pytest.raises(engine.ValidationError) as err:
        t.create_many([{"No": "ab1234"}, {"No": "XAB1234"}, {"Plain": "a@example.org"}])
    problems = err.value.problems
    assert [(p.field_name, p.code, p.row) for p in problems] == [
        ("No", "pattern", 0),
        ("No", "pattern", 1),
        ("Plain", "pattern", 2),
    ]
    assert problems[0].message_en == problems[0].message_zh == message
    assert "a@example.org" in problems[2].message_en
    assert "格式" in problems[2].message_zh


# --- default ------------------------------------------------------------------------------------
def test_default_is_applied_on_create_only(build_table):
    t = build_table(
        [
            {"name": "Name"},
            {
                "name": "Status",
                "type": "single_select",
                "options": {"choices": ["待跟进", "已成交"]},
                "rules": {"default": "待跟进", "required": True},
            },
            {"name": "Qty", "type": "number", "rules": {"default": 1}},
            {"name": "Active", "type": "checkbox", "rules": {"default": True}},
            {"name": "Since", "type": "date", "rules": {"default": "2024年1月2日"}},
        ]
    )
    a, b = t.create_many([{"Name": "a"}, {"Name": "b", "Status": "已成交", "Qty": 5}])
    assert (a["Status"], a["Qty"], a["Active"], a["Since"]) == (
        "待跟进",
        1,
        True,
        dt.date(2024, 1, 2),
    )
    assert (b["Status"], b["Qty"], b["Active"]) == ("已成交", 5, True)
    # an explicit empty value is kept empty, and an update never applies defaults
    c = t.create({"Name": "c", "Qty": None})
    assert c["Qty"] is None
    assert t.update(c.id, {"Name": "C"})["Qty"] is None
    assert t.field("Since").rules.default == "2024-01-02"


def test_a_user_field_can_default_to_whoever_adds_the_record(db):
    owner = db.create_user("owner@example.com", "Owner")
    rep = db.create_user("rep@example.com", "Rep")
    base = db.acting_as(owner).create_base("CRM")
    base.add_member(rep, "editor")
    t = base.create_table(
        "客户",
        [
            {"name": "姓名"},
            {"name": "负责人", "type": "user", "rules": {"default": "me"}},
            {"name": "协作人", "type": "user", "options": {"multiple": True}, "rules": {"default": "me"}},
            {"name": "口令", "rules": {"default": "me"}},  # a text field: just the text "me"
        ],
    )
    assert t.field("负责人").rules.default == "me"
    mine = t.create({"姓名": "a"})
    assert (mine["负责人"], mine["协作人"], mine["口令"]) == (owner, [owner], "me")
    theirs = engine.Table(db.acting_as(rep), t.id).create({"姓名": "b"})
    assert (theirs["负责人"], theirs["协作人"]) == (rep, [rep])
    given = t.create({"姓名": "c", "负责人": rep})  # a value given wins
    assert given["负责人"] == rep
    nobody = engine.Table(db, t.id).create({"姓名": "d"})  # no one acting: left empty
    assert nobody["负责人"] is None
    with pytest.raises(engine.SchemaError):
        t.add_field("件数", "number", rules={"default": "me"})


# --- rules the type does not support, or that make no sense --------------------------------------
@pytest.mark.parametrize(
    ("type_", "rules"),
    [
        ("checkbox", {"unique": True}),
        ("multiple_select", {"unique": True}),
        ("attachment", {"unique": True}),
        ("text", {"min": 1}),
        ("single_select", {"max": 1}),
        ("number", {"min_length": 1}),
        ("number", {"pattern": r"\d+"}),
        ("date", {"max_length": 10}),
        ("created_time", {"required": True}),
        ("autonumber", {"default": 1}),
        ("number", {"min": "abc"}),
        ("number", {"min": 5, "max": 1}),
        ("text", {"min_length": 5, "max_length": 1}),
        ("text", {"pattern": "(unclosed"}),
        ("text", {"requird": True}),
        ("number", {"default": "many"}),
        ("single_select", {"default": "no such option"}),
    ],
)
def test_rules_the_type_cannot_have_are_refused(base, type_, rules):
    t = base.create_table("T", [{"name": "Name"}])
    with pytest.raises(engine.SchemaError):
        t.add_field("F", type_, rules=rules)
    with pytest.raises(engine.SchemaError):
        base.create_table("U", [{"name": "Name"}, {"name": "F", "type": type_, "rules": rules}])
    assert [f.name for f in t.fields] == ["Name"]
    assert [x.name for x in base.tables()] == ["T"]


def test_set_rules_checks_the_type_too(build_table):
    t = build_table([{"name": "Name"}, {"name": "Done", "type": "checkbox"}])
    with pytest.raises(engine.SchemaError):
        t.set_rules("Done", {"unique": True})
    t.set_rules("Done", {"required": True})
    assert t.field("Done").rules.required


def test_unique_over_existing_duplicates_is_refused_naming_the_value(db, build_table):
    t = build_table(
        [{"name": "Name"}, {"name": "Email", "type": "email"}],
        [
            {"Email": "li@example.com"},
            {"Email": "wang@example.com"},
            {"Email": "li@example.com"},
            {},
        ],
    )
    with pytest.raises(engine.SchemaError) as err:
        t.set_rules("Email", {"unique": True, "required": True})
    assert "li@example.com" in err.value.message_en and "2" in err.value.message_en
    assert "li@example.com" in err.value.message_zh
    assert t.field("Email").rules == Rules()
    assert not [
        ix for ix in inspect(db.engine).get_indexes(t.schema().physical_name) if ix["unique"]
    ]
    # duplicates in the trash and empty values do not count
    dup = [r.id for r in t.all() if r["Email"] == "li@example.com"][1]
    t.delete(dup)
    t.set_rules("Email", {"unique": True})
    assert t.field("Email").rules.unique
    assert rejected(t.create, {"Email": "wang@example.com"}) == [("Email", "not_unique", 0)]
    t.set_rules("Email", {})
    t.create({"Email": "wang@example.com"})


# --- every problem at once ----------------------------------------------------------------------
def test_a_rejected_write_reports_every_problem_and_writes_nothing(build_table):
    t = build_table(
        [
            {"name": "姓名", "rules": {"required": True}},
            {"name": "年龄", "type": "number", "rules": {"min": 0}},
            {"name": "邮箱", "type": "email", "rules": {"unique": True}},
            {"name": "编号", "rules": {"pattern": r"\d{3}", "pattern_message": "三位数字"}},
        ],
        [{"姓名": "已有", "邮箱": "taken@example.com"}],
    )
    rows = [
        {"姓名": "ok", "年龄": 1, "邮箱": "a@example.com", "编号": "123"},
        {"姓名": "", "年龄": -1, "邮箱": "taken@example.com", "编号": "12"},
        {"年龄": "abc", "邮箱": "not-an-email", "编号": "999"},
        {"姓名": "dup", "邮箱": "a@example.com", "Nope": 1},
    ]
    with pytest.raises(engine.ValidationError) as err:
        t.create_many(rows)
    problems = err.value.problems
    ids = {f.name: f.id for f in t.fields}
    got = sorted((p.row if p.row is not None else -1, p.field_name or "", p.code) for p in problems)
    assert got == sorted(
        [
            (-1, "Nope", "unknown_field"),
            (1, "姓名", "required"),
            (1, "年龄", "below_min"),
            (1, "邮箱", "not_unique"),
            (1, "编号", "pattern"),
            (2, "姓名", "required"),
            (2, "年龄", "invalid_number"),
            (2, "邮箱", "invalid_email"),
            (3, "邮箱", "not_unique"),
        ]
    )
    for p in problems:
        assert p.field_id == ids.get(p.field_name)  # None for the unknown field
        assert p.message_en and p.message_zh
        if p.code != "pattern":
            assert p.message_en != p.message_zh
        assert p.as_dict()["message"] == {"en": p.message_en, "zh": p.message_zh}
    assert t.count() == 1


def test_a_rejected_update_batch_reports_every_problem_and_writes_nothing(build_table):
    t = build_table(
        [
            {"name": "Name", "rules": {"required": True}},
            {"name": "Qty", "type": "number", "rules": {"max": 10}},
        ],
        [{"Name": "a", "Qty": 1}, {"Name": "b", "Qty": 2}, {"Name": "c", "Qty": 3}],
    )
    a, b, c = (r.id for r in t.all())
    changes = [(a, {"Qty": 5}), (b, {"Name": "", "Qty": 11}), (c, {"Qty": "x"})]
    assert sorted(rejected(t.update_many, changes), key=lambda p: (p[2], p[0])) == [
        ("Name", "required", 1),
        ("Qty", "above_max", 1),
        ("Qty", "invalid_number", 2),
    ]
    assert [(r["Name"], r["Qty"], r.version) for r in t.all()] == [
        ("a", 1, 1),
        ("b", 2, 1),
        ("c", 3, 1),
    ]
