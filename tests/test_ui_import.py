"""The import wizard: upload (a file or a pasted table) → preview with every guess overridable →
import in the background with a progress bar → the result and its report (.xlsx); importing
into an existing table with a key; and the permission layer deciding who may import."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import engine
from engine.imports import helper, sheetdata
from engine.imports.ahead import Ahead
from server import import_jobs
from tests.import_helpers import workbook
from tests.ui_helpers import UI, Node, parse, sign_in, words

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def form_values(form: Node) -> dict[str, Any]:
    """What a browser would submit for `form` as it stands (checked boxes, chosen options)."""
    out: dict[str, Any] = {}
    for n in form.walk():
        name = n.get("name")
        if not name or "disabled" in n.attrs:
            continue
        if n.tag == "input":
            kind = n.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in n.attrs:
                    out[name] = n.get("value", "on")
            elif kind != "file":
                out[name] = n.get("value", "")
        elif n.tag == "select":
            options = n.all("option")
            chosen = [o for o in options if "selected" in o.attrs] or options[:1]
            out[name] = chosen[0].get("value", "") if chosen else ""
        elif n.tag == "textarea":
            out[name] = n.text
    return out


def column_row(page: Node, header: str) -> Node:
    return page.one("tr", data_column=header)


def upload(ui: UI, base: engine.Base, name: str, data: bytes, **extra: str) -> Any:
    return ui.post(f"/b/{base.id}/import", extra or None, files={"file": (name, data, XLSX)})


def wait(ui: UI, token: str) -> Node:
    """Poll the progress endpoint as the page does until the import has ended."""
    deadline = time.monotonic() + 60
    while True:
        r = ui.get(f"/imports/{token}/progress", htmx=True)
        assert r.status_code == 200, r.text
        area = parse(r.text).one("div", id="import-area")
        if area.get("hx-get") is None:
            return area
        assert area["hx-get"] == f"/imports/{token}/progress" and "every" in area["hx-trigger"]
        assert area.one("progress").get("max")
        assert time.monotonic() < deadline, "the import did not end"
        time.sleep(0.05)


def orders_book(tmp_path: Path) -> bytes:
    def title(ws: Any) -> None:
        ws.merge_cells("A1:F1")

    rows: list[list[Any]] = [["2024 年订单"], ["订单号", "客户", "手机", "金额", "城市", "邮箱"]]
    cities = ["北京", "上海", "广州"]
    for i in range(12):
        email = f"u{i}@example.com" if i != 5 else "不是邮箱"
        rows.append(
            [f"SO{i:04d}", f"客户{i}", 13800138000 + i, f"￥{i * 10}.50", cities[i % 3], email]
        )
    path = workbook(tmp_path / "订单.xlsx", {"订单": rows}, 订单=title)
    return path.read_bytes()


def test_upload_preview_override_import_report(ui: UI, app_db: engine.Database, tmp_path: Path):
    base = app_db.create_base("销售")
    page = ui.page(f"/b/{base.id}/import")
    assert page.one("input", type="file")["accept"] == ".xlsx,.xlsm,.csv,.tsv,.txt"
    assert page.one("textarea", name="text")
    r = upload(ui, base, "订单.xlsx", orders_book(tmp_path))
    assert r.status_code == 204, r.text
    url = r.headers["HX-Redirect"]
    token = url.rsplit("/", 1)[1]
    kept = import_jobs.folder_root(app_db) / token / "订单.xlsx"
    assert kept.is_file()  # under the data directory until the import ends
    assert str(kept).startswith(str(app_db.attachments.root))

    preview = ui.page(url)
    sheet = preview.one("fieldset", "import-sheet")
    assert "共 12 行 · 表头在第 2 行" in words(sheet.one("legend").text)  # below the merged title
    types = {
        words(row.one("td", "import-header").text): row.one("select", name=row_name(row, "type"))
        for row in sheet.all("tr")
        if row.get("data-column")
    }
    guessed = {h: chosen(s) for h, s in types.items()}
    assert guessed == {
        "订单号": "text",
        "客户": "text",
        "手机": "phone",
        "金额": "currency",
        "城市": "single_select",
        "邮箱": "email",
    }
    phone = column_row(preview, "手机")
    assert [words(c.text) for c in phone.all("code")][:2] == ["13800138000", "13800138001"]
    assert words(phone.one("td", "num").text) == "100%"
    assert "以数字存储的电话号码已恢复为文本" in phone.one("td", "import-notes").text
    email_row = column_row(preview, "邮箱")
    assert words(email_row.one("td", "num").text) == "91%"  # 11 of 12
    # a type for every writable kind, labelled in Chinese
    labels = [words(o.text) for o in types["城市"].all("option")]
    assert "单行文本" in labels and "单选" in labels and "关联" not in labels

    form = form_values(preview.one("form", "import-preview"))
    prefix = row_name(column_row(preview, "城市"), "")
    form[prefix + "type"] = "text"  # override the guess: 城市 as plain text
    form[row_name(column_row(preview, "客户"), "name")] = "客户名称"
    form.pop(row_name(column_row(preview, "金额"), "use"))  # skip a column
    form["s0.table"] = "订单 2024"
    form["on_invalid"] = "report"  # hold the row with the bad email
    r = ui.post(f"/imports/{token}/run", form)
    assert r.status_code == 200, r.text
    started = parse(r.text).one("div", id="import-area")
    assert started.first("progress") is not None
    done = wait(ui, token)
    assert "导入完成" in words(done.text)
    assert "新增 11 条，更新 0 条，1 行未导入，0 个值以文本保留" in words(done.text)

    table = base.table("订单 2024")
    assert {f.name: f.type_name for f in table.fields} == {
        "订单号": "text",
        "客户名称": "text",
        "手机": "phone",
        "城市": "text",
        "邮箱": "email",
    }
    assert table.count() == 11
    first = table.all(limit=1)[0].fields
    assert first == {
        "订单号": "SO0000",
        "客户名称": "客户0",
        "手机": "13800138000",
        "城市": "北京",
        "邮箱": "u0@example.com",
    }
    # the report: on the page, and as a workbook
    report_row = done.one("table", "import-report").one("tbody").one("tr")
    cells = [words(td.text) for td in report_row.all("td")]
    assert cells[:4] == ["订单", "8", "邮箱", "不是邮箱"] and cells[5] == "该行未导入"
    link = done.one("a", href=f"/imports/{token}/report.xlsx")
    r = ui.get(link["href"])
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert "attachment" in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("Sheet 工作表", "Row 行号", "Column 列", "Value 值")
    assert rows[1][:4] == ("订单", 8, "邮箱", "不是邮箱")
    assert "email" in rows[1][4]
    assert not kept.parent.exists()  # the uploaded file is gone once the import ended
    # the finished job's page shows the result, not the preview again
    assert ui.page(url).first("form", "import-preview") is None


def test_a_large_sheet_goes_through_the_wizard_with_the_helper_and_the_early_scan(
    ui: UI, app_db: engine.Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wizard plans and imports in the server's own threads; a sheet parsed with a helper
    process and scanned while parsed gives the same preview and rows as any other."""
    monkeypatch.setattr(sheetdata, "READ_BYTES", 4096)  # many chunks
    monkeypatch.setattr(helper, "wanted", lambda size: True)
    used: list[bool] = []
    outcome = Ahead.outcome

    def spy(self: Ahead, sheet: Any) -> Any:
        found = outcome(self, sheet)
        used.append(found is not None)
        return found

    monkeypatch.setattr(Ahead, "outcome", spy)
    rows: list[list[Any]] = [["订单号", "手机", "金额", "城市"]]
    rows += [[f"SO{i:05d}", 13800000000 + i, i * 1.5, ["北京", "上海"][i % 2]] for i in range(3000)]
    path = workbook(tmp_path / "大表.xlsx", {"订单": rows})
    base = app_db.create_base("批量")
    r = upload(ui, base, "大表.xlsx", path.read_bytes())
    assert r.status_code == 204, r.text
    token = r.headers["HX-Redirect"].rsplit("/", 1)[1]
    preview = ui.page(r.headers["HX-Redirect"])
    assert used == [True]  # scanned while parsed
    assert "共 3000 行" in words(preview.one("fieldset", "import-sheet").one("legend").text)
    form = form_values(preview.one("form", "import-preview"))
    r = ui.post(f"/imports/{token}/run", form)
    assert r.status_code == 200, r.text
    assert "新增 3000 条" in words(wait(ui, token).text)
    table = base.table("订单")
    assert {f.name: f.type_name for f in table.fields} == {
        "订单号": "text",
        "手机": "phone",
        "金额": "number",
        "城市": "single_select",
    }
    assert table.count() == 3000
    assert table.all(limit=1)[0].fields["手机"] == "13800000000"


def row_name(row: Node, part: str) -> str:
    """The input name of a column's `part` ('type', 'name', 'use'), e.g. 's0.c3.type'."""
    use = row.one("input", type="checkbox")["name"]
    return use[: -len("use")] + part


def chosen(select: Node) -> str:
    for o in select.all("option"):
        if "selected" in o.attrs:
            return o["value"]
    return select.all("option")[0]["value"]


def test_pasted_table_and_bad_input(ui: UI, app_db: engine.Database):
    base = app_db.create_base("粘贴")
    r = ui.post(f"/b/{base.id}/import", {"text": "  "})
    assert r.status_code == 400
    assert words(parse(r.text).one("div", "form-error").text) == "请先选择文件或粘贴表格。"
    r = upload(ui, base, "notes.docx", b"PK\x03\x04 not a table")
    assert r.status_code == 400
    assert "只能导入 .xlsx、.csv 和 .tsv 文件" in parse(r.text).one("div", "form-error").text
    r = upload(ui, base, "broken.xlsx", b"PK\x03\x04 not really a workbook")
    assert r.status_code == 400
    assert "无法读取 broken.xlsx" in parse(r.text).one("div", "form-error").text
    assert list(import_jobs.folder_root(app_db).iterdir()) == []  # nothing left behind

    text = "姓名\t年龄\t会员\t城市\n张三\t30\t是\t北京\n李四\t41\t否\t上海\n王五\t25\t是\t北京\n"
    r = ui.post(f"/b/{base.id}/import", {"text": text})
    token = r.headers["HX-Redirect"].rsplit("/", 1)[1]
    preview = ui.page(r.headers["HX-Redirect"])
    assert chosen(column_row(preview, "年龄").one("select")) == "number"
    assert chosen(column_row(preview, "会员").one("select")) == "checkbox"
    form = form_values(preview.one("form", "import-preview"))
    assert chosen(column_row(preview, "城市").one("select")) == "text"  # too few rows to tell
    form["s0.table"] = "会员名单"
    form[row_name(column_row(preview, "城市"), "type")] = "single_select"  # choices: its values
    ui.post(f"/imports/{token}/run", form)
    done = wait(ui, token)
    assert "新增 3 条" in words(done.text)
    assert "所有值均已按原样导入。" in done.text
    assert [r.fields for r in base.table("会员名单").all(limit=10)] == [
        {"姓名": "张三", "年龄": 30, "会员": True, "城市": "北京"},
        {"姓名": "李四", "年龄": 41, "会员": False, "城市": "上海"},
        {"姓名": "王五", "年龄": 25, "会员": True, "城市": "北京"},
    ]
    city = base.table("会员名单").field("城市")
    assert city.type_name == "single_select"
    assert city.type.choice_names() == ["北京", "上海"]


def test_into_an_existing_table_with_a_key(ui: UI, app_db: engine.Database, tmp_path: Path):
    base = app_db.create_base("客户")
    table = base.create_table(
        "客户",
        [{"name": "手机号", "type": "phone"}, {"name": "姓名"}, {"name": "积分", "type": "number"}],
    )
    table.create_many([{"手机号": "13800000001", "姓名": "旧名", "积分": 1}])
    path = workbook(
        tmp_path / "c.xlsx",
        {
            "名单": [
                ["电话", "姓名", "积分", "备注"],
                ["13800000001", "张三", 10, "老客户"],
                ["13800000002", "李四", 20, "新客户"],
            ]
        },
    )
    page = ui.page(f"/t/{table.id}/import")
    assert page.one("input", type="hidden", name="into")["value"] == str(table.id)
    r = upload(ui, base, "c.xlsx", path.read_bytes(), into=str(table.id))
    token = r.headers["HX-Redirect"].rsplit("/", 1)[1]
    preview = ui.page(r.headers["HX-Redirect"])
    assert "导入到数据表“客户”" in words(preview.text)
    field_of = {
        h: chosen(
            column_row(preview, h).one("select", name=row_name(column_row(preview, h), "field"))
        )
        for h in ("电话", "姓名", "积分", "备注")
    }
    # 姓名 and 积分 by name, 电话 by its values; 备注 matches nothing and is skipped
    assert field_of == {
        "电话": str(table.field("手机号").id),
        "姓名": str(table.field("姓名").id),
        "积分": str(table.field("积分").id),
        "备注": "",
    }
    assert "checked" not in column_row(preview, "备注").one("input", type="checkbox").attrs
    form = form_values(preview.one("form", "import-preview"))
    form["s0.key"] = "0"  # upsert on 电话 → 手机号
    form[row_name(column_row(preview, "备注"), "use")] = "1"  # add it as a new field
    ui.post(f"/imports/{token}/run", form)
    done = wait(ui, token)
    assert "新增 1 条，更新 1 条" in words(done.text)
    rows = {r.fields["手机号"]: r.fields for r in table.all(limit=10)}
    assert rows["13800000001"] == {
        "手机号": "13800000001",
        "姓名": "张三",
        "积分": 10,
        "备注": "老客户",
    }
    assert rows["13800000002"]["姓名"] == "李四"
    assert table.count() == 2


def test_permission_layer_and_other_users(ui: UI, app_db: engine.Database, tmp_path: Path):
    owner_base = app_db.create_base("团队")
    app_db.create_user("viewer@example.com", "只读者")
    owner_base.add_member("viewer@example.com", "viewer")
    data = workbook(tmp_path / "a.xlsx", {"表": [["名称"], ["甲"], ["乙"]]}).read_bytes()
    # the owner's job is not visible to anyone else
    r = upload(ui, owner_base, "a.xlsx", data)
    owner_token = r.headers["HX-Redirect"].rsplit("/", 1)[1]
    sign_in(ui.client, app_db, "viewer@example.com", "只读者", admin=False)
    assert ui.get(f"/imports/{owner_token}").status_code == 404
    # a viewer may preview but the engine refuses to create the table: shown clearly
    r = upload(ui, owner_base, "a.xlsx", data)
    assert r.status_code == 204, r.text
    token = r.headers["HX-Redirect"].rsplit("/", 1)[1]
    preview = ui.page(r.headers["HX-Redirect"])
    ui.post(f"/imports/{token}/run", form_values(preview.one("form", "import-preview")))
    failed = wait(ui, token)
    error = failed.one("div", "import-error")
    assert "导入失败，未导入任何数据" in words(error.text)
    assert "只有创建者及以上角色才能创建表" in error.text  # the engine's Forbidden, in Chinese
    assert [t.name for t in owner_base.tables()] == []
    assert app_db.base(owner_base.id).tables() == []


@pytest.fixture(autouse=True)
def _no_jobs_left() -> Any:
    yield
    import_jobs._jobs.clear()
