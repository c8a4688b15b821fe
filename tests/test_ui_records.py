"""Editing records: the editor of each type, a rejected edit that keeps the user's input beside
the engine's message, checkboxes, paste, batch edit and delete, attachments, links, the record
panel with sub-table rows and history, and the new-record form."""

from __future__ import annotations

import io
import json
from typing import Any

import engine
from tests.ui_helpers import parse, view_of, words
from views.api import Views

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e5278de90000000049454e44ae426082"
)


def ids(table: engine.Table) -> dict[str, int]:
    return {f.name: f.id for f in table.fields}


def test_each_type_opens_its_editor(ui, customers):
    rec = customers.all()[0]
    f = ids(customers)
    base = f"/t/{customers.id}/cell/{rec.id}"

    def editor(name: str) -> Any:
        r = ui.get(f"{base}/{f[name]}/edit", htmx=True)
        assert r.status_code == 200, r.text
        return parse(r.text).one("form", "ed")

    assert editor("姓名").one("input", "ed-input")["value"] == "张三"
    assert editor("消费").one("input", "ed-input")["value"] == "1299.5"
    assert editor("生日").one("input")["type"] == "date"
    select = editor("等级").one("select")
    assert [o.text for o in select.all("option")] == ["—", "普通", "VIP"]
    assert select.one("option", value="VIP").get("selected") is not None
    multi = editor("标签")
    assert [i["value"] for i in multi.all("input") if "checked" in i.attrs] == ["新客", "复购"]
    stars = editor("满意度").all("input", type="radio")
    assert [s["value"] for s in stars if "checked" in s.attrs] == ["4"]
    # typing into a cell starts its editor with that character
    r = ui.get(f"{base}/{f['姓名']}/edit?initial=K", htmx=True)
    assert parse(r.text).one("input", "ed-input")["value"] == "K"


def test_a_rejected_edit_keeps_the_input_and_shows_the_message(ui, customers):
    rec = customers.all()[0]
    url = f"/t/{customers.id}/cell/{rec.id}/{customers.field('消费').id}"
    r = ui.post(url, {"value": "十二块"})
    assert r.status_code == 422
    form = parse(r.text).one("form", "ed")
    assert "has-error" in form.classes
    assert form.one("input", "ed-input")["value"] == "十二块"
    assert words(form.one("div", "cell-error").text) == "'十二块' 不是数字"
    assert customers.get(rec.id)["消费"] == 1299.5  # nothing written
    r = ui.post(url, {"value": "-5"})
    assert r.status_code == 422 and "-5" in r.text  # the rule min 0, in Chinese
    assert "不能小于" in words(parse(r.text).one("div", "cell-error").text) or "最小" in r.text
    r = ui.post(url, {"value": "¥2,000"})
    assert r.status_code == 200
    assert words(parse(r.text).one("div", "cv").text) == "¥2,000.00"
    assert json.loads(r.headers["HX-Trigger"])["recordsChanged"]["records"] == [rec.id]
    assert customers.get(rec.id)["消费"] == 2000


def test_messages_in_english(ui_en, customers):
    rec = customers.all()[0]
    url = f"/t/{customers.id}/cell/{rec.id}/{customers.field('姓名').id}"
    r = ui_en.post(url, {"value": "  "})
    assert r.status_code == 422
    assert words(parse(r.text).one("div", "cell-error").text) == "A value is required"


def test_checkbox_toggles_in_one_click(ui, customers):
    rec = customers.all()[1]
    url = f"/t/{customers.id}/cell/{rec.id}/{customers.field('成交').id}/toggle"
    r = ui.post(url)
    assert parse(r.text).one("button", "cb")["aria-checked"] == "true"
    assert customers.get(rec.id)["成交"] is True


def test_select_multi_select_rating_and_date(ui, customers):
    rec = customers.all()[2]
    f = ids(customers)
    base = f"/t/{customers.id}/cell/{rec.id}"
    ui.post(f"{base}/{f['等级']}", {"value": "VIP"})
    ui.post(f"{base}/{f['标签']}", {"value": ["复购", "新客"]})
    ui.post(f"{base}/{f['满意度']}", {"value": "5"})
    ui.post(f"{base}/{f['生日']}", {"value": "2000-01-31"})
    got = customers.get(rec.id)
    assert (got["等级"], got["标签"], got["满意度"], str(got["生日"])) == (
        "VIP",
        ["复购", "新客"],
        5,
        "2000-01-31",
    )


def test_paste_writes_what_fits_and_keeps_what_does_not(ui, customers):
    recs = customers.all()
    f = ids(customers)
    cells = [
        {"record": recs[0].id, "field": f["姓名"], "text": "张三丰"},
        {"record": recs[0].id, "field": f["消费"], "text": "abc"},
        {"record": recs[1].id, "field": f["姓名"], "text": "李四光"},
        {"record": recs[1].id, "field": f["消费"], "text": "1,500"},
        {"record": None, "row": 2, "field": f["姓名"], "text": "赵六"},
        {"record": None, "row": 2, "field": f["成交"], "text": "TRUE"},
    ]
    r = ui.client.post(
        f"/t/{customers.id}/paste",
        content=json.dumps({"cells": cells}),
        headers={"HX-Request": "true", "Content-Type": "application/json"},
    )
    result = r.json()
    assert sorted(result["written"]) == sorted([recs[0].id, recs[1].id])
    assert len(result["created"]) == 1
    assert [(e["record"], e["text"]) for e in result["errors"]] == [(recs[0].id, "abc")]
    assert result["errors"][0]["message"] == "'abc' 不是数字"
    assert customers.get(recs[0].id)["姓名"] == "张三丰"
    assert customers.get(recs[0].id)["消费"] == 1299.5
    assert customers.get(recs[1].id)["消费"] == 1500
    new = customers.get(result["created"][0])
    assert (new["姓名"], new["成交"]) == ("赵六", True)


def test_batch_edit_and_delete(ui, customers):
    recs = customers.all()
    chosen = [str(recs[0].id), str(recs[1].id)]
    f = ids(customers)
    r = ui.post(
        f"/t/{customers.id}/records/batch", {"record": chosen, "field": f["等级"], "value": "VIP"}
    )
    assert r.status_code == 204
    assert [x["等级"] for x in customers.get_many([recs[0].id, recs[1].id])] == ["VIP", "VIP"]
    editor = parse(ui.get(f"/t/{customers.id}/records/batch-editor?field={f['等级']}").text)
    assert editor.one("select")["name"] == "value"
    r = ui.post(f"/t/{customers.id}/records/delete", {"record": chosen})
    assert json.loads(r.headers["HX-Trigger"])["recordsDeleted"]["records"] == [
        recs[0].id,
        recs[1].id,
    ]
    assert customers.count() == 1


def test_adding_a_row(ui, customers, app_db):
    view = Views(customers).list()[0]
    r = ui.post(f"/t/{customers.id}/records", {"view": view.id, "then": "row", "n": "3"})
    # the table requires a name: a blank row cannot be made, the form opens instead
    assert r.headers["HX-Retarget"] == "#panel"
    form = parse(r.text).one("form", "new-record")
    r = ui.post(f"/t/{customers.id}/new", {f"f{customers.field('消费').id}.value": "-1"})
    assert r.status_code == 422
    errors = {
        e.parent.get("data-field"): words(e.text) for e in parse(r.text).all("div", "field-error")
    }
    assert errors[str(customers.field("姓名").id)] == "此字段为必填项"
    assert str(customers.field("消费").id) in errors
    r = ui.post(f"/t/{customers.id}/new", {f"f{customers.field('姓名').id}.value": "钱七"})
    assert r.status_code == 200 and "钱七" in parse(r.text).one("h2", "panel-title").text
    assert form is not None
    plain = app_db.create_base("B").create_table("Plain", [{"name": "Name"}])
    pv = Views(plain).list()[0]
    r = ui.post(f"/t/{plain.id}/records", {"view": pv.id, "then": "row", "n": "0"})
    row = parse(r.text).one("tr")
    assert row["data-n"] == "1" and "fresh" in row.classes
    assert json.loads(r.headers["HX-Trigger"])["recordCreated"]["record"] == int(row["data-rid"])


def test_attachments_upload_and_show_as_thumbnails(ui, app_db):
    table = app_db.create_base("B").create_table(
        "Files", [{"name": "Name"}, {"name": "Photos", "type": "attachment"}]
    )
    rec = table.create({"Name": "a"})
    fid = table.field("Photos").id
    r = ui.client.post(
        f"/t/{table.id}/cell/{rec.id}/{fid}",
        files={"files": ("dot.png", io.BytesIO(PNG), "image/png")},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200, r.text
    img = parse(r.text).one("img", "thumb")
    assert img["alt"] == "dot.png" and img["src"].startswith("/files/")
    served = ui.get(img["src"])
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["content-type"] == "image/png"
    # the editor lists the file to keep or remove
    editor = parse(ui.get(f"/t/{table.id}/cell/{rec.id}/{fid}/edit", htmx=True).text)
    kept = editor.one("input", name="keep")
    assert json.loads(kept["value"])["name"] == "dot.png"
    r = ui.post(f"/t/{table.id}/cell/{rec.id}/{fid}", {})
    assert table.get(rec.id)["Photos"] in (None, [])


def test_link_picker_searches_the_linked_table(ui, app_db):
    base = app_db.create_base("B")
    orders = base.create_table("Orders", [{"name": "No"}])
    people = base.create_table("People", [{"name": "Name"}])
    people.add_field("Orders", "link", options={"table": orders.id})
    o = orders.create_many([{"No": f"SO-{i}"} for i in range(30)])
    p = people.create({"Name": "A"})
    fid = people.field("Orders").id
    found = parse(ui.get(f"/t/{people.id}/link/{fid}/options?find=SO-2").text)
    titles = [words(b.text) for b in found.all("button", "link-option")]
    assert titles[:2] == ["SO-2", "SO-20"] and len(titles) == 11
    r = ui.post(f"/t/{people.id}/cell/{p.id}/{fid}", {"value": [str(o[2].id), str(o[5].id)]})
    chips = parse(r.text).all("span", "link")
    assert [words(c.text) for c in chips] == ["SO-2", "SO-5"]
    page = ui.page(view_of(ui, people))
    assert "SO-2" in page.one("tr", data_rid=str(p.id)).text


def test_record_panel_shows_every_field_subtable_rows_and_history(ui, app_db):
    base = app_db.create_base("B")
    orders = base.create_table("订单", [{"name": "单号"}])
    items = base.create_table("明细", [{"name": "商品"}, {"name": "数量", "type": "number"}])
    orders.add_field("明细", "link", options={"table": items.id, "role": "children"})
    order = orders.create({"单号": "SO-1"})
    fid = orders.field("明细").id
    r = ui.post(f"/t/{orders.id}/r/{order.id}/children/{fid}")
    assert r.status_code == 200, r.text
    panel = parse(r.text)
    assert words(panel.one("h2", "panel-title").text) == "SO-1"
    sub = panel.one("div", "subtable")
    assert [words(th.text) for th in sub.all("th")] == ["商品", "数量"]
    child_rows = sub.one("tbody").all("tr")
    assert len(child_rows) == 1
    child_id = int(child_rows[0]["data-rid"])
    cell_url = child_rows[0].one("td", data_fid=str(items.field("数量").id))["data-url"]
    assert ui.post(cell_url, {"value": "3"}).status_code == 200
    assert items.get(child_id)["数量"] == 3
    ui.post(f"/t/{orders.id}/cell/{order.id}/{orders.field('单号').id}", {"value": "SO-1b"})
    panel = parse(ui.get(f"/t/{orders.id}/r/{order.id}").text)
    history = [words(li.text) for li in panel.one("ul", "history-list").all("li")]
    assert history[0].startswith("Owner 修改了 单号") and "SO-1 → SO-1b" in history[0]
    assert history[-1].startswith("某人 创建于")  # made through the Python API, by nobody


def test_record_panel_lists_the_newest_linked_records(ui, app_db):
    """A customer's panel is their whole picture: under the link to their orders, the newest
    orders with a few of their fields, each opening in the panel, and how many there are."""
    base = app_db.create_base("B")
    people = base.create_table("客户", [{"name": "姓名"}])
    orders = base.create_table(
        "订单",
        [
            {"name": "单号"},
            {"name": "备注", "type": "long_text"},
            {"name": "金额", "type": "number"},
            {"name": "下单日期", "type": "date"},
        ],
    )
    orders.add_field(
        "客户", "link", options={"table": people.id, "multiple": False, "inverse_name": "订单"}
    )
    a, b = (r.id for r in people.create_many([{"姓名": "王琳"}, {"姓名": "李娜"}]))
    made = orders.create_many(
        [
            {"单号": f"SO-{i:02}", "金额": i, "下单日期": f"2026-01-{i:02}", "客户": [a]}
            for i in range(1, 13)
        ]
        + [{"单号": "SO-B", "金额": 5, "下单日期": "2026-02-01", "客户": [b]}]
    )
    panel = parse(ui.get(f"/t/{people.id}/r/{a}").text)
    listed = panel.one("div", "related")
    assert listed["data-field"] == str(people.field("订单").id)
    heads = [words(th.text) for th in listed.all("th")]
    assert heads == ["单号", "金额", "下单日期"]  # long text and the link back are left out
    rows = listed.one("tbody").all("tr")
    assert [words(r.all("td")[0].text) for r in rows] == [f"SO-{i:02}" for i in range(12, 2, -1)]
    assert rows[0]["hx-get"] == f"/t/{orders.id}/r/{made[11].id}"
    assert words(listed.one("p").text) == "显示最新的 10 条，共 12 条"
    other = parse(ui.get(f"/t/{people.id}/r/{b}").text).one("div", "related")
    assert [words(r.all("td")[0].text) for r in other.one("tbody").all("tr")] == ["SO-B"]
    assert not other.all("p")  # all of them are shown
    # an order's panel has no list for its single customer
    assert not parse(ui.get(f"/t/{orders.id}/r/{made[0].id}").text).all("div", "related")


def test_merging_selected_duplicates(ui, customers):
    """Select duplicates in the grid, pick the one to keep, merge: it fills its gaps from the
    others, which go to the trash and leave the grid."""
    zhang, li, wang = (r.id for r in customers.all())
    page = ui.page(view_of(ui, customers))
    assert page.one("button", id="merge-selected")["hx-post"] == f"/t/{customers.id}/records/merge-preview"
    r = ui.post(f"/t/{customers.id}/records/merge-preview", {"record": [str(li), str(zhang)]})
    assert r.status_code == 200, r.text
    panel = parse(r.text)
    radios = panel.all("input", type="radio")
    assert [x["value"] for x in radios] == [str(li), str(zhang)] and "checked" in radios[0].attrs
    assert "姓名" in [words(th.text) for th in panel.all("th")]
    r = ui.post(f"/t/{customers.id}/records/merge", {"record": [str(li), str(zhang)], "keep": str(li)})
    assert r.status_code == 200, r.text
    assert json.loads(r.headers["HX-Trigger"])["recordsDeleted"]["records"] == [zhang]
    assert words(parse(r.text).one("h2", "panel-title").text) == "李四"
    kept = customers.get(li)
    assert (kept["等级"], kept["邮箱"], kept["标签"]) == ("普通", "zhang@example.com", ["新客", "复购"])
    assert [x.id for x in customers.all()] == [li, wang]
    # one record alone cannot be merged
    r = ui.post(f"/t/{customers.id}/records/merge-preview", {"record": [str(wang)]})
    assert r.status_code == 400 and "2 至 10" in r.text


def test_deleting_from_the_panel(ui, customers):
    rec = customers.all()[0]
    r = ui.post(f"/t/{customers.id}/r/{rec.id}/delete")
    assert json.loads(r.headers["HX-Trigger"])["recordsDeleted"]["records"] == [rec.id]
    assert customers.count() == 2
