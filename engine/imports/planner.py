"""Making a plan: open the source, find each sheet's header, stream over its values to guess the
types, suggest links between sheets, and, for an existing table, map columns to its fields."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import TesseraError, ValueProblem
from ..exports import META_SHEET, sheet_title
from ..fields import REGISTRY, field_type
from ..names import name_key
from .ahead import Ahead
from .collect import fewer_collections
from .guard import ImportRefused, Limits
from .guess import guess
from .infer import KEY_HINT, ColumnStats
from .layout import Layout, find_layout, unique_names
from .plan import COMPUTED, READ_ONLY, ColumnPlan, ImportPlan, LinkPlan, Note, SheetPlan
from .readers import Kind, Sheet, Workbook, csv_sheet, pasted_sheet
from .scan import Progress, scan

MATCH_MIN = 0.9  # share of a column's distinct values that must be keys of another sheet


class Source:
    """An opened file or pasted text, and the sheets it holds."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        text: str | None = None,
        limits: Limits | None = None,
        name: str | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self._book: Workbook | None = None
        self._sheet: Sheet | None = None
        self._sheets: dict[str, Sheet] = {}
        self.kind: Kind
        if text is not None:
            self.kind, self.name = "paste", name or "Pasted"
            self._sheet = pasted_sheet(text, self.name)
            return
        if path is None:
            raise ValueError("a path or a text")
        p = Path(path)
        self.name = name or p.name
        if not p.is_file():
            raise ImportRefused(f"No file {p}", f"文件 {p} 不存在")
        suffix = p.suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            self.kind = "xlsx"
            self._book = Workbook(p, self.limits)
        elif suffix in (".csv", ".tsv", ".txt"):
            self.kind = "csv"
            self._sheet = csv_sheet(p, self.limits)
        else:
            raise ImportRefused(
                f"{p.name}: Tessera imports .xlsx, .csv and .tsv files",
                f"{p.name}：只能导入 .xlsx、.csv 和 .tsv 文件",
            )

    @property
    def sheet_names(self) -> list[str]:
        if self._book is not None:
            return list(self._book.sheet_names)
        assert self._sheet is not None
        return [self._sheet.name]

    def sheet(
        self, name: str, progress: Progress | None = None, ahead: Ahead | None = None
    ) -> Sheet:
        """The sheet `name`, read once however often it is asked for (plan, then import);
        `ahead` scans it while it is read, where it can."""
        if self._book is not None:
            if name not in self._sheets:
                watcher = ahead.watch if ahead is not None else None
                self._sheets[name] = self._book.sheet(name, progress, watcher)
            return self._sheets[name]
        assert self._sheet is not None
        return self._sheet

    @property
    def encoding(self) -> str | None:
        return self._sheet.encoding if self._sheet is not None else None

    def close(self) -> None:
        if self._book is not None:
            self._book.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@fewer_collections()
def plan_source(
    source: Source,
    *,
    sheets: Sequence[str] | None = None,
    threshold: float = 0.9,
    timezone: str = "UTC",
    on_invalid: str = "keep",
    progress: Progress | None = None,
) -> ImportPlan:
    """A plan to import the chosen sheets (all by default) into new tables."""
    names = list(sheets) if sheets else [n for n in source.sheet_names if n != META_SHEET]
    for n in names:
        if n not in source.sheet_names:
            shown = ", ".join(source.sheet_names)
            raise ImportRefused(
                f"{source.name} has no sheet {n!r} (its sheets: {shown})",
                f"{source.name} 中没有工作表 {n!r}（现有：{shown}）",
            )
    track_keys = len(names) > 1
    planned: list[SheetPlan] = []
    all_stats: list[list[ColumnStats]] = []
    for n in names:
        ahead = Ahead(n, threshold=threshold, track_keys=track_keys, limits=source.limits)
        sheet = source.sheet(n, progress, ahead)
        found = ahead.outcome(sheet)
        if found is not None:
            layout, stats, rows, blanks = found
        else:
            layout = find_layout(sheet)
            stats, rows, blanks = scan(
                sheet,
                layout,
                threshold=threshold,
                track_keys=track_keys,
                limits=source.limits,
                progress=progress,
            )
        if not stats and not rows:
            continue
        planned.append(_sheet_plan(sheet, layout, stats, rows, blanks, threshold))
        all_stats.append(stats)
    if not planned:
        raise ImportRefused(f"{source.name} holds no table", f"{source.name} 中没有表格数据")
    if track_keys:
        _suggest_links(planned, all_stats)
    if META_SHEET in source.sheet_names:
        _exported_types(source, planned)
    return ImportPlan.model_validate(
        {
            "source": source.name,
            "kind": source.kind,
            "encoding": source.encoding,
            "threshold": threshold,
            "timezone": timezone,
            "on_invalid": on_invalid,
            "sheets": planned,
        }
    )


def _sheet_plan(
    sheet: Sheet,
    layout: Layout,
    stats: list[ColumnStats],
    rows: int,
    blanks: int,
    threshold: float,
) -> SheetPlan:
    keep = [i for i, s in enumerate(stats) if s.nonempty or layout.headers[i]]
    names = unique_names([layout.headers[i] for i in keep])
    columns: list[ColumnPlan] = []
    for i, name in zip(keep, names, strict=True):
        g = guess(stats[i], threshold)
        columns.append(
            ColumnPlan(
                source=i,
                header=layout.headers[i],
                name=name,
                type=g.type,
                options=g.options,
                confidence=g.confidence,
                examples=stats[i].examples,
                notes=[Note(en=en, zh=zh) for en, zh in g.notes],
                pad=g.pad,
                serial_dates=g.serial_dates,
            )
        )
    key = _key_column(columns, stats)
    return SheetPlan(
        sheet=sheet.name,
        table=sheet.name.strip() or "Imported",
        header_rows=layout.header_rows,
        first_row=layout.first_data_row,
        width=layout.width,
        rows=rows,
        blank_rows=blanks,
        columns=columns,
        primary=columns[0].name if columns else None,
        key=key,
    )


def _key_column(columns: list[ColumnPlan], stats: list[ColumnStats]) -> str | None:
    """A column whose values are all present and distinct and whose name says it is an id."""
    for c in columns:
        s = stats[c.source]
        if s.keys is not None and s.empty == 0 and KEY_HINT.search(c.header or ""):
            return c.name
    return None


def _suggest_links(sheets: list[SheetPlan], stats: list[list[ColumnStats]]) -> None:
    """A column whose values are (nearly all) the key values of another sheet becomes a link to
    that sheet's table, whose key column becomes its primary field."""
    keyed: list[tuple[SheetPlan, ColumnPlan, set[Any]]] = []
    for plan, cols in zip(sheets, stats, strict=True):
        for c in plan.columns:
            s = cols[c.source]
            if s.keys and s.empty == 0 and len(s.keys) >= 2 and c.type != "checkbox":
                keyed.append((plan, c, s.keys))
                break  # the first all-distinct column of a sheet is its key
    for plan, cols in zip(sheets, stats, strict=True):
        for c in plan.columns:
            s = cols[c.source]
            if s.distinct_overflow or not s.distinct or c.type in ("checkbox", "date", "datetime"):
                continue
            values = {
                str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
                for v in s.distinct
            }
            for target, key_col, keys in keyed:
                if target is plan or len(values) < 2:
                    continue
                if len(values & keys) >= MATCH_MIN * len(values):
                    c.link = LinkPlan(sheet=target.sheet, key=key_col.name)
                    target.primary = key_col.name
                    c.notes.append(
                        Note(
                            en=f"Its values are keys of sheet {target.sheet!r} "
                            f"({key_col.name}): imported as a link to that table",
                            zh=f"其值是工作表 {target.sheet!r} 的键（{key_col.name}）：导入为关联到该表的字段",
                        )
                    )
                    break


def _exported_types(source: Source, sheets: list[SheetPlan]) -> None:
    """A file Tessera exported names each column's field type and options on a hidden sheet:
    those are used instead of guesses, so the table comes back as it was."""
    meta = source.sheet(META_SHEET)
    rows = list(meta.rows())
    for sp in sheets:
        for row in rows[1:]:
            if len(row) < 4 or sheet_title(str(row[0])) != sp.sheet:
                continue
            table, name, kind, raw = (str(v) for v in row[:4])
            try:
                options = json.loads(raw) if raw else {}
            except ValueError:
                continue
            if kind in REGISTRY and kind not in READ_ONLY | COMPUTED | {"link"}:
                for c in sp.columns:
                    if c.header == name:
                        c.type, c.options, c.confidence, c.notes = kind, options, 1.0, []
                        c.pad, c.serial_dates = None, False
            sp.table = table


# --- into an existing table ---------------------------------------------------------------------
def map_to_table(plan: SheetPlan, table: Any, *, key: str | None = None) -> SheetPlan:
    """The sheet's plan rewritten to fill the existing table `table` (an engine Table): columns
    take the field of the same name, else the field their values fit best; the rest are
    skipped (un-skip one to add it as a new field)."""
    schema = table.schema()
    fields = [f for f in schema.fields if not f.type.read_only]
    taken: set[int] = set()
    out = plan.model_copy(deep=True)
    out.table, out.existing = schema.name, True
    by_key = {name_key(f.name): f for f in fields}
    for c in out.columns:
        f = by_key.get(name_key(c.header or c.name)) or by_key.get(name_key(c.name))
        if f is not None and f.id not in taken:
            _take(c, f)
            taken.add(f.id)
    samples = _samples(table, fields)
    for c in out.columns:
        if c.existing:
            continue
        best, best_score = None, 0.0
        for f in fields:
            if f.id in taken:
                continue
            score = _similarity(c, f, samples.get(f.id, set()))
            if score > best_score:
                best, best_score = f, score
        if best is not None and best_score >= 0.8:
            _take(c, best)
            c.notes.append(
                Note(
                    en=f"Mapped to {best.name!r}: its values fit that field ({best_score:.0%})",
                    zh=f"已对应到 {best.name!r}：其值符合该字段（{best_score:.0%}）",
                )
            )
            taken.add(best.id)
        else:
            c.skip = True
            c.notes.append(
                Note(
                    en="No field of the table matches: skipped (un-skip it to add a new field)",
                    zh="表中没有对应的字段：已跳过（取消跳过即新建字段）",
                )
            )
    if key is not None:
        out.key = _column_for(out, key)
        out.mode = "upsert"
    elif out.key is not None and out.column(out.key).skip:
        out.key = None
    out.primary = None
    return out


def _column_for(plan: SheetPlan, field_name: str) -> str:
    for c in plan.columns:
        if not c.skip and name_key(c.name) == name_key(field_name):
            return c.name
    raise ImportRefused(
        f"No column of sheet {plan.sheet!r} fills the key field {field_name!r}",
        f"工作表 {plan.sheet!r} 中没有列对应键字段 {field_name!r}",
    )


def _take(c: ColumnPlan, f: Any) -> None:
    c.name, c.type, c.options, c.existing, c.link = f.name, f.type.name, {}, True, None
    c.skip = False


def _samples(table: Any, fields: list[Any]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for rec in table.all(limit=200):
        for f in fields:
            v = rec.by_id.get(f.id) if rec.by_id else rec.fields.get(f.name)
            if v is not None and v != [] and v != "":
                out.setdefault(f.id, set()).add(f.type.to_text(v))
    return out


def _similarity(c: ColumnPlan, f: Any, existing: set[str]) -> float:
    """How well the column's examples fit field `f`: the share its type accepts, weighed
    by how many of them the field already holds (text takes anything, so only overlap counts)."""
    if f.type.name in ("link", "attachment", "user") or not c.examples:
        return 0.0
    fits = 0
    for v in c.examples:
        try:
            if f.type.normalize(v) is not None:
                fits += 1
        except (TesseraError, ValueProblem):
            pass
    share = fits / len(c.examples)
    overlap = len(existing & set(c.examples)) / len(c.examples) if existing else 0.0
    if f.type.name in ("text", "long_text"):
        return overlap
    return share * (0.8 + 0.2 * overlap) if share == 1 else share * 0.5


def check_types(plan: ImportPlan) -> None:
    """Every planned type and its options are ones the engine accepts."""
    for s in plan.sheets:
        for c in s.columns:
            if not c.existing and not c.skip:
                field_type(c.type, c.options)
