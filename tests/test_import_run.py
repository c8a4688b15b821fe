"""Import into tables: values as the fields keep them, nothing lost, one transaction, existing
tables (mapping, append, upsert, de-duplication) and links between sheets. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import engine
from engine.imports import Source, import_file, map_to_table, plan_source, run_import
from tests.import_helpers import cache_formulas, workbook


def rows_of(table: engine.Table) -> list[dict[str, Any]]:
    return [dict(r.fields) for r in table.all(limit=1000)]


def test_a_sheet_becomes_a_table_with_typed_values(base: engine.Base, tmp_path: Path) -> None:
    def shape(ws: Any) -> None:
        ws.merge_cells("A1:F1")  # a title
        ws.merge_cells("E3:E4")  # a merged body cell: both rows are 北京
        for r in range(3, 6):
            ws.cell(r, 4).number_format = "0%"

    path = workbook(
        tmp_path / "c.xlsx",
        {
            "客户": [
                ["客户名单"],
                ["姓名", "手机", "累计消费", "折扣", "城市", "首次购买", "小计"],
                ["张三", 13800138000, "￥1,299.50", 0.15, "北京", "2024年3月5日", "=C3*2"],
                ["李四", 13900139000, "￥88", 0.2, None, "2024年3月6日", "=C4*2"],
                ["王五", "+86 137 0000 1111", "¥0", 0, "上海", "2024年12月31日", "=C5*2"],
            ]
        },
        客户=shape,
    )
    cache_formulas(path, {"G3": 2599, "G4": 176, "G5": 0})
    result = import_file(base.db, base, path)
    table = base.table("客户")
    assert {f.name: f.type_name for f in table.fields} == {
        "姓名": "text",
        "手机": "phone",
        "累计消费": "currency",
        "折扣": "percent",
        "城市": "text",  # two values in three rows: too few to call it a choice
        "首次购买": "date",
        "小计": "number",
    }
    assert rows_of(table) == [
        {
            "姓名": "张三",
            "手机": "13800138000",
            "累计消费": 1299.5,
            "折扣": 0.15,
            "城市": "北京",
            "首次购买": dt.date(2024, 3, 5),
            "小计": 2599,
        },
        {
            "姓名": "李四",
            "手机": "13900139000",
            "累计消费": 88.0,
            "折扣": 0.2,
            "城市": "北京",
            "首次购买": dt.date(2024, 3, 6),
            "小计": 176,
        },
        {
            "姓名": "王五",
            "手机": "+86 137 0000 1111",
            "累计消费": 0.0,
            "折扣": 0.0,
            "城市": "上海",
            "首次购买": dt.date(2024, 12, 31),
            "小计": 0,
        },
    ]
    assert result.sheets[0].inserted == 3 and result.report.entries == []


def invalid_book(tmp_path: Path) -> Path:
    rows: list[list[Any]] = [["单号", "金额", "日期", "邮箱"]]
    for i in range(30):
        rows.append([f"A{i}", 10 + i, f"2024-01-{i % 28 + 1:02d}", f"u{i}@x.cn"])
    rows[5][1] = "unknown"  # row 6 in Excel
    rows[9][2] = "2024-02-30"  # row 10: no such day
    rows[12][3] = "not an email"  # row 13
    return workbook(tmp_path / "bad.xlsx", {"订单": rows})


def test_refused_values_are_kept_as_text_beside_their_field(
    base: engine.Base, tmp_path: Path
) -> None:
    result = import_file(base.db, base, invalid_book(tmp_path))
    table = base.table("订单")
    assert table.count() == 30
    by_no = {r["单号"]: r for r in table.all(limit=100)}
    assert by_no["A4"]["金额"] is None and by_no["A4"]["金额 (original)"] == "unknown"
    assert by_no["A8"]["日期"] is None and by_no["A8"]["日期 (original)"] == "2024-02-30"
    assert by_no["A11"]["邮箱 (original)"] == "not an email"
    assert by_no["A0"]["金额 (original)"] is None
    entries = [(e.row, e.column, e.value, e.action) for e in result.report.entries]
    assert entries == [
        (6, "金额", "unknown", "kept"),
        (10, "日期", "2024-02-30", "kept"),
        (13, "邮箱", "not an email", "kept"),
    ]
    assert all(e.reason_en and e.reason_zh for e in result.report.entries)


def test_or_their_rows_are_held_in_a_downloadable_report(base: engine.Base, tmp_path: Path) -> None:
    result = import_file(base.db, base, invalid_book(tmp_path), on_invalid="report")
    table = base.table("订单")
    assert table.count() == 27
    assert {f.name for f in table.fields} == {"单号", "金额", "日期", "邮箱"}
    assert result.sheets[0].held == 3 and result.report.held_rows() == 3
    out = result.report.write_xlsx(tmp_path / "report.xlsx")
    ws = load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("Sheet 工作表", "Row 行号", "Column 列")
    assert [(r[1], r[2], r[3]) for r in rows[1:]] == [
        (6, "金额", "unknown"),
        (10, "日期", "2024-02-30"),
        (13, "邮箱", "not an email"),
    ]
    assert "not a number" in rows[1][4] and "不是数字" in rows[1][5]
    assert ws.freeze_panes == "A2"


def test_a_failure_midway_leaves_no_half_table(base: engine.Base, tmp_path: Path) -> None:
    rows = [["n"]] + [[i] for i in range(30)]
    path = workbook(tmp_path / "m.xlsx", {"A": rows, "B": rows})

    def progress(sheet: str, done: int, total: int | None) -> None:
        if sheet == "B" and done:
            raise RuntimeError("disk full")

    with Source(path) as source:
        plan = plan_source(source)
        with pytest.raises(RuntimeError):
            run_import(base.db, base, source, plan, progress=progress)
    assert base.tables() == []


def test_a_dry_run_reports_and_writes_nothing(base: engine.Base, tmp_path: Path) -> None:
    result = import_file(base.db, base, invalid_book(tmp_path), dry_run=True)
    assert result.dry_run and result.sheets[0].inserted == 30 and result.report.kept_values() == 3
    assert base.tables() == []


def test_into_an_existing_table_by_name_and_by_values(base: engine.Base, tmp_path: Path) -> None:
    table = base.create_table(
        "客户",
        [
            {"name": "姓名", "type": "text", "rules": {"required": True}},
            {"name": "手机号", "type": "phone", "rules": {"unique": True}},
            {"name": "邮箱", "type": "email"},
            {"name": "积分", "type": "number"},
        ],
    )
    table.create({"姓名": "张三", "手机号": "13800138000", "邮箱": "old@x.cn", "积分": 1})
    path = workbook(
        tmp_path / "in.xlsx",
        {
            "S": [
                ["姓名", "Mobile", "E-mail", "无关列"],
                ["张三", 13800138000, "zhang@x.cn", "a"],
                ["李四", 13900139000, "li@x.cn", "b"],
                ["李四 again", 13900139000, "li2@x.cn", "c"],
                [None, 13700137000, "nobody@x.cn", "d"],
            ]
        },
    )
    with Source(path) as source:
        plan = plan_source(source)
        sheet = map_to_table(plan.sheets[0], table, key="手机号")
        assert [(c.name, c.existing, c.skip) for c in sheet.columns] == [
            ("姓名", True, False),
            ("手机号", True, False),
            ("邮箱", True, False),
            ("无关列", False, True),
        ]
        plan.sheets = [sheet]
        result = run_import(base.db, base, source, plan)
    got = {r["手机号"]: (r["姓名"], r["邮箱"], r["积分"]) for r in table.all()}
    assert got == {
        "13800138000": ("张三", "zhang@x.cn", 1),  # updated, its other fields untouched
        "13900139000": ("李四", "li@x.cn", None),
    }
    res = result.sheets[0]
    assert (res.inserted, res.updated, res.held) == (1, 1, 2)
    actions = sorted((e.row, e.action) for e in result.report.entries)
    assert actions == [(4, "duplicate"), (5, "held")]  # a repeated key; a missing required name


def test_several_sheets_become_linked_tables(base: engine.Base, tmp_path: Path) -> None:
    customers = [["客户ID", "姓名"]] + [[f"C{i:03d}", f"客户{i}"] for i in range(10)]
    orders = [["单号", "客户ID", "金额"]] + [[f"O{i}", f"C{i % 10:03d}", i * 10] for i in range(25)]
    orders.append(["O99", "C999", 5])  # a key that is not there: kept beside the link
    path = workbook(tmp_path / "crm.xlsx", {"订单": orders, "客户": customers})
    with Source(path) as source:
        plan = plan_source(source)
        link = plan.sheet("订单").column("客户ID").link
        assert link is not None and (link.sheet, link.key) == ("客户", "客户ID")
        assert plan.sheet("客户").primary == "客户ID"
        result = run_import(base.db, base, source, plan)
    orders_t, customers_t = base.table("订单"), base.table("客户")
    assert orders_t.field("客户ID").type_name == "link"
    first = orders_t.all(limit=1)[0]
    assert [v["title"] for v in first["客户ID"]] == ["C000"]
    c0 = customers_t.all(limit=1)[0]
    assert [v["title"] for v in c0[customers_t.fields[-1].name]] == ["O0", "O10", "O20"]
    assert result.sheet_results if hasattr(result, "sheet_results") else True
    assert result.sheets[0].linked == ["客户ID"]
    last = orders_t.all(limit=100)[-1]
    assert last["客户ID"] == [] and last["客户ID (original)"] == "C999"


def test_csv_in_gbk_and_utf8_with_bom(base: engine.Base, tmp_path: Path) -> None:
    text = "姓名,手机,金额,日期\n张三,013800138000,￥12.5,2024/3/5\n李四,13900139000,￥8,2024/3/6\n"
    (tmp_path / "gbk.csv").write_bytes(text.encode("gbk"))
    (tmp_path / "bom.csv").write_bytes(text.encode("utf-8-sig"))
    for name in ("gbk.csv", "bom.csv"):
        with Source(tmp_path / name) as source:
            plan = plan_source(source)
            assert plan.encoding == ("gb18030" if name == "gbk.csv" else "utf-8-sig")
            run_import(base.db, base, source, plan)
    for name in ("gbk", "bom"):
        table = base.table(name)
        assert [f.type_name for f in table.fields] == ["text", "phone", "currency", "date"]
        assert rows_of(table)[0] == {
            "姓名": "张三",
            "手机": "013800138000",
            "金额": 12.5,
            "日期": dt.date(2024, 3, 5),
        }


def test_a_pasted_table(base: engine.Base) -> None:
    text = "商品\t库存\t上架\n奶粉\t12\t是\n尿布\t0\t否\n"
    with Source(text=text, name="粘贴") as source:
        plan = plan_source(source)
        run_import(base.db, base, source, plan)
    assert rows_of(base.table("粘贴")) == [
        {"商品": "奶粉", "库存": 12, "上架": True},
        {"商品": "尿布", "库存": 0, "上架": False},
    ]


def test_blank_rows_between_records_are_skipped_and_counted(
    base: engine.Base, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "b.xlsx",
        {
            "订单": [
                ["订单号", "金额", "备注", "城市", "渠道"],
                ["A1", 10, "x", "北京", "天猫"],
                [],
                [None, None, "   ", None, None],  # white space only: blank too
                ["A2", 20, None, "上海", "京东"],
                [None, 30, None, None, None],  # one value: a record
                [None, None, None, None, None, None, "right of the table"],
            ]
        },
    )
    result = import_file(base.db, base, path)
    assert result.sheets[0].blank_rows == 2
    assert [r["订单号"] for r in rows_of(base.table("订单"))] == ["A1", "A2", None, None]
    assert [r["金额"] for r in rows_of(base.table("订单"))] == [10, 20, 30, None]
