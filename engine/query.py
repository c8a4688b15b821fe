"""The query compiler: a QuerySpec becomes one SQL statement per page.

Filtering, quick search, sorting, grouping, keyset paging, counting and aggregates all happen in
SQL. Nothing is filtered or sorted in Python. The page is one SELECT; the count, group summaries
and aggregates are separate GROUP BY / aggregate statements in the same read transaction (so they
see the same snapshot), each asked for only when wanted.

This module is the public entry (`run`, `Compiler`, `QueryContext`, `QueryResult`, ...); its
parts live beside it: `query_keyset` (the keyset condition and page tokens), `query_pages` (a
page's SELECT and the reading of its rows), `query_counts` (the count cache, `remembered`) and
`query_plan` (the page's plan on SQLite). The names other modules and tests use are importable
from here too, but for `query_counts.COUNT_CACHE`, which is switched there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Table,
    and_,
    false,
    func,
    literal,
    or_,
    select,
    true,
)

from schemas.query import Condition, FilterGroup, Group, QuerySpec, SavedFilterRef, Sort

from . import expressions, operators, permissions
from .aggregates import aggregate_columns, read_aggregates
from .dates import Clock
from .errors import NotFound, QueryError
from .model import FieldDef, TableSchema
from .query_counts import _reads_whole_index as _reads_whole_index
from .query_counts import count
from .query_counts import remembered as remembered
from .query_keyset import _after, _bad_token, _encode, _fingerprint
from .query_pages import _json_column as _json_column
from .query_pages import _page_statement
from .query_pages import page_statement as page_statement
from .query_plan import _probably_true, _read_in_order
from .record import Record
from .saved_filters import load_filter


@dataclass(frozen=True)
class QueryContext:
    """Who asks and when: the user ('me' in filters) and the clock with the user's time zone."""

    user_id: int | None = None
    clock: Clock = field(default_factory=Clock)


@dataclass
class GroupSummary:
    level: int  # 0, 1 or 2
    key: tuple[Any, ...]  # the values of the group fields down to this level
    count: int
    aggregates: dict[str, Any] = field(default_factory=dict)


@dataclass
class QueryResult:
    records: list[Record]
    next: str | None  # keyset token of the next page, None on the last page
    total: int | None = None
    groups: list[GroupSummary] | None = None
    aggregates: dict[str, Any] = field(default_factory=dict)


class Compiler:
    """Builds the SQL of one spec against one table schema."""

    def __init__(
        self,
        conn: Connection,
        schema: TableSchema,
        ctx: QueryContext,
        *,
        rows_of: TableSchema | None = None,
    ) -> None:
        self.conn = conn
        self.schema = schema
        self.ctx = ctx
        self.table = schema.sql
        self.dialect = conn.dialect.name
        self.rows_of = schema if rows_of is None else rows_of  # whose row rules limit the rows

    def field(self, ref: int | str) -> FieldDef:
        try:
            return self.schema.field(ref)
        except NotFound as e:
            raise QueryError(e.message_en, e.message_zh) from None

    def column(self, f: FieldDef) -> ColumnElement[Any]:
        if f.type.name == "formula" and f.type.options.volatile:
            return self.volatile(f)
        return self.table.c[f.column]

    def volatile(self, f: FieldDef) -> ColumnElement[Any]:
        """A formula using TODAY() or NOW(): computed in the query, at the clock's now, so it
        is never stale (filters, sorts and groups on it work the same)."""
        from .formula import compile_formula, parse_stored
        from .formula.types import FieldInfo
        from .sqltypes import UTCDateTime

        def info(fid: int) -> FieldInfo | None:
            from .computed import formula_type

            for other in self.schema.fields:
                if other.id == fid:
                    return FieldInfo(other.id, other.name, formula_type(other))
            return None

        t = self.table
        return compile_formula(
            parse_stored(f.type.options.formula, info),
            lambda fid: self.column(self.schema.field(fid)),
            dialect=self.dialect,
            record_id=t.c.id,
            created=t.c.created_at,
            modified=t.c.updated_at,
            timezone=f.type.options.timezone,
            now=literal(self.ctx.clock.now, UTCDateTime()),
        )

    # --- filters ---------------------------------------------------------------------------
    def condition(self, cond: Condition) -> ColumnElement[bool]:
        f = self.field(cond.field)
        op = operators.find(f.type, cond.op, f.name)
        octx = operators.Ctx(
            self.column(f),
            f.type,
            f.name,
            self.dialect,
            self.ctx.clock,
            self.ctx.user_id,
            self.visible_rows,
        )
        value = op.parse(octx, cond.value)
        return op.compile(octx, value)

    def group(self, group: FilterGroup, seen: frozenset[int] = frozenset()) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        for item in group.items:
            if isinstance(item, Condition):
                parts.append(self.condition(item))
            elif isinstance(item, SavedFilterRef):
                parts.append(self.saved(item.saved_filter, seen))
            else:
                parts.append(self.group(item, seen))
        if not parts:
            return true()  # an empty group is no condition, as in Airtable's filter builder
        return and_(*parts) if group.conjunction == "and" else or_(*parts)

    def saved(self, filter_id: int, seen: frozenset[int]) -> ColumnElement[bool]:
        if filter_id in seen:
            raise QueryError(
                f"Saved filter {filter_id} refers to itself", f"已保存的筛选 {filter_id} 引用了自身"
            )
        stored = load_filter(self.conn, filter_id)
        if stored.table_id != self.schema.id:
            raise QueryError(
                f"Saved filter {stored.name!r} belongs to another table",
                f"已保存的筛选 {stored.name!r} 属于其他表",
            )
        return self.group(stored.filter, seen | {filter_id})

    def search(self, text: str, fields: Sequence[FieldDef]) -> ColumnElement[bool]:
        """Case-insensitive substring search over the visible fields; works for Chinese, as it
        assumes no word boundaries."""
        q = text.strip()
        parts = []
        for f in fields:
            kind = operators.value_kind(f.type)
            part = expressions.search(self.column(f), kind, self.dialect, q)
            if part is not None:
                parts.append(part)
        return or_(*parts) if parts else false()

    def visible_rows(self) -> list[ColumnElement[bool]]:
        """The rows the asker may see: not in the trash, and inside their row rules."""
        clauses: list[ColumnElement[bool]] = [self.table.c.trashed_at.is_(None)]
        return clauses + permissions.row_clauses(self.conn, self.rows_of, self.ctx)

    def where(self, spec: QuerySpec, fields: Sequence[FieldDef]) -> list[ColumnElement[bool]]:
        clauses = self.visible_rows()
        view_filter = spec.view_filter
        # a saved view's own filter: may name fields hidden from the user
        if view_filter is not None:
            access = self.schema.access
            full = (
                self
                if access is None
                else Compiler(self.conn, access.full, self.ctx, rows_of=self.schema)
            )
            clauses.append(full.group(view_filter))
        if spec.filter is not None:
            clauses.append(self.group(spec.filter))
        if spec.search and spec.search.strip():
            clauses.append(self.search(spec.search, fields))
        return clauses

    # --- order -------------------------------------------------------------------------------
    def order_keys(self, spec: QuerySpec) -> list[tuple[ColumnElement[Any], bool]]:
        """(expression, descending) for each key: groups, then sorts, then a unique tiebreak."""
        keys: list[tuple[ColumnElement[Any], bool]] = []
        items: list[Group | Sort] = [*spec.groups, *spec.sorts]
        for item in items:
            desc = item.direction == "desc"
            keys.extend((key, desc) for key in self.sort_keys(self.field(item.field)))
        if not keys:
            keys.append((self.table.c.position, False))
        keys.append((self.table.c.id, False))
        return keys

    def sort_keys(
        self, f: FieldDef, column: ColumnElement[Any] | None = None
    ) -> list[ColumnElement[Any]]:
        col = self.column(f) if column is None else column
        return expressions.sort_keys(col, f.type, operators.value_kind(f.type), self.dialect)

    def order_by(self, keys: list[tuple[ColumnElement[Any], bool]]) -> list[Any]:
        """Empty values come first ascending and last descending — SQLite's own order, asked of
        PostgreSQL explicitly (not of a NOT NULL column such as position or id: there it would
        only keep PostgreSQL from reading the order off a plain index)."""
        out: list[Any] = []
        for expr, desc in keys:
            if self.dialect == "postgresql" and not _not_null(expr, self.table):
                out.append(expr.desc().nulls_last() if desc else expr.asc().nulls_first())
            else:
                out.append(expr.desc() if desc else expr.asc())
        return out

    def after(
        self, keys: list[tuple[ColumnElement[Any], bool]], values: list[Any]
    ) -> ColumnElement[bool]:
        """Rows strictly after the row whose key values are `values`, in the order of `keys`."""
        if len(values) != len(keys):
            raise _bad_token()
        # a literal also for True / False, which `>` refuses
        bounds = [
            None if v is None else literal(v, e.type)
            for (e, _), v in zip(keys, values, strict=True)
        ]
        return _after(keys, bounds)


def _not_null(expr: ColumnElement[Any], table: Table) -> bool:
    return isinstance(expr, Column) and expr.table is table and not expr.nullable


def visible_fields(schema: TableSchema, refs: Sequence[int | str] | None) -> list[FieldDef]:
    if refs is None:
        return list(schema.fields)
    out: list[FieldDef] = []
    for ref in refs:
        try:
            f = schema.field(ref)
        except NotFound as e:
            raise QueryError(e.message_en, e.message_zh) from None
        if f not in out:
            out.append(f)
    return out


def run(
    conn: Connection,
    schema: TableSchema,
    spec: QuerySpec,
    ctx: QueryContext | None = None,
    *,
    where: Sequence[ColumnElement[bool]] = (),
) -> QueryResult:
    """Run a query spec: one page of records, and the count, groups and aggregates it asks for.
    `where`: further conditions on `schema.sql` (e.g. a formula compiled to SQL by the caller)."""
    compiler = Compiler(conn, schema, ctx or QueryContext())
    fields = visible_fields(schema, spec.fields)
    extra = list(where)
    where = compiler.where(spec, fields) + extra
    t = compiler.table
    total = count(conn, t, where) if spec.count else None
    page_where = where
    if _read_in_order(compiler, spec, where, total):
        page_where = _probably_true(compiler, where)
    stmt, params, shape = _page_statement(compiler, spec, fields, page_where)
    rows = conn.execute(stmt, params).all()
    more = len(rows) > spec.page.size
    rows = rows[: spec.page.size]
    records = shape.read(rows)
    token = None
    if more and rows:
        last = rows[-1]._mapping
        token = _encode([last[f"_k{i}"] for i in range(len(shape.keys))], _fingerprint(spec))
    result = QueryResult(records=records, next=token, total=total)
    if spec.aggregates:
        cols = aggregate_columns(compiler, spec.aggregates)
        row = conn.execute(select(*cols).select_from(t).where(*where)).one()
        result.aggregates = read_aggregates(compiler, spec.aggregates, row)
    if spec.groups:
        result.groups = group_summaries(compiler, spec, where)
    return result


def group_summaries(
    compiler: Compiler, spec: QuerySpec, where: list[ColumnElement[bool]]
) -> list[GroupSummary]:
    """Counts (and aggregates) of every group at every level, one GROUP BY per level; each
    level's groups come in the order the page shows them. Every empty value is one group."""
    t = compiler.table
    out: list[GroupSummary] = []
    group_fields = [compiler.field(g.field) for g in spec.groups]
    descending = [g.direction == "desc" for g in spec.groups]
    agg_cols = aggregate_columns(compiler, spec.aggregates) if spec.aggregates else []
    for level in range(len(group_fields)):
        fields = group_fields[: level + 1]
        cols = [
            expressions.value(compiler.column(f), compiler.dialect).label(f"_g{i}")
            for i, f in enumerate(fields)
        ]
        grouped = (
            select(*cols, func.count().label("_n"), *agg_cols)
            .select_from(t)
            .where(*where)
            .group_by(*cols)
            .subquery()
        )
        keys = [
            (key, descending[i])
            for i, f in enumerate(fields)
            for key in compiler.sort_keys(f, grouped.c[f"_g{i}"])
        ]
        stmt = select(grouped).order_by(*compiler.order_by(keys))
        for row in compiler.conn.execute(stmt):
            m = row._mapping
            key = tuple(fields[i].type.from_db(m[f"_g{i}"]) for i in range(level + 1))
            aggs = read_aggregates(compiler, spec.aggregates, row) if spec.aggregates else {}
            out.append(GroupSummary(level, key, int(m["_n"]), aggs))
    return out
