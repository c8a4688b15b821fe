"""Dashboards through the permission layer: a hidden field cannot be charted, a row rule changes
the numbers a user sees, only creators and owners change dashboards, strangers see none."""

from __future__ import annotations

from typing import Any

import pytest

import engine
from engine.dashboards import Dashboards
from engine.dashboards.compute import MatrixResult, NumberResult
from engine.errors import Forbidden, NotFound, QueryError
from tests.test_permissions import field_rule, member, row_rule
from views.api import Views

SPENT = {"kind": "number", "table": "客户", "value": {"fn": "sum", "field": "消费"}}


@pytest.fixture
def shop(db: engine.Database) -> dict[str, Any]:
    users = {
        n: db.create_user(f"{n}@example.com", n) for n in ("owner", "creator", "viewer", "rep")
    }
    base = db.acting_as(users["owner"]).create_base("CRM")
    for name in ("creator", "viewer"):
        member(db, base, users[name], name)
    member(db, base, users["rep"], "editor")
    table = base.create_table(
        "客户",
        [
            {"name": "姓名", "type": "text"},
            {"name": "等级", "type": "single_select", "options": {"choices": ["VIP", "普通"]}},
            {"name": "消费", "type": "currency"},
            {"name": "负责人", "type": "user"},
        ],
    )
    table.create_many(
        [
            {"姓名": "张三", "等级": "VIP", "消费": 100, "负责人": users["rep"]},
            {"姓名": "李四", "等级": "普通", "消费": 20, "负责人": users["rep"]},
            {"姓名": "王五", "等级": "VIP", "消费": 300, "负责人": users["owner"]},
        ]
    )
    board = base.dashboards.create(
        "看板",
        [SPENT, {"kind": "pie", "table": "客户", "group": {"field": "等级"}}],
    )
    return {"db": db, "users": users, "base": base, "table": table, "board": board}


def as_user(shop: dict[str, Any], name: str) -> Dashboards:
    db = shop["db"].acting_as(shop["users"][name])
    return db.base(shop["base"].id).dashboards


def test_everyone_in_the_base_views_only_creators_change(shop: dict[str, Any]) -> None:
    viewer = as_user(shop, "viewer")
    shown = viewer.data("看板")
    assert isinstance(shown[0].result, NumberResult) and shown[0].result.value == 420
    assert not viewer.can_edit
    for change in (
        lambda: viewer.create("我的"),
        lambda: viewer.add_widget("看板", SPENT),
        lambda: viewer.rename("看板", "改名"),
        lambda: viewer.delete("看板"),
        lambda: as_user(shop, "rep").remove_widget("看板", shop["board"].widgets[0].id),
    ):
        with pytest.raises(Forbidden):
            change()
    creator = as_user(shop, "creator")
    assert creator.can_edit
    creator.add_widget("看板", {**SPENT, "title": "再一个"})
    assert len(viewer.get("看板").widgets) == 3


def test_a_stranger_sees_no_dashboard(shop: dict[str, Any]) -> None:
    db = shop["db"]
    stranger = db.acting_as(db.create_user("x@example.com", "x"))
    with pytest.raises(NotFound):
        stranger.base(shop["base"].id).dashboards.list()
    with pytest.raises(NotFound):
        Dashboards(engine.Base(stranger, shop["base"].id)).data(shop["board"].id)


def test_a_hidden_field_cannot_be_charted(shop: dict[str, Any]) -> None:
    table = shop["table"]
    field_rule(shop["db"], table.field("消费").id, "creator", "hidden")
    creator = as_user(shop, "creator")
    with pytest.raises(QueryError, match="消费"):
        creator.add_widget("看板", SPENT)
    with pytest.raises(QueryError, match="消费"):
        creator.add_widget(
            "看板",
            {
                "kind": "bar",
                "table": "客户",
                "group": {"field": "等级"},
                "filter": {"items": [{"field": "消费", "op": ">", "value": 50}]},
            },
        )
    shown = creator.data("看板")[0]  # saved by the owner, over a field hidden from this user
    assert shown.result is None and shown.error_en is not None and shown.error_zh is not None
    assert "you may not see" in shown.error_en
    assert "消费" not in shown.error_en + shown.error_zh


def test_a_row_rule_changes_the_numbers(shop: dict[str, Any]) -> None:
    owner_db = shop["db"].acting_as(shop["users"]["owner"])
    table = owner_db.base(shop["base"].id).table("客户")
    mine = Views(table).create_filter(
        "我负责的", {"items": [{"field": "负责人", "op": "is", "value": "me"}]}
    )
    row_rule(shop["db"], table, mine.id, role="editor")
    rep = as_user(shop, "rep").data("看板")
    assert isinstance(rep[0].result, NumberResult) and rep[0].result.value == 120
    pie = rep[1].result
    assert isinstance(pie, MatrixResult)
    assert {label.text: row[0] for label, row in zip(pie.labels, pie.values, strict=True)} == {
        "VIP": 1,
        "普通": 1,
    }
    owner = as_user(shop, "owner").data("看板")
    assert isinstance(owner[0].result, NumberResult) and owner[0].result.value == 420
