"""Scheduled automations: due times, one run per record and period across ticks, a claim that
lets only one of two schedulers run a tick; and webhooks against a local HTTP server."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from engine.automations import schedule, scheduler, webhook
from tests.automation_helpers import Shop, notify_me

UTC = dt.UTC


def recall_flow(shop: Shop, **extra: Any) -> int:
    return shop.base.create_automation(
        {
            "name": "召回",
            "trigger": {
                "kind": "scheduled",
                "table": "客户",
                "at": "09:00",
                "filter": {"items": [{"field": "等级", "op": ">=", "value": 3}]},
                **extra,
            },
            "actions": [
                {
                    "kind": "create_record",
                    "table": "任务",
                    "values": [
                        {"field": "标题", "template": "召回 {名}"},
                        {"field": "客户", "trigger_record": True},
                        {"field": "负责人", "copy": "负责人"},
                    ],
                }
            ],
        }
    ).id


def test_due_times_and_periods() -> None:
    daily = {"kind": "scheduled", "at": "09:00"}
    at = dt.datetime(2026, 3, 5, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
    assert schedule.next_due(daily, at, "Asia/Shanghai") == dt.datetime(2026, 3, 5, 1, tzinfo=UTC)
    later = dt.datetime(2026, 3, 5, 1, 0, tzinfo=UTC)  # exactly 09:00: the next is tomorrow
    assert schedule.next_due(daily, later, "Asia/Shanghai") == dt.datetime(2026, 3, 6, 1, tzinfo=UTC)
    assert schedule.period_of(daily, dt.datetime(2026, 3, 4, 17, tzinfo=UTC), "Asia/Shanghai") == "2026-03-05"
    hourly = {"kind": "scheduled", "every_hours": 6}
    assert schedule.next_due(hourly, at, "UTC") == dt.datetime(2026, 3, 5, 6, tzinfo=UTC)
    assert schedule.period_of(hourly, at, "UTC") == "2026-03-05T00"
    assert schedule.next_due({"kind": "record_created"}, at, "UTC") is None


def test_scheduled_runs_once_per_record_and_period_across_ticks(shop: Shop) -> None:
    flow = recall_flow(shop)
    shop.customers.create_many(
        [{"名": "甲", "等级": 5, "负责人": shop.owner}, {"名": "乙", "等级": 1}, {"名": "丙", "等级": 3}]
    )
    due = shop.db.automation(flow).next_run_at
    assert due is not None
    engine_ = shop.db.engine
    [first] = scheduler.run_due(engine_, now=due)
    assert first.status == "ok" and shop.titles() == ["召回 丙", "召回 甲"]
    jia = next(t for t in shop.tasks.all() if t["标题"] == "召回 甲")
    assert jia["负责人"] == shop.owner
    assert scheduler.run_due(engine_, now=due + dt.timedelta(minutes=1)) == []  # not due again
    again = scheduler.run_scheduled(engine_, flow, now=due + dt.timedelta(hours=2), trigger="manual")
    assert again is not None and again.record_ids == ()  # run now, same day: no one new
    shop.customers.create({"名": "丁", "等级": 4})
    [tick] = scheduler.run_due(engine_, now=due + dt.timedelta(days=1))  # a new day
    assert len(tick.record_ids) == 3
    assert shop.titles().count("召回 甲") == 2 and shop.titles().count("召回 丁") == 1
    assert [r.trigger for r in shop.runs(flow)] == ["scheduled", "manual", "scheduled"]


def test_once_per_days_keeps_a_record_from_running_again_too_soon(shop: Shop) -> None:
    flow = recall_flow(shop, once_per_days=30)
    shop.customers.create({"名": "甲", "等级": 5})
    due = shop.db.automation(flow).next_run_at
    assert due is not None
    for day in range(0, 35):
        scheduler.run_due(shop.db.engine, now=due + dt.timedelta(days=day))
    assert shop.titles() == ["召回 甲", "召回 甲"]  # day 0 and day 30 (not within 30 days of 0)
    assert len(shop.runs(flow)) == 35  # every tick is logged, most of them over no records


def test_birthdays_are_today_in_the_owners_time_zone(shop: Shop) -> None:
    flow = shop.base.create_automation(
        {
            "name": "生日",
            "trigger": {
                "kind": "scheduled",
                "table": "客户",
                "at": "08:00",
                "filter": {"items": [{"field": "生日", "op": "is_anniversary"}]},
            },
            "actions": [notify_me(shop, "今天是 {名} 的生日")],
        }
    ).id
    due = shop.db.automation(flow).next_run_at
    assert due is not None
    local = due.astimezone(dt.timezone(dt.timedelta(hours=8))).date()  # Asia/Shanghai
    shop.customers.create_many(
        [
            {"名": "寿星", "生日": local.replace(year=1990)},
            {"名": "明天", "生日": (local + dt.timedelta(days=1)).replace(year=1990)},
        ]
    )
    scheduler.run_due(shop.db.engine, now=due)
    assert [n.message for n in shop.db.notifications()] == ["今天是 寿星 的生日"]


def test_two_schedulers_do_not_both_run_a_due_automation(shop: Shop) -> None:
    flow = recall_flow(shop)
    shop.customers.create({"名": "甲", "等级": 5})
    due = shop.db.automation(flow).next_run_at
    assert due is not None
    gate = threading.Barrier(2)
    results: list[int] = []

    def tick() -> None:
        gate.wait()
        results.append(len(scheduler.run_due(shop.db.engine, now=due)))

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 1]
    assert shop.titles() == ["召回 甲"] and len(shop.runs(flow)) == 1


# --- webhooks -------------------------------------------------------------------------------------
class Hook:
    """A local HTTP server answering each POST with the next status of `answers`."""

    def __init__(self) -> None:
        self.answers: list[int] = []
        self.bodies: list[Any] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                outer.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(outer.answers.pop(0) if outer.answers else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hook]:
    monkeypatch.setattr(webhook, "RETRY_PAUSE", 0.01)
    server = Hook()
    yield server
    server.close()


def hook_flow(shop: Shop, url: str) -> int:
    return shop.base.create_automation(
        {
            "name": "推送",
            "trigger": {"kind": "record_created", "table": "订单"},
            "actions": [notify_me(shop), {"kind": "webhook", "url": url, "retries": 2, "timeout": 5}],
        }
    ).id


def test_webhook_posts_the_records_after_the_commit(shop: Shop, hook: Hook) -> None:
    flow = hook_flow(shop, hook.url)
    order = shop.orders.create({"订单号": "W1", "金额": 12})
    [run] = shop.runs(flow)
    assert run.status == "ok"
    assert run.actions[-1] == {"kind": "webhook", "url": hook.url, "ok": True, "attempts": 1, "status": 200}
    [body] = hook.bodies
    assert body["trigger"] == "record_created" and body["table"]["name"] == "订单"
    assert body["records"] == [{"id": order.id, "fields": body["records"][0]["fields"]}]
    assert body["records"][0]["fields"]["订单号"] == "W1"


def test_webhook_is_tried_again(shop: Shop, hook: Hook) -> None:
    flow = hook_flow(shop, hook.url)
    hook.answers = [500, 200]
    shop.orders.create({"订单号": "W2"})
    [run] = shop.runs(flow)
    assert run.status == "ok" and run.actions[-1]["attempts"] == 2 and len(hook.bodies) == 2


def test_a_webhook_that_keeps_failing_is_logged(shop: Shop, hook: Hook) -> None:
    flow = hook_flow(shop, hook.url)
    hook.answers = [500, 502, 503]
    shop.orders.create({"订单号": "W3"})
    [run] = shop.runs(flow)
    assert run.status == "failed" and run.error is not None
    assert "HTTP 503" in run.error and "3" in run.error and "失败" in run.error
    assert len(hook.bodies) == 3
    assert len(shop.db.notifications()) == 1  # committed before the webhook was sent


def test_a_webhook_to_nowhere_fails_cleanly(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhook, "RETRY_PAUSE", 0.01)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    flow = hook_flow(shop, f"http://127.0.0.1:{port}/hook")
    shop.orders.create({"订单号": "W4"})
    [run] = shop.runs(flow)
    assert run.status == "failed" and "Webhook" in (run.error or "")
    assert run.actions[-1]["attempts"] == 3 and run.actions[-1]["status"] is None


def test_a_tick_runs_again_for_more_records_than_one_run_takes(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduler, "MAX_RECORDS", 2)
    flow = recall_flow(shop)
    shop.customers.create_many([{"名": f"客{i}", "等级": 5} for i in range(5)])
    due = shop.db.automation(flow).next_run_at
    assert due is not None
    results = scheduler.run_due(shop.db.engine, now=due)
    assert [len(r.record_ids) for r in results] == [2, 2, 1]
    assert len(shop.titles()) == 5


def test_webhooks_in_background_do_not_hold_up_the_writer(shop: Shop, hook: Hook) -> None:
    from engine.automations import runner

    flow = hook_flow(shop, hook.url)
    hook.answers = [500, 500, 500]
    runner.webhooks_in_background(True)
    try:
        shop.orders.create({"订单号": "BG"})
    finally:
        runner.webhooks_in_background(False)  # waits for the sending to finish
    [run] = shop.runs(flow)
    assert run.status == "failed" and len(hook.bodies) == 3
    assert len(shop.db.notifications()) == 1
