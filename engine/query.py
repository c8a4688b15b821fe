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
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ColumnElement,
    Connection,
    Select,
    Table,
    Text,
    and_,
    bindparam,
    false,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.exc import CompileError, DBAPIError
from sqlalchemy.sql import operators as sql_operators
from sqlalchemy.sql.cache_key import CacheKey
from sqlalchemy.sql.elements import BooleanClauseList, UnaryExpression
from sqlalchemy.sql.operators import custom_op

from schemas.query import Condition, FilterGroup, Group, QuerySpec, SavedFilterRef, Sort

from . import expressions, operators, permissions
from .aggregates import aggregate_columns, read_aggregates
from .dates import Clock
from .db import json_loads
from .errors import NotFound, QueryError
from .fields import FieldType
from .model import FieldDef, TableSchema
from .record import Record, make_record
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


def _after(
    keys: list[tuple[ColumnElement[Any], bool]], bounds: Sequence[ColumnElement[Any] | None]
) -> ColumnElement[bool]:
    """Rows strictly after the row whose key values are `bounds` (None: empty)."""
    ors: list[ColumnElement[bool]] = []
    equal: list[ColumnElement[bool]] = []
    for (expr, desc), bound in zip(keys, bounds, strict=True):
        beyond: ColumnElement[bool]
        same: ColumnElement[bool]
        if bound is None:
            beyond = expr.is_not(None) if not desc else false()
            same = expr.is_(None)
        else:
            beyond = or_(expr < bound, expr.is_(None)) if desc else expr > bound
            same = expr == bound
        ors.append(and_(*equal, beyond) if equal else beyond)
        equal.append(same)
    # Implied by the OR, said again as a range on the first key that an index can seek to
    # (a database does not find it in the OR by itself, and would read from the start).
    (first, desc), bound = keys[0], bounds[0]
    if bound is not None and not desc:
        return and_(first >= bound, or_(*ors))
    if bound is None and desc:
        return and_(first.is_(None), or_(*ors))
    return or_(*ors)


def _not_null(expr: ColumnElement[Any], table: Table) -> bool:
    return isinstance(expr, Column) and expr.table is table and not expr.nullable


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
        raise _bad_token() from None


def _bad_token() -> QueryError:
    return QueryError(
        "The page token is not valid for this query (it may belong to another filter or sort)",
        "分页标记对此查询无效（可能属于其他筛选或排序）",
    )


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


@dataclass(frozen=True)
class _Shape:
    """A page's SELECT without its WHERE and LIMIT — its columns, order keys and ORDER BY — and
    the reader of its rows: the same for every page of one table, fields and order."""

    select: Select[Any]
    keys: list[tuple[ColumnElement[Any], bool]]
    order_by: list[Any]
    read: Callable[[Sequence[Any]], list[Record]]
    # the keyset condition by which values are empty, its values bound by name at execution
    afters: dict[tuple[bool, ...], ColumnElement[bool]] = field(default_factory=dict)

    def after(self, values: list[Any]) -> tuple[ColumnElement[bool], dict[str, Any]]:
        if len(values) != len(self.keys):
            raise _bad_token()
        empty = tuple(v is None for v in values)
        clause = self.afters.get(empty)
        if clause is None:
            bounds = [
                None if none else bindparam(f"_after{i}", type_=expr.type)
                for i, ((expr, _), none) in enumerate(zip(self.keys, empty, strict=True))
            ]
            clause = self.afters.setdefault(empty, _after(self.keys, bounds))
        return clause, {f"_after{i}": v for i, v in enumerate(values) if v is not None}


_SHAPES: OrderedDict[tuple[Any, ...], _Shape] = OrderedDict()
_SHAPES_KEPT = 256
_SHAPES_LOCK = threading.Lock()


def _shape(compiler: Compiler, spec: QuerySpec, fields: Sequence[FieldDef]) -> _Shape:
    """The page's shape, kept per dialect, Table, fields and order keys (the FieldDef objects
    themselves, which a changed schema replaces): building it took longer than running a deep
    keyset page's SQL. SQLAlchemy then finds the compiled SQL in its own cache. A shape with a
    formula computed at the clock's now (TODAY(), NOW()) is built anew every time."""
    items: list[Group | Sort] = [*spec.groups, *spec.sorts]
    ordered = tuple((compiler.field(i.field), i.direction) for i in items)
    used = [*fields, *(f for f, _ in ordered)]
    kept = not any(f.type.name == "formula" and f.type.options.volatile for f in used)
    key = (compiler.dialect, compiler.table, tuple(fields), ordered)
    if kept:
        with _SHAPES_LOCK:
            found = _SHAPES.get(key)
            if found is not None:
                _SHAPES.move_to_end(key)
                return found
    t = compiler.table
    keys = compiler.order_keys(spec)
    key_cols = [expr.label(f"_k{i}") for i, (expr, _) in enumerate(keys)]
    columns: list[ColumnElement[Any]] = [t.c[name] for name in _SYSTEM]  # `_reader` relies on it
    names = {c.name for c in columns}
    raw_json: set[str] = set()
    for f in fields:
        if f.column not in names:
            col = compiler.column(f)
            if compiler.dialect == "sqlite" and isinstance(col.type, JSON):
                # read as text and decoded by the reader: SQLAlchemy's JSON type calls three
                # functions for each value, and a page of links and lookups has hundreds
                col = type_coerce(col, Text())
                raw_json.add(f.column)
            columns.append(col if col is t.c.get(f.column) else col.label(f.column))
            names.add(f.column)
    read = _reader(fields, frozenset(raw_json))
    made = _Shape(select(*columns, *key_cols), keys, compiler.order_by(keys), read)
    if kept:
        with _SHAPES_LOCK:
            _SHAPES[key] = made
            while len(_SHAPES) > _SHAPES_KEPT:
                _SHAPES.popitem(last=False)
    return made


def page_statement(
    compiler: Compiler,
    spec: QuerySpec,
    fields: Sequence[FieldDef],
    where: Sequence[ColumnElement[bool]] | None = None,
) -> tuple[Select[Any], list[tuple[ColumnElement[Any], bool]]]:
    """The one SELECT of a page (plus one extra row, to know whether another page follows);
    `where` is `compiler.where(spec, fields)` when the caller has it already."""
    stmt, params, shape = _page_statement(compiler, spec, fields, where)
    return (stmt.params(params) if params else stmt), shape.keys


def _page_statement(
    compiler: Compiler,
    spec: QuerySpec,
    fields: Sequence[FieldDef],
    where: Sequence[ColumnElement[bool]] | None = None,
) -> tuple[Select[Any], dict[str, Any], _Shape]:
    """The page's SELECT, the values of its keyset condition to execute it with, its shape."""
    shape = _shape(compiler, spec, fields)
    if where is None:
        where = compiler.where(spec, fields)
    stmt = shape.select.where(*where)
    params: dict[str, Any] = {}
    if spec.page.after:
        after, params = shape.after(_decode(spec.page.after, _fingerprint(spec)))
        stmt = stmt.where(after)
    stmt = stmt.order_by(*shape.order_by).limit(spec.page.size + 1)
    if spec.page.offset:
        stmt = stmt.offset(spec.page.offset)
    return stmt, params, shape


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


# --- counts -------------------------------------------------------------------------------------
COUNT_CACHE = True
"""Keep each count (and each kanban's stack counts), per connection, until the database
changes. Counting the matches of a filter over a large table costs far more than reading a page
(every match is read, where a page stops after a hundred), and a grid asks for the same count
again on every page and refresh. Benchmarks switch this off to compare like with like."""

_COUNTS_KEPT = 256  # per connection, the least recently used go first
# SQLite: a stamp that changes whenever the database may have changed — another connection's
# commit (data_version), a write of this connection's own (total_changes, even one rolled back),
# any schema change (schema_version). Read in the same transaction (snapshot) as the count.
_STAMP = (
    "SELECT (SELECT data_version FROM pragma_data_version()), total_changes(), "
    "(SELECT schema_version FROM pragma_schema_version())"
)
# PostgreSQL: the snapshot — the next transaction id and those still running. While it is the
# same, no transaction has committed (and none has begun writing) since: the data are the same.
# Not in a transaction that has written, whose own changes no snapshot shows.
_PG_STAMP = "SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned() IS NOT NULL"
_SQL_TEXT: dict[Any, str] = {}  # a statement's SQL text by its dialect and cache key


def _counts(conn: Connection) -> OrderedDict[str, tuple[tuple[Any, ...], Any]]:
    kept: OrderedDict[str, tuple[tuple[Any, ...], Any]]
    kept = conn.info.setdefault("tessera.counts", OrderedDict())
    return kept


def _stamp(conn: Connection) -> tuple[Any, ...] | None:
    """What says the data are unchanged (see _STAMP, _PG_STAMP); None when nothing may be kept."""
    if conn.dialect.name == "sqlite":
        return tuple(conn.exec_driver_sql(_STAMP).one())
    if conn.dialect.name == "postgresql":
        snapshot, writing = conn.exec_driver_sql(_PG_STAMP).one()
        return None if writing else (snapshot,)
    return None


def _sql_text(conn: Connection, stmt: Select[Any]) -> tuple[CacheKey, str] | None:
    """The statement's cache key and SQL text: the text is the same for the same statement
    whichever TableSchema object it was built from (the cache key holds the Table itself).
    None when SQLAlchemy cannot say."""
    cache_key = stmt._generate_cache_key()  # made once per statement; executing reuses it
    if cache_key is None:
        return None
    key = (conn.dialect.name, cache_key.key)
    text = _SQL_TEXT.get(key)
    if text is None:
        if len(_SQL_TEXT) > 1000:
            _SQL_TEXT.clear()
        try:
            text = _SQL_TEXT[key] = str(stmt.compile(dialect=conn.dialect))
        except CompileError:
            return None
    return cache_key, text


def remembered(
    conn: Connection,
    stmt: Select[Any],
    make: Callable[[tuple[Any, ...] | None], Any],
    *,
    compute: bool = True,
) -> Any:
    """`make(stamp)`, the answer of `stmt` (a count, a kanban's GROUP BY), kept per connection
    until the database changes (see COUNT_CACHE); with `compute=False`, only a kept answer (else
    None). The answer must not be changed by the caller: the next one gets the same object."""
    stamp = _stamp(conn)
    known = _sql_text(conn, stmt) if stamp is not None and COUNT_CACHE else None
    key: str | None = None
    kept = _counts(conn)
    if known is not None:
        cache_key, text = known
        values = [(type(b.type).__name__, b.effective_value) for b in cache_key.bindparams]
        key = text + repr(values)
        found = kept.get(key)
        if found is not None and found[0] == stamp:
            kept.move_to_end(key)
            return found[1]
    if not compute:
        return None
    answer = make(stamp)
    # on PostgreSQL each statement sees the latest commits: keep it only if none came meanwhile
    if key is not None and stamp is not None:
        if conn.dialect.name != "sqlite" and _stamp(conn) != stamp:
            return answer
        kept[key] = (stamp, answer)
        kept.move_to_end(key)
        while len(kept) > _COUNTS_KEPT:
            kept.popitem(last=False)
    return answer


def count(
    conn: Connection, table: Table, where: Sequence[ColumnElement[bool]], *, compute: bool = True
) -> int | None:
    """The number of rows of `table` that match `where`, kept until the database changes (see
    `remembered`); with `compute=False`, only a kept count is returned (else None)."""
    stmt = select(func.count()).select_from(table).where(*where)

    def make(stamp: tuple[Any, ...] | None) -> int:
        query = stmt
        if conn.dialect.name == "sqlite":
            known = _sql_text(conn, stmt)
            schema = stamp[2] if stamp else None
            if _reads_whole_index(conn, table, stmt, known[1] if known else None, schema):
                live = table.c.trashed_at.is_(None)
                unindexed = UnaryExpression(table.c.trashed_at, operator=custom_op("+")).is_(None)
                plain = [unindexed if clause.compare(live) else clause for clause in where]
                query = select(func.count()).select_from(table).where(*plain)
        return int(conn.execute(query).scalar_one())

    n = remembered(conn, stmt, make, compute=compute)
    return None if n is None else int(n)


def _reads_whole_index(
    conn: Connection, table: Table, stmt: Select[Any], text: str | None, schema: int | None
) -> bool:
    """Whether SQLite would count by reading a whole index and, for each entry, its row.

    It does that when no index narrows the search (a quick search, a filter on a column
    without an index) and the table has a partial index of live rows: it reads that index
    from end to end and looks up every row in the index's order, which is about ten times
    slower than reading the table (1,000,000 rows: 6.6 s against 0.7 s). The count is then
    made with `+trashed_at IS NULL`, SQLite's way of keeping a condition from an index, so
    the table is read in its own order. The answer is kept per statement and schema version."""
    plans: dict[tuple[str, int], bool] = conn.info.setdefault("tessera.whole_index", {})
    key = (text, schema) if text is not None and schema is not None else None
    if key is None or key not in plans:
        try:
            compiled = stmt.compile(
                dialect=conn.dialect, compile_kwargs={"render_postcompile": True}
            )
            # the plan does not depend on the values (SQLite without STAT4): none are given
            blanks = (None,) * len(compiled.positiontup or ())
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string, blanks).all()
        except (CompileError, DBAPIError):
            return False  # only a way to count faster: without it, count as asked
        whole = f"SCAN {table.name} USING INDEX "
        found = any(str(row[3]).startswith(whole) for row in plan)
        if key is None:
            return found
        if len(plans) > 256:
            plans.clear()
        plans[key] = found
    return plans[key]


# --- the page's plan (SQLite) ---------------------------------------------------------------------
def _read_in_order(
    compiler: Compiler, spec: QuerySpec, where: Sequence[ColumnElement[bool]], total: int | None
) -> bool:
    """Whether to steer SQLite from the index of a filter to the index of the sort.

    Given a filter on an indexed column and a sort on another, SQLite's planner reads every
    match through the filter's index and sorts them all, though a page needs only its first
    hundred: with a filter that matches a fifth of a million rows, 100–200 ms where reading the
    sort column's index in order and stopping at the page's end takes a millisecond or two. It
    cannot know which is cheaper; the number of matches says. Reading in order finds the
    `need` rows of the page after about need × rows / matches rows, the filter's index reads
    all the matches: read in order when need × rows < matches². The count is known when the
    page asks for it (or was counted before). PostgreSQL's planner weighs the LIMIT itself."""
    if compiler.dialect != "sqlite" or len(where) < 2:
        return False
    keys = compiler.order_keys(spec)
    first = keys[0][0]
    if not isinstance(first, Column) or first.table is not compiler.table:
        return False  # the order of an expression comes from no index
    if total is None:
        total = count(compiler.conn, compiler.table, where, compute=False)
    t = compiler.table
    rows = compiler.conn.execute(select(func.max(t.c.id))).scalar() or 0
    if total is None:  # not counted (a page that asks for no count): estimate from a sample
        total = _estimate(compiler, where, rows)
    if not total:
        return False
    need = (spec.page.offset or 0) + spec.page.size + 1
    return need * rows < total * total


SAMPLE = 2000


def _estimate(compiler: Compiler, where: Sequence[ColumnElement[bool]], rows: int) -> int:
    """How many rows match `where`, judged from the first SAMPLE rows (SQLite keeps rows in id
    order, so reading them is a short scan): only to choose a plan, never shown."""
    t = compiler.table
    sample = select(t.c.id).order_by(t.c.id).limit(SAMPLE).subquery()
    hits = compiler.conn.execute(
        select(func.count()).select_from(t).where(t.c.id.in_(select(sample.c.id)), *where)
    ).scalar_one()
    seen = min(SAMPLE, rows)
    return int(hits * rows / seen) if seen else 0


def _probably_true(
    compiler: Compiler, where: Sequence[ColumnElement[bool]]
) -> list[ColumnElement[bool]]:
    """`where` with each condition marked as probably true (SQLite's `likely()`, which returns
    its argument unchanged): the planner then prefers the index that gives the order. The live-row
    condition is left as it is: it is what lets the partial indexes be used."""
    if compiler.dialect != "sqlite":
        return list(where)
    live = compiler.table.c.trashed_at.is_(None)
    out: list[ColumnElement[bool]] = []
    for clause in where:
        if clause.compare(live):
            out.append(clause)
            continue
        parts = (
            clause.clauses
            if isinstance(clause, BooleanClauseList) and clause.operator is sql_operators.and_
            else [clause]
        )
        out.extend(func.likely(part, type_=Boolean) for part in parts)
    return out


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


_SYSTEM = ("id", "created_at", "updated_at", "created_by", "updated_by", "version")


def _reader(
    fields: Sequence[FieldDef], raw_json: frozenset[str] = frozenset()
) -> Callable[[Sequence[Any]], list[Record]]:
    """Turns the rows of a page (the system columns, then one column per field, in
    `page_statement`'s order) into Records. What is the same for every row is worked out once:
    the field ids and names, each value's place in the row, and which types convert what the
    column type returned (most take it as it is). Values are converted a column at a time; the
    columns in `raw_json` come as JSON text, and are decoded in one call per column."""
    ids: list[int] = []
    names: list[str] = []
    plan: list[tuple[int, bool, Callable[[Sequence[Any]], list[Any]] | None]] = []
    place = {name: i for i, name in enumerate(_SYSTEM)}
    for f in fields:
        column = f.column
        if column not in place:
            place[column] = len(place)
        ids.append(f.id)
        names.append(f.name)
        converts = type(f.type).from_db is not FieldType.from_db
        plan.append((place[column], column in raw_json, f.type.from_db_many if converts else None))

    def read(rows: Sequence[Any]) -> list[Record]:
        if not rows:
            return []
        columns = list(zip(*rows, strict=True))
        values: list[Sequence[Any]] = []
        for i, is_json, from_db in plan:
            column = _json_column(columns[i]) if is_json else columns[i]
            values.append(column if from_db is None else from_db(column))
        per_row = zip(*values, strict=True) if values else repeat((), len(rows))
        return [
            make_record(
                rid,
                dict(zip(names, row, strict=True)),
                created_at,
                updated_at,
                created_by,
                updated_by,
                version,
                dict(zip(ids, row, strict=True)),
            )
            for (rid, created_at, updated_at, created_by, updated_by, version), row in zip(
                zip(*columns[: len(_SYSTEM)], strict=True), per_row, strict=True
            )
        ]

    return read


def _json_column(texts: Sequence[str | None]) -> list[Any]:
    """The values of a column of JSON texts (written by the engine, one JSON value each), decoded
    as one JSON array: one call instead of one per value."""
    try:
        values = orjson.loads("[" + ",".join("null" if t is None else t for t in texts) + "]")
    except (TypeError, orjson.JSONDecodeError):  # TypeError: a number, not JSON text
        values = None
    if not isinstance(values, list) or len(values) != len(texts):
        return [json_loads(t) if isinstance(t, str) else t for t in texts]
    return values
