"""Navigation: bases, tables as tabs, views in the sidebar — created, renamed, reordered and
deleted from the interface; the guard against cross-site requests."""

from __future__ import annotations

from tests.ui_helpers import parse, view_of, words
from views.api import Views


def test_home_lists_bases_and_creates_one(ui):
    home = ui.page("/")
    assert words(home.one("p", "empty").text) == "还没有数据库，新建一个开始吧。"
    r = ui.post("/bases", prompt="销售")
    assert r.status_code == 204 and r.headers["HX-Redirect"].startswith("/b/")
    base_page = ui.page(r.headers["HX-Redirect"])
    assert "此数据库还没有数据表。" in base_page.text
    assert [words(h.text) for h in ui.page("/").all("h2")] == ["销售"]


def test_state_changing_requests_need_htmx(ui):
    assert ui.client.post("/bases", headers={"HX-Prompt": "x"}).status_code == 403
    cross = {"HX-Request": "true", "Origin": "https://evil.example", "HX-Prompt": "x"}
    assert ui.client.post("/bases", headers=cross).status_code == 403
    cross_site = {"HX-Request": "true", "Sec-Fetch-Site": "cross-site", "HX-Prompt": "x"}
    assert ui.client.post("/bases", headers=cross_site).status_code == 403
    same = {"HX-Request": "true", "Origin": "http://testserver", "HX-Prompt": "x"}
    assert ui.client.post("/bases", headers=same).status_code == 204


def test_tables_are_tabs_created_renamed_reordered_deleted(ui, customers):
    base_id = customers.schema().base_id
    r = ui.post(f"/b/{base_id}/tables", prompt="订单")
    orders_url = r.headers["HX-Redirect"]
    page = ui.page(orders_url)
    tabs = page.all("div", "tab")
    assert [words(t.one("a").text) for t in tabs] == ["客户", "订单"]
    assert "active" in tabs[1].classes
    # a new table has a text primary field and a grid view
    assert [words(th.one("span", "fname").text) for th in page.all("th", "colhead")] == ["名称"]
    orders_id = int(orders_url.split("/")[2])
    assert ui.post(f"/t/{orders_id}/rename", prompt="订单 2024").status_code == 204
    ui.post(f"/b/{base_id}/tables/order", {"table": [str(orders_id), str(customers.id)]})
    tabs = ui.page(orders_url).all("div", "tab")
    assert [words(t.one("a").text) for t in tabs] == ["订单 2024", "客户"]
    r = ui.post(f"/t/{orders_id}/delete")
    assert r.headers["HX-Redirect"] == f"/b/{base_id}"
    assert [words(t.one("a").text) for t in ui.page(f"/b/{base_id}").all("div", "tab")] == ["客户"]


def test_views_in_the_sidebar(ui, customers):
    url = view_of(ui, customers)
    sidebar = ui.page(url).one("ul", "view-list")
    assert [words(li.one("span", "vname").text) for li in sidebar.all("li")] == ["表格视图"]
    for kind in ("kanban", "card", "calendar", "form"):
        r = ui.post(f"/t/{customers.id}/views", {"kind": kind})
        assert r.status_code == 204, r.text
    names = [v.name for v in Views(customers).list()]
    assert names == ["表格视图", "看板", "画册", "日历", "表单"]
    ids = [v.id for v in Views(customers).list()]
    # each kind renders
    for vid in ids:
        assert ui.get(f"/t/{customers.id}/v/{vid}").status_code == 200
    ui.post(f"/t/{customers.id}/v/{ids[1]}/rename", prompt="按等级")
    ui.post(f"/t/{customers.id}/views/order", {"view": [str(i) for i in [ids[4], *ids[:4]]]})
    assert [v.name for v in Views(customers).list()] == [
        "表单",
        "表格视图",
        "按等级",
        "画册",
        "日历",
    ]
    ui.post(f"/t/{customers.id}/v/{ids[3]}/delete")
    page = ui.page(url)
    assert [words(s.text) for s in page.all("span", "vname")] == [
        "表单",
        "表格视图",
        "按等级",
        "画册",
    ]


def test_deleting_the_last_shared_view_is_refused_with_a_message(ui, customers):
    url = view_of(ui, customers)
    vid = url.rsplit("/", 1)[1]
    r = ui.post(f"/t/{customers.id}/v/{vid}/delete")
    assert r.status_code == 400
    assert r.headers["HX-Retarget"] == "#toasts"
    assert "每个表至少保留一个共享视图" in parse(r.text).one("div", "toast").text


def test_a_kanban_needs_a_field_to_stack_by(ui, app_db):
    table = app_db.create_base("B").create_table("T", [{"name": "Name"}])
    r = ui.post(f"/t/{table.id}/views", {"kind": "kanban"})
    assert r.status_code == 400 and "看板视图需要一个单选或人员字段" in r.text


def test_unknown_pages_say_so(ui):
    r = ui.get("/t/999")
    assert r.status_code == 404 and "没有 ID 为 999 的表" in r.text


def test_every_kind_of_page_renders_on_each_database(db):
    """The pages on SQLite and, when it is available, PostgreSQL: grid with groups and a
    summary, gallery, kanban, calendar, form, record panel, link picker, filter panel."""
    from starlette.testclient import TestClient

    from server.app import create_app
    from tests.ui_helpers import CUSTOMER_FIELDS, UI, sign_in

    base = db.create_base("B")
    orders = base.create_table("订单", [{"name": "单号"}])
    table = base.create_table("客户", CUSTOMER_FIELDS)
    table.add_field("订单", "link", options={"table": orders.id})
    o = orders.create({"单号": "SO-1"})
    rec = table.create({"姓名": "张三", "等级": "VIP", "生日": "2024-03-05", "订单": [o.id]})
    views = Views(table)
    grid = views.list()[0]
    views.update(grid, query={"groups": [{"field": "等级"}]}, config={"summaries": {"消费": "sum"}})
    kinds = [
        views.create("k", "kanban", config={"stack_field": "等级"}),
        views.create("c", "card"),
        views.create("cal", "calendar", config={"date_field": "生日"}),
        views.create("f", "form"),
    ]
    with TestClient(create_app(db)) as client:
        sign_in(client, db)
        ui = UI(client)
        for view in [grid, *kinds]:
            page = ui.page(f"/t/{table.id}/v/{view.id}?d=2024-03-01")
            assert "张三" in page.one("div", id="view-body").text or view.kind == "form"
        assert "张三" in ui.page(f"/t/{table.id}/r/{rec.id}").text
        link = table.field("订单").id
        assert "SO-1" in ui.get(f"/t/{table.id}/link/{link}/options?find=SO").text
        panel = ui.get(f"/t/{table.id}/v/{grid.id}/panel/filter", htmx=True)
        assert panel.status_code == 200
        r = client.post(
            f"/t/{table.id}/paste",
            json={
                "cells": [
                    {"record": None, "row": 0, "field": table.field("姓名").id, "text": "李四"}
                ]
            },
            headers={"HX-Request": "true"},
        )
        assert len(r.json()["created"]) == 1
