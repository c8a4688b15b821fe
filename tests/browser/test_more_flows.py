"""More of what a person does: select rows and edit or delete them together, edit a record in
its panel (a link picked by search), resize a column, drag a calendar entry to another day, and
look at the gallery on a phone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from playwright.sync_api import Page, expect

import engine
from tests.browser.conftest import Live, grid_cell, open_view
from views.api import Views


def test_select_rows_then_batch_edit_and_delete(page: Page, live: Live, base: engine.Base, errors):
    table = base.create_table(
        "客户",
        [
            {"name": "姓名"},
            {"name": "等级", "type": "single_select", "options": {"choices": ["普通", "VIP"]}},
        ],
    )
    recs = table.create_many([{"姓名": n} for n in ("甲", "乙", "丙")])
    open_view(page, live, table)
    for rec in recs[:2]:
        row = page.locator(f'#grid tr[data-rid="{rec.id}"]')
        row.hover()
        row.locator(".rowcheck").check()
    bar = page.locator("#selection-bar")
    expect(bar).to_be_visible()
    expect(bar.locator(".sel-count")).to_have_text("已选 2 条")
    bar.locator("select[name=field]").select_option(label="等级")
    bar.locator(".batch-value select[name=value]").select_option("VIP")
    bar.get_by_role("button", name="应用到所选").click()
    level = table.field("等级").id
    expect(grid_cell(page, recs[1].id, level).locator(".chip")).to_have_text("VIP")
    assert [r["等级"] for r in table.all()] == ["VIP", "VIP", None]
    expect(page.locator("#grid .rowcheck:checked")).to_have_count(2)
    page.once("dialog", lambda d: d.accept())
    bar.get_by_role("button", name="删除所选").click()
    expect(page.locator("#grid tbody tr[data-rid]")).to_have_count(1)
    expect(page.locator("#grid .foot-count")).to_have_text("1 条记录")
    expect(bar).to_be_hidden()
    assert [r["姓名"] for r in table.all()] == ["丙"]


def test_edit_a_record_in_its_panel(page: Page, live: Live, base: engine.Base, shots: Path, errors):
    orders = base.create_table("订单", [{"name": "单号"}])
    orders.create_many([{"单号": f"SO-{i:03d}"} for i in range(1, 40)])
    people = base.create_table("客户", [{"name": "姓名"}, {"name": "备注", "type": "long_text"}])
    people.add_field("订单", "link", options={"table": orders.id})
    rec = people.create({"姓名": "张三"})
    open_view(page, live, people)
    row = page.locator(f'#grid tr[data-rid="{rec.id}"]')
    row.hover()
    row.locator(".expand").click()
    panel = page.locator("#panel")
    expect(panel.locator(".panel-title")).to_have_text("张三")
    link = panel.locator(f'.pf[data-fid="{people.field("订单").id}"]')
    link.click()
    link.locator(".link-search").fill("SO-02")
    option = link.locator(".link-option", has_text="SO-025")
    option.click()
    expect(link.locator(".link-chosen .chip")).to_have_text(["SO-025×"])
    page.screenshot(path=shots / "record-panel-link.png")
    link.get_by_role("button", name="完成").click()
    expect(link.locator(".cv .chip")).to_have_text("SO-025")
    # the grid row follows the panel
    cell = grid_cell(page, rec.id, people.field("订单").id)
    expect(cell.locator(".chip")).to_have_text("SO-025")
    assert [x["title"] for x in people.get(rec.id)["订单"]] == ["SO-025"]


def test_resize_a_column(page: Page, live: Live, base: engine.Base, errors):
    table = base.create_table("T", [{"name": "A"}, {"name": "B"}])
    table.create({"A": "a", "B": "b"})
    open_view(page, live, table)
    b = table.field("B").id
    handle = page.locator(f'th.colhead[data-fid="{b}"] .rz')
    box = handle.bounding_box()
    assert box
    page.mouse.move(box["x"] + 2, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 10, steps=8)
    page.mouse.up()
    view = Views(table).list()[0]
    for _ in range(50):  # the width is saved in the background
        view = Views(table).get(view.id)
        if view.config.widths.get(b):
            break
        page.wait_for_timeout(100)
    assert 280 <= view.config.widths[b] <= 320
    page.reload()
    col = page.locator(f'#grid col[data-fid="{b}"]')
    expect(col).to_have_attribute("style", f"width: {view.config.widths[b]}px")


def test_drag_a_calendar_entry(page: Page, live: Live, base: engine.Base, shots: Path, errors):
    table = base.create_table("活动", [{"name": "名称"}, {"name": "日期", "type": "date"}])
    rec = table.create({"名称": "发布会", "日期": "2024-05-08"})
    url = open_view(page, live, table, "calendar", date_field="日期")
    page.goto(url + "?d=2024-05-01")
    entry = page.locator(f'.entry[data-rid="{rec.id}"]')
    target = page.locator('.cal-entries[data-day="2024-05-16"]')
    box, dest = entry.bounding_box(), target.bounding_box()
    assert box and dest
    page.mouse.move(box["x"] + 10, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(dest["x"] + 20, dest["y"] + 10, steps=12)
    page.mouse.move(dest["x"] + 24, dest["y"] + 12, steps=4)
    page.mouse.up()
    for _ in range(50):
        if table.get(rec.id)["日期"] == dt.date(2024, 5, 16):
            break
        page.wait_for_timeout(100)
    assert table.get(rec.id)["日期"] == dt.date(2024, 5, 16)
    page.reload()
    expect(page.locator('.cal-day[data-day="2024-05-16"] .entry')).to_have_text("发布会")
    page.screenshot(path=shots / "calendar.png")


def test_gallery_and_form_view_on_a_phone(
    page: Page, live: Live, base: engine.Base, shots: Path, errors
):
    table = base.create_table(
        "客户",
        [
            {"name": "姓名", "rules": {"required": True}},
            {"name": "等级", "type": "single_select", "options": {"choices": ["普通", "VIP"]}},
            {"name": "消费", "type": "currency"},
        ],
    )
    table.create_many([{"姓名": f"客户{i}", "等级": "VIP", "消费": i * 100} for i in range(6)])
    page.set_viewport_size({"width": 390, "height": 844})
    open_view(page, live, table, "card")
    expect(page.locator(".card")).to_have_count(6)
    page.screenshot(path=shots / "gallery-phone.png")
    open_view(page, live, table, "form")
    expect(page.locator(".form-card h1")).to_be_visible()
    page.screenshot(path=shots / "form-view-phone.png", full_page=True)
