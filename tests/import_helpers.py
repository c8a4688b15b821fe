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


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def raw_workbook(
    path: Path,
    sheet_data: str,
    *,
    shared: Sequence[str] = (),
    formats: Sequence[int | str] = (),
    date1904: bool = False,
    head: str = "",
    tail: str = "",
) -> Path:
    """A one-sheet workbook written part by part, for cell forms openpyxl never writes: rows
    given as the XML inside <sheetData>, shared strings as the XML inside each <si>, cell
    styles 1.. by number format (a built-in id or a custom code), the 1904 date system."""
    custom = {code: 164 + i for i, code in enumerate(f for f in formats if isinstance(f, str))}
    ids = [custom[f] if isinstance(f, str) else f for f in formats]
    num_fmts = "".join(
        f'<numFmt numFmtId="{i}" formatCode="{_attr(code)}"/>' for code, i in custom.items()
    )
    xfs = '<xf numFmtId="0"/>' + "".join(f'<xf numFmtId="{i}" applyNumberFormat="1"/>' for i in ids)
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Target="xl/workbook.xml" '
            f'Type="{_REL}/officeDocument"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            + ('<workbookPr date1904="1"/>' if date1904 else "")
            + '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_PKG}">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(custom)}">{num_fmts}</numFmts>' if custom else "")
            + '<fonts count="1"><font/></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            + '<borders count="1"><border/></borders>'
            + f'<cellXfs count="{len(ids) + 1}">{xfs}</cellXfs></styleSheet>'
        ),
        "xl/sharedStrings.xml": (
            f'<sst xmlns="{_MAIN}" count="{len(shared)}" uniqueCount="{len(shared)}">'
            + "".join(f"<si>{s}</si>" for s in shared)
            + "</sst>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">{head}'
            f"<sheetData>{sheet_data}</sheetData>{tail}</worksheet>"
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + text)
    return path


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
