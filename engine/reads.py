"""Reading records: by id, a page in manual order, and counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, func, select

from . import permissions
from .computed import is_volatile
from .errors import NotFound
from .model import TableSchema
from .query import Compiler, QueryContext
from .record import Record


def record_from_row(schema: TableSchema, row: Any) -> Record:
    """The Record of a row of the table's physical table."""
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


def _select(conn: Connection, schema: TableSchema) -> Select[Any]:
    """The table's rows with formulas that use TODAY() or NOW() computed at this moment: their
    columns hold nothing, and a record read by id must show what its grid row shows."""
    volatile = {f.column: f for f in schema.fields if is_volatile(f)}
    if not volatile:
        return select(schema.sql)
    compiler = Compiler(conn, schema, QueryContext())
    return select(
        *(
            compiler.volatile(volatile[c.name]).label(c.name) if c.name in volatile else c
            for c in schema.sql.c
        )
    )


def read(
    conn: Connection, schema: TableSchema, ids: Sequence[int], *, include_trashed: bool = False
) -> list[Record]:
    """The records with `ids`, in the order asked; NotFound if any is missing."""
    table = schema.sql
    found: dict[int, Record] = {}
    limits = permissions.row_clauses(conn, schema)  # a record outside the user's rows: not found
    for k in range(0, len(ids), 1000):
        q = _select(conn, schema).where(table.c.id.in_(list(ids[k : k + 1000])), *limits)
        if not include_trashed:
            q = q.where(table.c.trashed_at.is_(None))
        for row in conn.execute(q):
            found[row.id] = record_from_row(schema, row)
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
        _select(conn, schema)
        .where(table.c.trashed_at.is_not(None) if trashed else table.c.trashed_at.is_(None))
        .where(*permissions.row_clauses(conn, schema))
        .order_by(table.c.position, table.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [record_from_row(schema, row) for row in conn.execute(q)]


def count(conn: Connection, schema: TableSchema, *, trashed: bool = False) -> int:
    table = schema.sql
    where = table.c.trashed_at.is_not(None) if trashed else table.c.trashed_at.is_(None)
    limits = permissions.row_clauses(conn, schema)
    return int(
        conn.execute(select(func.count()).select_from(table).where(where, *limits)).scalar_one()
    )
