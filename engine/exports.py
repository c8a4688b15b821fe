"""Export a table, or what a view shows, to .xlsx or .csv, a page at a time.

.xlsx is written with openpyxl's write-only mode: typed cells (numbers, dates and date-times
with date formats, currency and percent formats, checkboxes as TRUE/FALSE, links and lists as
their text), a bold frozen header with an autofilter, column widths, and single and multiple
select options as dropdown lists. A hidden sheet records each column's field type and options,
so that importing the file again gives the same table. .csv is UTF-8 with a byte-order mark, so
Excel opens Chinese text correctly.

Records are read through the facade's table handle, as its user sees them (hidden fields and
rows stay hidden), in one read transaction."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from schemas.query import FieldRef, Page, QuerySpec

from . import audit, permissions, query
from .errors import TesseraError
from .model import FieldDef
from .record import Record

if TYPE_CHECKING:
    from .api import Table

META_SHEET = "Tessera fields"  # the hidden sheet of field types (see `import`)
PAGE = 1000
MAX_ROWS = 1_048_575  # an Excel sheet's rows below the header
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
_WIDTHS = {"date": 12, "datetime": 20, "checkbox": 10, "number": 12, "currency": 14, "percent": 10}


@dataclass
class ExportResult:
    path: Path
    rows: int
    fields: list[str]


def iter_records(
    table: Table,
    spec: QuerySpec | None = None,
    *,
    fields: Sequence[FieldRef] | None = None,
    page_size: int = PAGE,
) -> Iterator[Record]:
    """Every record the query (all of the table, in its order, by default) matches, read a page
    at a time in one read transaction, as the table's user may see them."""
    base = spec or QuerySpec()
    update: dict[str, Any] = {"count": False, "aggregates": [], "groups": []}
    if fields is not None:
        update["fields"] = list(fields)
    spec = base.model_copy(update=update)
    with table.db.read() as conn:
        schema = permissions.schema_for(conn, table.id, table.db.user)
        ctx = query.QueryContext(user_id=table.db.user)
        after: str | None = None
        while True:
            spec = spec.model_copy(update={"page": Page(size=page_size, after=after)})
            result = query.run(conn, schema, spec, ctx)
            yield from result.records
            if result.next is None:
                return
            after = result.next


def export_fields(table: Table, refs: Sequence[FieldRef] | None = None) -> list[FieldDef]:
    schema = table.schema()
    return query.visible_fields(schema, list(refs) if refs is not None else None)


def export(
    table: Table,
    path: str | Path,
    *,
    spec: QuerySpec | None = None,
    fields: Sequence[FieldRef] | None = None,
) -> ExportResult:
    """Write the table (or the query `spec`: a view's filter and sorts) to `path`; the format
    follows the suffix (.xlsx or .csv). `fields` are the columns, in order (all by default)."""
    out = Path(path)
    defs = export_fields(table, fields if fields is not None else (spec.fields if spec else None))
    records = iter_records(table, spec, fields=[f.id for f in defs])
    suffix = out.suffix.lower()
    if suffix == ".csv":
        rows = write_csv(out, defs, records)
    elif suffix == ".xlsx":
        rows = write_xlsx(out, table.name, defs, records)
    else:
        raise TesseraError(
            f"Export to .xlsx or .csv, not {suffix or 'a file without a suffix'}",
            f"只能导出为 .xlsx 或 .csv，而不是 {suffix or '无后缀的文件'}",
        )
    table.db._write(  # the audit log records who exported what
        lambda c: audit.exported(c, user_id=table.db.user, table_id=table.id, rows=rows, path=out)
    )
    return ExportResult(out, rows, [f.name for f in defs])


# --- cells --------------------------------------------------------------------------------------
def _titles(value: Any) -> str:
    if not value:
        return ""
    return ", ".join(str(v.get("title") or v.get("name") or v.get("id")) for v in value)


def text_value(f: FieldDef, value: Any) -> str:
    """A value as text in a CSV cell, in the form the import reads back."""
    if value is None:
        return ""
    kind = f.type.name
    if kind == "checkbox":
        return "TRUE" if value else "FALSE"
    if kind in ("link", "lookup", "attachment"):
        return (
            _titles(value)
            if isinstance(value, list) and value and isinstance(value[0], dict)
            else _plain(value)
        )
    if isinstance(value, list):
        return ", ".join(map(_plain, value))
    return f.type.to_text(value)


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(_plain, value))
    if isinstance(value, dict):
        return str(value.get("title") or value.get("name") or value.get("id") or "")
    return "" if value is None else str(value)


def excel_value(f: FieldDef, value: Any) -> Any:
    """A value as an Excel cell holds it: numbers, dates, booleans stay typed."""
    if value is None:
        return None
    kind = f.type.name
    if kind == "checkbox":
        return bool(value)
    if kind in ("number", "currency", "percent", "rating", "autonumber", "count", "duration"):
        return value if isinstance(value, int | float) else text_value(f, value)
    if kind in ("date", "datetime", "created_time", "last_modified_time"):
        return f.type.to_excel(value) if kind == "datetime" else _naive(value)
    if isinstance(value, list):
        return text_value(f, value)
    if isinstance(value, int | float | bool) and kind not in ("text", "long_text", "phone"):
        return value
    text = value if isinstance(value, str) else f.type.to_text(value)
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _naive(value: Any) -> Any:
    tz = getattr(value, "tzinfo", None)
    return value.replace(tzinfo=None) if tz is not None else value


def number_format(f: FieldDef) -> str | None:
    kind, opts = f.type.name, f.type.options
    if kind == "number":
        p = opts.precision
        return "0" if p == 0 else "0." + "0" * p
    if kind == "currency":
        p = opts.precision
        decimals = "." + "0" * p if p else ""
        return f'"{opts.symbol}"#,##0{decimals};-"{opts.symbol}"#,##0{decimals}'
    if kind == "percent":
        p = opts.precision
        return "0%" if p == 0 else "0." + "0" * p + "%"
    if kind in ("date",):
        return "yyyy-mm-dd"
    if kind in ("datetime", "created_time", "last_modified_time"):
        return "yyyy-mm-dd hh:mm:ss"
    return None


# --- writers ------------------------------------------------------------------------------------
def write_csv(path: Path, fields: Sequence[FieldDef], records: Iterator[Record]) -> int:
    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow([fd.name for fd in fields])
        for rec in records:
            w.writerow([text_value(fd, rec.by_id.get(fd.id)) for fd in fields])
            n += 1
    return n


def sheet_title(name: str) -> str:
    title = _SHEET_NAME.sub(" ", name).strip("' ")[:31]
    return title or "Sheet1"


def write_xlsx(path: Path, name: str, fields: Sequence[FieldDef], records: Iterator[Record]) -> int:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title(name))
    ws.freeze_panes = "A2"
    for i, fd in enumerate(fields, start=1):
        width = _WIDTHS.get(fd.type.name, 18)
        ws.column_dimensions[get_column_letter(i)].width = max(width, min(len(fd.name) * 2 + 2, 40))
    bold = Font(bold=True)
    header = []
    for fd in fields:
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", fd.name))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    formats = [number_format(fd) for fd in fields]
    n = 0
    for rec in records:
        if n >= MAX_ROWS:
            raise TesseraError(
                f"More than {MAX_ROWS:,} records do not fit an Excel sheet; export to .csv",
                f"超过 {MAX_ROWS:,} 条记录无法放入一个 Excel 工作表；请导出为 .csv",
            )
        row: list[Any] = []
        for fd, fmt in zip(fields, formats, strict=True):
            value = excel_value(fd, rec.by_id.get(fd.id))
            if fmt is not None and value is not None and not isinstance(value, str):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = fmt
                row.append(cell)
            elif isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"  # text that looks like a formula stays text
                row.append(cell)
            else:
                row.append(value)
        ws.append(row)
        n += 1
    last = get_column_letter(max(len(fields), 1))
    ws.auto_filter.ref = f"A1:{last}{n + 1}"
    _dropdowns(wb, ws, fields)
    _meta_sheet(wb, name, fields)
    wb.save(path)
    return n


def _dropdowns(wb: Workbook, ws: Any, fields: Sequence[FieldDef]) -> None:
    """Select options as list validations; long lists live on a hidden sheet."""
    lists = None
    for i, fd in enumerate(fields, start=1):
        if fd.type.name not in ("single_select", "multiple_select"):
            continue
        names = [c.name for c in fd.type.options.choices]
        if not names:
            continue
        inline = ",".join(names)
        if len(inline) <= 250 and not any("," in n or '"' in n for n in names):
            formula = f'"{inline}"'
        else:
            if lists is None:
                lists = wb.create_sheet("Options")
                lists.sheet_state = "hidden"
                columns: list[list[str]] = []
            columns.append(names)
            col = get_column_letter(len(columns))
            formula = f"Options!${col}$1:${col}${len(names)}"
        letter = get_column_letter(i)
        dv = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=fd.type.name == "single_select",
        )
        dv.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        ws.data_validations.append(dv)
    if lists is not None:
        longest = max(map(len, columns))
        for r in range(longest):
            lists.append([c[r] if r < len(c) else None for c in columns])


def _meta_sheet(wb: Workbook, name: str, fields: Sequence[FieldDef]) -> None:
    meta = wb.create_sheet(META_SHEET)
    meta.sheet_state = "hidden"
    meta.append(["table", "field", "type", "options"])
    for fd in fields:
        meta.append(
            [name, fd.name, fd.type.name, json.dumps(fd.type.options_dict(), ensure_ascii=False)]
        )
