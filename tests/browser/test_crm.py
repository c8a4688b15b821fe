"""The CRM's seed use cases in real Chromium, in Chinese: a sales rep registers a customer
through the form and finds them among their own; a customer's panel shows their newest orders
and opens one; two profiles of one person are found among the possible duplicates and merged."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import engine
from tests.browser.conftest import Live
from views.api import Views
from views.presets import ApplyResult, apply_preset


@pytest.fixture(scope="module")
def crm(live: Live) -> ApplyResult:
    return apply_preset(live.db, "crm", demo_rows=60, base_name="CRM 场景")


def view_url(live: Live, table: engine.Table, name: str) -> str:
    return f"{live.url}/t/{table.id}/v/{Views(table).get(name).id}"


def test_a_sales_rep_registers_a_customer(
    page: Page, live: Live, crm: ApplyResult, shots: Path, errors: list[str]
) -> None:
    customers = crm.base.table("客户")
    page.context.clear_cookies()
    rep = live.sign_in(page.context, "sales@tessera-demo.example")
    page.goto(view_url(live, customers, "新客户登记"))
    for name, value in (("姓名", "赵小满"), ("手机", "13912345678")):
        page.locator(f'[name="f{customers.field(name).id}.value"]').fill(value)
    page.locator("#view-body button[type=submit]").last.click()
    expect(page.get_by_text("已保存，谢谢！")).to_be_visible()
    page.goto(view_url(live, customers, "我负责的客户") + "?s=赵小满")
    expect(page.locator("#grid tbody tr[data-rid]")).to_have_count(1)
    made = next(r for r in customers.all(limit=1000) if r["姓名"] == "赵小满")
    assert (made["负责人"], made["审核状态"]) == (rep, "待审核")
    page.screenshot(path=shots / "crm-sales-new-customer.png")


def test_a_customers_panel_shows_their_orders(
    page: Page, live: Live, crm: ApplyResult, shots: Path, errors: list[str]
) -> None:
    customers, orders = crm.base.table("客户"), crm.base.table("订单")
    busiest = max(customers.all(limit=1000), key=lambda r: len(r["订单"] or []))
    page.goto(view_url(live, customers, "全部客户"))
    page.evaluate(f"htmx.ajax('GET', '/t/{customers.id}/r/{busiest.id}', {{target: '#panel'}})")
    listed = page.locator(f'.related[data-field="{customers.field("订单").id}"] tbody tr')
    expect(listed).to_have_count(min(10, len(busiest["订单"])))
    page.screenshot(path=shots / "crm-customer-panel.png")
    listed.first.click()
    expect(page.locator("#panel .panel-inner")).to_have_attribute("data-table", str(orders.id))


def test_duplicates_are_found_and_merged(
    page: Page, live: Live, crm: ApplyResult, shots: Path, errors: list[str]
) -> None:
    customers = crm.base.table("客户")
    address = "上海市浦东新区世纪大道100号1栋101室"
    first, second = customers.create_many(
        [
            {"姓名": "孙悦", "手机": "13700000001", "详细地址": address, "邮箱": "sy@example.com"},
            {"姓名": "孙悦", "手机": "13700000002", "详细地址": address + " "},
        ]
    )
    page.goto(view_url(live, customers, "疑似重复客户"))
    for rid in (first.id, second.id):
        row = page.locator(f'#grid tbody tr[data-rid="{rid}"]')
        row.hover()
        row.locator(".rowcheck").check()
    page.locator("#merge-selected").click()
    expect(page.locator(".merge-panel input[type=radio]")).to_have_count(2)
    page.screenshot(path=shots / "crm-merge.png")
    page.locator("#merge-confirm").click()
    expect(page.locator("#panel .panel-title")).to_have_text("孙悦")
    expect(page.locator(f'#grid tbody tr[data-rid="{second.id}"]')).to_have_count(0)
    expect(page.locator(f'#grid tbody tr[data-rid="{first.id}"]')).to_have_count(0)  # no twin now
    assert second.id in {r.id for r in customers.all(limit=1000, trashed=True)}
    assert customers.get(first.id)["邮箱"] == "sy@example.com"
