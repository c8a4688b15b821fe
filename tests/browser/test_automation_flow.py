"""An automation made in the editor ("when an order is created, notify me"), an order created
in the interface, the bell's count going up, and the notification opening the order."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

import engine
from tests.browser.conftest import Live, open_view


def test_notify_me_when_an_order_is_created(page: Page, live: Live, base: engine.Base, shots: Path, errors):
    orders = base.create_table("订单", [{"name": "订单号"}, {"name": "金额", "type": "number"}])
    page.goto(f"{live.url}/b/{base.id}/automations")
    page.get_by_role("link", name="+ 新建自动化流程").click()
    form = page.locator("#automation-form")
    form.locator("input[name=name]").fill("新订单通知我")
    form.locator("select[name=table]").select_option(label="订单")
    form.locator("select[name=kind]").select_option(label="新增记录时")
    # only orders over 100: a condition picked in the filter builder, as in the toolbar
    form.locator("#add-inline-condition").click()
    condition = form.locator("#inline-filter .fcond")
    condition.locator("select.f-field").select_option(label="金额")
    expect(condition.locator("select.f-op")).to_contain_text("大于")
    condition.locator("select.f-op").select_option(label="大于")
    condition.locator("input.f-value").fill("100")
    condition.locator("input.f-value").blur()
    action = form.locator(".action").first
    action.locator("select[name=a0_kind]").select_option(label="发送通知")
    action.get_by_label("Owner").check()
    action.locator("input[name=a0_message]").fill("新订单 {订单号}，金额 {金额}")
    page.screenshot(path=shots / "automations-editor-zh.png", full_page=True)
    form.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/a/\d+$"))
    [flow] = base.automations()
    amount = orders.field("金额").id
    assert flow.enabled and flow.trigger == {
        "kind": "record_created",
        "table": orders.id,
        "filter": {"items": [{"field": amount, "op": ">", "value": "100"}]},
    }
    orders.create({"订单号": "SO-1", "金额": 50})  # under 100: no notification

    open_view(page, live, orders, "card")
    expect(page.locator("#bell-count")).to_have_attribute("data-count", "0")
    page.get_by_role("button", name="+ 添加记录").click()
    panel = page.locator("#panel")
    panel.locator(f'[data-field="{orders.field("订单号").id}"] input').first.fill("SO-888")
    panel.locator(f'[data-field="{orders.field("金额").id}"] input').first.fill("520")
    panel.get_by_role("button", name="创建记录").click()
    expect(panel.locator(".panel-title")).to_have_text("SO-888")
    made = orders.all()[-1]
    page.reload()
    count = page.locator("#bell-count")
    expect(count).to_have_text("1")
    page.locator(".bell-button").click()
    item = page.locator("#bell-list .notification a")
    expect(item).to_have_text("新订单 SO-888，金额 520")
    page.screenshot(path=shots / "automations-zh.png")
    item.click()
    expect(page).to_have_url(re.compile(rf"\?record={made.id}$"))
    expect(page.locator("#panel .panel-title")).to_have_text("SO-888")
    expect(page.locator("#bell-count")).to_have_attribute("data-count", "0")
