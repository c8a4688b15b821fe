"""In-memory descriptions of a user table and its fields, loaded from the metadata tables."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Connection, Float, Index, Integer, MetaData, Table, select

from . import meta
from .errors import NotFound
from .fields import FieldType, field_type
from .names import column_name, table_name

if TYPE_CHECKING:
    from .permissions import TableAccess
from .rules import RuleChecker, Rules
from .sqltypes import UTCDateTime

SYSTEM_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "position",
    "trashed_at",
    "version",
)


@dataclass(eq=False)
class FieldDef:
    id: int
    table_id: int
    name: str
    type: FieldType
    rules: Rules
    position: float
    description: str = ""
    locked: bool = False  # read-only for the acting user (set on restricted schemas only)

    @property
    def column(self) -> str:
        """The physical column that holds (or, for system types, backs) this field."""
        return self.type.system_column or column_name(self.id)

    @property
    def type_name(self) -> str:
        return self.type.name

    def checker(self) -> RuleChecker:
        return RuleChecker(self.type, self.rules)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type.name,
            "options": self.type.options_dict(),
            "rules": self.rules.model_dump(exclude_defaults=True),
            "description": self.description,
        }


@dataclass
class TableSchema:
    id: int
    base_id: int
    name: str
    primary_field_id: int | None
    fields: list[FieldDef] = field(default_factory=list)
    _table: Table | None = None
    # set on the schema as one user may see it (engine.permissions.schema_for): what they may do
    access: TableAccess | None = None

    @property
    def physical_name(self) -> str:
        return table_name(self.id)

    @property
    def sql(self) -> Table:
        """The SQLAlchemy Table of the physical table, built from the field list (and shared
        with other TableSchema objects of the same columns: see `shared_table`)."""
        if self._table is None:
            self._table = shared_table(self.id, self.fields)
        return self._table

    def field(self, ref: str | int | FieldDef) -> FieldDef:
        """A field by id, name (case-insensitive) or FieldDef; NotFound otherwise."""
        if isinstance(ref, FieldDef):
            ref = ref.id
        if isinstance(ref, int) and not isinstance(ref, bool):
            for f in self.fields:
                if f.id == ref:
                    return f
        elif isinstance(ref, str):
            for f in self.fields:
                if f.name == ref:
                    return f
            from .names import name_key

            key = name_key(ref.strip())
            for f in self.fields:
                if name_key(f.name) == key:
                    return f
        raise NotFound(
            f"Table {self.name!r} has no field {ref!r}", f"表 {self.name!r} 中没有字段 {ref!r}"
        )

    @property
    def primary(self) -> FieldDef | None:
        for f in self.fields:
            if f.id == self.primary_field_id:
                return f
        return None


def system_columns() -> list[Column[Any]]:
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
        Column("created_by", Integer),
        Column("updated_by", Integer),
        Column("position", Float, nullable=False),
        Column("trashed_at", UTCDateTime()),
        Column("version", Integer, nullable=False, server_default="1"),
    ]


def field_column(f: FieldDef) -> Column[Any]:
    default = f.type.column_default()
    from sqlalchemy import text

    return Column(
        column_name(f.id),
        f.type.column_type(),
        nullable=default is None,
        server_default=text(default) if default is not None else None,
    )


def unique_index(table: Table, f: FieldDef) -> Index:
    """The database's guard of a unique rule: live (untrashed) non-empty values are distinct."""
    col = table.c[column_name(f.id)]
    where = table.c.trashed_at.is_(None)
    return Index(
        f"uq_{table.name}_{column_name(f.id)}",
        col,
        unique=True,
        sqlite_where=where,
        postgresql_where=where,
    )


def physical_table(table_id: int, fields: list[FieldDef]) -> Table:
    md = MetaData()
    table = Table(
        table_name(table_id),
        md,
        *system_columns(),
        *(field_column(f) for f in fields if f.type.stored),
        sqlite_autoincrement=True,
    )
    Index(f"ix_{table.name}_position", table.c.position, table.c.id)
    for f in fields:
        if f.rules.unique and f.type.stored:
            unique_index(table, f)
    return table


_TABLES: OrderedDict[tuple[Any, ...], Table] = OrderedDict()
_TABLES_KEPT = 256
_TABLES_LOCK = threading.Lock()


def shared_table(table_id: int, fields: list[FieldDef]) -> Table:
    """`physical_table(table_id, fields)`, the same object as long as the columns are the same.

    SQLAlchemy caches a compiled statement by, among others, the Table object it reads: with a
    Table built anew for each schema loaded (once a request), every query was compiled again —
    about 2.5 ms of a 3.5 ms page. Only reads and writes use it; DDL builds its own Table."""
    key = (
        table_id,
        *(
            (f.id, repr(f.type.column_type()), f.type.column_default(), f.rules.unique)
            for f in fields
            if f.type.stored
        ),
    )
    with _TABLES_LOCK:
        table = _TABLES.get(key)
        if table is not None:
            _TABLES.move_to_end(key)
            return table
    table = physical_table(table_id, fields)
    with _TABLES_LOCK:
        table = _TABLES.setdefault(key, table)
        while len(_TABLES) > _TABLES_KEPT:
            _TABLES.popitem(last=False)
    return table


def field_from_row(row: Any) -> FieldDef:
    ftype = field_type(row.type, row.options)
    return FieldDef(
        id=row.id,
        table_id=row.table_id,
        name=row.name,
        type=ftype,
        rules=Rules.model_validate(row.rules or {}),
        position=row.position,
        description=row.description,
    )


_SCHEMAS: dict[int, tuple[tuple[Any, ...], TableSchema]] = {}
_SCHEMAS_LOCK = threading.Lock()


def load_table(conn: Connection, table_id: int) -> TableSchema:
    """The schema of a live table, with its live fields in order.

    The metadata rows are read every time (two indexed queries), so a change made by any
    process is seen at once; turning them into field types and a Table object is done only when
    they differ from the rows last seen for this table id. A TableSchema is shared: read only."""
    t = meta.tables
    row = conn.execute(select(t).where(t.c.id == table_id, t.c.trashed_at.is_(None))).first()
    if row is None:
        raise NotFound(f"No table with id {table_id}", f"没有 ID 为 {table_id} 的表")
    f = meta.fields
    rows = conn.execute(
        select(f)
        .where(f.c.table_id == table_id, f.c.trashed_at.is_(None))
        .order_by(f.c.position, f.c.id)
    ).all()
    signature = (tuple(row), *(tuple(r) for r in rows))
    with _SCHEMAS_LOCK:
        cached = _SCHEMAS.get(table_id)
    if cached is not None and cached[0] == signature:
        return cached[1]
    schema = TableSchema(
        id=row.id,
        base_id=row.base_id,
        name=row.name,
        primary_field_id=row.primary_field_id,
        fields=[field_from_row(r) for r in rows],
    )
    with _SCHEMAS_LOCK:
        _SCHEMAS[table_id] = (signature, schema)
    return schema
