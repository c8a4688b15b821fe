"""Every filter operator on a small shop table, with hand-checked answers, and the conditions
that are refused when the query is built (with English and Chinese messages)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

import engine
from engine import operators
from engine.errors import QueryError
from engine.fields import REGISTRY, field_type
from tests.query_helpers import clock, cond, names, query, where

USERS = ("me@example.com", "li@example.com", "bob@example.com")


@pytest.fixture
def users(db: engine.Database) -> list[int]:
    return [db.create_user(email, admin=True) for email in USERS]


@pytest.fixture
def shop(build_table: Any, users: list[int]) -> engine.Table:
    me, li, bob = users
    return build_table(
        [
            {"name": "名"},
            {"name": "备注", "type": "long_text"},
            {"name": "邮箱", "type": "email"},
            {"name": "数量", "type": "number"},
            {"name": "金额", "type": "currency"},
            {"name": "比例", "type": "percent"},
            {"name": "评分", "type": "rating"},
            {"name": "时长", "type": "duration"},
            {"name": "状态", "type": "single_select", "options": {"choices": ["未付款", "已付款", "已发货"]}},
            {"name": "标签", "type": "multiple_select", "options": {"choices": ["VIP", "新客", "老客"]}},
            {"name": "完成", "type": "checkbox"},
            {"name": "负责人", "type": "user"},
            {"name": "协作者", "type": "user", "options": {"multiple": True}},
            {"name": "编号", "type": "autonumber"},
        ],
        [
            {
                "名": "张三丰", "备注": "Tai Chi 太极拳", "邮箱": "zs@example.com", "数量": 10,
                "金额": 1299.5, "比例": 0.5, "评分": 5, "时长": 5400, "状态": "已付款",
                "标签": ["VIP", "老客"], "完成": True, "负责人": me, "协作者": [me, li],
            },
            {
                "名": "李四", "备注": "50% off_sale", "数量": -3, "金额": 0, "比例": 0.125,
                "评分": 2, "时长": 60, "状态": "未付款", "标签": ["新客"], "负责人": li,
                "协作者": [li],
            },
            {"名": "alice"},
            {
                "名": "Bob", "备注": "TAI", "邮箱": "bob@shop.cn", "数量": 0, "金额": 99.99,
                "比例": 1, "评分": 3, "时长": 0, "状态": "已发货", "标签": ["VIP", "新客", "老客"],
                "完成": True, "负责人": bob, "协作者": [bob, me],
            },
        ],
    )  # fmt: skip


A, B, C, D = "张三丰", "李四", "alice", "Bob"


def check(table: engine.Table, cases: list[tuple[str, str, Any, list[str]]], **kw: Any) -> None:
    for field, op, value, want in cases:
        got = names(table, where(cond(field, op, value)), **kw)
        assert got == want, (field, op, value)


def test_text(shop: engine.Table) -> None:
    check(
        shop,
        [
            ("备注", "is", "tai chi 太极拳", [A]),  # case-insensitive
            ("备注", "is", "tai", [D]),
            ("备注", "is_not", "TAI", [A, B, C]),  # and the empty one
            ("备注", "contains", "tAi", [A, D]),
            ("备注", "contains", "%", [B]),  # % and _ are themselves, not wildcards
            ("备注", "contains", "o_f", []),
            ("备注", "contains", "f_s", [B]),
            ("备注", "not_contains", "tai", [B, C]),
            ("备注", "starts_with", "TAI C", [A]),
            ("备注", "starts_with", "5_%", []),
            ("备注", "ends_with", "太极拳", [A]),
            ("备注", "ends_with", "SALE", [B]),
            ("备注", "is_empty", None, [C]),
            ("备注", "is_not_empty", None, [A, B, D]),
            ("名", "contains", "三丰", [A]),
            ("邮箱", "ends_with", "@EXAMPLE.com", [A]),
            ("邮箱", "is_empty", None, [B, C]),
        ],
    )


def test_numbers(shop: engine.Table) -> None:
    ids = [r.id for r in query(shop, {}).records]
    check(
        shop,
        [
            ("数量", "=", 0, [D]),
            ("数量", "=", "10", [A]),
            ("数量", "!=", 10, [B, C, D]),  # and the empty one
            ("数量", "<", 0, [B]),
            ("数量", "<=", 0, [B, D]),
            ("数量", ">", 0, [A]),
            ("数量", ">=", 0, [A, D]),
            ("数量", "between", [0, 10], [A, D]),
            ("数量", "between", ["-3", 0], [B, D]),
            ("数量", "<", 10**20, [A, B, D]),  # larger than any database's integers
            ("数量", "between", [-(10**30), 10**30], [A, B, D]),
            ("数量", "is_empty", None, [C]),
            ("数量", "is_not_empty", None, [A, B, D]),
            ("金额", "=", "¥1,299.50", [A]),
            ("金额", ">", "$99", [A, D]),
            ("金额", "<", 100, [B, D]),
            ("比例", "=", "50%", [A]),
            ("比例", ">=", 0.5, [A, D]),
            ("比例", "between", ["10%", "60%"], [A, B]),
            ("比例", ">", "12.5%", [A, B, D]),  # 12.5% was stored as 13%; the filter is not rounded
            ("评分", ">=", 3, [A, D]),
            ("评分", "!=", 5, [B, C, D]),
            ("评分", "is_empty", None, [C]),
            ("时长", "=", "1:30", [A]),
            ("时长", ">", "0:01", [A]),
            ("时长", "<=", 60, [B, D]),
            ("编号", "=", ids[1], [B]),
            ("编号", "between", [ids[1], ids[2]], [B, C]),
            ("编号", ">", ids[2], [D]),
            ("编号", "is_empty", None, []),
        ],
    )


def test_selects_and_lists(shop: engine.Table) -> None:
    check(
        shop,
        [
            ("状态", "is", "已付款", [A]),
            ("状态", "is_not", "已付款", [B, C, D]),
            ("状态", "is_any_of", ["未付款", "已发货"], [B, D]),
            ("状态", "is_none_of", ["未付款"], [A, C, D]),
            ("状态", "is_empty", None, [C]),
            ("状态", "is_not_empty", None, [A, B, D]),
            ("标签", "has_any_of", ["VIP"], [A, D]),
            ("标签", "has_any_of", "vip", [A, D]),  # one option, named in any case
            ("标签", "has_any_of", ["新客", "老客"], [A, B, D]),
            ("标签", "has_all_of", ["VIP", "老客"], [A, D]),
            ("标签", "has_all_of", ["VIP", "新客"], [D]),
            ("标签", "has_none_of", ["VIP"], [B, C]),
            ("标签", "is_exactly", ["老客", "VIP"], [A]),  # in any order
            ("标签", "is_exactly", ["VIP"], []),
            ("标签", "is_empty", None, [C]),
            ("标签", "is_not_empty", None, [A, B, D]),
            ("完成", "is_checked", None, [A, D]),
            ("完成", "is_unchecked", None, [B, C]),
            ("完成", "is_empty", None, [B, C]),  # unchecked counts as empty
            ("完成", "is_not_empty", None, [A, D]),
        ],
    )


def test_users_and_me(db: engine.Database, shop: engine.Table, users: list[int]) -> None:
    me, li, bob = users
    check(
        shop,
        [
            ("负责人", "is", "me", [A]),
            ("负责人", "is", li, [B]),
            ("负责人", "is", {"id": bob}, [D]),
            ("负责人", "is_not", "me", [B, C, D]),
            ("负责人", "is_any_of", ["me", str(bob)], [A, D]),
            ("负责人", "is_none_of", [li], [A, C, D]),
            ("负责人", "is_empty", None, [C]),
            ("协作者", "has_any_of", ["me"], [A, D]),
            ("协作者", "has_all_of", [me, li], [A]),
            ("协作者", "has_none_of", "me", [B, C]),
            ("协作者", "is_exactly", [li], [B]),
            ("协作者", "is_empty", None, [C]),
        ],
        user=me,
    )
    assert names(shop, where(cond("负责人", "is", "me")), user=bob) == [D]  # "me" is who asks
    shop.add_field("创建人", "created_by")
    engine.Table(db.acting_as(li), shop.id).create({"名": "by li"})
    engine.Table(db.acting_as(me), shop.id).create({"名": "by me"})
    assert names(shop, where(cond("创建人", "is", "me")), user=me) == ["by me"]
    assert names(shop, where(cond("创建人", "is_any_of", ["me", li])), user=me) == [
        "by li",
        "by me",
    ]
    assert names(shop, where(cond("创建人", "is_empty"))) == [A, B, C, D]


def test_and_or_and_empty_groups(shop: engine.Table) -> None:
    paid_or_vip = where(cond("状态", "is", "已付款"), cond("标签", "has_any_of", ["VIP"]))
    assert names(shop, paid_or_vip) == [A]
    paid_or_vip["conjunction"] = "or"
    assert names(shop, paid_or_vip) == [A, D]
    nested = where(cond("完成", "is_unchecked"), paid_or_vip, conjunction="or")
    assert names(shop, nested) == [A, B, C, D]
    assert names(shop, where(cond("完成", "is_unchecked"), paid_or_vip)) == []
    assert names(shop, where()) == [A, B, C, D]  # an empty group is no condition
    assert names(shop, where(where(), cond("数量", ">", 0))) == [A]
    by_id = {"field": shop.field("数量").id, "op": ">", "value": 0}  # fields by id too
    assert names(shop, where(by_id)) == [A]


EMPTY = {"is_empty", "is_not_empty"}
LISTS = {"has_any_of", "has_all_of", "has_none_of", "is_exactly"}
ONE_OF = {"is", "is_not", "is_any_of", "is_none_of"}
OFFERED = {
    "text": {"is", "is_not", "contains", "not_contains", "starts_with", "ends_with", "is_duplicate"},
    "number": {"=", "!=", "<", "<=", ">", ">=", "between", "is_duplicate"},
    "date": {
        "is", "is_before", "is_after", "is_on_or_before", "is_on_or_after", "is_within",
        "is_duplicate", "is_anniversary",
    },
    "datetime": {"is", "is_before", "is_after", "is_on_or_before", "is_on_or_after", "is_within"},
    "select": ONE_OF,
    "multi_select": LISTS,
    "checkbox": {"is_checked", "is_unchecked"},
    "user": ONE_OF,
    "multi_user": LISTS,
    "attachment": set(),
    "array": {"contains", "not_contains"},  # lookups and list-valued computed fields
    "link": {"contains", "not_contains", "has_any_of", "has_none_of"},
    "other": set(),
}


def test_what_each_kind_of_field_offers() -> None:
    offered: dict[str, set[str]] = {}
    for (kind, name), op in operators.REGISTRY.items():
        offered.setdefault(kind, set()).add(name)
        assert op.label_en and op.label_zh and op.label_en != op.label_zh
    assert offered == {kind: ops | EMPTY for kind, ops in OFFERED.items()}
    kinds: dict[str, str] = {}
    for t in REGISTRY:
        with contextlib.suppress(engine.SchemaError):  # links and computed fields need options
            kinds[t] = operators.value_kind(field_type(t))
    assert {t for t, k in kinds.items() if k == "number"} == {
        "number", "currency", "percent", "rating", "duration", "autonumber"
    }  # fmt: skip
    assert operators.value_kind(field_type("user", {"multiple": True})) == "multi_user"


def test_empty_and_not_empty_for_every_type(db: engine.Database, build_table: Any, users: list[int], tmp_path: Path) -> None:  # fmt: skip
    upload = tmp_path / "a.txt"
    upload.write_text("hello")
    filled = {
        "text": "x", "long_text": "x\ny", "email": "a@b.cn", "phone": "13800138000",
        "url": "example.com", "number": 0, "currency": 0, "percent": 0, "rating": 1,
        "duration": 0, "date": "2024-01-01", "datetime": "2024-01-01 08:00",
        "single_select": "a", "multiple_select": ["a"], "checkbox": True, "user": users[0],
        "attachment": [db.attachments.add_file(upload)],
    }  # fmt: skip
    specs: list[dict[str, Any]] = [{"name": "名"}]
    for type_name in filled:
        options = {"choices": ["a"]} if type_name.endswith("select") else {}
        specs.append({"name": type_name, "type": type_name, "options": options})
    specs.append({"name": "users", "type": "user", "options": {"multiple": True}})
    specs += [{"name": t, "type": t} for t in ("autonumber", "created_time", "created_by")]
    table = build_table(specs, [{"名": "filled", **filled, "users": users[:2]}, {"名": "empty"}])
    for f in table.fields[1:]:
        never_empty = f.type_name in ("autonumber", "created_time")
        want_empty = [] if never_empty else ["empty"]
        want_filled = ["filled", "empty"] if never_empty else ["filled"]
        if f.type_name == "created_by":  # nobody was acting
            want_empty, want_filled = ["filled", "empty"], []
        assert names(table, where(cond(f.name, "is_empty"))) == want_empty, f.name
        assert names(table, where(cond(f.name, "is_not_empty"))) == want_filled, f.name


def refused(table: engine.Table, filter: dict[str, Any], *, user: int | None = None) -> QueryError:
    with pytest.raises(QueryError) as err:
        query(table, {"filter": filter}, user=user)
    e = err.value
    assert e.message_en and e.message_zh and e.message_en != e.message_zh
    assert any("\u4e00" <= ch <= "\u9fff" for ch in e.message_zh)  # the Chinese one is Chinese
    return e


BAD: list[tuple[dict[str, Any], str, str]] = [
    (cond("不存在", "is", "x"), "no field '不存在'", "没有字段"),
    (cond("数量", "contains", "1"), "'contains' does not apply to field '数量'", "不适用"),
    (cond("备注", "like", "x"), "'like' does not apply", "不适用"),
    (cond("备注", "is", ""), "needs some text", "需要文本"),
    (cond("备注", "contains", ["a"]), "needs some text", "需要文本"),
    (cond("备注", "is", None), "needs some text", "需要文本"),
    (cond("数量", "=", "abc"), "needs a number", "需要数字"),
    (cond("数量", "=", True), "needs a number", "需要数字"),
    (cond("数量", "between", [1]), "two numbers", "两个数字"),
    (cond("数量", "between", [5, 1]), "low bound not above", "下限不大于上限"),
    (cond("完成", "is_checked", False), "needs no value", "不填值"),
    (cond("备注", "is_empty", "x"), "needs no value", "不填值"),
    (cond("状态", "is", "退款"), "'退款' is not one of the options", "不是可选项之一"),
    (cond("状态", "is_any_of", []), "at least one option", "至少一个选项"),
    (cond("标签", "has_any_of", ["VIP", "nope"]), "'nope' is not one of the options", "nope"),
    (cond("负责人", "is", "abc"), "a user id or 'me'", "用户 ID"),
    (cond("负责人", "is", -5), "a user id or 'me'", "用户 ID"),
    (cond("协作者", "has_any_of", [10**20]), "a user id or 'me'", "用户 ID"),
    (cond("负责人", "is", "me"), "no user is signed in", "没有登录用户"),
    (cond("协作者", "has_any_of", []), "at least one user", "至少一位用户"),
]


@pytest.mark.parametrize(
    ("bad", "en", "zh"), BAD, ids=[f"{c['field']} {c['op']}" for c, _, _ in BAD]
)
def test_conditions_that_do_not_fit_are_refused(shop: engine.Table, bad: dict[str, Any], en: str, zh: str) -> None:  # fmt: skip
    e = refused(shop, where(bad))
    assert en in e.message_en and zh in e.message_zh, (e.message_en, e.message_zh)


def test_a_bad_condition_is_refused_wherever_it_is(shop: engine.Table, build_table: Any) -> None:
    bad = cond("数量", ">", "many")
    refused(shop, where(cond("数量", ">", 1), bad, conjunction="or"))  # never ignored in an OR
    refused(shop, where(where(where(bad))))  # nor deep down
    empty = build_table([{"name": "数量", "type": "number"}], name="Empty")
    refused(empty, where(bad))  # nor when there is nothing to filter


def test_other_parts_of_the_spec_are_checked(shop: engine.Table) -> None:
    for spec in (
        {"sorts": [{"field": "不存在"}]},
        {"groups": [{"field": "不存在"}]},
        {"fields": ["名", "不存在"]},
        {"aggregates": [{"field": "备注", "fn": "sum"}]},
        {"aggregates": [{"field": "数量", "fn": "percent_checked"}]},
        {"aggregates": [{"fn": "average"}]},
        {"filter": {"items": [{"saved_filter": 999}]}},
    ):
        with pytest.raises(QueryError):
            query(shop, spec)


def test_is_anniversary_matches_month_and_day(build_table: Any) -> None:
    people = build_table(
        [{"name": "名"}, {"name": "生日", "type": "date"}],
        [
            {"名": "今天", "生日": "1990-03-05"},
            {"名": "明天", "生日": "1985-03-06"},
            {"名": "闰日", "生日": "2000-02-29"},
            {"名": "空", "生日": None},
        ],
    )

    def who(local: str, value: Any = None) -> list[str]:
        return sorted(names(people, where(cond("生日", "is_anniversary", value)), at=clock(local)))

    assert who("2026-03-05T00:30") == ["今天"]  # the local day, not UTC's (still 4 March)
    assert who("2026-03-05T12:00", {"days": 1}) == ["明天"]
    assert who("2026-02-28T12:00") == ["闰日"]  # no 29 February this year
    assert who("2028-02-28T12:00") == []  # a leap year has its own 29 February
    assert who("2028-02-29T12:00") == ["闰日"]
    with pytest.raises(QueryError):
        who("2026-03-05T12:00", {"days": -1})
