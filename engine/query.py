"""The query compiler: a QuerySpec becomes one SQL statement per page.

Filtering, quick search, sorting, grouping, keyset paging, counting and aggregates all happen in
SQL. Nothing is filtered or sorted in Python. The page is one SELECT; the count, group summaries
and aggregates are separate GROUP BY / aggregate statements in the same read transaction (so they
see the same snapshot), each asked for only when wanted.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, false, func, or_, select, true

from schemas.query import Condition, FilterGroup, Group, QuerySpec, SavedFilterRef, Sort

from . import operators
from .aggregates import aggregate_columns, read_aggregates
from .dates import Clock
from .errors import NotFound, QueryError
from .model import FieldDef, TableSchema
from .record import Record
from .saved_filters import load_filter

SEARCHABLE = {"text", "number", "date", "select", "multi_select"}


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

    def __init__(self, conn: Connection, schema: TableSchema, ctx: QueryContext) -> None:
        self.conn = conn
        self.schema = schema
        self.ctx = ctx
        self.table = schema.sql
        self.dialect = conn.dialect.name

    def field(self, ref: int | str) -> FieldDef:
        try:
            return self.schema.field(ref)
        except NotFound as e:
            raise QueryError(e.message_en, e.message_zh) from None

    def column(self, f: FieldDef) -> ColumnElement[Any]:
        return self.table.c[f.column]

    # --- filters ---------------------------------------------------------------------------
    def condition(self, cond: Condition) -> ColumnElement[bool]:
        f = self.field(cond.field)
        op = operators.find(f.type, cond.op, f.name)
        octx = operators.Ctx(
            self.column(f), f.type, f.name, self.dialect, self.ctx.clock, self.ctx.user_id
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
        parts = [
            operators.c_search_text(self.column(f), q)
            for f in fields
            if operators.value_kind(f.type) in SEARCHABLE
        ]
        return or_(*parts) if parts else false()

    def where(self, spec: QuerySpec, fields: Sequence[FieldDef]) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = [self.table.c.trashed_at.is_(None)]
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
            f = self.field(item.field)
            keys.append((f.type.sort_key(self.column(f)), item.direction == "desc"))
        if not keys:
            keys.append((self.table.c.position, False))
        keys.append((self.table.c.id, False))
        return keys

    def order_by(self, keys: list[tuple[ColumnElement[Any], bool]]) -> list[Any]:
        """Empty values come first ascending and last descending — SQLite's own order, asked of
        PostgreSQL explicitly."""
        out: list[Any] = []
        for expr, desc in keys:
            if self.dialect == "postgresql":
                out.append(expr.desc().nulls_last() if desc else expr.asc().nulls_first())
            else:
                out.append(expr.desc() if desc else expr.asc())
        return out

    def after(
        self, keys: list[tuple[ColumnElement[Any], bool]], values: list[Any]
    ) -> ColumnElement[bool]:
        """Rows strictly after the row whose key values are `values`, in the order of `keys`."""
        ors: list[ColumnElement[bool]] = []
        equal: list[ColumnElement[bool]] = []
        for (expr, desc), v in zip(keys, values, strict=True):
            beyond: ColumnElement[bool]
            if v is None:
                beyond = expr.is_not(None) if not desc else false()
                same = expr.is_(None)
            else:
                beyond = or_(expr < v, expr.is_(None)) if desc else expr > v
                same = expr == v
            ors.append(and_(*equal, beyond) if equal else beyond)
            equal.append(same)
        return or_(*ors)


def _fingerprint(spec: QuerySpec) -> str:
    data = json.dumps(
        [
            spec.filter.model_dump() if spec.filter else None,
            [s.model_dump() for s in spec.sorts],
            [g.model_dump() for g in spec.groups],
            spec.search,
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def _encode(values: list[Any], fingerprint: str) -> str:
    def tag(v: Any) -> Any:
        if hasattr(v, "isoformat"):
            return {"$": type(v).__name__, "v": v.isoformat()}
        return v

    raw = json.dumps({"k": [tag(v) for v in values], "f": fingerprint}, ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(token: str, fingerprint: str) -> list[Any]:
    import datetime as dt

    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if data["f"] != fingerprint:
            raise ValueError("spec changed")
        out: list[Any] = []
        for v in data["k"]:
            if isinstance(v, dict):
                kind = {"date": dt.date, "datetime": dt.datetime}[v["$"]]
                out.append(kind.fromisoformat(v["v"]))
            else:
                out.append(v)
        return out
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise QueryError(
            "The page token is not valid for this query (it may belong to another filter or sort)",
            "分页标记对此查询无效（可能属于其他筛选或排序）",
        ) from None


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


def page_statement(
    compiler: Compiler, spec: QuerySpec, fields: Sequence[FieldDef]
) -> tuple[Select[Any], list[tuple[ColumnElement[Any], bool]]]:
    """The one SELECT of a page (plus one extra row, to know whether another page follows)."""
    t = compiler.table
    keys = compiler.order_keys(spec)
    key_cols = [expr.label(f"_k{i}") for i, (expr, _) in enumerate(keys)]
    columns = [t.c.id, t.c.created_at, t.c.updated_at, t.c.created_by, t.c.updated_by, t.c.version]
    names = {c.name for c in columns}
    for f in fields:
        if f.column not in names:
            columns.append(t.c[f.column])
            names.add(f.column)
    stmt = select(*columns, *key_cols).where(*compiler.where(spec, fields))
    if spec.page.after:
        stmt = stmt.where(compiler.after(keys, _decode(spec.page.after, _fingerprint(spec))))
    stmt = stmt.order_by(*compiler.order_by(keys)).limit(spec.page.size + 1)
    if spec.page.offset:
        stmt = stmt.offset(spec.page.offset)
    return stmt, keys


def run(
    conn: Connection, schema: TableSchema, spec: QuerySpec, ctx: QueryContext | None = None
) -> QueryResult:
    """Run a query spec: one page of records, and the count, groups and aggregates it asks for."""
    compiler = Compiler(conn, schema, ctx or QueryContext())
    fields = visible_fields(schema, spec.fields)
    stmt, keys = page_statement(compiler, spec, fields)
    rows = conn.execute(stmt).all()
    more = len(rows) > spec.page.size
    rows = rows[: spec.page.size]
    records = [_record(row, fields) for row in rows]
    token = None
    if more and rows:
        last = rows[-1]._mapping
        token = _encode([last[f"_k{i}"] for i in range(len(keys))], _fingerprint(spec))
    result = QueryResult(records=records, next=token)
    where = compiler.where(spec, fields)
    t = compiler.table
    if spec.count:
        result.total = int(
            conn.execute(select(func.count()).select_from(t).where(*where)).scalar_one()
        )
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
    """Counts (and aggregates) of every group at every level, one GROUP BY per level."""
    t = compiler.table
    out: list[GroupSummary] = []
    group_fields = [compiler.field(g.field) for g in spec.groups]
    agg_cols = aggregate_columns(compiler, spec.aggregates) if spec.aggregates else []
    for level in range(len(group_fields)):
        cols = [compiler.column(f).label(f"_g{i}") for i, f in enumerate(group_fields[: level + 1])]
        stmt = (
            select(*cols, func.count().label("_n"), *agg_cols)
            .select_from(t)
            .where(*where)
            .group_by(*cols)
        )
        for row in compiler.conn.execute(stmt):
            m = row._mapping
            key = tuple(group_fields[i].type.from_db(m[f"_g{i}"]) for i in range(level + 1))
            aggs = read_aggregates(compiler, spec.aggregates, row) if spec.aggregates else {}
            out.append(GroupSummary(level, key, int(m["_n"]), aggs))
    return out


def _record(row: Any, fields: Sequence[FieldDef]) -> Record:
    m = row._mapping
    by_id: dict[int, Any] = {}
    by_name: dict[str, Any] = {}
    for f in fields:
        value = f.type.from_db(m[f.column])
        by_id[f.id] = value
        by_name[f.name] = value
    return Record(
        id=m["id"],
        fields=by_name,
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        created_by=m["created_by"],
        updated_by=m["updated_by"],
        version=m["version"],
        by_id=by_id,
    )
