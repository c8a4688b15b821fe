"""Merging duplicate records (the seeds' "clean out duplicates"), on both databases: the kept
record fills its empty fields and gathers lists and links, the others go to the trash, in one
transaction that one undo reverses."""

from __future__ import annotations

from typing import Any

import pytest

import engine
from tests.test_undo import roundtrip


@pytest.fixture
def shop(db: engine.Database, base: engine.Base) -> dict[str, Any]:
    users = [db.create_user(f"u{i}@example.com", f"U{i}") for i in range(2)]
    people = base.create_table(
        "客户",
        [
            {"name": "姓名"},
            {"name": "手机", "type": "phone", "rules": {"unique": True}},
            {"name": "邮箱", "type": "email"},
            {"name": "标签", "type": "multiple_select", "options": {"choices": ["新客", "复购", "VIP"]}},
            {"name": "等级", "type": "single_select", "options": {"choices": ["普通", "金卡"]}},
            {"name": "跟进人", "type": "user", "options": {"multiple": True}},
            {"name": "已验证", "type": "checkbox"},
        ],
    )
    orders = base.create_table("订单", [{"name": "单号"}, {"name": "金额", "type": "number"}])
    orders.add_field(
        "客户", "link", options={"table": people.id, "multiple": False, "inverse_name": "订单"}
    )
    base.create_table("地址", [{"name": "名称"}])
    people.add_field("地址", "link", options={"table": "地址", "role": "children"})
    people.add_field("订单数", "count", options={"link_field": "订单"})
    a, b, c = (
        r.id
        for r in people.create_many(
            [
                {"姓名": "王琳", "标签": ["新客"], "等级": "普通", "跟进人": [users[0]]},
                {"姓名": "王琳", "手机": "13800000001", "邮箱": "wl@example.com",
                 "标签": ["复购", "新客"], "等级": "金卡", "跟进人": [users[1]], "已验证": True},
                {"姓名": "王琳 ", "邮箱": "other@example.com", "标签": ["VIP"]},
            ]
        )
    )
    o = orders.create_many(
        [
            {"单号": "A-1", "金额": 10, "客户": [a]},
            {"单号": "B-1", "金额": 20, "客户": [b]},
            {"单号": "B-2", "金额": 30, "客户": [b]},
            {"单号": "C-1", "金额": 40, "客户": [c]},
        ]
    )
    return {"people": people, "orders": orders, "ids": (a, b, c), "orders_ids": [r.id for r in o],
            "users": users, "base": base}  # fmt: skip


def test_the_kept_record_fills_gaps_and_gathers_lists_and_links(shop: dict[str, Any]) -> None:
    people, orders = shop["people"], shop["orders"]
    a, b, c = shop["ids"]
    kept = people.merge(a, [b, c])
    assert kept["姓名"] == "王琳" and kept["等级"] == "普通"  # its own values stay
    assert kept["手机"] == "13800000001"  # unique, free once its record is in the trash
    assert kept["邮箱"] == "wl@example.com"  # the first filled value among the others
    assert kept["标签"] == ["新客", "复购", "VIP"]
    assert kept["跟进人"] == shop["users"]
    assert kept["已验证"] is True
    assert [x["title"] for x in kept["订单"]] == ["A-1", "B-1", "B-2", "C-1"]
    assert kept["订单数"] == 4
    assert [r.id for r in people.all()] == [a]
    assert {r.id for r in people.all(trashed=True)} == {b, c}
    assert {r["客户"][0]["id"] for r in orders.all()} == {a}


def test_a_merge_is_one_undoable_change(db: engine.Database, shop: dict[str, Any]) -> None:
    people = shop["people"]
    a, b, c = shop["ids"]
    roundtrip(db, shop["base"], lambda: people.merge(a, [b, c]))


def test_sub_table_rows_change_parent(db: engine.Database, shop: dict[str, Any]) -> None:
    people = shop["people"]
    a, b, _ = shop["ids"]
    addresses = shop["base"].table("地址")
    home = addresses.create({"名称": "家", "客户": [b]})
    kept = people.merge(a, [b])
    assert [x["id"] for x in kept["地址"]] == [home.id]
    assert addresses.get(home.id).trashed_at is None  # it moved; it did not go with its old parent


def test_a_merge_needs_another_record_and_the_right_to_delete(db: engine.Database, shop: dict[str, Any]) -> None:  # fmt: skip
    people, base = shop["people"], shop["base"]
    a, b, _ = shop["ids"]
    with pytest.raises(engine.ValidationError):
        people.merge(a, [a])
    viewer = db.create_user("viewer@example.com")
    base.add_member(viewer, "viewer")
    with pytest.raises(engine.Forbidden):
        engine.Table(db.acting_as(viewer), people.id).merge(a, [b])
    assert people.get(b).trashed_at is None and people.get(a)["邮箱"] is None  # nothing written
