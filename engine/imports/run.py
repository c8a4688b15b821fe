"""Running a plan: tables made or filled through the engine's facade, as the acting user, in
one write transaction (a failure leaves nothing behind; a dry run rolls everything back).

Rows go in a chunk at a time with `Table.insert_many` (or `update_many` for upserts). A value
its field refuses is kept as text in a companion "<field> (original)" field (or, if the plan
says so or the row cannot go in without it, the row is held back); either way it is in the
report with its row number, column, value and reason, so nothing is lost."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem, TesseraError, ValidationError, ValueProblem
from ..names import name_key
from .collect import fewer_collections
from .guard import ImportRefused
from .layout import Layout
from .plan import ColumnPlan, ImportPlan, SheetPlan
from .planner import Source, check_types
from .readers import Sheet
from .report import Entry, Report
from .scan import Progress, column_chunks
from .values import as_text, converter

HOLD = {"required", "not_unique", "unique"}  # problems a companion field cannot solve


@dataclass
class SheetResult:
    sheet: str
    table: str
    table_id: int
    created: bool
    inserted: int = 0
    updated: int = 0
    held: int = 0
    kept: int = 0
    blank_rows: int = 0
    linked: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    plan: ImportPlan
    sheets: list[SheetResult]
    report: Report
    dry_run: bool = False

    @property
    def inserted(self) -> int:
        return sum(s.inserted for s in self.sheets)


class _DryRun(Exception):
    pass


@fewer_collections()
def run_import(
    db: Any,
    base: Any,
    source: Source,
    plan: ImportPlan,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    batch: int = 10_000,
) -> ImportResult:
    """Import `source` into `base` (an engine Base) as `plan` says; `db` is the engine Database
    acting as the importing user. Returns what was done and the report."""
    check_types(plan)
    report = Report()
    results: list[SheetResult] = []
    order = _link_order(plan)
    try:
        # a savepoint inside the transaction: a dry run (or a failure) undoes the import even
        # when the caller's database is already in a transaction of its own
        with db.transaction() as tx, tx.write():
            tb = tx.base(base.id)
            names = {name_key(t.name) for t in tb.tables()}
            tables: dict[str, Any] = {}
            for sp in order:
                sheet = source.sheet(sp.sheet)
                table, created = _table(tb, sp, plan, names)
                tables[sp.sheet] = table
                result = SheetResult(sp.sheet, table.name, table.id, created)
                _fill(table, sheet, sp, plan, result, report, progress, batch)
                results.append(result)
            for sp, result in zip(order, results, strict=True):
                _links(tables, sp, result)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    by_sheet = {r.sheet: r for r in results}
    ordered = [by_sheet[s.sheet] for s in plan.sheets if s.sheet in by_sheet]
    return ImportResult(plan, ordered, report, dry_run)


def _link_order(plan: ImportPlan) -> list[SheetPlan]:
    """Sheets to import, those that others link to first."""
    todo = [s for s in plan.sheets if not s.skip]
    targets = {c.link.sheet for s in todo for c in s.columns if c.link and c.link.use}
    return [s for s in todo if s.sheet in targets] + [s for s in todo if s.sheet not in targets]


def _table(base: Any, sp: SheetPlan, plan: ImportPlan, names: set[str]) -> tuple[Any, bool]:
    if sp.existing:
        table = base.table(sp.table)
        schema = table.schema()
        for c in sp.columns:
            if not c.skip and not c.existing:
                table.add_field(c.name, c.type, options=_options(c, plan))
            elif not c.skip:
                schema.field(c.name)  # NotFound names the field the plan expects
        return table, False
    name, n = sp.table, 1
    while name_key(name) in names:
        n += 1
        name = f"{sp.table} {n}"
    names.add(name_key(name))
    specs = [
        {"name": c.name, "type": _created_type(c), "options": _options(c, plan)}
        for c in sp.columns
        if not c.skip
    ]
    primary = sp.primary if sp.primary and not sp.column(sp.primary).skip else None
    return base.create_table(name, specs, primary=primary), True


def _created_type(c: ColumnPlan) -> str:
    return "text" if c.link is not None and c.link.use else c.type


def _options(c: ColumnPlan, plan: ImportPlan) -> dict[str, Any]:
    if c.link is not None and c.link.use:
        return {}
    options = dict(c.options)
    if c.type == "datetime":
        options.setdefault("timezone", plan.timezone)
    return options


# --- rows ---------------------------------------------------------------------------------------
class Originals:
    """The file's values of a chunk's rows, row by row, made only for the rows asked for (a
    value to keep aside or report): the chunk is held by column."""

    def __init__(self, columns: Sequence[Sequence[Any]], rows: Sequence[int] | None = None):
        self.columns = columns
        self.rows = rows

    def __getitem__(self, i: int) -> list[Any]:
        r = self.rows[i] if self.rows is not None else i
        return [col[r] for col in self.columns]

    def take(self, indexes: Sequence[int]) -> Originals:
        rows = self.rows
        return Originals(self.columns, [rows[i] for i in indexes] if rows is not None else indexes)


class _Writer:
    """Writes the rows of one sheet into its table, handling values the fields refuse."""

    def __init__(
        self, table: Any, sp: SheetPlan, plan: ImportPlan, result: SheetResult, report: Report
    ) -> None:
        self.table, self.sp, self.plan = table, sp, plan
        self.result, self.report = result, report
        self.columns = [c for c in sp.columns if not c.skip]
        self.by_name = {c.name: c for c in self.columns}
        self.companions: dict[str, str] = {}
        self.schema_names = {f.name for f in table.fields}

    def companion(self, c: ColumnPlan) -> str:
        name = self.companions.get(c.name)
        if name is None:
            name = f"{c.name} (original)"
            n = 1
            taken = {name_key(f.name) for f in self.table.fields}
            while name_key(name) in taken:
                n += 1
                name = f"{c.name} (original {n})"
            self.table.add_field(name, "long_text")
            self.companions[c.name] = name
        return name

    def write(
        self, batch: Batch, numbers: list[int], originals: Originals, ids: list[int] | None = None
    ) -> None:
        """Insert the batch (column by column), or update the records `ids` (a dict of the
        fields to change for each), moving refused values aside."""
        n = len(numbers)
        pending = list(range(n))
        for _attempt in range(4):
            if not pending:
                return
            try:
                if ids is None:
                    assert isinstance(batch, dict)
                    if len(pending) == n:
                        self.table.insert_columns(batch)
                    else:
                        self.table.insert_columns(
                            {k: [col[i] for i in pending] for k, col in batch.items()}
                        )
                    self.result.inserted += len(pending)
                else:
                    assert isinstance(batch, list)
                    self.table.update_many([(ids[i], batch[i]) for i in pending])
                    self.result.updated += len(pending)
                return
            except ValidationError as e:
                pending = self._resolve(e.problems, pending, batch, numbers, originals)
        for i in pending:  # still refused after every value was moved aside
            self._hold(numbers[i], _row(batch, i), "still refused", "仍被拒绝")

    def _resolve(
        self,
        problems: list[Problem],
        pending: list[int],
        batch: Batch,
        numbers: list[int],
        originals: Originals,
    ) -> list[int]:
        held: set[int] = set()
        for p in problems:
            if p.row is None or p.row >= len(pending):
                raise ValidationError([p])
            i = pending[p.row]
            if i in held:
                continue
            c = self.by_name.get(p.field_name or "")
            value = originals[i][self.columns.index(c)] if c is not None else None
            if c is not None and p.code not in HOLD and self.plan.on_invalid == "keep":
                name = self.companion(c)
                _put(batch, len(numbers), i, c.name, None)
                _put(batch, len(numbers), i, name, as_text(value))
                self.result.kept += 1
                self.report.add(
                    Entry(
                        self.sp.sheet,
                        numbers[i] + 1,
                        c.header or c.name,
                        value,
                        p.message_en,
                        p.message_zh,
                        "kept",
                        name,
                    )
                )
            else:
                held.add(i)
                self.result.held += 1
                self.report.add(
                    Entry(
                        self.sp.sheet,
                        numbers[i] + 1,
                        c.header or c.name if c is not None else (p.field_name or ""),
                        value,
                        p.message_en,
                        p.message_zh,
                        "held",
                    )
                )
        return [i for i in pending if i not in held]

    def _hold(self, number: int, row: Any, en: str, zh: str) -> None:
        self.result.held += 1
        self.report.add(Entry(self.sp.sheet, number + 1, "", str(row), en, zh, "held"))


Batch = dict[str, list[Any]] | list[dict[str, Any]]  # columns to insert, or changes by record


def _put(batch: Batch, n: int, i: int, key: str, value: Any) -> None:
    if isinstance(batch, dict):
        column = batch.get(key)
        if column is None:
            column = batch[key] = [None] * n
        column[i] = value
    else:
        batch[i][key] = value


def _row(batch: Batch, i: int) -> dict[str, Any]:
    return {k: col[i] for k, col in batch.items()} if isinstance(batch, dict) else batch[i]


def _fill(
    table: Any,
    sheet: Sheet,
    sp: SheetPlan,
    plan: ImportPlan,
    result: SheetResult,
    report: Report,
    progress: Progress | None,
    batch: int,
) -> None:
    writer = _Writer(table, sp, plan, result, report)
    columns = writer.columns
    convert = [converter(c) for c in columns]
    names = [c.name for c in columns]
    sources = [c.source for c in columns]
    layout = Layout(
        header_rows=sp.header_rows,
        headers=[""] * sp.width,
        width=sp.width,
        merged_body=[
            m
            for m in (
                (r0 - sheet.row_base, c0 - sheet.col_base, r1 - sheet.row_base, c1 - sheet.col_base)
                for r0, c0, r1, c1 in sheet.merged
            )
            if m[0] >= sp.first_row
        ],
    )
    key = sp.key if sp.key is not None and sp.key in names else None
    key_at = names.index(key) if key is not None else -1
    existing = _existing_keys(table, key) if key is not None and sp.mode == "upsert" else None
    seen: dict[str, int] = {}
    done = 0
    for numbers, cells, blank in column_chunks(sheet, layout, sp.width, size=batch):
        result.blank_rows += blank
        if not numbers:
            continue
        n = len(numbers)
        picked = [cells[s] if s < len(cells) else [""] * n for s in sources]
        values = [f(col) for f, col in zip(convert, picked, strict=True)]
        originals = Originals(picked)
        given: dict[str, list[Any]] = dict(zip(names, values, strict=True))  # no dict per row
        if key is not None:
            given, numbers, originals, updates = _by_key(
                writer, given, numbers, originals, key, key_at, seen, existing, sp.dedupe
            )
            if updates:
                u_rows, u_numbers, u_originals, u_ids = updates
                writer.write(u_rows, u_numbers, u_originals, u_ids)
        if numbers:
            writer.write(given, numbers, originals)
        done += n
        if progress is not None:
            progress(sp.sheet, done, sp.rows or None)


def _key_text(v: Any) -> str | None:
    if v is None:
        return None
    text = as_text(v)
    return text.strip() or None if isinstance(text, str) else None


def _existing_keys(table: Any, key: str) -> dict[str, int]:
    from ..exports import iter_records

    f = table.field(key)
    out: dict[str, int] = {}
    for rec in iter_records(table, fields=[f.id]):
        value = rec.by_id.get(f.id)
        text = f.type.to_text(value) if value is not None else ""
        if text:
            out.setdefault(text.strip(), rec.id)
    return out


def _by_key(
    writer: _Writer,
    columns: dict[str, list[Any]],
    numbers: list[int],
    originals: Originals,
    key: str,
    key_at: int,
    seen: dict[str, int],
    existing: dict[str, int] | None,
    dedupe: bool,
) -> tuple[
    dict[str, list[Any]],
    list[int],
    Originals,
    tuple[list[dict[str, Any]], list[int], Originals, list[int]] | None,
]:
    """Rows split by their key: new ones to insert, known ones to update (upsert), repeats of
    an earlier row of the file held back (dedupe)."""
    f = writer.table.field(key) if existing is not None else None
    keep: list[int] = []
    update: list[int] = []
    ids: list[int] = []
    for i, value in enumerate(columns[key]):
        text = _key_text(value)
        if text is not None and f is not None:
            with suppress(TesseraError, ValueProblem):  # the write reports a refused key
                text = f.type.to_text(f.type.normalize(value)).strip() or text
        if text is not None and dedupe and text in seen:
            writer.result.held += 1
            writer.report.add(
                Entry(
                    writer.sp.sheet,
                    numbers[i] + 1,
                    key,
                    originals[i][key_at],
                    f"The key {text!r} repeats row {seen[text]}",
                    f"键值 {text!r} 与第 {seen[text]} 行重复",
                    "duplicate",
                )
            )
            continue
        if text is not None:
            seen[text] = numbers[i] + 1
        if existing is not None and text is not None and text in existing:
            update.append(i)
            ids.append(existing[text])
        else:
            keep.append(i)
    updates = None
    if update:
        u_rows = [
            {k: col[i] for k, col in columns.items() if col[i] is not None and col[i] != ""}
            for i in update
        ]
        updates = (
            u_rows,
            [numbers[i] for i in update],
            originals.take(update),
            ids,
        )
    if len(keep) < len(numbers):
        columns = {k: [col[i] for i in keep] for k, col in columns.items()}
    return (
        columns,
        [numbers[i] for i in keep],
        originals.take(keep),
        updates,
    )


def _links(tables: dict[str, Any], sp: SheetPlan, result: SheetResult) -> None:
    """Turn the columns that hold another sheet's keys into links to its table."""
    table = tables[sp.sheet]
    for c in sp.columns:
        if c.skip or c.link is None or not c.link.use:
            continue
        target = tables.get(c.link.sheet)
        if target is None:
            raise ImportRefused(
                f"Column {c.name!r} links to sheet {c.link.sheet!r}, which is not imported",
                f"列 {c.name!r} 关联的工作表 {c.link.sheet!r} 未被导入",
            )
        table.change_type(c.name, "link", {"table": target.id, "multiple": c.link.multiple})
        result.linked.append(c.name)
