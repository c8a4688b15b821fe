"""Automations, runs and notifications in `/api/`."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

import engine
from server.app import create_app
from tests.automation_helpers import Shop


def client_for(db: engine.Database, user: int) -> Any:
    token = db.acting_as(None).create_token("api", user=user).token
    c = TestClient(create_app(db, secret="s"))
    c.headers["Authorization"] = f"Bearer {token}"
    return c


@pytest.fixture
def boss(shop: Shop) -> Any:
    with client_for(shop.db, shop.owner) as c:
        yield c


def test_create_run_and_read_the_log_and_the_inbox(shop: Shop, boss: Any) -> None:
    spec = {
        "name": "新订单",
        "trigger": {"kind": "record_created", "table": "订单"},
        "actions": [{"kind": "notify", "users": [shop.owner], "message": "新订单 {订单号}"}],
    }
    made = boss.post(f"/api/bases/{shop.base.id}/automations", json=spec)
    assert made.status_code == 201, made.text
    flow = made.json()
    assert flow["trigger"] == {"kind": "record_created", "table": shop.orders.id}
    assert flow["actions"][0]["message"].startswith("新订单 {#")
    listed = boss.get(f"/api/bases/{shop.base.id}/automations").json()["automations"]
    assert [a["id"] for a in listed] == [flow["id"]]

    order = boss.post(f"/api/tables/{shop.orders.id}/records", json={"records": [{"fields": {"订单号": "A9"}}]})
    assert order.status_code == 201
    runs = boss.get(f"/api/automations/{flow['id']}/runs").json()["runs"]
    assert [(r["status"], r["record_ids"]) for r in runs] == [("ok", [order.json()["records"][0]["id"]])]
    inbox = boss.get("/api/notifications").json()
    assert inbox["unread"] == 1 and inbox["notifications"][0]["message"] == "新订单 A9"
    assert inbox["notifications"][0]["record_id"] == order.json()["records"][0]["id"]
    marked = boss.post("/api/notifications/read", json={})
    assert marked.json() == {"marked": 1}
    assert boss.get("/api/notifications", params={"unread": "true"}).json() == {"unread": 0, "notifications": []}

    off = boss.put(f"/api/automations/{flow['id']}", json={**spec, "enabled": False})
    assert off.status_code == 200 and off.json()["enabled"] is False
    assert boss.post(f"/api/automations/{flow['id']}/run").json() == {"run": None}  # not scheduled
    assert boss.delete(f"/api/automations/{flow['id']}").status_code == 200
    assert boss.get(f"/api/automations/{flow['id']}").status_code == 404


def test_bad_definitions_and_editors_are_refused(shop: Shop, boss: Any) -> None:
    bad = boss.post(
        f"/api/bases/{shop.base.id}/automations",
        json={"name": "x", "trigger": {"kind": "record_created", "table": "无此表"},
              "actions": [{"kind": "notify", "users": [shop.owner], "message": "m"}]},
    )  # fmt: skip
    assert bad.status_code in (400, 422) and "无此表" in bad.text
    shape = boss.post(f"/api/bases/{shop.base.id}/automations", json={"name": "x"})
    assert shape.status_code == 422
    with client_for(shop.db, shop.editor) as editor:
        refused = editor.post(
            f"/api/bases/{shop.base.id}/automations",
            json={"name": "x", "trigger": {"kind": "record_created", "table": "订单"},
                  "actions": [{"kind": "notify", "users": [shop.editor], "message": "m"}]},
        )  # fmt: skip
        assert refused.status_code == 403
        assert editor.get("/api/notifications").json()["unread"] == 0


def test_the_openapi_document_lists_them(boss: Any) -> None:
    doc = boss.get("/api/openapi.json").json()
    assert "post" in doc["paths"]["/api/bases/{base_id}/automations"]
    assert "AutomationSpec" in doc["components"]["schemas"]
    assert "get" in doc["paths"]["/api/notifications"]
