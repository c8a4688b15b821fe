"""Record writes. Every call runs in the caller's transaction: a batch is all or nothing.

Writes are column-wise: each field type normalises a whole column at once (with fast paths for
plain values), the rules are checked over the column, and rows reach the database in one
`executemany`. Every problem of a batch is collected before anything is written.

Reads (`reads`), the trash (`trash`) and the manual order (`ordering`) have modules of their own;
their functions are named here too, so `records` stays the one entry point for records.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Dialect,
    Table,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.types import TypeEngine

from . import history, permission_writes, relations
from .automations import hooks as automation_hooks
from .batch import WriteContext, context, require_live
from .batch import problem as _problem
from .batch import raise_problems as _raise
from .computed import ROWS, Changes
from .errors import Conflict, NotFound, Problem, ValidationError, ValueProblem
from .model import FieldDef, TableSchema
from .ordering import move, renumber
from .reads import count, page, read
from .trash import purge, restore, trash
from .uniqueness import batch_unique_problems, unique_problems

MISSING = object()
CHUNK = 50_000  # rows per executemany: keeps memory flat for large batches

__all__ = [
    "WriteContext",
    "context",
    "count",
    "create",
    "create_columns",
    "move",
    "page",
    "purge",
    "read",
    "renumber",
    "restore",
    "trash",
    "update_many",
]


def _resolve_keys(
    schema: TableSchema, keys: Iterable[Any], problems: list[Problem]
) -> dict[Any, FieldDef]:
    """Field of each written key (a name or an id); unknown and read-only keys are problems."""
    out: dict[Any, FieldDef] = {}
    for key in keys:
        try:
            f = schema.field(key)
        except NotFound:
            problems.append(
                _problem(
                    None,
                    ValueProblem(
                        "unknown_field",
                        f"Table {schema.name!r} has no field {key!r}",
                        f"表 {schema.name!r} 中没有字段 {key!r}",
                    ),
                    None,
                    key,
                )
            )
            continue
        if f.type.read_only:
            problems.append(
                _problem(
                    f,
                    ValueProblem(
                        "read_only",
                        f"{f.name!r} is computed by Tessera and cannot be written",
                        f"{f.name!r} 由系统计算，不能写入",
                    ),
                    None,
                )
            )
            continue
        out[key] = f
    return out


def by_column(rows: Sequence[Mapping[Any, Any]]) -> tuple[dict[Any, list[Any]], bool]:
    """The values of `rows` key by key (MISSING where a row lacks a key), and whether every row
    gives every key."""
    keys: set[Any] = set().union(*rows) if rows else set()
    # the common case, every row giving every key, reads a column with C-level builtins
    if set(map(len, rows)) == {len(keys)}:
        return {k: list(map(itemgetter(k), rows)) for k in keys}, True
    return {k: [r.get(k, MISSING) for r in rows] for k in keys}, False


def _columns(
    schema: TableSchema,
    given: Mapping[Any, list[Any]],
    n: int,
    ctx: WriteContext,
    *,
    creating: bool,
    problems: list[Problem],
    complete: bool = True,
    row_numbers: Sequence[int] | None = None,
) -> dict[FieldDef, list[Any]]:
    """Normalised, rule-checked columns of `n` rows given key by key (`complete` unless some
    values are MISSING); problems go to `problems`."""
    by_key = _resolve_keys(schema, given, problems)
    seen: dict[int, Any] = {}
    for key, f in by_key.items():
        if f.id in seen:
            problems.append(
                _problem(
                    f,
                    ValueProblem(
                        "duplicate_key",
                        f"Field {f.name!r} is given twice (as {seen[f.id]!r} and {key!r})",
                        f"字段 {f.name!r} 被重复给出（{seen[f.id]!r} 和 {key!r}）",
                    ),
                    None,
                )
            )
        seen[f.id] = key
    number = (lambda i: row_numbers[i]) if row_numbers is not None else (lambda i: i)
    columns: dict[FieldDef, list[Any]] = {}
    targets = [f for f in schema.fields if f.type.stored] if creating else list(by_key.values())
    key_of = {f.id: k for k, f in by_key.items()}
    for f in targets:
        key = key_of.get(f.id, MISSING)
        checker = f.checker()
        bad: list[tuple[int, ValueProblem]] = []
        if key is MISSING:
            default = checker.default(ctx.actor)
            values = [default] * n
        else:
            raw = given[key]
            if creating and not complete and any(v is MISSING for v in raw):
                default = checker.default(ctx.actor)
                raw = [default if v is MISSING else v for v in raw]
            values, bad = f.type.normalize_many(raw)
            problems.extend(_problem(f, p, number(i)) for i, p in bad)
        failed = {i for i, _ in bad}  # a value that failed its type is not also checked by rules
        for i, p in checker.check(values, required=creating or key is not MISSING):
            if i not in failed:
                problems.append(_problem(f, p, number(i)))
        for i, p in f.type.check_refs(values, ctx):
            problems.append(_problem(f, p, number(i)))
        columns[f] = values
    return columns


def _next_position(conn: Connection, table: Table) -> float:
    top = conn.execute(select(func.max(table.c.position))).scalar()
    return float(top or 0) + 1.0


def create(ctx: WriteContext, schema: TableSchema, rows: Sequence[Mapping[Any, Any]]) -> list[int]:
    """Insert `rows` (dicts keyed by field name or id); returns the new ids in order."""
    if not rows:
        return []
    given, complete = by_column(rows)
    return create_columns(ctx, schema, given, len(rows), complete=complete)


def create_columns(
    ctx: WriteContext,
    schema: TableSchema,
    given: Mapping[Any, list[Any]],
    n: int,
    *,
    complete: bool = True,
) -> list[int]:
    """Insert `n` records given column by column ({field name or id: n values}); returns the
    new ids in order."""
    if not n:
        return []
    restricted = schema
    if schema.access is not None:  # the acting user's limits; then write with the whole table
        schema = permission_writes.writable(ctx.conn, schema, set(given), what="create")
    problems: list[Problem] = []
    columns = _columns(schema, given, n, ctx, creating=True, problems=problems, complete=complete)
    if problems:  # failing anyway: name the repeated unique values too, so all is said at once
        problems += unique_problems(ctx.conn, schema, columns, list(range(n)))
    _raise(problems)
    link_columns = relations.take_links(columns)
    table = schema.sql
    conn = ctx.conn
    start = _next_position(conn, table)
    same: dict[str, Any] = {  # the same in every row
        "created_at": ctx.now,
        "updated_at": ctx.now,
        "created_by": ctx.actor,
        "updated_by": ctx.actor,
    }
    data: dict[str, list[Any]] = {
        "position": list(map(start.__add__, range(n))),  # start + i
        **{f.column: v for f, v in columns.items()},
    }
    try:
        with conn.begin_nested():
            if conn.dialect.name == "sqlite":
                ids = _insert_sqlite(conn, table, same, data, n)
            else:
                full = {**{k: [v] * n for k, v in same.items()}, **data}
                ids = _insert_generic(conn, table, full, n)
    except IntegrityError:
        _raise(unique_problems(conn, schema, columns, list(range(n))))
        raise
    history.created(ctx, schema, ids)
    changes = Changes()
    changes.add(schema.id, ROWS, ids)
    relations.write_links(conn, schema, ids, link_columns, changes, creating=True)
    relations.after_write(conn, schema.base_id, changes)
    permission_writes.require_created_visible(conn, restricted, ids)
    automation_hooks.after_create(conn, schema, ids)
    return ids


def _insert_sqlite(
    conn: Connection, table: Table, same: dict[str, Any], data: dict[str, list[Any]], n: int
) -> list[int]:
    """The fast path: values as each column type's own bind processor makes them (column-wise
    with C-level builtins where the type has a cheaper equivalent), then one `executemany`
    straight to the driver. A column that is the same in every row (the engine's own system
    values) is made once, and written into the statement where a literal is exact, which spares
    the driver binding it again for every row."""
    names = [*same, *data]
    dialect = conn.dialect
    marks: list[str] = []
    cols: list[Iterable[Any]] = []
    for name, value in same.items():
        proc = table.c[name].type._cached_bind_processor(dialect)
        stored = proc(value) if proc is not None else value
        literal = _sqlite_literal(stored)
        marks.append("?" if literal is None else literal)
        if literal is None:
            cols.append(repeat(stored, n))
    for name, values in data.items():
        marks.append("?")
        cols.append(_sqlite_column(table.c[name].type, dialect, values))
    sql = (
        f'INSERT INTO "{table.name}" ('
        + ", ".join(f'"{c}"' for c in names)
        + ") VALUES ("
        + ", ".join(marks)
        + ")"
    )
    # the driver reads the rows straight from the zip, a tuple at a time: no list of rows is
    # built (memory stays flat, and the garbage collector is not woken by a million tuples)
    dbapi = dialect.loaded_dbapi
    driver: Any = conn.connection.driver_connection
    cursor = driver.cursor()
    try:
        cursor.executemany(sql, zip(*cols, strict=True))
    except dbapi.Error as e:  # as SQLAlchemy would raise it: IntegrityError and so on
        raise DBAPIError.instance(sql, None, e, dbapi.Error, dialect=dialect) from e
    finally:
        cursor.close()
    last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
    # one writer holds the lock and ids are AUTOINCREMENT: the batch got consecutive ids
    return list(range(last - n + 1, last + 1))


_PLAIN_TEXT = re.compile(r"[0-9 :.\-]*")  # as in a timestamp: nothing to quote


def _sqlite_literal(value: Any) -> str | None:
    """An SQLite literal that stores exactly `value` (None, a whole number, or text of digits,
    spaces, ':', '.' and '-'); None for any other value, which is bound instead."""
    if value is None:
        return "NULL"
    if type(value) is int:
        return str(value)
    if type(value) is str and _PLAIN_TEXT.fullmatch(value):
        return f"'{value}'"
    return None


def _sqlite_column(coltype: TypeEngine[Any], dialect: Dialect, values: list[Any]) -> list[Any]:
    """`values` as the column type's bind processor makes them for SQLite."""
    fast = getattr(coltype, "sqlite_bind_many", None)
    if fast is not None:
        done: list[Any] | None = fast(values)
        if done is not None:
            return done
    proc = coltype._cached_bind_processor(dialect)
    if proc is None:
        return values
    if (
        isinstance(coltype, Boolean)
        and not dialect.supports_native_boolean
        and set(map(type, values)) <= {bool}
    ):
        return list(map(int, values))  # what Boolean's processor makes of True and False
    return list(map(proc, values))


def _insert_generic(
    conn: Connection, table: Table, data: dict[str, list[Any]], n: int
) -> list[int]:
    names = list(data)
    ids: list[int] = []
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for i in range(0, n, CHUNK):
        chunk = [
            dict(zip(names, row, strict=True))
            for row in zip(*(data[k][i : i + CHUNK] for k in names), strict=True)
        ]
        ids.extend(int(x) for x in conn.execute(stmt, chunk).scalars())
    return ids


def update_many(
    ctx: WriteContext,
    schema: TableSchema,
    changes: Sequence[tuple[int, Mapping[Any, Any]]],
    *,
    expected_versions: Mapping[int, int] | None = None,
) -> None:
    """Change only the given fields of each record. With `expected_versions`, a record whose
    version moved on since it was read is a Conflict and nothing is written."""
    if not changes:
        return
    ids = [rid for rid, _ in changes]
    if len(set(ids)) != len(ids):
        raise ValidationError(
            [
                Problem(
                    "duplicate_record",
                    "A record is changed twice in one batch",
                    "同一批次中重复修改了同一条记录",
                )
            ]
        )
    conn = ctx.conn
    if schema.access is not None:  # the acting user's limits; then write with the whole table
        keys = {k for _, fields in changes for k in fields}
        restricted, schema = schema, permission_writes.writable(conn, schema, keys)
        permission_writes.require_visible(conn, restricted, ids)
    require_live(conn, schema, ids)
    if expected_versions:
        _check_versions(conn, schema, expected_versions)
    groups: dict[frozenset[Any], list[int]] = {}
    for i, (_, fields) in enumerate(changes):
        groups.setdefault(frozenset(fields), []).append(i)
    problems: list[Problem] = []
    planned: list[tuple[dict[FieldDef, list[Any]], list[int]]] = []
    for members in groups.values():
        given, complete = by_column([changes[i][1] for i in members])
        cols = _columns(
            schema,
            given,
            len(members),
            ctx,
            creating=False,
            problems=problems,
            complete=complete,
            row_numbers=members,
        )
        planned.append((cols, members))
    if problems:  # failing anyway: name the repeated unique values too, so all is said at once
        problems += batch_unique_problems(conn, schema, planned, ids)
    _raise(problems)
    changed = Changes()
    link_writes = []
    for cols, members in planned:
        link_writes.append((relations.take_links(cols), members))
        for f in cols:
            changed.add(schema.id, f.id, [ids[i] for i in members])
    watched = automation_hooks.before_update(conn, schema, ids)
    snap = history.update_before(ctx, schema, planned, ids)
    try:
        with conn.begin_nested():
            _write_updates(ctx, schema, planned, ids)
    except IntegrityError:
        _raise(batch_unique_problems(conn, schema, planned, ids))
        # No value is held by a record outside the batch: the batch trades unique values among
        # its own records (a swap), which the index refuses row by row. Free them, then write.
        with conn.begin_nested():
            _release_unique(ctx, schema, planned, ids)
            _write_updates(ctx, schema, planned, ids)
    history.update_after(ctx, schema, snap)
    for link_cols, members in link_writes:
        if link_cols:
            relations.write_links(conn, schema, [ids[i] for i in members], link_cols, changed)
    relations.after_write(conn, schema.base_id, changed)
    if watched is not None:
        written = {ids[i]: {f.id for f in cols} for cols, members in planned for i in members}
        automation_hooks.after_update(conn, schema, written, watched)


def _write_updates(
    ctx: WriteContext,
    schema: TableSchema,
    planned: Sequence[tuple[dict[FieldDef, list[Any]], list[int]]],
    ids: Sequence[int],
) -> None:
    """One executemany per group of records that change the same fields."""
    table = schema.sql
    for cols, members in planned:
        values: dict[str, Any] = {
            f.column: bindparam(f"v_{f.id}", type_=table.c[f.column].type) for f in cols
        }
        stmt = (
            update(table)
            .where(table.c.id == bindparam("rid"))
            .values(
                **values,
                updated_at=ctx.now,
                updated_by=ctx.actor,
                version=table.c.version + 1,
            )
        )
        params = []
        for j, i in enumerate(members):
            p: dict[str, Any] = {"rid": ids[i]}
            for f, col in cols.items():
                p[f"v_{f.id}"] = col[j]
            params.append(p)
        ctx.conn.execute(stmt, params)


def _release_unique(
    ctx: WriteContext,
    schema: TableSchema,
    planned: Sequence[tuple[dict[FieldDef, list[Any]], list[int]]],
    ids: Sequence[int],
) -> None:
    """Empty the unique fields that the batch is about to write, in the records it writes."""
    table = schema.sql
    targets: dict[FieldDef, list[int]] = {}
    for cols, members in planned:
        for f in cols:
            if f.rules.unique and f.type.stored:
                targets.setdefault(f, []).extend(ids[i] for i in members)
    for f, rids in targets.items():
        for k in range(0, len(rids), 1000):
            ctx.conn.execute(
                update(table).where(table.c.id.in_(rids[k : k + 1000])).values({f.column: None})
            )


def _check_versions(conn: Connection, schema: TableSchema, expected: Mapping[int, int]) -> None:
    """Conflict if a record's version is not the one expected. The rows stay locked (on
    PostgreSQL) until the transaction ends, so no one changes them between check and write."""
    table = schema.sql
    rows = conn.execute(
        select(table.c.id, table.c.version).where(table.c.id.in_(list(expected))).with_for_update()
    ).all()
    moved = [r.id for r in rows if r.version != expected[r.id]]
    if moved:
        raise Conflict(
            f"Record {moved[0]} was changed by someone else since it was read",
            f"记录 {moved[0]} 在读取后已被他人修改",
        )
