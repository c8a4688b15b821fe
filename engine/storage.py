"""Physical tables and columns: the DDL that follows each schema change.

Every name here is made from ids (`tbl_12`, `fld_34`); user text never reaches DDL. DDL runs on the
caller's connection, inside the caller's transaction (SQLite and PostgreSQL both have
transactional DDL), so a failed schema change leaves nothing behind.
"""

from __future__ import annotations

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, Index, MetaData, Table, inspect, text

from .fields import FieldType
from .model import FieldDef, TableSchema, field_column, physical_table, unique_index
from .names import column_name, table_name


def _ops(conn: Connection) -> Operations:
    return Operations(MigrationContext.configure(conn))


def create_table(conn: Connection, schema: TableSchema) -> None:
    table = physical_table(schema.id, schema.fields)
    table.create(conn)


def drop_table(conn: Connection, table_id: int) -> None:
    Table(table_name(table_id), MetaData()).drop(conn, checkfirst=True)


def add_column(conn: Connection, table_id: int, field: FieldDef) -> None:
    if not field.type.stored:
        return
    _ops(conn).add_column(table_name(table_id), field_column(field))
    if field.rules.unique:
        add_unique(conn, table_id, field)


def drop_column(
    conn: Connection, table_id: int, field: FieldDef, *, unique: bool | None = None
) -> None:
    """Drop a field's column and every index on it (SQLite refuses to drop an indexed column),
    its unique index among them whatever `unique` says (kept for callers that pass it)."""
    if not field.type.stored:
        return
    drop_indexes_on(conn, table_id, column_name(field.id))
    _ops(conn).drop_column(table_name(table_id), column_name(field.id))


def indexes_on(conn: Connection, table_id: int, column: str) -> list[str]:
    """The names of the indexes of a physical table that cover `column`."""
    found = inspect(conn).get_indexes(table_name(table_id))
    return [str(ix["name"]) for ix in found if column in ix["column_names"]]


def drop_indexes_on(conn: Connection, table_id: int, column: str) -> None:
    for name in indexes_on(conn, table_id, column):
        _drop_index(conn, name)


def rename_column(conn: Connection, table_id: int, old: str, new: str) -> None:
    _ops(conn).alter_column(table_name(table_id), old, new_column_name=new)


def set_not_null_default(conn: Connection, table_id: int, column: str, ftype: FieldType) -> None:
    """Give a column its type's server default and NOT NULL (PostgreSQL: SQLite cannot alter
    a column in place)."""
    default = ftype.column_default()
    _ops(conn).alter_column(
        table_name(table_id),
        column,
        server_default=text(default) if default is not None else None,
        nullable=default is None,
        existing_type=ftype.column_type(),
    )


def add_raw_column(conn: Connection, table_id: int, column: Column[object]) -> None:
    _ops(conn).add_column(table_name(table_id), column)


def drop_raw_column(conn: Connection, table_id: int, name: str) -> None:
    _ops(conn).drop_column(table_name(table_id), name)


def add_unique(conn: Connection, table_id: int, field: FieldDef) -> None:
    table = physical_table(table_id, [field])
    index: Index = unique_index(table, field)
    index.create(conn)


def drop_unique(conn: Connection, table_id: int, field_id: int) -> None:
    _drop_index(conn, f"uq_{table_name(table_id)}_{column_name(field_id)}")


def _drop_index(conn: Connection, name: str) -> None:
    # index names are made from ids (or read back from the catalog), quoted by the dialect
    conn.exec_driver_sql(f"DROP INDEX IF EXISTS {conn.dialect.identifier_preparer.quote(name)}")
