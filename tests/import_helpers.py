"""Workbooks and files that the import tests build: each case written as a person's Excel has it."""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook


def workbook(path: Path, sheets: dict[str, Sequence[Sequence[Any]]], **edit: Any) -> Path:
    """A workbook with one sheet per entry (rows as lists); `edit(ws)` callbacks by sheet name
    may merge cells or set number formats."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        fn: Callable[[Any], None] | None = edit.get(name)
        if fn is not None:
            fn(ws)
    wb.save(path)
    return path


def rewrite_sheet(
    path: Path, change: Callable[[str], str], part: str = "xl/worksheets/sheet1.xml"
) -> Path:
    """Rewrite one part of an .xlsx (for what openpyxl does not write: cached formula values, a
    dimension of 16,384 columns)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == part:
                data = change(data.decode()).encode()
            dst.writestr(item, data)
    shutil.move(tmp, path)
    return path


def cache_formulas(path: Path, values: dict[str, Any]) -> Path:
    """Give formula cells the cached values Excel would have saved (openpyxl computes none)."""

    def change(xml: str) -> str:
        for ref, value in values.items():
            xml = re.sub(
                rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)<v\s*/>',
                lambda m, v=value: f"{m.group(1)}{m.group(2)}<v>{v}</v>",
                xml,
            )
        return xml

    return rewrite_sheet(path, change)


def widen_dimension(path: Path) -> Path:
    """Claim 16,384 columns (A:XFD), as sheets with formatting applied to whole rows do, and put
    an empty formatted cell in the last column."""

    def change(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD20"/>', xml)
        return xml.replace("</row>", '<c r="XFD1" s="0"/></row>', 1)

    return rewrite_sheet(path, change)
