"""`tessera automations list | run` and the scheduler that `tessera serve` runs in the
background (started and stopped with the app's lifespan)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from engine import meta
from server.app import create_app
from server.cli import main
from tests.automation_helpers import Shop
from tests.test_automations_schedule import recall_flow


def make_due(shop: Shop, flow: int) -> None:
    a = meta.automations
    with shop.db.engine.begin() as conn:
        conn.execute(
            update(a).where(a.c.id == flow).values(next_run_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        )


def test_list_and_run_what_is_due(shop: Shop, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    flow = recall_flow(shop)
    shop.customers.create({"名": "甲", "等级": 5})
    assert main(["--db", db_url, "automations", "list"]) == 0
    out = capsys.readouterr().out
    assert f"网店  #{flow}  [on ]  召回  (scheduled)  next " in out
    assert main(["--db", db_url, "automations", "run", "--base", "网店"]) == 0
    assert capsys.readouterr().out.strip() == "0 due / 个到期运行"
    make_due(shop, flow)
    assert main(["--db", db_url, "automations", "run"]) == 0
    out = capsys.readouterr().out
    assert "ok, 1 records" in out and "1 due" in out
    assert shop.titles() == ["召回 甲"]


def test_the_server_runs_due_automations_in_the_background(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESSERA_SCHEDULER_SECONDS", "0.05")
    flow = recall_flow(shop)
    shop.customers.create({"名": "甲", "等级": 5})
    make_due(shop, flow)
    with TestClient(create_app(shop.db, secret="x" * 32, scheduler=True)):
        for _ in range(400):  # wait for the background task's first tick
            if shop.runs(flow):
                break
            time.sleep(0.05)
    assert shop.titles() == ["召回 甲"] and len(shop.runs(flow)) == 1
