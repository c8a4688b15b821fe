"""The dashboard pages: listed beside the tables, widgets loaded one by one, the widget form,
charts' JSON and data tables, and a viewer who sees the numbers but cannot change anything."""

from __future__ import annotations

import json
from typing import Any

import engine
from tests.test_permissions import member
from tests.ui_helpers import UI, parse, sign_in, words


def make_board(ui: UI, table: engine.Table) -> tuple[int, int]:
    base_id = table.schema().base_id
    r = ui.post(f"/b/{base_id}/dashboards", prompt="经营看板")
    assert r.status_code == 204
    board_id = int(r.headers["HX-Redirect"].rsplit("/", 1)[1])
    return base_id, board_id


def add(ui: UI, base_id: int, board_id: int, **form: Any) -> Any:
    return ui.post(f"/b/{base_id}/d/{board_id}/widgets", data=form)


def widget_ids(ui: UI, base_id: int, board_id: int) -> list[str]:
    page = ui.page(f"/b/{base_id}/d/{board_id}")
    return [n["data-widget"] for n in page.all("section", cls="widget")]


def test_a_dashboard_is_listed_beside_the_tables(ui: UI, customers: engine.Table) -> None:
    base_id, board_id = make_board(ui, customers)
    page = ui.page(f"/t/{customers.id}")
    tab = page.one("div", cls="tab-dashboard")
    assert words(tab.text) == "◔ 经营看板"
    assert page.one("a", href=f"/b/{base_id}/d/{board_id}")
    board = ui.page(f"/b/{base_id}/d/{board_id}")
    assert board.one("h1", cls="dash-name").text == "经营看板"
    assert "还没有组件" in board.one("p", cls="dash-empty").text
    assert board.one("button", id="add-widget")


def test_adding_a_chart_and_a_number_through_the_form(ui: UI, customers: engine.Table) -> None:
    base_id, board_id = make_board(ui, customers)
    form = parse(ui.get(f"/b/{base_id}/d/{board_id}/widget-form", htmx=True).text)
    kinds = [o["value"] for o in form.one("select", id="wf-kind").all("option")]
    assert kinds == ["number", "bar", "line", "area", "pie", "pivot"]
    level = customers.field("等级").id
    groups = [o.text for o in form.one("select", id="wf-group_field").all("option")]
    assert "等级" in groups and "标签" not in groups  # a multiple select is not a group
    r = add(
        ui,
        base_id,
        board_id,
        kind="bar",
        table=str(customers.id),
        title="按等级消费",
        group_field=str(level),
        fn="sum",
        value_field=str(customers.field("消费").id),
        width="2",
    )
    assert r.status_code == 204 and r.headers["HX-Refresh"] == "true"
    r = add(ui, base_id, board_id, kind="number", table=str(customers.id), title="客户数")
    assert r.status_code == 204
    ids = widget_ids(ui, base_id, board_id)
    page = ui.page(f"/b/{base_id}/d/{board_id}")
    assert page.one("section", id=f"widget-{ids[0]}").classes >= {"widget", "w2", "k-bar"}
    chart = parse(ui.get(f"/b/{base_id}/d/{board_id}/w/{ids[0]}", htmx=True).text)
    config = json.loads(chart.one("script", cls="chart-config").text)
    assert config["type"] == "bar"
    assert config["data"]["labels"] == ["普通", "VIP", "（空）"]
    assert config["data"]["datasets"][0]["data"] == [10, 1299.5, 0]  # the chart draws no sum as 0
    rows = [[words(c.text) for c in tr.all() if c.tag in ("th", "td")] for tr in chart.all("tr")]
    assert rows[1:] == [["普通", "10"], ["VIP", "1,299.50"], ["（空）", "—"], ["合计", "1,309.50"]]
    assert chart.one("canvas", cls="chart")
    number = parse(ui.get(f"/b/{base_id}/d/{board_id}/w/{ids[1]}", htmx=True).text)
    assert number.one("div", cls="kpi-value").text == "3"


def test_a_widgets_filter_is_built_with_the_filter_builder(ui: UI, customers: engine.Table) -> None:
    """The widget's records are chosen with the toolbar's filter builder, kept when the form is
    redrawn, stored by field id, and shown again when the widget is edited."""
    base_id, board_id = make_board(ui, customers)
    form = parse(ui.get(f"/b/{base_id}/d/{board_id}/widget-form", htmx=True).text)
    builder = form.one("div", id="inline-filter")
    assert builder.one("input", name="filter_table")["value"] == str(customers.id)
    spent = str(customers.field("消费").id)
    chosen = {"filter_table": str(customers.id), ".conj": "and", "node": "0:cond",
              "0.field": spent, "0.op": ">", "0.value": "100"}  # fmt: skip
    redrawn = parse(ui.get(f"/b/{base_id}/d/{board_id}/widget-form", htmx=True,
                           params={"kind": "number", "table": str(customers.id), **chosen}).text)  # fmt: skip
    assert redrawn.one("input", name="0.value")["value"] == "100"  # kept across the redraw
    r = add(ui, base_id, board_id, kind="number", table=str(customers.id), title="大客户", **chosen)
    assert r.status_code == 204, r.text
    [wid] = widget_ids(ui, base_id, board_id)
    number = parse(ui.get(f"/b/{base_id}/d/{board_id}/w/{wid}", htmx=True).text)
    assert number.one("div", cls="kpi-value").text == "1"  # 张三 only: 1,299.50
    edit = parse(ui.get(f"/b/{base_id}/d/{board_id}/widget-form?widget={wid}", htmx=True).text)
    assert edit.one("select", name="0.field").one("option", selected="")["value"] == spent


def test_a_bad_widget_shows_the_form_again_with_the_reason(ui: UI, customers: engine.Table) -> None:
    base_id, board_id = make_board(ui, customers)
    r = add(
        ui,
        base_id,
        board_id,
        kind="bar",
        table=str(customers.id),
        group_field=str(customers.field("等级").id),
        group_edges="18, 25",
    )
    assert r.status_code == 400
    error = parse(r.text).one("div", cls="form-error").text
    assert "数字字段" in error
    assert widget_ids(ui, base_id, board_id) == []


def test_edit_move_and_remove_a_widget(ui: UI, customers: engine.Table) -> None:
    base_id, board_id = make_board(ui, customers)
    for title in ("一", "二"):
        add(ui, base_id, board_id, kind="number", table=str(customers.id), title=title)
    first, second = widget_ids(ui, base_id, board_id)
    form = parse(ui.get(f"/b/{base_id}/d/{board_id}/widget-form?widget={first}", htmx=True).text)
    assert form.one("input", id="wf-title")["value"] == "一"
    r = ui.post(
        f"/b/{base_id}/d/{board_id}/w/{first}",
        data={"kind": "number", "table": str(customers.id), "title": "一改", "width": "3"},
    )
    assert r.status_code == 204
    ui.post(f"/b/{base_id}/d/{board_id}/w/{first}/move", data={"step": "1"})
    assert widget_ids(ui, base_id, board_id) == [second, first]
    r = ui.post(f"/b/{base_id}/d/{board_id}/widgets/order", data={"widget": [first, second]})
    assert r.status_code == 204
    assert widget_ids(ui, base_id, board_id) == [first, second]  # dragged back
    bad = ui.post(f"/b/{base_id}/d/{board_id}/widgets/order", data={"widget": [first]})
    assert bad.status_code == 400
    page = ui.page(f"/b/{base_id}/d/{board_id}")
    assert page.one("div", cls="dash-grid")["data-order-url"].endswith("/widgets/order")
    ui.post(f"/b/{base_id}/d/{board_id}/w/{second}/remove")
    assert widget_ids(ui, base_id, board_id) == [first]
    page = ui.page(f"/b/{base_id}/d/{board_id}")
    assert "w3" in page.one("section", cls="widget").classes


def test_a_viewer_sees_the_numbers_but_changes_nothing(
    ui: UI, customers: engine.Table, app_db: engine.Database
) -> None:
    base_id, board_id = make_board(ui, customers)
    add(ui, base_id, board_id, kind="number", table=str(customers.id), title="客户数")
    (wid,) = widget_ids(ui, base_id, board_id)
    viewer = app_db.create_user("viewer@example.com", "Viewer")
    member(app_db, app_db.base(base_id), viewer, "viewer")
    sign_in(ui.client, app_db, "viewer@example.com", admin=False)
    page = ui.page(f"/b/{base_id}/d/{board_id}")
    assert page.first("button", id="add-widget") is None
    assert page.first("button", id="add-dashboard") is None
    assert page.one("div", cls="dash-grid").get("data-order-url") is None
    shown = parse(ui.get(f"/b/{base_id}/d/{board_id}/w/{wid}", htmx=True).text)
    assert shown.one("div", cls="kpi-value").text == "3"
    assert shown.first("button", cls="edit-widget") is None
    r = add(ui, base_id, board_id, kind="number", table=str(customers.id))
    assert r.status_code == 403
    assert ui.post(f"/b/{base_id}/d/{board_id}/w/{wid}/remove").status_code == 403
