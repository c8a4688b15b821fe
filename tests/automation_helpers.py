"""A small shop base for the automation tests: customers with an owner and a birthday, orders
linked to customers, tasks; an owner, a second creator, an editor and an outsider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import engine
from engine.automations import runs


@dataclass
class Shop:
    db: engine.Database  # acting as the owner
    base: engine.Base
    owner: int
    editor: int
    outsider: int
    customers: engine.Table
    orders: engine.Table
    tasks: engine.Table

    def as_user(self, user: int) -> engine.Database:
        return self.db.acting_as(user)

    def runs(self, automation_id: int) -> list[runs.Run]:
        return list(reversed(self.db.automation_runs(automation_id)))

    def titles(self) -> list[str]:
        return sorted(str(r["标题"]) for r in self.tasks.all(limit=1000))


@pytest.fixture
def shop(db: engine.Database) -> Shop:
    owner = db.create_user("boss@example.com", "老板")
    editor = db.create_user("ed@example.com", "小编")
    outsider = db.create_user("out@example.com", "路人")
    me = db.acting_as(owner)
    base = me.create_base("网店")
    base.add_member("ed@example.com", "editor")
    customers = base.create_table(
        "客户",
        [
            {"name": "名"},
            {"name": "负责人", "type": "user"},
            {"name": "生日", "type": "date"},
            {"name": "等级", "type": "number"},
        ],
    )
    orders = base.create_table(
        "订单",
        [
            {"name": "订单号"},
            {"name": "客户", "type": "link", "options": {"table": "客户"}},
            {"name": "状态", "type": "single_select", "options": {"choices": ["未付款", "已付款"]}},
            {"name": "金额", "type": "number"},
        ],
    )
    tasks = base.create_table(
        "任务",
        [
            {"name": "标题", "rules": {"required": True}},
            {"name": "客户", "type": "link", "options": {"table": "客户"}},
            {"name": "订单", "type": "link", "options": {"table": "订单"}},
            {"name": "负责人", "type": "user"},
            {"name": "截止", "type": "date"},
        ],
    )
    return Shop(me, base, owner, editor, outsider, customers, orders, tasks)


def notify_me(shop: Shop, message: str = "新订单 {订单号}") -> dict[str, Any]:
    return {"kind": "notify", "users": [shop.owner], "message": message}
