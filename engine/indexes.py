"""Indexes where they pay: the primary field and the sort, group and filter columns of views.

Each is a partial index over live records, `(column, id)`, so a filtered or sorted page over a
large table reads in index order with the id tiebreak, and trashed rows cost nothing.
"""

from __future__ import annotations

from sqlalchemy import Connection, Index

from .model import FieldDef, TableSchema


def index_name(schema: TableSchema, f: FieldDef) -> str:
    return f"ix_{schema.physical_name}_{f.column}"


def ensure_index(conn: Connection, schema: TableSchema, f: FieldDef) -> bool:
    """Create the index of field `f` unless it exists; True when one was created."""
    if not f.type.stored or f.type.is_list:
        return False  # system columns are indexed already; JSON lists are not B-tree material
    table = schema.sql
    where = table.c.trashed_at.is_(None)
    index = Index(
        index_name(schema, f),
        table.c[f.column],
        table.c.id,
        sqlite_where=where,
        postgresql_where=where,
    )
    existing = {ix["name"] for ix in _inspect(conn, schema.physical_name)}
    if index.name in existing:
        return False
    index.create(conn)
    return True


def drop_index(conn: Connection, schema: TableSchema, f: FieldDef) -> None:
    conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{index_name(schema, f)}"')


def _inspect(conn: Connection, table: str) -> list[dict[str, object]]:
    from sqlalchemy import inspect

    return list(inspect(conn).get_indexes(table))  # type: ignore[arg-type]
