"""The CRM's dashboard in real Chromium, in Chinese: every widget loads, the charts are drawn,
no script errors; widgets are dragged into another order and added through the form; on a phone
the widgets stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import Live
from views.presets import apply_preset


def test_the_crm_dashboard(page: Page, live: Live, shots: Path, errors: list[str]) -> None:
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    result = apply_preset(live.db, "crm", demo_rows=120, base_name="CRM 仪表盘")
    base = result.base
    board = base.dashboards.get("客户经营看板")
    charts = sum(1 for w in board.widgets if w.kind in ("bar", "line", "area", "pie"))
    page.goto(f"{live.url}/b/{base.id}/d/{board.id}")
    expect(page.locator(".tab-dashboard.active")).to_contain_text("客户经营看板")
    expect(page.locator(".dash-name")).to_have_text("客户经营看板")
    expect(page.locator(".widget")).to_have_count(len(board.widgets))
    kpis = sum(1 for w in board.widgets if w.kind == "number")
    expect(page.locator(".kpi-value")).to_have_count(kpis)
    expect(page.locator("canvas.chart[data-drawn='1']")).to_have_count(charts)
    expect(page.locator(".widget.k-pivot table.data-table")).to_be_visible()
    expect(page.locator(".widget-error")).to_have_count(0)
    first = page.locator(".widget").first
    expect(first.locator(".kpi-value")).to_have_text("120")
    page.set_viewport_size({"width": 1280, "height": 2000})  # the whole dashboard in one picture
    page.wait_for_timeout(300)  # Chart.js redraws on resize
    page.screenshot(path=shots / "dashboard-zh.png")
    page.set_viewport_size({"width": 1280, "height": 800})

    # drag the second widget before the first
    titles = page.locator(".widget .widget-title")
    names = [w.title for w in board.widgets]
    expect(titles.nth(0)).to_have_text(names[0])
    box = page.locator(".widget").nth(1).locator(".widget-title").bounding_box()
    dest = page.locator(".widget").nth(0).bounding_box()
    assert box is not None and dest is not None
    page.mouse.move(box["x"] + 10, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(dest["x"] + dest["width"] / 2, dest["y"] + dest["height"] / 2, steps=12)
    page.mouse.move(dest["x"] + 20, dest["y"] + dest["height"] / 2, steps=6)
    page.mouse.up()
    expect(titles.nth(0)).to_have_text(names[1])
    for _ in range(50):  # the new order is saved in the background
        if base.dashboards.get(board.id).widgets[0].title == names[1]:
            break
        page.wait_for_timeout(100)
    assert [w.title for w in base.dashboards.get(board.id).widgets[:2]] == names[1::-1]

    # each chart has its numbers behind a toggle
    bars = page.locator(".widget.k-bar").first
    expect(bars.locator(".data-table")).to_be_hidden()
    bars.locator(".widget-data summary").click()
    expect(bars.locator(".data-table tbody tr")).to_have_count(6)  # five age groups and no birthday

    # add a widget: orders by channel, as a pie
    page.locator("#add-widget").click()
    form = page.locator("#widget-form")
    expect(form).to_be_visible()
    page.locator("#wf-kind").select_option("pie")
    expect(page.locator("#wf-donut")).to_have_count(0)
    expect(form.locator("input[name='donut']")).to_have_count(1)
    page.locator("#wf-table").select_option(label="订单")
    expect(page.locator("#wf-group_field option", has_text="下单渠道")).to_have_count(1)
    page.locator("#wf-group_field").select_option(label="下单渠道")
    page.locator("#wf-title").fill("订单渠道分布")
    page.locator("#wf-save").click()
    expect(page.locator(".widget")).to_have_count(len(board.widgets) + 1)
    added = page.locator(".widget").last
    expect(added.locator(".widget-title")).to_have_text("订单渠道分布")
    expect(added.locator("canvas.chart[data-drawn='1']")).to_have_count(1)
    assert base.dashboards.get(board.id).widgets[-1].title == "订单渠道分布"
    page.evaluate(
        "() => document.querySelectorAll('canvas.chart').forEach(c => c.dataset.old = '1')"
    )
    page.locator("#dash-refresh").click()  # every widget loads again and is drawn again
    expect(page.locator("canvas.chart[data-old]")).to_have_count(0)
    expect(page.locator("canvas.chart[data-drawn='1']")).to_have_count(charts + 1)

    # on a phone the widgets stack in one column
    page.set_viewport_size({"width": 390, "height": 844})
    boxes: list[Any] = [page.locator(".widget").nth(i).bounding_box() for i in range(3)]
    assert boxes[0]["x"] == boxes[1]["x"] == boxes[2]["x"]
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    page.screenshot(path=shots / "dashboard-phone-zh.png")
    assert console == []
