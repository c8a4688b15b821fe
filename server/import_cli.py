"""`tessera import` and `tessera export`: Excel and CSV in and out, from the command line.

tessera import FILE [--base NAME] [--sheet NAME ...] [--into TABLE --key FIELD] [--dry-run]
                    [--report PATH] [--on-invalid keep|report] [--timezone ZONE] [--user EMAIL]
tessera export --base NAME --table NAME [--view NAME] --out FILE.xlsx|csv [--user EMAIL]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

import engine
from engine.exports import export
from engine.imports import (
    ImportPlan,
    ImportResult,
    Limits,
    Source,
    map_to_table,
    plan_source,
    run_import,
)
from engine.users import user_by_email

MB = 1024 * 1024


def register(sub: Any) -> None:
    """Add `import` and `export` to the `tessera` command line's subparsers."""
    p = sub.add_parser("import", help="import an .xlsx, .csv or .tsv file into tables")
    p.add_argument("file", type=Path)
    p.add_argument(
        "--base", help="the base to import into (made if missing; default: the file's name)"
    )
    p.add_argument(
        "--sheet",
        action="append",
        dest="sheets",
        metavar="NAME",
        help="only this sheet (repeatable)",
    )
    p.add_argument("--into", metavar="TABLE", help="fill this existing table instead of making one")
    p.add_argument("--key", metavar="FIELD", help="with --into: update records whose FIELD matches")
    p.add_argument("--dry-run", action="store_true", help="show what would be done; write nothing")
    p.add_argument("--report", type=Path, metavar="PATH", help="write the import report (.xlsx)")
    p.add_argument(
        "--on-invalid",
        choices=("keep", "report"),
        default="keep",
        help="keep refused values as text beside their field (default), or hold their rows",
    )
    p.add_argument("--timezone", default="UTC", help="zone of date-times without an offset")
    p.add_argument("--threshold", type=float, default=0.9, help="share of values a type must fit")
    p.add_argument("--max-file-mb", type=int, default=200)
    p.add_argument("--max-cells", type=int, default=50_000_000)
    p.add_argument("--user", metavar="EMAIL", help="act as this user")
    p.set_defaults(func=cmd_import)
    e = sub.add_parser("export", help="export a table or a view to .xlsx or .csv")
    e.add_argument("--base", required=True)
    e.add_argument("--table", required=True)
    e.add_argument("--view", help="export what this view shows (its filter, sorts and fields)")
    e.add_argument("--out", required=True, type=Path, help="FILE.xlsx or FILE.csv")
    e.add_argument("--user", metavar="EMAIL", help="act as this user")
    e.set_defaults(func=cmd_export)


def _connect(args: argparse.Namespace) -> engine.Database:
    db = engine.connect(args.db)
    if args.user:
        with db.read() as conn:
            db = db.acting_as(user_by_email(conn, args.user).id)
    return db


def _base(db: engine.Database, name: str, *, create: bool) -> engine.Base:
    try:
        return db.base(name)
    except engine.NotFound:
        if not create:
            raise
        return db.create_base(name)


def print_plan(console: Console, plan: ImportPlan) -> None:
    for sheet in plan.sheets:
        where = (
            f"existing table {sheet.table!r}" if sheet.existing else f"new table {sheet.table!r}"
        )
        console.print(
            f"[bold]{sheet.sheet}[/bold] → {where}: {sheet.rows} rows, header on row "
            f"{sheet.header_rows[-1] + 1}"
            + (f", key {sheet.key!r} ({sheet.mode})" if sheet.key else "")
        )
        t = RichTable(show_header=True, header_style="bold")
        for col in ("column", "field", "type", "confidence", "examples", "notes"):
            t.add_column(col)
        for c in sheet.columns:
            kind = "skipped" if c.skip else c.type
            if c.link is not None and c.link.use:
                kind = f"link → {c.link.sheet}"
            options = {k: v for k, v in c.options.items() if k != "choices"}
            if "choices" in c.options:
                options["choices"] = len(c.options["choices"])
            t.add_row(
                c.header or "",
                c.name + (" (existing)" if c.existing else ""),
                kind + (f" {options}" if options else ""),
                f"{c.confidence:.0%}",
                ", ".join(c.examples)[:40],
                "; ".join(n.en for n in c.notes)[:80],
            )
        console.print(t)


def print_result(console: Console, result: ImportResult) -> None:
    verb = "Would import" if result.dry_run else "Imported"
    for s in result.sheets:
        console.print(
            f"{verb} {s.sheet!r} into {'new' if s.created else 'existing'} table {s.table!r}: "
            f"{s.inserted} added, {s.updated} updated, {s.held} held back, "
            f"{s.kept} values kept as text, {s.blank_rows} blank rows skipped"
            + (f"; links: {', '.join(s.linked)}" if s.linked else "")
        )
    if result.report.entries:
        console.print(f"{len(result.report.entries)} entries in the import report")


class _DryRun(Exception):
    pass


def cmd_import(args: argparse.Namespace) -> int:
    try:
        return _import(args)
    except _DryRun:
        return 0


def _import(args: argparse.Namespace) -> int:
    console = Console()
    if args.key and not args.into:
        raise engine.TesseraError("--key needs --into TABLE", "--key 需要与 --into TABLE 一起使用")
    limits = Limits(max_file_bytes=args.max_file_mb * MB, max_cells=args.max_cells)
    with _connect(args) as db, Source(args.file, limits=limits) as source, db.transaction() as tx:
        # one transaction for the base and the import: a dry run leaves no new base either
        base = _base(tx, args.base or args.file.stem, create=True)
        with _progress(console) as progress:
            plan = plan_source(
                source,
                sheets=args.sheets,
                threshold=args.threshold,
                timezone=args.timezone,
                on_invalid=args.on_invalid,
                progress=_reporter(progress, "Reading"),
            )
        if args.into:
            table = base.table(args.into)
            plan.sheets = [map_to_table(plan.sheets[0], table, key=args.key)]
        print_plan(console, plan)
        with _progress(console) as progress:
            result = run_import(
                tx,
                base,
                source,
                plan,
                dry_run=args.dry_run,
                progress=_reporter(progress, "Importing"),
            )
        print_result(console, result)
        if args.report is not None:
            result.report.write_xlsx(args.report)
            console.print(f"Report written to {args.report}")
        if args.dry_run:
            raise _DryRun
    return 0


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _reporter(progress: Progress, verb: str) -> Any:
    tasks: dict[str, Any] = {}

    def report(sheet: str, done: int, total: int | None) -> None:
        task = tasks.get(sheet)
        if task is None:
            task = tasks[sheet] = progress.add_task(f"{verb} {sheet}", total=total)
        progress.update(task, completed=done, total=total)

    return report


def cmd_export(args: argparse.Namespace) -> int:
    with _connect(args) as db:
        table = db.base(args.base).table(args.table)
        spec = fields = None
        if args.view:
            from views import store
            from views.api import Views

            view = Views(table).get(args.view)
            schema = table.schema()
            spec = store.query_spec(view, schema)
            fields = store.visible_field_ids(view, schema)
        result = export(table, args.out, spec=spec, fields=fields)
    print(f"Exported {result.rows} records ({len(result.fields)} fields) to {result.path}")
    return 0
