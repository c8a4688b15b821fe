"""The import report: every value that did not go in as it was, and every row held back, with
its row number in the file, its column, the value and the reason — downloadable as .xlsx."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Font

Action = Literal["kept", "held", "duplicate", "updated"]
ACTIONS = {
    "kept": ("value kept as text in {companion}", "原值以文本保存在 {companion}"),
    "held": ("row not imported", "该行未导入"),
    "duplicate": (
        "row not imported: its key repeats an earlier row",
        "该行未导入：键值与前面的行重复",
    ),
}


@dataclass
class Entry:
    sheet: str
    row: int  # the row number a person sees in the file (1-based)
    column: str
    value: Any
    reason_en: str
    reason_zh: str
    action: Action
    companion: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": _shown(self.value),
            "reason": {"en": self.reason_en, "zh": self.reason_zh},
            "action": self.action,
            "companion": self.companion,
        }


@dataclass
class Report:
    entries: list[Entry] = field(default_factory=list)

    def add(self, entry: Entry) -> None:
        self.entries.append(entry)

    def held_rows(self) -> int:
        return len({(e.sheet, e.row) for e in self.entries if e.action in ("held", "duplicate")})

    def kept_values(self) -> int:
        return sum(1 for e in self.entries if e.action == "kept")

    def write_xlsx(self, path: str | Path) -> Path:
        """The report as a workbook: one row per entry, a bold frozen header, an autofilter."""
        out = Path(path)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Import report 导入报告")
        ws.freeze_panes = "A2"
        headers = [
            "Sheet 工作表",
            "Row 行号",
            "Column 列",
            "Value 值",
            "Reason 原因",
            "原因",
            "What was done 处理",
        ]
        for width, letter in zip((18, 8, 18, 30, 50, 40, 36), "ABCDEFG", strict=True):
            ws.column_dimensions[letter].width = width
        from openpyxl.cell import WriteOnlyCell

        bold = Font(bold=True)
        header_cells = []
        for h in headers:
            cell = WriteOnlyCell(ws, value=h)
            cell.font = bold
            header_cells.append(cell)
        ws.append(header_cells)
        for e in self.entries:
            en, zh = ACTIONS.get(e.action, (e.action, e.action))
            ws.append(
                [
                    e.sheet,
                    e.row,
                    e.column,
                    _shown(e.value),
                    e.reason_en,
                    e.reason_zh,
                    f"{en.format(companion=e.companion)} / {zh.format(companion=e.companion)}",
                ]
            )
        ws.auto_filter.ref = f"A1:G{len(self.entries) + 1}"
        wb.save(out)
        return out


def _shown(value: Any) -> Any:
    if value is None or isinstance(value, int | float | str | bool):
        return value
    return str(value)
