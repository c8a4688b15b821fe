"""The toolbar: the filter builder (nested AND/OR groups, operators and values per field type),
sort, group, hidden fields, quick search, shared saved filters, save the view or save as a new
one. Until saved, the toolbar's changes are a draft in the URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from schemas.query import Sort
from server import state
from tests.ui_helpers import parse, view_of, words
from views.api import Views


def names_in(page: Any, table: Any) -> list[str]:
    fid = str(table.field("姓名").id)
    return [
        words(tr.one("td", data_fid=fid).text) for tr in page.all("tr") if "data-rid" in tr.attrs
    ]


def body_of(html: str) -> Any:
    return parse(html).one("div", id="view-body")


def test_filter_builder_adds_a_condition_and_filters_live(ui, customers):
    url = view_of(ui, customers)
    panel_url = url + "/panel/filter"
    opened = parse(ui.get(panel_url, htmx=True).text)
    assert "没有筛选条件" in opened.text
    r = ui.post(panel_url, {"action": "add_cond:", ".conj": "and"})
    builder = parse(r.text)
    cond = builder.one("div", "fcond")
    field_id = cond.one("select", "f-field").one("option", selected="")["value"]
    assert field_id == str(customers.field("姓名").id)
    ops = [o["value"] for o in cond.one("select", "f-op").all("option")]
    assert ops[:2] == ["is_empty", "is_not_empty"] and "contains" in ops
    assert cond.one("select", "f-op").one("option", selected="")["value"] == "is"
    # the incomplete condition filters nothing yet; with a value it does
    form = {
        ".conj": "and",
        "node": ["0:cond"],
        "0.field": field_id,
        "0.op": "contains",
        "0.value": "三",
    }
    r = ui.post(panel_url, form)
    assert names_in(body_of(r.text), customers) == ["张三"]
    toolbar = parse(r.text).one("div", id="toolbar")
    assert words(toolbar.one("button", id="tb-filter").text) == "▽ 筛选 1"
    assert toolbar.one("button", id="save-view")
    pushed = r.headers["HX-Push-Url"]
    draft = state.decode(parse_qs(urlparse(pushed).query)["q"][0])
    assert draft is not None and draft.filter is not None
    assert draft.filter.items[0].value == "三"
    # the pushed URL shows the same thing on its own
    assert names_in(ui.page(pushed), customers) == ["张三"]


def test_nested_groups_and_typed_values(ui, customers):
    url = view_of(ui, customers)
    f = {x.name: str(x.id) for x in customers.fields}
    form = {
        ".conj": "or",
        "node": ["0:cond", "1:group", "1.0:cond", "1.1:cond"],
        "0.field": f["等级"],
        "0.op": "is",
        "0.value": "VIP",
        "1.conj": "and",
        "1.0.field": f["消费"],
        "1.0.op": "between",
        "1.0.value": "5",
        "1.0.value2": "20",
        "1.1.field": f["标签"],
        "1.1.op": "has_none_of",
        "1.1.value": ["新客"],
    }
    r = ui.post(url + "/panel/filter", form)
    assert sorted(names_in(body_of(r.text), customers)) == ["张三", "李四"]
    builder = parse(r.text).one("div", "tp-filter")
    assert [d.get("style") for d in builder.all("div", "frow")][:3] == [
        "--depth: 0",
        "--depth: 0",
        "--depth: 1",
    ]
    # a date condition offers relative days; a checkbox needs no value
    form = {
        ".conj": "and",
        "node": ["0:cond", "1:cond"],
        "0.field": f["生日"],
        "0.op": "is",
        "0.value": "exact",
        "0.date": "2024-03-05",
        "1.field": f["成交"],
        "1.op": "is_checked",
    }
    r = ui.post(url + "/panel/filter", form)
    assert names_in(body_of(r.text), customers) == ["张三"]
    days = parse(r.text).one("select", name="0.value")
    assert [o["value"] for o in days.all("option")][:3] == ["exact", "today", "yesterday"]


def test_a_value_that_does_not_fit_is_said_not_matched(ui, customers):
    url = view_of(ui, customers)
    form = {
        ".conj": "and",
        "node": ["0:cond"],
        "0.field": str(customers.field("消费").id),
        "0.op": ">",
        "0.value": "很多",
    }
    r = ui.post(url + "/panel/filter", form)
    error = parse(r.text).one("div", "body-error")
    assert "需要数字" in words(error.text)


def test_save_the_view_and_save_as_a_new_view(ui, customers):
    url = view_of(ui, customers)
    views = Views(customers)
    view = views.list()[0]
    sort = Sort(field=customers.field("消费").id, direction="desc")
    q = state.encode(view.query.model_copy(update={"sorts": [sort]}))
    r = ui.post(
        f"/t/{customers.id}/views", {"from": str(view.id), "kind": "grid", "q": q}, prompt="高消费"
    )
    new_id = int(r.headers["HX-Redirect"].rsplit("/", 1)[1])
    saved = views.get(new_id)
    assert saved.name == "高消费" and saved.query.sorts[0].direction == "desc"
    assert views.get(view.id).query.sorts == []  # the original is unchanged
    r = ui.post(url + "/save", {"q": q})
    assert r.headers["HX-Redirect"] == url
    assert views.get(view.id).query.sorts[0].direction == "desc"
    assert names_in(ui.page(url), customers) == ["张三", "李四", "王五"]


def test_shared_saved_filters(ui, customers):
    url = view_of(ui, customers)
    form = {
        ".conj": "and",
        "node": ["0:cond"],
        "0.field": str(customers.field("等级").id),
        "0.op": "is",
        "0.value": "VIP",
    }
    r = ui.post(url + "/panel/filter", form)
    q = parse_qs(urlparse(r.headers["HX-Push-Url"]).query)["q"][0]
    r = ui.post(url + "/filter/share", {"q": q}, prompt="贵宾")
    saved = Views(customers).filters()
    assert [s.name for s in saved] == ["贵宾"]
    assert "★ 贵宾" in words(parse(r.text).one("div", "tp-filter").text)
    # another view applies it from the toolbar's menu
    page = ui.page(url)
    button = page.one("button", data_saved=str(saved[0].id))
    r = ui.post(url + "/panel/filter", {"action": button["hx-vals"].split('"')[3]})
    assert names_in(body_of(r.text), customers) == ["张三"]


def test_sort_and_group_panels(ui, customers):
    url = view_of(ui, customers)
    fid = str(customers.field("消费").id)
    r = ui.post(url + "/panel/sort", {"action": "add"})
    assert len(parse(r.text).all("select", name="sort.field")) == 1
    r = ui.post(url + "/panel/sort", {"sort.field": fid, "sort.dir": "desc"})
    assert names_in(body_of(r.text), customers) == ["张三", "李四", "王五"]
    r = ui.post(url + "/panel/sort", {"sort.field": fid, "sort.dir": "asc"})
    assert names_in(body_of(r.text), customers) == ["王五", "李四", "张三"]
    r = ui.post(
        url + "/panel/group", {"group.field": str(customers.field("等级").id), "group.dir": "asc"}
    )
    heads = body_of(r.text).all("tr", "group-head")
    assert len(heads) == 3
    assert words(parse(r.text).one("button", id="tb-group").text) == "☷ 分组 1"


def test_hide_and_order_fields(ui, customers):
    url = view_of(ui, customers)
    f = {x.name: x.id for x in customers.fields}
    order = [f["姓名"], f["邮箱"], *[i for n, i in f.items() if n not in ("姓名", "邮箱")]]
    shown = [i for i in order if i != f["标签"]]
    r = ui.post(
        url + "/panel/fields", {"order": [str(i) for i in order], "shown": [str(i) for i in shown]}
    )
    heads = [words(th.one("span", "fname").text) for th in body_of(r.text).all("th", "colhead")]
    assert heads[:2] == ["姓名", "邮箱"] and "标签" not in heads
    view = Views(customers).list()[0]
    assert view.config.hidden == [f["标签"]]
    assert words(parse(r.text).one("button", id="tb-fields").text) == "◌ 字段 1"


def test_quick_search(ui, customers):
    url = view_of(ui, customers)
    page = ui.page(url + "?s=李")
    assert names_in(page, customers) == ["李四"]
    assert page.one("input", id="s")["value"] == "李"
