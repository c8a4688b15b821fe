"""A large sheet is scanned for its types while it is parsed (`engine.imports.ahead`): the plan
is the one scanning after the parse gives, and whenever what the early scan assumed does not
hold (merged cells, a wrong dimension, columns further left below the first rows), the sheet is
scanned again after the parse."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pytest

from engine.imports import ImportRefused, Limits, Source, helper, plan_source, sheetdata
from engine.imports.ahead import Ahead
from tests.import_helpers import rewrite_sheet, workbook

PART = "xl/worksheets/sheet1.xml"
HEADER = ["订单号", "手机", "金额", "下单日期", "渠道", "备注", "编号"]


def _rows(n: int) -> list[list[Any]]:
    rows: list[list[Any]] = [HEADER]
    for i in range(n):
        rows.append(
            [
                f"SO{i:06d}",
                13_800_000_000 + i,
                round(10 + i * 1.25, 2),
                dt.date(2024, 1, 1) + dt.timedelta(days=i % 300),
                ["天猫", "京东", "抖音"][i % 3],
                "N/A" if i % 7 == 0 else f"备注 {i}",
                # numbers, then text past the early rows: the scan decides late
                i if i < n - 400 else f"X-{i}",
            ]
        )
    return rows


def _plans(
    path: Path, monkeypatch: pytest.MonkeyPatch, limits: Limits | None = None
) -> tuple[Any, Any, list[bool]]:
    """The plan with the early scan, the plan scanned after the parse, and whether the early
    scan's result was used."""
    monkeypatch.setattr(sheetdata, "READ_BYTES", 2048)
    monkeypatch.setattr(helper, "wanted", lambda size: True)
    used: list[bool] = []
    outcome = Ahead.outcome

    def spy(self: Ahead, sheet: Any) -> Any:
        found = outcome(self, sheet)
        used.append(found is not None)
        return found

    plans = []
    for early in (spy, lambda self, sheet: None):
        monkeypatch.setattr(Ahead, "outcome", early)
        with Source(path, limits=limits) as source:
            plans.append(plan_source(source).model_dump())
    return plans[0], plans[1], used


def test_the_plan_of_a_sheet_scanned_while_parsed_is_the_plan_scanned_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = workbook(tmp_path / "orders.xlsx", {"订单": _rows(3000)})
    early, after, used = _plans(path, monkeypatch)
    assert used == [True]
    assert early == after
    columns = {c["name"]: c for c in early["sheets"][0]["columns"]}
    assert columns["手机"]["type"] == "phone" and columns["渠道"]["type"] == "single_select"
    assert columns["编号"]["type"] == "text"  # its last rows are text
    assert early["sheets"][0]["rows"] == 3000


def _merged_title(ws: Any) -> None:
    ws.insert_rows(1)
    ws["A1"] = "2024 年订单"
    ws.merge_cells("A1:G1")


def _merged_body(ws: Any) -> None:
    ws.merge_cells("E2000:E2003")


@pytest.mark.parametrize(
    ("case", "edit"),
    [("title", _merged_title), ("body", _merged_body)],
)
def test_merged_cells_make_the_sheet_scanned_after_the_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, edit: Any
) -> None:
    path = workbook(tmp_path / f"{case}.xlsx", {"订单": _rows(3000)}, 订单=edit)
    early, after, used = _plans(path, monkeypatch)
    assert used == [False]
    assert early == after


def test_a_wrong_dimension_makes_the_sheet_scanned_after_the_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = workbook(tmp_path / "dim.xlsx", {"订单": _rows(3000)})
    assert '<dimension ref="A1:G3001" />' in zipfile.ZipFile(path).read(PART).decode()
    rewrite_sheet(
        path,
        lambda xml: xml.replace('<dimension ref="A1:G3001" />', '<dimension ref="A1:G9000" />'),
    )
    early, after, used = _plans(path, monkeypatch)
    assert used == [False]
    assert early == after


def test_a_column_further_left_below_the_first_rows_makes_the_sheet_scanned_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [[None, *r] for r in _rows(3000)]
    rows[2500][0] = "a note left of the table"
    path = workbook(tmp_path / "left.xlsx", {"订单": rows})
    early, after, used = _plans(path, monkeypatch)
    assert used == [False]
    assert early == after


def test_a_sheet_over_the_cell_limit_is_refused_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = workbook(tmp_path / "big.xlsx", {"订单": _rows(3000)})
    said = []
    for early in (True, False):
        monkeypatch.setattr(sheetdata, "READ_BYTES", 2048)
        monkeypatch.setattr(helper, "wanted", lambda size: True)
        if not early:
            monkeypatch.setattr(Ahead, "outcome", lambda self, sheet: None)
        with (
            Source(path, limits=Limits(max_cells=5000)) as source,
            pytest.raises(ImportRefused) as refused,
        ):
            plan_source(source)
        said.append(str(refused.value))
    assert said[0] == said[1]
