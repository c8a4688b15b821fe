"""Import .xlsx, .csv / .tsv files and pasted tables into tables, with nothing lost.

    from engine.imports import Source, plan_source, run_import

    with Source("orders.xlsx") as source:
        plan = plan_source(source)                # what each column is, with confidence
        plan.sheets[0].columns[3].type = "phone"  # any guess can be changed
        result = run_import(db, base, source, plan)
    result.report.write_xlsx("report.xlsx")       # values kept aside, rows held back

`import_file` does the three steps at once, into new tables or an existing one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..lazy import loader

if TYPE_CHECKING:
    from .guard import ImportRefused, Limits
    from .plan import ColumnPlan, ImportPlan, LinkPlan, Note, SheetPlan
    from .planner import Source, map_to_table, plan_source
    from .report import Entry, Report
    from .run import ImportResult, SheetResult, run_import
    from .scan import Progress

_WHERE = {  # loaded when first used: the parse helper process loads only the .xlsx reader
    "ImportRefused": ".guard",
    "Limits": ".guard",
    "ColumnPlan": ".plan",
    "ImportPlan": ".plan",
    "LinkPlan": ".plan",
    "Note": ".plan",
    "SheetPlan": ".plan",
    "Source": ".planner",
    "map_to_table": ".planner",
    "plan_source": ".planner",
    "Entry": ".report",
    "Report": ".report",
    "ImportResult": ".run",
    "SheetResult": ".run",
    "run_import": ".run",
    "Progress": ".scan",
}


__getattr__ = loader(__name__, _WHERE)


def import_file(
    db: Any,
    base: Any,
    path: str | Path,
    *,
    sheets: Sequence[str] | None = None,
    into: str | None = None,
    key: str | None = None,
    dry_run: bool = False,
    on_invalid: str = "keep",
    timezone: str = "UTC",
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Plan and run an import of `path` into `base`: new tables, or the existing table `into`
    (upserting on the field `key` when given)."""
    from .planner import Source, map_to_table, plan_source
    from .run import run_import

    with Source(path, limits=limits) as source:
        plan = plan_source(
            source, sheets=sheets, timezone=timezone, on_invalid=on_invalid, progress=progress
        )
        if into is not None:
            plan.sheets = [map_to_table(s, base.table(into), key=key) for s in plan.sheets[:1]]
        return run_import(db, base, source, plan, dry_run=dry_run, progress=progress)


__all__ = [
    "ColumnPlan",
    "Entry",
    "ImportPlan",
    "ImportRefused",
    "ImportResult",
    "Limits",
    "LinkPlan",
    "Note",
    "Report",
    "SheetPlan",
    "SheetResult",
    "Source",
    "import_file",
    "map_to_table",
    "plan_source",
    "run_import",
]
