"""Indexes where they pay: the primary field and the sort, group and filter columns of views.

Each is a partial index over live records, `(column, id)` — the field's own column, or the
system column behind created / modified time and by — so a filtered or sorted page over a
large table reads in index order with the id tiebreak, and trashed rows cost nothing. On
PostgreSQL a column that may be empty is indexed `NULLS FIRST`, the order the query compiler
asks for ascending (empty values first, as on SQLite), so the index serves the sort and not only
the filter; `id` and other NOT NULL columns are ordered plainly, by both.

Not every column is worth one, and some would do harm:

- lists (multiple select, several users, attachments, links) are JSON, not B-tree material;
- text (text, long text, email, phone, URL) is compared and sorted through `lower(...)`
  (`engine.expressions.sort_keys`), which a plain column index serves in neither case — so a
  text primary field gets none either. An expression index would serve it, but SQLAlchemy
  cannot reflect one on SQLite, which `engine.storage.drop_column` relies on to drop a column's
  indexes first;
- PostgreSQL refuses to store a B-tree entry above about 2,700 bytes, so an index on any other
  unbounded text column (a computed text, say) would turn a long value into a failed write.
  Select options are bounded (255 characters) and indexed: stacks and option filters use them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import JSON, Connection, Index, String, text

from .fields.choice import SingleSelectType
from .model import FieldDef, TableSchema
from .operators import value_kind


def index_name(schema: TableSchema, f: FieldDef) -> str:
    return f"ix_{schema.physical_name}_{f.column}"


def worth_indexing(dialect: str, f: FieldDef) -> bool:
    """Whether a view index on `f` pays, and can never make a valid write fail."""
    ftype = f.type
    if ftype.system_column == "id":  # autonumber: the primary key is its index
        return False
    if (not ftype.stored and ftype.system_column is None) or ftype.is_list:
        return False
    if value_kind(ftype) == "text":
        return False
    coltype = ftype.column_type()
    if isinstance(coltype, JSON):
        return False
    if dialect == "postgresql" and isinstance(coltype, String):
        return isinstance(ftype, SingleSelectType)
    return True


def _index(conn: Connection, schema: TableSchema, f: FieldDef) -> Index:
    table = schema.sql
    where = table.c.trashed_at.is_(None)
    column = table.c[f.column]
    keys: list[Any] = [column, table.c.id]
    if conn.dialect.name == "postgresql" and column.nullable:  # as the page query orders it
        keys[0] = column.asc().nulls_first()
    return Index(index_name(schema, f), *keys, sqlite_where=where, postgresql_where=where)


def _exists(conn: Connection, name: str) -> bool:
    if conn.dialect.name == "postgresql":
        found = conn.execute(text("SELECT to_regclass(:name)"), {"name": f'"{name}"'}).scalar()
    else:
        found = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = :name"),
            {"name": name},
        ).scalar()
    return found is not None


def ensure_indexes(conn: Connection, schema: TableSchema, fields: Iterable[FieldDef]) -> list[str]:
    """Create the missing indexes of `fields` (those worth one); the names of those created."""
    wanted: dict[str, FieldDef] = {}
    for f in fields:
        if worth_indexing(conn.dialect.name, f):
            wanted.setdefault(index_name(schema, f), f)
    created: list[str] = []
    for name, f in wanted.items():
        if not _exists(conn, name):
            _index(conn, schema, f).create(conn)
            created.append(name)
    return created


def ensure_index(conn: Connection, schema: TableSchema, f: FieldDef) -> bool:
    """Create the index of field `f` unless it exists or does not pay; True when one was made."""
    return bool(ensure_indexes(conn, schema, [f]))


def drop_index(conn: Connection, schema: TableSchema, f: FieldDef) -> None:
    """Drop the view index of `f`, if there is one."""
    conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{index_name(schema, f)}"')
