"""Physical tables and columns: the DDL that follows each schema change.

Every name here is made from ids (`tbl_12`, `fld_34`); user text never reaches DDL. DDL runs on the
caller's connection, inside the caller's transaction (SQLite and PostgreSQL both have
transactional DDL), so a failed schema change leaves nothing behind.
"""

from __future__ import annotations

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, Index, MetaData, Table

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


def drop_column(conn: Connection, table_id: int, field: FieldDef, *, unique: bool) -> None:
    if not field.type.stored:
        return
    if unique:
        drop_unique(conn, table_id, field.id)
    _ops(conn).drop_column(table_name(table_id), column_name(field.id))


def rename_column(conn: Connection, table_id: int, old: str, new: str) -> None:
    _ops(conn).alter_column(table_name(table_id), old, new_column_name=new)


def add_raw_column(conn: Connection, table_id: int, column: Column[object]) -> None:
    _ops(conn).add_column(table_name(table_id), column)


def drop_raw_column(conn: Connection, table_id: int, name: str) -> None:
    _ops(conn).drop_column(table_name(table_id), name)


def add_unique(conn: Connection, table_id: int, field: FieldDef) -> None:
    table = physical_table(table_id, [field])
    index: Index = unique_index(table, field)
    index.create(conn)


def drop_unique(conn: Connection, table_id: int, field_id: int) -> None:
    name = f"uq_{table_name(table_id)}_{column_name(field_id)}"
    conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{name}"')
