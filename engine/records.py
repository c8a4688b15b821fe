"""Record writes and reads. Every call runs in the caller's transaction: a batch is all or nothing.

Writes are column-wise: each field type normalises a whole column at once (with fast paths for
plain values), the rules are checked over the column, and rows reach the database in one
`executemany`. Every problem of a batch is collected before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from .attachments import AttachmentStore
from .errors import Conflict, NotFound, Problem, ValidationError, ValueProblem
from .model import FieldDef, TableSchema
from .record import Record
from .sqltypes import UTC

MISSING = object()
CHUNK = 50_000  # rows per executemany: keeps memory flat for large batches


@dataclass
class WriteContext:
    conn: Connection
    actor: int | None
    store: AttachmentStore | None
    now: dt.datetime

    def attachment_exists(self, digest: str) -> bool:
        return self.store is not None and self.store.exists(digest)


def context(conn: Connection, actor: int | None, store: AttachmentStore | None) -> WriteContext:
    return WriteContext(conn, actor, store, dt.datetime.now(UTC))


def _problem(f: FieldDef | None, p: ValueProblem, row: int | None, key: Any = None) -> Problem:
    return Problem(
        code=p.code,
        message_en=p.message_en,
        message_zh=p.message_zh,
        field_id=f.id if f else None,
        field_name=f.name if f else (str(key) if key is not None else None),
        row=row,
    )


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


def _columns(
    schema: TableSchema,
    rows: Sequence[Mapping[Any, Any]],
    ctx: WriteContext,
    *,
    creating: bool,
    problems: list[Problem],
    row_numbers: Sequence[int] | None = None,
) -> dict[FieldDef, list[Any]]:
    """Normalised, rule-checked columns of `rows`; problems go to `problems`."""
    n = len(rows)
    keys: set[Any] = set().union(*rows) if rows else set()
    by_key = _resolve_keys(schema, keys, problems)
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
            default = checker.default()
            values = [default] * n
        else:
            raw = [r.get(key, MISSING) for r in rows]
            if creating and any(v is MISSING for v in raw):
                default = checker.default()
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


def _raise(problems: list[Problem]) -> None:
    if problems:
        problems.sort(key=lambda p: (p.row if p.row is not None else -1, p.field_id or 0))
        raise ValidationError(problems)


def _next_position(conn: Connection, table: Table) -> float:
    top = conn.execute(select(func.max(table.c.position))).scalar()
    return float(top or 0) + 1.0


def create(ctx: WriteContext, schema: TableSchema, rows: Sequence[Mapping[Any, Any]]) -> list[int]:
    """Insert `rows` (dicts keyed by field name or id); returns the new ids in order."""
    if not rows:
        return []
    problems: list[Problem] = []
    columns = _columns(schema, rows, ctx, creating=True, problems=problems)
    if problems:  # failing anyway: name the repeated unique values too, so all is said at once
        problems += _unique_problems(ctx.conn, schema, columns, list(range(len(rows))))
    _raise(problems)
    table = schema.sql
    conn = ctx.conn
    n = len(rows)
    start = _next_position(conn, table)
    system: dict[str, list[Any]] = {
        "created_at": [ctx.now] * n,
        "updated_at": [ctx.now] * n,
        "created_by": [ctx.actor] * n,
        "updated_by": [ctx.actor] * n,
        "position": [start + i for i in range(n)],
    }
    data: dict[str, list[Any]] = {**system, **{f.column: v for f, v in columns.items()}}
    try:
        with conn.begin_nested():
            if conn.dialect.name == "sqlite":
                return _insert_sqlite(conn, table, data, n)
            return _insert_generic(conn, table, data, n)
    except IntegrityError:
        _raise(_unique_problems(conn, schema, columns, list(range(n))))
        raise


def _insert_sqlite(conn: Connection, table: Table, data: dict[str, list[Any]], n: int) -> list[int]:
    """The fast path: values through each column type's own bind processor, then one
    `executemany` straight to the driver."""
    names = list(data)
    dialect = conn.dialect
    cols = []
    for name in names:
        proc = table.c[name].type._cached_bind_processor(dialect)
        values = data[name]
        cols.append(list(map(proc, values)) if proc is not None else values)
    sql = (
        f'INSERT INTO "{table.name}" ('
        + ", ".join(f'"{c}"' for c in names)
        + ") VALUES ("
        + ", ".join("?" for _ in names)
        + ")"
    )
    rows = list(zip(*cols, strict=True))
    for i in range(0, n, CHUNK):
        conn.exec_driver_sql(sql, rows[i : i + CHUNK])
    last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
    # one writer holds the lock and ids are AUTOINCREMENT: the batch got consecutive ids
    return list(range(last - n + 1, last + 1))


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


def _unique_problems(
    conn: Connection,
    schema: TableSchema,
    columns: Mapping[FieldDef, list[Any]],
    row_numbers: Sequence[int],
    exclude_ids: Sequence[int] = (),
) -> list[Problem]:
    """Every value of a unique field that repeats within the batch or is taken by another live
    record. The database's unique index is the guard; this names what it refused."""
    problems: list[Problem] = []
    table = schema.sql
    for f, values in columns.items():
        if not f.rules.unique:
            continue
        col = table.c[f.column]
        seen: dict[Any, int] = {}
        for i, v in enumerate(values):
            if v is None:
                continue
            if v in seen:
                problems.append(_unique_problem(f, v, row_numbers[i]))
            else:
                seen[v] = i
        present = list(seen)
        taken: set[Any] = set()
        for k in range(0, len(present), 500):
            q = select(col).where(
                col.in_(present[k : k + 500]),
                table.c.trashed_at.is_(None),
            )
            if exclude_ids:
                q = q.where(table.c.id.not_in(list(exclude_ids)))
            taken.update(conn.execute(q).scalars())
        for v in taken:
            problems.append(_unique_problem(f, v, row_numbers[seen[v]]))
    return problems


def _unique_problem(f: FieldDef, value: Any, row: int) -> Problem:
    shown = f.type.to_text(value)[:60]
    return _problem(
        f,
        ValueProblem(
            "not_unique",
            f"{shown!r} is already used by another record; {f.name!r} must be unique",
            f"{shown!r} 已被其他记录使用；{f.name!r} 的值必须唯一",
        ),
        row,
    )


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
    _require_live(ctx.conn, schema, ids)
    if expected_versions:
        _check_versions(ctx.conn, schema, expected_versions)
    groups: dict[frozenset[Any], list[int]] = {}
    for i, (_, fields) in enumerate(changes):
        groups.setdefault(frozenset(fields), []).append(i)
    problems: list[Problem] = []
    planned: list[tuple[dict[FieldDef, list[Any]], list[int]]] = []
    for members in groups.values():
        rows = [changes[i][1] for i in members]
        cols = _columns(schema, rows, ctx, creating=False, problems=problems, row_numbers=members)
        planned.append((cols, members))
    if problems:
        for cols, members in planned:
            problems += _unique_problems(
                ctx.conn, schema, cols, members, [changes[i][0] for i in members]
            )
    _raise(problems)
    table = schema.sql
    conn = ctx.conn
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
            p: dict[str, Any] = {"rid": changes[i][0]}
            for f, col in cols.items():
                p[f"v_{f.id}"] = col[j]
            params.append(p)
        try:
            with conn.begin_nested():
                conn.execute(stmt, params)
        except IntegrityError:
            _raise(_unique_problems(conn, schema, cols, members, [changes[i][0] for i in members]))
            raise


def _require_live(conn: Connection, schema: TableSchema, ids: Sequence[int]) -> None:
    table = schema.sql
    found: set[int] = set()
    for k in range(0, len(ids), 1000):
        part = list(ids[k : k + 1000])
        found.update(
            conn.execute(
                select(table.c.id).where(table.c.id.in_(part), table.c.trashed_at.is_(None))
            ).scalars()
        )
    missing = [i for i in ids if i not in found]
    if missing:
        shown = ", ".join(str(m) for m in missing[:10])
        raise NotFound(
            f"No record with id {shown} in table {schema.name!r}",
            f"表 {schema.name!r} 中没有 ID 为 {shown} 的记录",
        )


def _check_versions(conn: Connection, schema: TableSchema, expected: Mapping[int, int]) -> None:
    table = schema.sql
    rows = conn.execute(
        select(table.c.id, table.c.version).where(table.c.id.in_(list(expected)))
    ).all()
    moved = [r.id for r in rows if r.version != expected[r.id]]
    if moved:
        raise Conflict(
            f"Record {moved[0]} was changed by someone else since it was read",
            f"记录 {moved[0]} 在读取后已被他人修改",
        )


def trash(ctx: WriteContext, schema: TableSchema, ids: Sequence[int]) -> None:
    """Move records to the trash; they keep their values and can be restored."""
    _require_live(ctx.conn, schema, ids)
    table = schema.sql
    for k in range(0, len(ids), 1000):
        ctx.conn.execute(
            update(table)
            .where(table.c.id.in_(list(ids[k : k + 1000])))
            .values(trashed_at=ctx.now, updated_by=ctx.actor, version=table.c.version + 1)
        )


def restore(ctx: WriteContext, schema: TableSchema, ids: Sequence[int]) -> None:
    """Bring records back from the trash. A unique value taken meanwhile is a ValidationError."""
    table = schema.sql
    found = set(
        ctx.conn.execute(
            select(table.c.id).where(table.c.id.in_(list(ids)), table.c.trashed_at.is_not(None))
        ).scalars()
    )
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(
            f"No record with id {missing[0]} in the trash of table {schema.name!r}",
            f"表 {schema.name!r} 的回收站中没有 ID 为 {missing[0]} 的记录",
        )
    try:
        with ctx.conn.begin_nested():
            ctx.conn.execute(
                update(table)
                .where(table.c.id.in_(list(ids)))
                .values(trashed_at=None, updated_by=ctx.actor, version=table.c.version + 1)
            )
    except IntegrityError:
        rows = read(ctx.conn, schema, ids, include_trashed=True)
        unique = [f for f in schema.fields if f.rules.unique and f.type.stored]
        columns = {f: [r.by_id.get(f.id) for r in rows] for f in unique}
        _raise(_unique_problems(ctx.conn, schema, columns, list(range(len(rows))), ids))
        raise


def purge(ctx: WriteContext, schema: TableSchema, ids: Sequence[int]) -> None:
    """Delete records for good."""
    table = schema.sql
    for k in range(0, len(ids), 1000):
        ctx.conn.execute(delete(table).where(table.c.id.in_(list(ids[k : k + 1000]))))


def move(
    ctx: WriteContext,
    schema: TableSchema,
    record_id: int,
    *,
    before: int | None = None,
    after: int | None = None,
) -> None:
    """Place a record just before or just after another in the manual order."""
    table = schema.sql
    conn = ctx.conn
    anchor_id = before if before is not None else after
    if anchor_id is None or (before is not None and after is not None):
        raise ValueError("give exactly one of before= or after=")
    _require_live(conn, schema, [record_id, anchor_id])
    for _ in range(2):
        anchor = conn.execute(
            select(table.c.position, table.c.id).where(table.c.id == anchor_id)
        ).one()
        live = table.c.trashed_at.is_(None)
        key = (table.c.position, table.c.id)
        if before is not None:
            neighbour = conn.execute(
                select(func.max(table.c.position)).where(
                    live, table.c.id != record_id, _tuple_lt(key, (anchor.position, anchor.id))
                )
            ).scalar()
            low = float(neighbour) if neighbour is not None else anchor.position - 2.0
            high = anchor.position
        else:
            neighbour = conn.execute(
                select(func.min(table.c.position)).where(
                    live, table.c.id != record_id, _tuple_gt(key, (anchor.position, anchor.id))
                )
            ).scalar()
            low = anchor.position
            high = float(neighbour) if neighbour is not None else anchor.position + 2.0
        middle = (low + high) / 2
        if low < middle < high:
            conn.execute(update(table).where(table.c.id == record_id).values(position=middle))
            return
        renumber(conn, table)
    raise RuntimeError("could not find room to move the record")


def _tuple_lt(key: tuple[Any, Any], value: tuple[float, int]) -> Any:
    from sqlalchemy import and_, or_

    return or_(key[0] < value[0], and_(key[0] == value[0], key[1] < value[1]))


def _tuple_gt(key: tuple[Any, Any], value: tuple[float, int]) -> Any:
    from sqlalchemy import and_, or_

    return or_(key[0] > value[0], and_(key[0] == value[0], key[1] > value[1]))


def renumber(conn: Connection, table: Table) -> None:
    """Spread positions out again (1, 2, 3, ...) in one statement, keeping the order."""
    ranked = (
        select(
            table.c.id.label("rid"),
            func.row_number().over(order_by=(table.c.position, table.c.id)).label("rn"),
        )
    ).subquery()
    conn.execute(update(table).where(table.c.id == ranked.c.rid).values(position=ranked.c.rn))


def _record(schema: TableSchema, row: Any) -> Record:
    by_id: dict[int, Any] = {}
    by_name: dict[str, Any] = {}
    for f in schema.fields:
        value = f.type.from_db(row._mapping[f.column])
        by_id[f.id] = value
        by_name[f.name] = value
    return Record(
        id=row.id,
        fields=by_name,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        updated_by=row.updated_by,
        version=row.version,
        trashed_at=row.trashed_at,
        by_id=by_id,
    )


def read(
    conn: Connection, schema: TableSchema, ids: Sequence[int], *, include_trashed: bool = False
) -> list[Record]:
    """The records with `ids`, in the order asked; NotFound if any is missing."""
    table = schema.sql
    found: dict[int, Record] = {}
    for k in range(0, len(ids), 1000):
        q = select(table).where(table.c.id.in_(list(ids[k : k + 1000])))
        if not include_trashed:
            q = q.where(table.c.trashed_at.is_(None))
        for row in conn.execute(q):
            found[row.id] = _record(schema, row)
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(
            f"No record with id {missing[0]} in table {schema.name!r}",
            f"表 {schema.name!r} 中没有 ID 为 {missing[0]} 的记录",
        )
    return [found[i] for i in ids]


def page(
    conn: Connection,
    schema: TableSchema,
    *,
    limit: int = 100,
    offset: int = 0,
    trashed: bool = False,
) -> list[Record]:
    """Records in manual order, one page at a time (the query engine does filters and sorts)."""
    table = schema.sql
    q = (
        select(table)
        .where(table.c.trashed_at.is_not(None) if trashed else table.c.trashed_at.is_(None))
        .order_by(table.c.position, table.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [_record(schema, row) for row in conn.execute(q)]


def count(conn: Connection, schema: TableSchema, *, trashed: bool = False) -> int:
    table = schema.sql
    where = table.c.trashed_at.is_not(None) if trashed else table.c.trashed_at.is_(None)
    return int(conn.execute(select(func.count()).select_from(table).where(where)).scalar_one())
