"""The count cache: a count (or a kanban's GROUP BY) kept per connection until the database
changes, told by a stamp read in the same snapshot; and on SQLite, counting without reading a
whole partial index row by row."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Table, func, select
from sqlalchemy.exc import CompileError, DBAPIError
from sqlalchemy.sql.cache_key import CacheKey
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op

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
