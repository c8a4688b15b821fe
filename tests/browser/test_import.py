"""The import wizard in Chromium: from the base menu, upload a workbook of two sheets related by
a key, see the guesses, override a type, keep the offered link, import with the progress bar,
download the report and open the new table."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

import engine
from tests.browser.conftest import Live
from tests.import_helpers import workbook


def test_import_a_workbook_through_the_wizard(
    page: Page, live: Live, base: engine.Base, tmp_path: Path, shots: Path, errors
):
    base.create_table("说明", [{"name": "标题"}])
    customers = [["客户编号", "姓名", "等级"]] + [
        [f"C{i:03d}", f"客户{i}", ["普通", "VIP"][i % 2]] for i in range(1, 9)
    ]
    orders = [["订单号", "客户编号", "金额", "下单日期"]] + [
        [f"SO{i:04d}", f"C{(i % 8) + 1:03d}", 100 + i, f"2024年3月{i}日"] for i in range(1, 21)
    ]
    orders[7][2] = "一百"  # a value the amount field will refuse: kept aside, in the report
    path = workbook(tmp_path / "客户与订单.xlsx", {"客户": customers, "订单": orders})

    page.goto(f"{live.url}/b/{base.id}")
    page.locator("details.crumb summary").click()
    page.get_by_role("link", name="导入 Excel / CSV").click()
    expect(page).to_have_url(f"{live.url}/b/{base.id}/import")
    page.get_by_label("文件（.xlsx、.csv 或 .tsv）").set_input_files(str(path))
    page.get_by_role("button", name="读取并预览").click()
    preview = page.locator("form.import-preview")
    expect(preview).to_be_visible()
    expect(page.locator("fieldset.import-sheet")).to_have_count(2)
    orders_sheet = page.locator('fieldset.import-sheet[data-sheet="订单"]')
    expect(orders_sheet.locator("legend")).to_contain_text("共 20 行 · 表头在第 1 行")
    amount_type = orders_sheet.get_by_label("类型 · 金额")
    expect(amount_type).to_have_value("number")
    expect(orders_sheet.get_by_label("类型 · 下单日期")).to_have_value("date")
    link = orders_sheet.get_by_label("关联到“客户”的数据表")
    expect(link).to_be_checked()
    # override a guess: the amounts as currency rather than plain numbers
    amount_type.select_option("currency")
    page.get_by_label("新数据表 · 订单").fill("订单表")
    page.screenshot(path=str(shots / "import_preview.png"), full_page=True)
    page.get_by_role("button", name="开始导入").click()
    done = page.locator("#import-area.import-done")
    expect(done).to_be_visible(timeout=30_000)
    expect(done.locator("progress")).to_have_attribute("value", "1")
    expect(done.locator('li[data-sheet="订单"]')).to_contain_text("新增 20 条")
    expect(done.locator('li[data-sheet="订单"]')).to_contain_text("1 个值以文本保留")
    expect(done.locator("table.import-report tbody tr")).to_have_count(1)
    expect(done.locator("table.import-report")).to_contain_text("一百")
    page.screenshot(path=str(shots / "import_done.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_role("link", name="下载报告（.xlsx）").click()
    saved = tmp_path / "report.xlsx"
    info.value.save_as(saved)
    rows = list(load_workbook(saved).active.iter_rows(values_only=True))
    assert rows[1][:4] == ("订单", 8, "金额", "一百")

    orders_table = base.table("订单表")
    kinds = {f.name: f.type_name for f in orders_table.fields}
    assert kinds["金额"] == "currency" and kinds["客户编号"] == "link"
    assert kinds["下单日期"] == "date" and kinds["金额 (original)"] == "long_text"
    assert orders_table.count() == 20
    assert base.table("客户").count() == 8
    page.get_by_role("link", name="订单表").click()
    expect(page.locator("#grid tbody tr[data-rid]")).to_have_count(20)
