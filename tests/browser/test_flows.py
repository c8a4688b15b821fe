"""What a person does, in real Chromium: make a table and its fields, edit a cell (a rejected
value, then a fix), move around the grid with the keyboard, filter and save a view, drag a kanban
card, submit a form, paste a block of cells, switch language."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

import engine
from tests.browser.conftest import Live, grid_cell, open_view
from views.api import Views


def test_create_a_table_and_its_fields(
    page: Page, live: Live, base: engine.Base, shots: Path, errors
):
    page.goto(f"{live.url}/b/{base.id}")
    page.once("dialog", lambda d: d.accept("客户"))
    page.get_by_role("button", name="+ 数据表").first.click()
    expect(page.locator(".tab.active a")).to_have_text("客户")
    expect(page.locator("th.colhead .fname")).to_have_text(["名称"])
    # a single select field with two options
    page.locator(".add-field").click()
    page.locator("#field-name").fill("等级")
    page.locator("#field-type").select_option("single_select")
    names = page.locator("input[name='choice.name']")
    page.locator("#add-choice").click()
    expect(names).to_have_count(1)
    page.locator("#add-choice").click()
    expect(names).to_have_count(2)
    names.nth(0).fill("普通")
    names.nth(1).fill("VIP")
    page.locator("select[name='choice.color']").nth(1).select_option("red")
    page.locator("#field-save").click()
    expect(page.locator("th.colhead .fname")).to_have_text(["名称", "等级"])
    # a currency field that may not be negative
    page.locator(".add-field").click()
    page.locator("#field-name").fill("消费")
    page.locator("#field-type").select_option("currency")
    page.locator("input[name='rule.min']").fill("0")
    page.screenshot(path=shots / "field-editor.png")
    page.locator("#field-save").click()
    expect(page.locator("th.colhead .fname")).to_have_text(["名称", "等级", "消费"])
    table = base.table("客户")
    assert [f.type.name for f in table.fields] == ["text", "single_select", "currency"]
    assert table.field("消费").rules.min == 0
    assert [c.color for c in table.field("等级").type.options.choices] == ["blue", "red"]


def test_edit_a_cell_with_a_validation_error_then_a_fix(
    page: Page, live: Live, base: engine.Base, shots: Path, errors
):
    table = base.create_table(
        "客户", [{"name": "姓名"}, {"name": "消费", "type": "currency", "rules": {"min": 0}}]
    )
    rec = table.create({"姓名": "张三", "消费": 10})
    money = table.field("消费").id
    open_view(page, live, table)
    cell = grid_cell(page, rec.id, money)
    cell.click()
    expect(cell).to_have_class("cell k-currency num active")
    page.keyboard.press("Enter")
    editor = cell.locator("input.ed-input")
    expect(editor).to_be_focused()
    editor.fill("十块")
    page.keyboard.press("Enter")
    expect(cell.locator(".cell-error")).to_have_text("'十块' 不是数字")
    expect(editor).to_have_value("十块")  # the user's input is kept
    page.screenshot(path=shots / "cell-validation-error.png")
    editor.fill("-3")
    page.keyboard.press("Enter")
    expect(cell.locator(".cell-error")).to_contain_text("0")
    editor.fill("1,299.5")
    page.keyboard.press("Enter")
    expect(cell.locator(".cv")).to_have_text("¥1,299.50")
    assert table.get(rec.id)["消费"] == 1299.5


def test_keyboard_navigation(page: Page, live: Live, base: engine.Base, errors):
    table = base.create_table("T", [{"name": "A"}, {"name": "B"}])
    recs = table.create_many([{"A": "a1", "B": "b1"}, {"A": "a2", "B": "b2"}])
    a, b = table.field("A").id, table.field("B").id
    open_view(page, live, table)
    grid_cell(page, recs[0].id, a).click()
    page.keyboard.press("ArrowRight")
    expect(grid_cell(page, recs[0].id, b)).to_have_class("cell k-text active")
    page.keyboard.press("ArrowDown")
    expect(grid_cell(page, recs[1].id, b)).to_have_class("cell k-text active")
    # typing starts an edit; Escape puts the value back
    page.keyboard.type("x")
    editor = grid_cell(page, recs[1].id, b).locator("input.ed-input")
    expect(editor).to_have_value("x")
    page.keyboard.press("Escape")
    expect(grid_cell(page, recs[1].id, b).locator(".cv")).to_have_text("b2")
    # Tab saves and moves on
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    editor = grid_cell(page, recs[1].id, a).locator("input.ed-input")
    editor.fill("a2!")
    page.keyboard.press("Tab")
    expect(grid_cell(page, recs[1].id, a).locator(".cv")).to_have_text("a2!")
    expect(grid_cell(page, recs[1].id, b)).to_have_class("cell k-text active")
    assert table.get(recs[1].id)["A"] == "a2!"


def test_filter_and_save_a_view(page: Page, live: Live, base: engine.Base, shots: Path, errors):
    table = base.create_table(
        "客户",
        [
            {"name": "姓名"},
            {"name": "等级", "type": "single_select", "options": {"choices": ["普通", "VIP"]}},
        ],
    )
    table.create_many(
        [{"姓名": "张三", "等级": "VIP"}, {"姓名": "李四", "等级": "普通"}, {"姓名": "王五"}]
    )
    open_view(page, live, table)
    expect(page.locator("#grid tbody tr[data-rid]")).to_have_count(3)
    page.locator("#tb-filter").click()
    page.locator("#add-condition").click()
    cond = page.locator(".fcond").first
    cond.locator("select.f-field").select_option(label="等级")
    expect(cond.locator("select.f-op")).to_have_value("is")
    cond.locator("select[name='0.value']").select_option("VIP")
    expect(page.locator("#grid tbody tr[data-rid]")).to_have_count(1)
    expect(page.locator("#tb-filter")).to_contain_text("1")
    page.screenshot(path=shots / "filter-builder.png")
    page.once("dialog", lambda d: d.accept("贵宾客户"))
    page.locator("#save-as-view").click()
    expect(page.locator(".view-item.active .vname")).to_have_text("贵宾客户")
    expect(page.locator("#grid tbody tr[data-rid]")).to_have_count(1)
    page.reload()
    expect(page.locator("#grid tbody tr[data-rid] td.cell").first).to_have_text("张三")
    saved = Views(table).get("贵宾客户")
    assert saved.query.filter is not None
    # the original view is as it was
    page.locator(".view-item .vname", has_text="表格视图").click()
    expect(page.locator("#grid tbody tr[data-rid]")).to_have_count(3)


def test_drag_a_kanban_card(page: Page, live: Live, base: engine.Base, shots: Path, errors):
    table = base.create_table(
        "任务",
        [
            {"name": "标题"},
            {
                "name": "状态",
                "type": "single_select",
                "options": {"choices": ["待办", "进行中", "完成"]},
            },
        ],
    )
    recs = table.create_many(
        [
            {"标题": "写文档", "状态": "待办"},
            {"标题": "修缺陷", "状态": "待办"},
            {"标题": "发布", "状态": "完成"},
        ]
    )
    open_view(page, live, table, "kanban", stack_field="状态")
    card = page.locator(f'.card[data-rid="{recs[1].id}"]')
    target = page.locator('.stack[data-key="进行中"] .cards')
    expect(card).to_be_visible()
    box, dest = card.bounding_box(), target.bounding_box()
    assert box and dest
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(dest["x"] + 40, dest["y"] + 20, steps=12)
    page.mouse.move(dest["x"] + 60, dest["y"] + 30, steps=6)
    page.mouse.up()
    expect(page.locator('.stack[data-key="进行中"] [data-count]')).to_have_text("1")
    expect(page.locator('.stack[data-key="待办"] [data-count]')).to_have_text("1")
    assert table.get(recs[1].id)["状态"] == "进行中"
    page.screenshot(path=shots / "kanban.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.screenshot(path=shots / "kanban-phone.png")


def test_submit_a_form(page: Page, live: Live, base: engine.Base, shots: Path, errors):
    table = base.create_table(
        "报名",
        [
            {"name": "姓名", "rules": {"required": True}},
            {"name": "邮箱", "type": "email"},
            {"name": "人数", "type": "number", "rules": {"min": 1, "max": 5}},
        ],
    )
    form = Views(table).create("报名表", "form", config={"title": "活动报名"})
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live.url}/form/{table.id}/{form.id}")
    expect(page.locator("h1.form-title")).to_have_text("活动报名")
    f = {x.name: x.id for x in table.fields}
    page.locator(f"input[name='f{f['邮箱']}.value']").fill("不是邮箱")
    page.locator(f"input[name='f{f['人数']}.value']").fill("9")
    page.get_by_role("button", name="提交").click()
    expect(page.locator(f"[data-field='{f['姓名']}'] .field-error")).to_have_text("此字段为必填项")
    expect(page.locator(f"[data-field='{f['人数']}'] .field-error")).to_be_visible()
    expect(page.locator(f"[data-field='{f['邮箱']}'] .field-error")).to_be_visible()
    expect(page.locator(f"input[name='f{f['邮箱']}.value']")).to_have_value("不是邮箱")
    page.screenshot(path=shots / "form-errors-phone.png", full_page=True)
    assert table.count() == 0
    page.locator(f"input[name='f{f['姓名']}.value']").fill("张三")
    page.locator(f"input[name='f{f['邮箱']}.value']").fill("zhang@example.com")
    page.locator(f"input[name='f{f['人数']}.value']").fill("2")
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".form-done")).to_contain_text("提交成功")
    assert [(r["姓名"], r["人数"]) for r in table.all()] == [("张三", 2)]


def test_paste_a_block_from_the_clipboard(
    page: Page, live: Live, base: engine.Base, shots: Path, errors
):
    table = base.create_table(
        "客户",
        [
            {"name": "姓名"},
            {"name": "消费", "type": "number"},
            {"name": "成交", "type": "checkbox"},
        ],
    )
    recs = table.create_many([{"姓名": "a"}, {"姓名": "b"}])
    f = {x.name: x.id for x in table.fields}
    open_view(page, live, table)
    grid_cell(page, recs[0].id, f["姓名"]).click()
    # a block as Excel puts it on the clipboard: tab-separated, a quoted cell with a line break,
    # one row more than the grid has (it becomes a new record)
    block = '张三\t1299\tTRUE\r\n李四\t十二\tFALSE\r\n"王\n五"\t7\tTRUE\r\n'
    page.evaluate("text => navigator.clipboard.writeText(text)", block)
    page.keyboard.press("Control+V")
    expect(grid_cell(page, recs[0].id, f["消费"]).locator(".cv")).to_have_text("1,299")
    bad = grid_cell(page, recs[1].id, f["消费"])
    expect(bad).to_have_class("cell k-number num error pending")
    expect(bad).to_have_attribute("title", "'十二' 不是数字")
    expect(bad.locator(".cv")).to_have_text("十二")  # the pasted text stays, to be fixed
    expect(page.locator(".toast.error")).to_contain_text("不是数字")
    expect(page.locator("#grid tbody tr[data-rid]")).to_have_count(3)
    expect(page.locator("#grid .foot-count")).to_have_text("3 条记录")
    page.screenshot(path=shots / "paste.png")
    rows = [(r["姓名"], r["消费"], r["成交"]) for r in table.all()]
    assert rows == [("张三", 1299, True), ("李四", None, False), ("王 五", 7, True)]
    # copying a range gives Excel the same shape back
    grid_cell(page, recs[0].id, f["姓名"]).click()
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Control+C")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == "张三\t1299"
    # the refused cell opens with the pasted text to correct
    bad.click()
    page.keyboard.press("Enter")
    editor = bad.locator("input.ed-input")
    expect(editor).to_have_value("十二")
    editor.fill("12")
    page.keyboard.press("Enter")
    expect(bad.locator(".cv")).to_have_text("12")
    assert table.get(recs[1].id)["消费"] == 12


def test_switch_language(page: Page, live: Live, base: engine.Base, shots: Path, errors):
    table = base.create_table(
        "客户",
        [{"name": "姓名"}, {"name": "生日", "type": "date", "options": {"date_format": "local"}}],
    )
    table.create({"姓名": "张三", "生日": "2024-03-05"})
    open_view(page, live, table)
    expect(page.locator("#tb-filter")).to_contain_text("筛选")
    expect(page.locator("#grid tbody td.k-date").first).to_have_text("2024/03/05")
    page.screenshot(path=shots / "grid-zh.png")
    page.locator(".lang select").first.select_option("en")
    expect(page.locator("#tb-filter")).to_contain_text("Filter")
    expect(page.locator("#grid tbody td.k-date").first).to_have_text("Mar 5, 2024")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    expect(page.locator(".foot-count")).to_have_text("1 record")
    page.screenshot(path=shots / "grid-en.png")
    page.locator(".lang select").first.select_option("zh-CN")
    expect(page.locator("#tb-filter")).to_contain_text("筛选")
