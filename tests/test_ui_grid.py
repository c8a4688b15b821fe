"""The grid: cells rendered per field type, sticky header and frozen primary column, one page
of rows at a time, group headers with counts, footer summaries — and a 1,000,000-row table whose
first screen reads one page."""

from __future__ import annotations

import re
import time
from typing import Any

from sqlalchemy import event

from tests.ui_helpers import parse, view_of, words
from views.api import Views


def cell(page: Any, record_id: int, field_id: int) -> Any:
    return page.one("tr", data_rid=str(record_id)).one("td", data_fid=str(field_id))


def test_cells_are_rendered_by_type(ui, customers):
    page = ui.page(view_of(ui, customers))
    rec = customers.all()[0]
    f = {x.name: x.id for x in customers.fields}
    assert words(cell(page, rec.id, f["姓名"]).text) == "张三"
    chip = cell(page, rec.id, f["等级"]).one("span", "chip")
    assert words(chip.text) == "VIP" and "c-red" in chip.classes
    assert [words(c.text) for c in cell(page, rec.id, f["标签"]).all("span", "chip")] == [
        "新客",
        "复购",
    ]
    money = cell(page, rec.id, f["消费"])
    assert words(money.text) == "¥1,299.50" and "num" in money.classes
    assert words(cell(page, rec.id, f["生日"]).text) == "2024/03/05"  # the zh-CN date
    box = cell(page, rec.id, f["成交"]).one("button", "cb")
    assert box["aria-checked"] == "true" and box["hx-post"].endswith("/toggle")
    assert len(cell(page, rec.id, f["满意度"]).all("i", "on")) == 4
    assert cell(page, rec.id, f["邮箱"]).one("a")["href"] == "mailto:zhang@example.com"
    # the clipboard form of each cell
    assert cell(page, rec.id, f["标签"]).one("div", "cv")["data-copy"] == "新客, 复购"
    assert cell(page, rec.id, f["消费"]).one("div", "cv")["data-copy"] == "1299.5"


def test_dates_and_numbers_follow_the_language(ui_en, customers):
    page = ui_en.page(view_of(ui_en, customers))
    rec = customers.all()[0]
    f = {x.name: x.id for x in customers.fields}
    assert words(cell(page, rec.id, f["生日"]).text) == "Mar 5, 2024"
    assert words(page.one("td", "foot-count").text) == "3 records"
    assert page.one("html")["lang"] == "en"


def test_header_is_sticky_and_primary_column_frozen(ui, customers):
    page = ui.page(view_of(ui, customers))
    heads = page.all("th", "colhead")
    assert [words(h.one("span", "fname").text) for h in heads][:3] == ["姓名", "等级", "标签"]
    assert "frozen" in heads[0].classes and "left:76px" in heads[0]["style"]
    assert "frozen" not in heads[1].classes
    assert heads[0].one("span", "req")  # a required field is marked
    css = ui.get("/static/tessera.css").text
    assert re.search(r"\.grid thead th \{[^}]*position: sticky", css)
    assert re.search(r"\.grid td\.frozen, \.grid td\.gutter \{[^}]*position: sticky", css)


def test_rows_come_one_page_at_a_time(ui, app_db):
    table = app_db.create_base("B").create_table(
        "T", [{"name": "Name"}, {"name": "N", "type": "number"}]
    )
    table.insert_many([{"Name": f"r{i}", "N": i} for i in range(250)])
    page = ui.page(view_of(ui, table))
    rows = [r for r in page.all("tr") if "data-rid" in r.attrs]
    assert len(rows) == 100
    assert words(page.one("td", "foot-count").text) == "250 条记录"
    loader = page.one("tr", "loader")
    assert loader["hx-trigger"] == "intersect once"
    seen = [r["data-rid"] for r in rows]
    url = loader["hx-get"]
    while url:
        part = parse(ui.get(url, htmx=True).text)
        more = [r for r in part.all("tr") if "data-rid" in r.attrs]
        seen += [r["data-rid"] for r in more]
        assert [r["data-n"] for r in more][:1] == [str(len(seen) - len(more) + 1)]
        nxt = part.first("tr", "loader")
        url = nxt["hx-get"] if nxt else None
    assert len(seen) == 250 == len(set(seen))


def test_group_headers_with_counts_and_summaries(ui, customers):
    views = Views(customers)
    view = views.list()[0]
    views.update(
        view,
        query={"groups": [{"field": "等级"}]},
        config={"summaries": {"消费": "sum"}},
    )
    page = ui.page(view_of(ui, customers))
    heads = page.all("tr", "group-head")
    assert [words(h.one("span", "group-value").text) for h in heads] == ["（空）", "普通", "VIP"]
    assert [words(h.one("span", "count").text) for h in heads] == [
        "1 条记录",
        "1 条记录",
        "1 条记录",
    ]
    assert "消费 · 求和 ¥1,299.50" in words(heads[2].text)
    assert words(page.one("span", "summary-value").text) == "¥1,309.50"
    select = page.one("select", "summary", data_fid=str(customers.field("消费").id))
    assert [o["value"] for o in select.all("option")][:3] == ["", "count", "filled"]
    assert "sum" in [o["value"] for o in select.all("option")]


def test_columns_keep_their_widths_order_and_hidden_fields(ui, customers):
    views = Views(customers)
    view = views.list()[0]
    f = {x.name: x.id for x in customers.fields}
    url = view_of(ui, customers)
    r = ui.post(
        f"/t/{customers.id}/v/{view.id}/config",
        {"set": f'{{"widths": {{"{f["等级"]}": 260}}, "order": [{f["消费"]}]}}', "quiet": "1"},
    )
    assert r.status_code == 204
    ui.post(f"/t/{customers.id}/v/{view.id}/column", {"field": str(f["标签"]), "what": "hide"})
    page = ui.page(url)
    names = [words(h.one("span", "fname").text) for h in page.all("th", "colhead")]
    assert names[:3] == ["姓名", "消费", "等级"] and "标签" not in names
    assert page.one("col", data_fid=str(f["等级"]))["style"] == "width: 260px"


def test_a_million_rows_render_one_page(ui, app_db):
    """The first screen of a 1,000,000-row table reads one page of rows (LIMIT 101), never
    the table: every statement that reads the records' columns is limited."""
    table = app_db.create_base("Big").create_table(
        "Big", [{"name": "Name"}, {"name": "N", "type": "number"}]
    )
    for start in range(0, 1_000_000, 250_000):
        table.insert_many([{"Name": f"row {i}", "N": i} for i in range(start, start + 250_000)])
    url = view_of(ui, table)  # the default view is made here
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(app_db.engine, "before_cursor_execute", seen)
    try:
        started = time.perf_counter()
        r = ui.get(url)
        elapsed = time.perf_counter() - started
    finally:
        event.remove(app_db.engine, "before_cursor_execute", seen)
    assert r.status_code == 200
    page = parse(r.text)
    assert len([tr for tr in page.all("tr") if "data-rid" in tr.attrs]) == 100
    assert words(page.one("td", "foot-count").text) == "1,000,000 条记录"
    physical = f"tbl_{table.id}"
    reads = [s for s in statements if physical in s and s.lstrip().upper().startswith("SELECT")]
    rows_read = [s for s in reads if "count(" not in s.lower() and "max(" not in s.lower()]
    assert rows_read, reads
    assert all("LIMIT" in s.upper() for s in rows_read), rows_read
    assert elapsed < 10, f"first screen took {elapsed:.1f}s"
