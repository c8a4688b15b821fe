"""The CRM preset's four automation rules (the seeds' 自动化规则) on its demo data: each run
creates the records the seed describes, for exactly the customers and orders that the raw data
says — worked out here in plain Python, never from the computed fields or the query engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import engine
from engine.automations import scheduler
from tests.conftest import _pg_url
from tests.test_crm_views import NOW, SHANGHAI, SHIPPING, TODAY, Crm, local
from views.presets import apply_preset

CUSTOMERS = 120


@pytest.fixture(scope="module", params=["sqlite", "pg"])
def crm(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crm]:
    folder: Path = tmp_path_factory.mktemp("crm_auto")
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{folder / 'crm.db'}"])
    else:
        urls = _pg_url(request.getfixturevalue("pg_admin"))
    db = engine.connect(next(urls), data_dir=folder / "files")
    result = apply_preset(db, "crm", demo_rows=CUSTOMERS, today=TODAY)
    found = Crm(db, result)
    found.load()
    yield found
    db.close()
    for _ in urls:  # drops the PostgreSQL schema
        pass


def flow(crm: Crm, name: str) -> int:
    return next(a.id for a in crm.result.base.automations() if a.name == name)


def new_tasks(crm: Crm, kind: str) -> list[Any]:
    return [
        t for t in crm.table("任务").all(limit=100_000)
        if t.id not in crm.tasks and t["任务类型"] == kind
    ]  # fmt: skip


def linked(record: Any, field: str) -> int:
    (one,) = record[field]
    return int(one["id"])


def test_the_preset_made_the_seed_rules(crm: Crm) -> None:
    names = [(a.name, a.kind, a.enabled) for a in crm.result.base.automations()]
    assert names == [
        ("新付款订单：通知仓库和客户", "record_matches", True),
        ("客户生日关怀", "scheduled", True),
        ("沉睡客户召回", "scheduled", True),
        ("物流超过 48 小时未更新：异常工单", "scheduled", True),
        ("生命周期自动更新：首次购买", "scheduled", True),
        ("生命周期自动更新：复购客户", "scheduled", True),
        ("生命周期自动更新：流失客户", "scheduled", True),
    ]


def test_a_new_paid_order_tells_the_warehouse_the_customer_and_their_owner(crm: Crm) -> None:
    users = crm.result.users
    owned = next(c for c, r in crm.customers.items() if r["负责人"] == users["销售"])
    orders = crm.table("订单")
    made = orders.create({"订单号": "AUTO-1", "客户": [owned], "下单时间": NOW, "付款状态": "未付款"})
    assert crm.db.automation_runs(flow(crm, "新付款订单：通知仓库和客户")) == []  # not paid yet
    orders.update(made.id, {"付款状态": "已付款"})
    orders.update(made.id, {"备注": "still paid"})  # stays paid: nothing more
    warehouse = crm.db.acting_as(users["仓库"]).notifications()
    assert [n.message for n in warehouse] == ["新付款订单 AUTO-1，请备货"]
    assert (warehouse[0].table_id, warehouse[0].record_id) == (orders.id, made.id)
    sales = crm.db.acting_as(users["销售"]).notifications()
    assert [n.message for n in sales] == [f"你的客户 {crm.customers[owned]['姓名']} 的订单 AUTO-1 已付款"]
    assert crm.db.acting_as(users["客服"]).notifications() == []
    told = [
        r for r in crm.table("互动记录").all(limit=100_000)
        if r.id not in crm.interactions
    ]  # fmt: skip
    assert len(told) == 1
    note = told[0]
    assert (note["互动类型"], note["沟通渠道"], note["处理状态"]) == ("通知", "短信", "已解决")
    assert note["主题"] == "订单 AUTO-1 已收到，正在为您准备发货"
    assert linked(note, "客户") == owned and linked(note, "关联订单") == made.id


def test_birthdays_get_a_greeting_task_for_the_owner(crm: Crm) -> None:
    some = next(r["生日"] for r in crm.customers.values() if r["生日"])
    day = dt.date(2025, some.month, some.day) if (some.month, some.day) != (2, 29) else dt.date(2025, 3, 1)
    at = dt.datetime.combine(day, dt.time(9, 30), SHANGHAI)
    wanted = sorted(
        c for c, r in crm.customers.items()
        if r["生日"] and (r["生日"].month, r["生日"].day) == (day.month, day.day)
    )  # fmt: skip
    result = scheduler.run_scheduled(crm.db.engine, flow(crm, "客户生日关怀"), now=at)
    assert result is not None and result.status == "ok", result
    made = new_tasks(crm, "生日关怀")
    assert wanted and sorted(linked(t, "客户") for t in made) == wanted
    for t in made:
        customer = crm.customers[linked(t, "客户")]
        assert t["任务标题"] == f"生日关怀：{customer['姓名']}"
        assert t["负责人"] == customer["负责人"] and t["优先级"] == "中"
    # a second tick the same day adds nothing
    scheduler.run_scheduled(crm.db.engine, flow(crm, "客户生日关怀"), now=at + dt.timedelta(hours=3))
    assert len(new_tasks(crm, "生日关怀")) == len(wanted)


def test_dormant_big_spenders_get_one_recall_task_per_30_days(crm: Crm) -> None:
    def dormant(days_later: int) -> list[int]:
        day = TODAY + dt.timedelta(days=days_later)
        return sorted(
            c for c in crm.customers
            if (last := crm.last(c)) and local(last) <= day - dt.timedelta(days=30)
            and crm.average(c) > 500
        )  # fmt: skip

    def recalled() -> list[int]:
        return sorted(linked(t, "客户") for t in new_tasks(crm, "沉睡召回"))

    recall = flow(crm, "沉睡客户召回")
    scheduler.run_scheduled(crm.db.engine, recall, now=NOW)
    made = new_tasks(crm, "沉睡召回")
    assert dormant(0) and recalled() == dormant(0)
    for t in made:
        customer = crm.customers[linked(t, "客户")]
        assert t["负责人"] == customer["负责人"] and t["优先级"] == "高"
        assert t["截止日期"] == TODAY + dt.timedelta(days=3)
        assert t["任务标题"].startswith(f"召回：{customer['姓名']}（")
    for days in (1, 10, 29):  # later days: customers who became dormant since, nobody twice
        scheduler.run_scheduled(crm.db.engine, recall, now=NOW + dt.timedelta(days=days))
    assert recalled() == dormant(29) and len(dormant(29)) > len(dormant(0))
    scheduler.run_scheduled(crm.db.engine, recall, now=NOW + dt.timedelta(days=31))
    again = recalled()
    assert all(again.count(c) == 2 for c in dormant(0))  # 30 days on: recalled once more


def test_deliveries_stuck_for_48_hours_get_an_exception_task(crm: Crm) -> None:
    stuck = sorted(
        i for i, o in crm.orders.items()
        if o["物流状态"] in SHIPPING and NOW - o["物流更新时间"] >= dt.timedelta(hours=48)
    )  # fmt: skip
    late = flow(crm, "物流超过 48 小时未更新：异常工单")
    scheduler.run_scheduled(crm.db.engine, late, now=NOW)
    made = new_tasks(crm, "物流异常")
    assert stuck and sorted(linked(t, "关联订单") for t in made) == stuck
    for t in made:
        order = crm.orders[linked(t, "关联订单")]
        assert linked(t, "客户") == order["客户"][0]["id"]
        assert t["任务标题"].startswith(f"物流异常：订单 {order['订单号']}（{order['物流状态']}")
    service = crm.db.acting_as(crm.result.users["客服"]).notifications(limit=1000)
    assert sorted(n.record_id for n in service if n.record_id in stuck) == stuck
    scheduler.run_scheduled(crm.db.engine, late, now=NOW + dt.timedelta(hours=1))  # next tick
    assert len(new_tasks(crm, "物流异常")) == len(stuck)


STAGES = ("首次购买", "复购客户", "流失客户")


def test_lifecycle_stages_are_kept_current(crm: Crm) -> None:
    """Seeds: tags are kept up to date (last in this file: its orders would reach the rules above). The demo's stages already follow the rule, so the hourly
    rules change nothing now; a prospect's first paid order makes them a first-time buyer, a
    second a repeat buyer, and 181 days without a purchase turn buyers into churned ones."""
    customers = crm.table("客户")

    def tick(at: dt.datetime) -> None:
        for stage in STAGES:
            result = scheduler.run_scheduled(crm.db.engine, flow(crm, f"生命周期自动更新：{stage}"), now=at)
            assert result is None or result.status == "ok", result

    def stages() -> dict[int, str]:
        return {r.id: r["生命周期阶段"] for r in customers.all(limit=100_000)}

    tick(NOW)
    assert stages() == {c: r["生命周期阶段"] for c, r in crm.customers.items()}
    prospect = next(c for c, r in crm.customers.items() if r["生命周期阶段"] == "潜在客户")
    orders = crm.table("订单")
    for n in (1, 2):
        orders.create({"订单号": f"STAGE-{n}", "客户": [prospect], "下单时间": NOW, "付款状态": "已付款"})
        tick(NOW + dt.timedelta(hours=n))
        assert customers.get(prospect)["生命周期阶段"] == ("首次购买" if n == 1 else "复购客户")
    later = NOW + dt.timedelta(days=200)
    churned = {  # the new buyer too: their orders are 200 days old by then
        c for c in crm.customers
        if c == prospect or ((last := crm.last(c)) and (later.date() - local(last)).days > 180)
    }  # fmt: skip
    tick(later)
    assert {c for c, stage in stages().items() if stage == "流失客户"} == churned

