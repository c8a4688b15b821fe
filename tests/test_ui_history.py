"""The interface of history: the record panel's changes, undo and redo from the toolbar, the
trash page with restore and delete for good, and the audit log page with its export."""

from __future__ import annotations

import csv
import io

from tests.ui_helpers import parse, words


def test_undo_and_redo_buttons(ui, customers):
    page = ui.page(f"/t/{customers.id}")
    base_id = customers.schema().base_id
    assert page.one("button", id="undo-btn")["hx-post"] == f"/b/{base_id}/undo"
    assert page.one("button", id="redo-btn")["hx-post"] == f"/b/{base_id}/redo"
    rec = customers.all()[0]
    fid = customers.field("姓名").id
    assert ui.post(f"/t/{customers.id}/cell/{rec.id}/{fid}", {"value": "李四"}).status_code == 200
    r = ui.post(f"/b/{base_id}/undo")
    assert r.status_code == 204 and r.headers["HX-Refresh"] == "true"
    assert customers.get(rec.id)["姓名"] == "张三"
    assert ui.post(f"/b/{base_id}/redo").status_code == 204
    assert customers.get(rec.id)["姓名"] == "李四"
    ui.post(f"/b/{base_id}/undo")
    r = ui.post(f"/b/{base_id}/undo")  # the Python API's changes are not the user's
    assert r.status_code == 404 and "没有可撤销的操作" in r.text


def test_record_panel_history(ui, customers):
    rec = customers.all()[0]
    fid = customers.field("消费").id
    ui.post(f"/t/{customers.id}/cell/{rec.id}/{fid}", {"value": "88"})
    panel = parse(ui.get(f"/t/{customers.id}/r/{rec.id}").text)
    first = panel.one("ul", "history-list").all("li")[0]
    assert words(first.text).startswith("Owner 修改了 消费")
    assert "88" in first.one("ins").text and "1,299.50" in first.one("del").text


def test_trash_page(ui, customers, app_db):
    base = app_db.base(customers.schema().base_id)
    rec = customers.all()[0]
    customers.delete(rec.id)
    fid = customers.field("消费").id
    customers.delete_field("消费")
    page = ui.page(f"/b/{base.id}/trash")
    rows = page.all("tr", data_kind="field")
    assert [words(r.all("td")[0].text) for r in rows] == ["消费"]
    assert page.one("tr", data_kind="record", data_id=str(rec.id))
    r = ui.post(f"/b/{base.id}/trash/field/{fid}/restore", {"table_id": str(customers.id)})
    assert r.status_code == 204 and r.headers["HX-Redirect"] == f"/b/{base.id}/trash"
    ui.post(f"/b/{base.id}/trash/record/{rec.id}/restore", {"table_id": str(customers.id)})
    assert customers.get(rec.id)["消费"] == 1299.5
    customers.delete(rec.id)
    ui.post(f"/b/{base.id}/trash/record/{rec.id}/purge", {"table_id": str(customers.id)})
    assert customers.count(trashed=True) == 0


def test_audit_page_and_export(ui_en, customers):
    customers.add_field("备注", "long_text")
    page = ui_en.page("/audit?kind=schema.")
    kinds = [words(c.text) for c in page.all("code")]
    assert "schema.field_create" in kinds and all(k.startswith("schema.") for k in kinds)
    r = ui_en.get("/audit/export?format=csv&kind=schema.field_create")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][4] == "kind" and {row[4] for row in rows[1:]} == {"schema.field_create"}
    assert ui_en.get("/audit/export?format=xlsx").content[:2] == b"PK"


def test_audit_page_is_for_owners_and_admins(ui, app_db, customers):
    from tests.ui_helpers import sign_in

    editor = app_db.create_user("ed@example.com", "Ed")
    app_db.base(customers.schema().base_id).add_member(editor, "editor")
    sign_in(ui.client, app_db, "ed@example.com", "Ed", admin=False)
    assert ui.get("/audit").status_code == 403
