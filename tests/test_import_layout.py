"""Import: finding the table in a sheet, and guessing each column's type (no database)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from engine.imports import ImportPlan, Source, plan_source
from tests.import_helpers import cache_formulas, widen_dimension, workbook


def plan_of(path: Path, **kw: Any) -> ImportPlan:
    with Source(path) as source:
        return plan_source(source, **kw)


def types(plan: ImportPlan, sheet: int = 0) -> dict[str, str]:
    return {c.name: c.type for c in plan.sheets[sheet].columns}


def test_a_merged_title_and_blank_rows_above_the_header_are_skipped(tmp_path: Path) -> None:
    def title(ws: Any) -> None:
        ws.merge_cells("A1:D1")

    path = workbook(
        tmp_path / "t.xlsx",
        {
            "客户": [
                ["2024 年客户名单", None, None, None],
                [],
                ["姓名", "手机", "城市", "备注"],
                ["张三", "13800138000", "北京", "老客户"],
                ["李四", "13900139000", "上海", ""],
            ]
        },
        客户=title,
    )
    plan = plan_of(path)
    sheet = plan.sheets[0]
    assert [c.name for c in sheet.columns] == ["姓名", "手机", "城市", "备注"]
    assert sheet.header_rows == [2] and sheet.first_row == 3 and sheet.rows == 2


def test_multi_line_repeated_and_missing_headers_become_unique_names(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "h.xlsx",
        {"S": [["金额\n(元)", "金额\n(元)", None, "Name", "NAME"], [1, 2, 3, "a", "b"]]},
    )
    names = [c.name for c in plan_of(path).sheets[0].columns]
    assert names == ["金额 (元)", "金额 (元) 2", "Column C", "Name", "NAME 2"]


def test_a_grouped_header_names_each_part(tmp_path: Path) -> None:
    def group(ws: Any) -> None:
        ws.merge_cells("B1:C1")
        ws.merge_cells("A1:A2")

    path = workbook(
        tmp_path / "g.xlsx",
        {
            "S": [
                ["姓名", "联系方式", None],
                [None, "手机", "邮箱"],
                ["张三", "13800138000", "a@b.cn"],
            ]
        },
        S=group,
    )
    sheet = plan_of(path).sheets[0]
    assert [c.name for c in sheet.columns] == ["姓名", "联系方式 手机", "联系方式 邮箱"]
    assert sheet.first_row == 2


def test_a_sheet_claiming_16384_columns_makes_only_its_own(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "w.xlsx", {"S": [["a", "b", "c"]] + [[i, i * 2, "x"] for i in range(15)]}
    )
    widen_dimension(path)
    sheet = plan_of(path).sheets[0]
    assert [c.name for c in sheet.columns] == ["a", "b", "c"]
    assert sheet.width <= 3


def test_formula_cells_are_read_as_their_cached_values(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "f.xlsx",
        {"S": [["数量", "单价", "小计"], [2, 3.5, "=A2*B2"], [4, 1.25, "=A3*B3"]]},
    )
    cache_formulas(path, {"C2": 7, "C3": 5})
    with Source(path) as source:
        sheet = source.sheet("S")
        rows = list(sheet.rows())
    assert rows[1][2] == 7 and rows[2][2] == 5
    plan = plan_of(path)
    assert types(plan)["小计"] == "number"


def test_types_are_guessed_from_values_and_formats(tmp_path: Path) -> None:
    def formats(ws: Any) -> None:
        for r in range(2, ws.max_row + 1):
            ws.cell(r, 3).number_format = '"¥"#,##0.00'
            ws.cell(r, 4).number_format = "0.0%"
            ws.cell(r, 11).number_format = "000000"

    rows: list[list[Any]] = [
        [
            "数量",
            "单价",
            "金额",
            "折扣",
            "下单日期",
            "下单时间",
            "已付款",
            "邮箱",
            "网址",
            "手机",
            "邮编",
            "城市",
            "标签",
            "说明",
        ]
    ]
    for i in range(40):
        rows.append(
            [
                i,
                1.5 + i,
                100.25 * i,
                0.125,
                dt.date(2024, 1, 1) + dt.timedelta(days=i),
                dt.datetime(2024, 1, 1, 9, 30) + dt.timedelta(hours=i),
                ["是", "否"][i % 2],
                f"u{i}@example.com",
                f"https://shop.example.com/p/{i}",
                13800138000 + i,
                100080 + i if i % 5 else 10080,
                ["北京", "上海", "广州"][i % 3],
                ["新客", "VIP, 老客", "老客、复购"][i % 3],
                f"第 {i} 行\n第二行",
            ]
        )
    path = workbook(tmp_path / "types.xlsx", {"S": rows}, S=formats)
    plan = plan_of(path)
    assert types(plan) == {
        "数量": "number",
        "单价": "number",
        "金额": "currency",
        "折扣": "percent",
        "下单日期": "date",
        "下单时间": "datetime",
        "已付款": "checkbox",
        "邮箱": "email",
        "网址": "url",
        "手机": "phone",
        "邮编": "text",
        "城市": "single_select",
        "标签": "multiple_select",
        "说明": "long_text",
    }
    cols = {c.name: c for c in plan.sheets[0].columns}
    assert cols["数量"].options == {"precision": 0}
    assert cols["单价"].options == {"precision": 1}
    assert cols["金额"].options == {"symbol": "¥", "precision": 2}
    assert cols["折扣"].options == {"precision": 1}
    assert cols["邮编"].pad == 6
    assert set(cols["标签"].options["choices"]) == {"新客", "VIP", "老客", "复购"}
    assert cols["城市"].options["choices"] == ["北京", "上海", "广州"]
    assert all(c.confidence == 1.0 for c in cols.values())
    assert cols["手机"].examples[:2] == ["13800138000", "13800138001"]


def test_text_values_are_guessed_chinese_dates_currency_and_phones(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["日期", "日期2", "美式", "金额", "比例", "电话", "编号", "是否", "其他"]
    ]
    for i in range(1, 21):
        rows.append(
            [
                f"2024年3月{i}日",
                f"2024/3/{i}",
                f"{i % 12 + 1}/5/2024" if i < 20 else "3/5/2024",
                f"￥{i},000.50",
                f"{i}%",
                f"+86 138{i:04d}0000" if i % 2 else f"010-6{i:06d}",
                f"00{i:03d}",
                ["TRUE", "FALSE", "✓"][i % 3],
                "N/A" if i % 4 else "无",
            ]
        )
    rows.append(["-", "", "N/A", "无", "", "", "00999", "", "-"])
    path = workbook(tmp_path / "text.xlsx", {"S": rows})
    plan = plan_of(path)
    assert types(plan) == {
        "日期": "date",
        "日期2": "date",
        "美式": "date",
        "金额": "currency",
        "比例": "percent",
        "电话": "phone",
        "编号": "text",
        "是否": "checkbox",
        "其他": "text",
    }
    cols = {c.name: c for c in plan.sheets[0].columns}
    assert any("3/5/2024" in n.en and "3/5/2024" in n.zh for n in cols["美式"].notes)
    assert cols["金额"].options["symbol"] == "¥"
    assert [n.en for n in cols["其他"].notes] == ["The column is empty"]  # junk is empty


def test_below_the_threshold_a_column_stays_text(tmp_path: Path) -> None:
    values = [str(i) for i in range(17)] + ["abc", "def", "ghi"]
    path = workbook(tmp_path / "x.xlsx", {"S": [["代码"]] + [[v] for v in values]})
    col = plan_of(path).sheets[0].columns[0]
    assert col.type == "text"
    assert "85%" in col.notes[0].en and "85%" in col.notes[0].zh
    assert plan_of(path, threshold=0.8).sheets[0].columns[0].type == "number"


def test_day_first_dates_are_recognised(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "d.xlsx", {"S": [["Date"], ["25/12/2024"], ["3/5/2024"], ["13/1/2024"]]}
    )
    col = plan_of(path).sheets[0].columns[0]
    assert col.type == "date" and col.options == {"date_format": "european"}


def test_excel_serial_numbers_in_a_date_column_become_dates(tmp_path: Path) -> None:
    path = workbook(tmp_path / "s.xlsx", {"S": [["生日"], [45356], [45357], [44000]]})
    col = plan_of(path).sheets[0].columns[0]
    assert col.type == "date" and col.serial_dates


def test_a_sheet_that_does_not_exist_is_named(tmp_path: Path) -> None:
    path = workbook(tmp_path / "n.xlsx", {"A": [["x"], [1]]})
    with Source(path) as source, pytest.raises(Exception) as e:
        plan_source(source, sheets=["B"])
    assert "'B'" in str(e.value) and "工作表" in str(e.value)
