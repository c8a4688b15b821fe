"""The automations pages and the notification bell, rendered and parsed as HTML."""

from __future__ import annotations

from typing import Any

import engine
from tests.ui_helpers import UI, parse, sign_in, words


def shop(db: engine.Database) -> tuple[engine.Base, engine.Table]:
    base = db.create_base("网店")
    orders = base.create_table("订单", [{"name": "订单号"}, {"name": "金额", "type": "number"}])
    base.create_table("任务", [{"name": "标题"}, {"name": "订单", "type": "link", "options": {"table": "订单"}}])
    return base, orders


def form(owner: int, **extra: str) -> dict[str, Any]:
    return {
        "name": "新订单提醒", "enabled": "on", "kind": "record_created", "table": "",
        "actions_count": "0", "a0_kind": "notify", "a0_users": str(owner),
        "a0_message": "新订单 {订单号}", **extra,
    }  # fmt: skip


def test_create_an_automation_in_the_editor_and_get_notified(ui: UI, app_db: engine.Database) -> None:
    base, orders = shop(app_db)
    owner = app_db.find_user("owner@tessera.local")
    assert owner is not None
    page = ui.page(f"/b/{base.id}/automations/new")
    editor = page.one("form", id="automation-form")
    assert {o.text for o in editor.one("select", name="kind").all("option")} == {
        "新增记录时", "记录被修改时", "记录满足条件时", "定时触发"
    }  # fmt: skip
    saved = ui.post(f"/b/{base.id}/automations", data=form(owner.id, table=str(orders.id)))
    assert saved.status_code == 204 and saved.headers["HX-Redirect"].startswith("/a/")
    [flow] = base.automations()
    assert flow.trigger == {"kind": "record_created", "table": orders.id}

    made = orders.create({"订单号": "A1"})
    home = ui.page(f"/t/{orders.id}")
    count = home.one("span", id="bell-count")
    assert count["data-count"] == "1" and count.text == "1"
    listing = parse(ui.get("/notifications", htmx=True).text)
    link = listing.one("a", cls="menu-link")
    assert link.text == "新订单 A1"
    opened = ui.get(link["href"], follow_redirects=False)
    assert opened.status_code == 302 and opened.headers["location"].endswith(f"?record={made.id}")
    target = ui.page(opened.headers["location"])
    assert target.one("aside", id="panel")["hx-get"] == f"/t/{orders.id}/r/{made.id}"
    assert parse(ui.get("/notifications/bell", htmx=True).text).one("span", id="bell-count")["data-count"] == "0"

    edit = ui.page(f"/a/{flow.id}")
    assert edit.one("input", name="name")["value"] == "新订单提醒"
    assert edit.one("input", name="a0_message")["value"] == "新订单 {订单号}"
    assert [words(td.text) for td in edit.one("section", cls="run-log").all("td")][3] == "成功"
    listed = ui.page(f"/b/{base.id}/automations")
    row = listed.one("tr", data_id=str(flow.id))
    assert "新增记录时" in words(row.text) and "已启用" in words(row.text)
    ui.post(f"/a/{flow.id}/toggle")
    assert base.automations()[0].enabled is False


def test_a_bad_definition_is_shown_not_saved(ui: UI, app_db: engine.Database) -> None:
    base, orders = shop(app_db)
    owner = app_db.find_user("owner@tessera.local")
    assert owner is not None
    bad = form(owner.id, table=str(orders.id), a0_message="{没有的字段}")
    answer = ui.post(f"/b/{base.id}/automations", data=bad)
    assert answer.status_code == 422 and "没有的字段" in parse(answer.text).one("div", cls="toast").text
    assert base.automations() == []


def test_values_lines_and_schedules_come_through(ui: UI, app_db: engine.Database) -> None:
    base, orders = shop(app_db)
    data = {
        "name": "定时", "kind": "scheduled", "table": str(orders.id), "at": "08:30",
        "once_per_days": "30", "filter_table": str(orders.id), ".conj": "and",
        "node": "0:cond", "0.field": str(orders.field("金额").id), "0.op": ">", "0.value": "500",
        "actions_count": "0", "a0_kind": "create_record",
        "a0_table": str(base.table("任务").id),
        "a0_values": "标题: 跟进 {订单号}\n订单: @record",
    }  # fmt: skip
    assert ui.post(f"/b/{base.id}/automations", data=data).status_code == 204
    [flow] = base.automations()
    assert flow.enabled is False  # the box was not ticked
    assert flow.trigger["at"] == "08:30" and flow.trigger["once_per_days"] == 30
    [condition] = flow.trigger["filter"]["items"]
    assert (condition["field"], condition["op"], condition["value"]) == (
        orders.field("金额").id, ">", "500"
    )  # as the toolbar's builder gives it; the operator reads it as a number
    values = flow.actions[0]["values"]
    assert values[1] == {"field": base.table("任务").field("订单").id, "trigger_record": True}
    page = ui.page(f"/a/{flow.id}")
    assert page.one("textarea", name="a0_values").text == "标题: 跟进 {订单号}\n订单: @record"
    builder = page.one("div", id="inline-filter")  # the toolbar's filter builder, filled in
    assert builder.one("select", name="0.field").one("option", selected="")["value"] == str(
        orders.field("金额").id
    )
    assert builder.one("input", name="0.value")["value"] == "500"


def test_the_trigger_filter_is_built_with_the_filter_builder(ui: UI, app_db: engine.Database) -> None:
    """Conditions are picked, not typed: a field of the trigger's table, its operators with their
    names, a value input of its kind; another table starts an empty filter."""
    base, orders = shop(app_db)
    url = f"/b/{base.id}/filter-builder"
    added = parse(ui.post(url, {"table": str(orders.id), "filter_table": str(orders.id),
                                ".conj": "and", "action": "add_cond:"}).text)  # fmt: skip
    fields = [o.text for o in added.one("select", name="0.field").all("option")]
    assert fields == ["订单号", "金额", "任务"]
    ops = [words(o.text) for o in added.one("select", name="0.op").all("option")]
    assert "包含" in ops and "有重复" in ops
    amount = str(orders.field("金额").id)
    chosen = parse(ui.post(url, {"table": str(orders.id), "filter_table": str(orders.id),
                                 ".conj": "and", "node": "0:cond", "0.field": amount,
                                 "0.op": ">", "0.value": ""}).text)  # fmt: skip
    assert ">" in [o["value"] for o in chosen.one("select", name="0.op").all("option")]
    tasks = base.table("任务")
    moved = parse(ui.post(url, {"table": str(tasks.id), "filter_table": str(orders.id),
                                "node": "0:cond", "0.field": amount}).text)  # fmt: skip
    assert moved.all("select", name="0.field") == []
    assert moved.one("input", name="filter_table")["value"] == str(tasks.id)


def test_editors_see_automations_but_cannot_manage_them(ui: UI, app_db: engine.Database) -> None:
    base, orders = shop(app_db)
    app_db.create_user("ed@example.com", "小编")
    base.add_member("ed@example.com", "editor")
    sign_in(ui.client, app_db, "ed@example.com", admin=False)
    page = ui.page(f"/b/{base.id}/automations")
    assert "只有此库的所有者和创建者可以管理自动化流程" in words(page.text)
    assert page.first("a", href=f"/b/{base.id}/automations/new") is None
    refused = ui.post(f"/b/{base.id}/automations", data=form(1, table=str(orders.id)))
    assert refused.status_code in (403, 422) and base.automations() == []
