"""Card (gallery), kanban, calendar and form views."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tests.ui_helpers import parse, words
from views.api import Views


def make(ui: Any, table: Any, kind: str, **config: Any) -> str:
    views = Views(table)
    view = views.create(kind, kind, config=config or None)
    return f"/t/{table.id}/v/{view.id}"


def stack_titles(page: Any) -> dict[str, list[str]]:
    out = {}
    for stack in page.all("section", "stack"):
        out[stack["data-key"]] = [words(h.text) for h in stack.all("h3", "card-title")]
    return out


def test_kanban_stacks_with_counts_and_cards(ui, customers):
    url = make(ui, customers, "kanban", stack_field="等级")
    page = ui.page(url)
    stacks = page.all("section", "stack")
    assert [s["data-key"] for s in stacks] == ["", "普通", "VIP"]
    assert [words(s.one("span", data_count="").text) for s in stacks] == ["1", "1", "1"]
    assert words(stacks[0].one("header").one("span", "chip").text) == "未分类"
    assert "c-red" in stacks[2].one("header").one("span", "chip").classes
    assert stack_titles(page) == {"": ["王五"], "普通": ["李四"], "VIP": ["张三"]}
    add = stacks[1].one("button", "stack-add")
    assert json.loads(add["hx-vals"]) == {f"set.{customers.field('等级').id}": "普通"}


def test_moving_a_card_between_and_within_stacks(ui, customers):
    url = make(ui, customers, "kanban", stack_field="等级")
    by_name = {r["姓名"]: r.id for r in customers.all()}
    r = ui.post(url + "/move-card", {"record": str(by_name["王五"]), "stack": "VIP"})
    assert r.json()["counts"] == {"": 0, "普通": 1, "VIP": 2}
    assert customers.get(by_name["王五"])["等级"] == "VIP"
    r = ui.post(
        url + "/move-card",
        {"record": str(by_name["王五"]), "stack": "VIP", "before": str(by_name["张三"])},
    )
    assert stack_titles(ui.page(url))["VIP"] == ["王五", "张三"]


def test_collapsing_a_stack_and_adding_a_card(ui, customers):
    url = make(ui, customers, "kanban", stack_field="等级")
    r = ui.post(url + "/stack-toggle", {"key": "普通"})
    assert r.status_code == 204
    page = ui.page(url)
    collapsed = [s["data-key"] for s in page.all("section", "stack") if "collapsed" in s.classes]
    assert collapsed == ["普通"]
    fid = customers.field("等级").id
    r = ui.post(f"/t/{customers.id}/records", {f"set.{fid}": "VIP"})
    # 姓名 is required: the new-record form opens with the stack's value
    form = parse(r.text)
    assert form.one("select", name=f"f{fid}.value").one("option", selected="")["value"] == "VIP"


def test_a_long_stack_loads_more_cards_as_it_scrolls(ui, app_db):
    table = app_db.create_base("B").create_table(
        "T",
        [{"name": "Name"}, {"name": "S", "type": "single_select", "options": {"choices": ["a"]}}],
    )
    table.insert_many([{"Name": f"n{i}", "S": "a"} for i in range(45)])
    url = make(ui, table, "kanban", stack_field="S")
    page = ui.page(url)
    stack = page.one("section", data_key="a")
    assert len(stack.all("article", "card")) == 30
    more = stack.one("div", "more")
    rest = parse(ui.get(more["hx-get"], htmx=True).text)
    assert len(rest.all("article", "card")) == 15 and rest.first("div", "more") is None


def test_gallery_shows_cards_and_covers(ui, customers):
    url = make(ui, customers, "card")
    page = ui.page(url)
    cards = page.all("article", "card")
    assert [words(c.one("h3").text) for c in cards] == ["张三", "李四", "王五"]
    labels = [words(x.text) for x in cards[0].all("span", "card-label")]
    assert labels[:2] == ["等级", "标签"]


def test_calendar_month_and_moving_an_entry(ui, customers):
    url = make(ui, customers, "calendar", date_field="生日")
    page = ui.page(url + "?d=2024-03-01")
    assert words(page.one("h2", "cal-title").text) == "2024年3月"
    day = page.one("div", "cal-day", data_day="2024-03-05")
    assert [words(e.text) for e in day.all("div", "entry")] == ["张三"]
    assert len(page.all("div", "cal-day")) % 7 == 0
    assert [words(d.text) for d in page.all("div", "cal-dow")][:2] == ["一", "二"]
    rec = customers.all()[0]
    r = ui.post(url + "/move-entry", {"record": str(rec.id), "day": "2024-03-12"})
    assert r.json() == {"moved": rec.id, "day": "2024-03-12"}
    assert customers.get(rec.id)["生日"] == dt.date(2024, 3, 12)
    week = ui.page(url + "?d=2024-03-12&mode=week")
    assert len(week.all("div", "cal-day")) == 7
    assert week.one("div", "cal-day", data_day="2024-03-12").one("div", "entry")


def test_calendar_in_english(ui_en, customers):
    url = make(ui_en, customers, "calendar", date_field="生日")
    page = ui_en.page(url + "?d=2024-03-01")
    assert words(page.one("h2", "cal-title").text) == "March 2024"
    assert [words(d.text) for d in page.all("div", "cal-dow")][:2] == ["Mon", "Tue"]


def test_form_page_creates_records_and_reports_each_problem(ui, customers):
    url = make(ui, customers, "form")
    vid = url.rsplit("/", 1)[1]
    public = f"/form/{customers.id}/{vid}"
    page = ui.page(public)
    labels = [words(x.text) for x in page.all("div", "form-label")]
    assert labels[0] == "姓名*" and "消费" in labels
    f = {x.name: x.id for x in customers.fields}
    r = ui.post(public, {f"f{f['消费']}.value": "-3", f"f{f['邮箱']}.value": "not-an-email"})
    assert r.status_code == 422
    form = parse(r.text)
    errors = {
        d["data-field"]: words(d.one("div", "field-error").text)
        for d in form.all("div", "has-error")
    }
    assert errors[str(f["姓名"])] == "此字段为必填项"
    assert str(f["消费"]) in errors and str(f["邮箱"]) in errors
    # what the user typed is still there
    assert form.one("input", name=f"f{f['邮箱']}.value")["value"] == "not-an-email"
    assert customers.count() == 3
    r = ui.post(public, {f"f{f['姓名']}.value": "赵六", f"f{f['等级']}.value": "VIP"})
    assert r.status_code == 200
    assert "提交成功" in words(parse(r.text).one("div", "form-done").text)
    assert customers.count() == 4


def test_form_setup(ui, customers):
    url = make(ui, customers, "form")
    f = {x.name: x.id for x in customers.fields}
    data = {
        "title": "客户登记",
        "field": [str(f["姓名"]), str(f["邮箱"])],
        f"on.{f['姓名']}": "on",
        f"on.{f['邮箱']}": "on",
        f"req.{f['邮箱']}": "on",
    }
    assert ui.post(url + "/form-config", data).status_code == 204
    view = Views(customers).get(int(url.rsplit("/", 1)[1]))
    assert view.config.title == "客户登记"
    assert [(x.field, x.required) for x in view.config.fields] == [
        (f["姓名"], False),
        (f["邮箱"], True),
    ]
    page = ui.page(url)
    assert words(page.one("h1", "form-title").text) == "客户登记"
    assert page.one("a", id="share-link")["href"] == f"/form/{customers.id}/{view.id}"
