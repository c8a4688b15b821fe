"""`/api/` imports and exports: Excel and CSV files in and out of a base, through the engine's
import and export."""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response

from engine import exports

from . import models as m
from .endpoints import Call, endpoint
from .errors import bad_request
from .tessera import table_of


@endpoint(
    "GET",
    "/api/tables/{table_id}/export",
    "Export the table (format=csv or xlsx)",
    query=[("format", "string", "csv (default) or xlsx")],
    tag="imports and exports",
)
def export_table(c: Call) -> Response:
    table = table_of(c)
    kind = c.query.get("format", "csv")
    if kind not in ("csv", "xlsx"):
        raise bad_request("format must be csv or xlsx", "format 必须是 csv 或 xlsx")
    folder = Path(tempfile.mkdtemp(prefix="tessera-export-"))
    path = folder / f"export.{kind}"
    exports.export(table, path)

    def clean() -> None:
        path.unlink(missing_ok=True)
        folder.rmdir()

    media = (
        "text/csv"
        if kind == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return FileResponse(
        path, media_type=media, filename=f"{table.name}.{kind}", background=BackgroundTask(clean)
    )


IMPORT_QUERY = [
    ("filename", "string", "the file's name: .xlsx or .csv (required)"),
    ("into", "string", "an existing table to import into (default: new tables)"),
    ("key", "string", "with into: the field to match rows on (update, else insert)"),
    ("dry_run", "boolean", "plan and check only; nothing is written"),
]


@endpoint(
    "POST",
    "/api/bases/{base_id}/imports",
    "Import an Excel or CSV file (the body is the file)",
    response=m.ImportOut,
    query=IMPORT_QUERY,
    raw_body=True,
    tag="imports and exports",
)
def import_file(c: Call) -> m.ImportOut:
    from engine.imports import import_file as run_import

    c.who.write()
    base = c.who.base(c.path["base_id"])
    name = Path(c.query.get("filename", "")).name
    if Path(name).suffix.lower() not in (".xlsx", ".csv"):
        raise bad_request(
            "filename must name an .xlsx or .csv file", "filename 必须是 .xlsx 或 .csv 文件"
        )
    if not c.body:
        raise bad_request("The body must be the file", "请求体必须是文件内容")
    with tempfile.TemporaryDirectory(prefix="tessera-import-") as folder:
        path = Path(folder) / name
        path.write_bytes(c.body)
        result = run_import(
            c.who.db, base, path, into=c.query.get("into") or None, key=c.query.get("key") or None,
            dry_run=c.query.get("dry_run", "").lower() in ("1", "true", "yes"),
        )  # fmt: skip
    return m.ImportOut(
        dry_run=result.dry_run, inserted=result.inserted, held_rows=result.report.held_rows(),
        kept_values=result.report.kept_values(),
        sheets=[m.SheetOut(sheet=sh.sheet, table=sh.table, table_id=sh.table_id, created=sh.created,
                           inserted=sh.inserted, updated=sh.updated, held=sh.held, kept=sh.kept)
                for sh in result.sheets],
    )  # fmt: skip
