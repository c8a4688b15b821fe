"""Export to .xlsx and .csv: typed cells, formats, header, dropdowns, views; and the round trip
export -> import gives the same table. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

import engine
from engine.exports import export
from engine.imports import import_file
from views import store
from views.api import Views

UTC = dt.UTC


def make_table(base: engine.Base) -> engine.Table:
    table = base.create_table(
        "订单 Orders",
        [
            {"name": "单号", "type": "text"},
            {"name": "数量", "type": "number"},
            {"name": "重量", "type": "number", "options": {"precision": 2}},
            {"name": "金额", "type": "currency", "options": {"symbol": "¥", "precision": 2}},
            {"name": "折扣", "type": "percent", "options": {"precision": 1}},
            {"name": "日期", "type": "date"},
            {"name": "时间", "type": "datetime", "options": {"timezone": "Asia/Shanghai"}},
            {"name": "已付款", "type": "checkbox"},
            {
                "name": "状态",
                "type": "single_select",
                "options": {"choices": ["待付款", "已发货", "已完成"]},
            },
            {
                "name": "标签",
                "type": "multiple_select",
                "options": {"choices": ["VIP", "新客", "复购"]},
            },
            {"name": "手机", "type": "phone"},
            {"name": "邮箱", "type": "email"},
            {"name": "网址", "type": "url"},
            {"name": "备注", "type": "long_text"},
            {"name": "公式样", "type": "text"},
        ],
    )
    table.create_many(
        [
            {
                "单号": f"A{i:03d}",
                "数量": i,
                "重量": 1.25 * i,
                "金额": 99.5 * i,
                "折扣": 0.125 if i % 2 else 0.5,
                "日期": dt.date(2024, 3, 1) + dt.timedelta(days=i),
                "时间": dt.datetime(2024, 3, 1, 8, 30, tzinfo=UTC) + dt.timedelta(hours=i),
                "已付款": bool(i % 2),
                "状态": ["待付款", "已发货", "已完成"][i % 3],
                "标签": [["VIP"], ["新客", "复购"], []][i % 3],
                "手机": f"0{13800138000 + i}" if i % 2 else f"+86 {13900139000 + i}",
                "邮箱": f"u{i}@example.com",
                "网址": f"https://example.com/{i}",
                "备注": f"第一行 {i}\n第二行",
                "公式样": "=1+1" if i == 3 else f"t{i}",
            }
            for i in range(12)
        ]
        + [{"单号": "empty"}]
    )
    return table


def values(table: engine.Table) -> list[dict[str, Any]]:
    return [dict(r.fields) for r in table.all(limit=1000)]


def schema_of(table: engine.Table) -> list[tuple[str, str, dict[str, Any]]]:
    return [(f.name, f.type_name, f.type.options_dict()) for f in table.fields]


def test_xlsx_cells_are_typed_and_formatted(base: engine.Base, tmp_path: Path) -> None:
    table = make_table(base)
    result = export(table, tmp_path / "o.xlsx")
    assert result.rows == 13
    wb = load_workbook(tmp_path / "o.xlsx")
    ws = wb["订单 Orders"]
    assert wb["Tessera fields"].sheet_state == "hidden"
    header = [c.value for c in ws[1]]
    assert header[:4] == ["单号", "数量", "重量", "金额"]
    assert ws["A1"].font.b and ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:O14"
    row = {h: c for h, c in zip(header, ws[3], strict=True)}  # record 1
    assert row["数量"].value == 1 and row["数量"].number_format == "0"
    assert row["金额"].value == 99.5 and "¥" in row["金额"].number_format
    assert row["折扣"].value == 0.125 and row["折扣"].number_format == "0.0%"
    assert (
        row["日期"].value == dt.datetime(2024, 3, 2) and row["日期"].number_format == "yyyy-mm-dd"
    )
    assert row["时间"].value == dt.datetime(2024, 3, 1, 17, 30)  # wall clock in Shanghai
    assert row["已付款"].value is True
    assert row["标签"].value == "新客, 复购"
    assert row["手机"].value == "013800138001"
    assert ws["O5"].value == "=1+1" and ws["O5"].data_type == "s"  # text, not a formula
    rules = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert rules["I2:I1048576"] == '"待付款,已发货,已完成"'
    assert rules["J2:J1048576"] == '"VIP,新客,复购"'
    assert ws.column_dimensions["F"].width >= 12


def test_xlsx_round_trip_gives_an_identical_table(db: engine.Database, tmp_path: Path) -> None:
    table = make_table(db.create_base("A"))
    export(table, tmp_path / "o.xlsx")
    other = db.create_base("B")
    result = import_file(db, other, tmp_path / "o.xlsx")
    assert [s.table for s in result.sheets] == ["订单 Orders"]
    again = other.table("订单 Orders")
    assert schema_of(again) == schema_of(table)
    assert values(again) == values(table)
    assert result.report.entries == []


def test_csv_is_utf8_with_a_bom_and_round_trips(db: engine.Database, tmp_path: Path) -> None:
    table = make_table(db.create_base("A"))
    export(table, tmp_path / "o.csv")
    raw = (tmp_path / "o.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "第一行".encode() in raw
    other = db.create_base("B")
    import_file(db, other, tmp_path / "o.csv")
    again = other.table("o")
    kinds = {f.name: f.type_name for f in again.fields}
    assert kinds == {f.name: f.type_name for f in table.fields} | {"公式样": "text"}
    assert values(again) == values(table)


def test_a_view_exports_its_filter_sort_and_visible_fields(
    base: engine.Base, tmp_path: Path
) -> None:
    table = make_table(base)
    views = Views(table)
    view = views.create(
        "已付款",
        query={
            "filter": {"items": [{"field": "已付款", "op": "is_checked"}]},
            "sorts": [{"field": "数量", "direction": "desc"}],
        },
        config={"hidden": [table.field("备注").id, table.field("网址").id]},
    )
    schema = table.schema()
    spec = store.query_spec(view, schema)
    fields = store.visible_field_ids(view, schema)
    result = export(table, tmp_path / "v.xlsx", spec=spec, fields=fields)
    ws = load_workbook(tmp_path / "v.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    assert "备注" not in rows[0] and "网址" not in rows[0] and rows[0][0] == "单号"
    assert [r[0] for r in rows[1:]] == ["A011", "A009", "A007", "A005", "A003", "A001"]
    assert result.rows == 6


def test_links_export_as_their_titles(base: engine.Base, tmp_path: Path) -> None:
    cust = base.create_table("客户", [{"name": "姓名", "type": "text"}])
    orders = base.create_table("订单", [{"name": "单号", "type": "text"}])
    orders.add_field("客户", "link", options={"table": "客户", "multiple": False})
    a = cust.create({"姓名": "张三"})
    orders.create({"单号": "X1", "客户": [a.id]})
    export(orders, tmp_path / "l.xlsx")
    export(orders, tmp_path / "l.csv")
    ws = load_workbook(tmp_path / "l.xlsx").active
    assert [c.value for c in ws[2]] == ["X1", "张三"]
    assert (tmp_path / "l.csv").read_text(encoding="utf-8-sig").splitlines()[1] == "X1,张三"
