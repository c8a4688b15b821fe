"""Schema changes: bases, tables and fields. Each function runs inside the caller's transaction
and keeps metadata and physical storage in step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from schemas.field import FieldSpec

from . import meta, storage
from .errors import Conflict, NotFound, SchemaError
from .fields import field_type
from .model import FieldDef, TableSchema, load_table
from .names import clean_name, name_key
from .rules import Rules, parse_rules
from .sqltypes import UTC

DEFAULT_WORKSPACE = "Workspace"


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


def default_workspace(conn: Connection) -> int:
    """The id of the first workspace, created on first use (a fresh database has one)."""
    w = meta.workspaces
    found = conn.execute(select(w.c.id).order_by(w.c.id).limit(1)).scalar()
    if found is not None:
        return int(found)
    return int(
        conn.execute(
            insert(w).values(name=DEFAULT_WORKSPACE, created_at=now()).returning(w.c.id)
        ).scalar_one()
    )


def _next_position(conn: Connection, column: Any, where: Any) -> float:
    top = conn.execute(select(func.max(column)).where(where)).scalar()
    return float(top or 0) + 1.0


def _name_taken(what_en: str, what_zh: str, name: str) -> Conflict:
    return Conflict(
        f"A {what_en} named {name!r} already exists (names are compared case-insensitively)",
        f"已存在名为 {name!r} 的{what_zh}（名称不区分大小写）",
    )


# --- bases --------------------------------------------------------------------------------------
def create_base(conn: Connection, name: str, workspace_id: int | None = None) -> int:
    name = clean_name(name, "base name")
    ws = workspace_id if workspace_id is not None else default_workspace(conn)
    b = meta.bases
    if conn.execute(
        select(b.c.id).where(b.c.workspace_id == ws, b.c.name_key == name_key(name))
    ).first():
        raise _name_taken("base", "库", name)
    return int(
        conn.execute(
            insert(b)
            .values(
                workspace_id=ws,
                name=name,
                name_key=name_key(name),
                position=_next_position(conn, b.c.position, b.c.workspace_id == ws),
                created_at=now(),
            )
            .returning(b.c.id)
        ).scalar_one()
    )


def rename_base(conn: Connection, base_id: int, name: str) -> None:
    name = clean_name(name, "base name")
    b = meta.bases
    row = conn.execute(select(b.c.workspace_id).where(b.c.id == base_id)).first()
    if row is None:
        raise NotFound(f"No base with id {base_id}", f"没有 ID 为 {base_id} 的库")
    clash = conn.execute(
        select(b.c.id).where(
            b.c.workspace_id == row.workspace_id, b.c.name_key == name_key(name), b.c.id != base_id
        )
    ).first()
    if clash:
        raise _name_taken("base", "库", name)
    conn.execute(update(b).where(b.c.id == base_id).values(name=name, name_key=name_key(name)))


def delete_base(conn: Connection, base_id: int) -> None:
    """Delete a base for good, with its tables (those in the trash too)."""
    from .schema_trash import purge_table

    t = meta.tables
    for (table_id,) in conn.execute(select(t.c.id).where(t.c.base_id == base_id)).all():
        purge_table(conn, table_id)
    conn.execute(meta.bases.delete().where(meta.bases.c.id == base_id))


# --- tables -------------------------------------------------------------------------------------
def create_table(
    conn: Connection,
    base_id: int,
    name: str,
    fields: list[FieldSpec] | None = None,
    *,
    primary: str | None = None,
    description: str = "",
) -> int:
    """A new table with its fields; the first field (or `primary`) names the records."""
    name = clean_name(name, "table name")
    t = meta.tables
    if conn.execute(
        select(t.c.id).where(t.c.base_id == base_id, t.c.name_key == name_key(name))
    ).first():
        raise _name_taken("table", "表", name)
    if conn.execute(select(meta.bases.c.id).where(meta.bases.c.id == base_id)).first() is None:
        raise NotFound(f"No base with id {base_id}", f"没有 ID 为 {base_id} 的库")
    from .relations import RELATIONAL

    given = list(fields or []) or [FieldSpec(name="Name", type="text")]
    # links and computed fields need the table to exist: they are added once it does
    specs = [s for s in given if s.type not in RELATIONAL]
    later = [s for s in given if s.type in RELATIONAL]
    if not specs:
        raise SchemaError(
            "A table needs at least one field that is not a link or computed",
            "表至少需要一个非关联、非计算的字段",
        )
    table_id = int(
        conn.execute(
            insert(t)
            .values(
                base_id=base_id,
                name=name,
                name_key=name_key(name),
                description=description,
                position=_next_position(conn, t.c.position, t.c.base_id == base_id),
                created_at=now(),
            )
            .returning(t.c.id)
        ).scalar_one()
    )
    defs = [_insert_field(conn, table_id, spec, i + 1.0) for i, spec in enumerate(specs)]
    primary_def = defs[0]
    if primary is not None:
        matches = [d for d in defs if name_key(d.name) == name_key(primary)]
        if not matches:
            raise SchemaError(
                f"The primary field {primary!r} is not among the table's fields",
                f"主字段 {primary!r} 不在表的字段中",
            )
        primary_def = matches[0]
    _check_primary(primary_def)
    conn.execute(update(t).where(t.c.id == table_id).values(primary_field_id=primary_def.id))
    schema = TableSchema(table_id, base_id, name, primary_def.id, defs)
    storage.create_table(conn, schema)
    for spec in later:
        add_field(conn, table_id, spec)
    return table_id


def rename_table(conn: Connection, table_id: int, name: str) -> None:
    name = clean_name(name, "table name")
    schema = load_table(conn, table_id)
    t = meta.tables
    clash = conn.execute(
        select(t.c.id).where(
            t.c.base_id == schema.base_id, t.c.name_key == name_key(name), t.c.id != table_id
        )
    ).first()
    if clash:
        raise _name_taken("table", "表", name)
    conn.execute(update(t).where(t.c.id == table_id).values(name=name, name_key=name_key(name)))


def delete_table(conn: Connection, table_id: int) -> None:
    """Move a table to the trash (`engine.schema_trash`); the inverses of its links in other
    tables go with it (refused while a computed field elsewhere reads through them)."""
    from .schema_trash import trash_table

    trash_table(conn, table_id)


def move_table(conn: Connection, table_id: int, position: float) -> None:
    conn.execute(update(meta.tables).where(meta.tables.c.id == table_id).values(position=position))


# --- fields -------------------------------------------------------------------------------------
def _check_primary(f: FieldDef) -> None:
    if not f.type.can_be_primary:
        raise SchemaError(
            f"A {f.type.label_en} field cannot be the primary field ({f.name!r})",
            f"{f.type.label_zh}字段不能作为主字段（{f.name!r}）",
        )


def _insert_field(conn: Connection, table_id: int, spec: FieldSpec, position: float) -> FieldDef:
    name = clean_name(spec.name, "field name")
    ftype = field_type(spec.type, spec.options)
    rules = parse_rules(spec.rules, ftype, name)
    f = meta.fields
    if conn.execute(
        select(f.c.id).where(f.c.table_id == table_id, f.c.name_key == name_key(name))
    ).first():
        raise _name_taken("field", "字段", name)
    try:
        field_id = conn.execute(
            insert(f)
            .values(
                table_id=table_id,
                name=name,
                name_key=name_key(name),
                type=ftype.name,
                options=ftype.options_dict(),
                rules=rules.model_dump(exclude_defaults=True),
                description=spec.description,
                position=position,
                created_at=now(),
            )
            .returning(f.c.id)
        ).scalar_one()
    except IntegrityError:
        raise _name_taken("field", "字段", name) from None
    return FieldDef(int(field_id), table_id, name, ftype, rules, position, spec.description)


def insert_field_row(conn: Connection, table_id: int, spec: FieldSpec) -> FieldDef:
    """The metadata of a new field at the end of the table, without its column (for kinds of
    field whose storage is made elsewhere, such as links)."""
    f = meta.fields
    position = _next_position(conn, f.c.position, f.c.table_id == table_id)
    return _insert_field(conn, table_id, spec, position)


def add_field(conn: Connection, table_id: int, spec: FieldSpec) -> int:
    from . import relations

    if spec.type in relations.RELATIONAL:
        return relations.add_field(conn, table_id, spec)
    load_table(conn, table_id)  # the table must exist
    fdef = insert_field_row(conn, table_id, spec)
    try:
        storage.add_column(conn, table_id, fdef)
    except IntegrityError:
        raise SchemaError("Unexpected conflict while adding a column", "添加列时发生冲突") from None
    return fdef.id


def rename_field(conn: Connection, table_id: int, field_ref: str | int, name: str) -> None:
    schema = load_table(conn, table_id)
    fdef = schema.field(field_ref)
    name = clean_name(name, "field name")
    f = meta.fields
    clash = conn.execute(
        select(f.c.id).where(
            f.c.table_id == table_id, f.c.name_key == name_key(name), f.c.id != fdef.id
        )
    ).first()
    if clash:
        raise _name_taken("field", "字段", name)
    conn.execute(update(f).where(f.c.id == fdef.id).values(name=name, name_key=name_key(name)))


def delete_field(conn: Connection, table_id: int, field_ref: str | int) -> None:
    schema = load_table(conn, table_id)
    fdef = schema.field(field_ref)
    if fdef.id == schema.primary_field_id:
        raise SchemaError(
            f"{fdef.name!r} is the primary field and cannot be deleted; make another field "
            "primary first",
            f"{fdef.name!r} 是主字段，不能删除；请先将其他字段设为主字段",
        )
    from . import relations

    if fdef.type.name == "link":
        relations.delete_link(conn, schema, fdef)
        return
    relations.refuse_if_used(conn, schema, fdef)
    from .schema_trash import trash_fields

    trash_fields(conn, [fdef.id])  # to the trash: the column and its values stay until purged


def set_primary(conn: Connection, table_id: int, field_ref: str | int) -> None:
    schema = load_table(conn, table_id)
    fdef = schema.field(field_ref)
    _check_primary(fdef)
    t = meta.tables
    conn.execute(update(t).where(t.c.id == table_id).values(primary_field_id=fdef.id))
    from . import relations

    relations.primary_changed(conn, table_id)  # links to this table show the new titles


def move_field(conn: Connection, table_id: int, field_ref: str | int, position: float) -> None:
    fdef = load_table(conn, table_id).field(field_ref)
    conn.execute(update(meta.fields).where(meta.fields.c.id == fdef.id).values(position=position))


def set_rules(
    conn: Connection, table_id: int, field_ref: str | int, rules: dict[str, Any] | Rules
) -> None:
    """Replace a field's rules. Turning `unique` on fails, naming a repeated value, if the table
    already holds duplicates."""
    schema = load_table(conn, table_id)
    fdef = schema.field(field_ref)
    new = parse_rules(rules, fdef.type, fdef.name)
    if new.unique and not fdef.rules.unique and fdef.type.stored:
        refuse_duplicates(conn, schema, fdef)
        fdef_new = FieldDef(fdef.id, table_id, fdef.name, fdef.type, new, fdef.position)
        storage.add_unique(conn, table_id, fdef_new)
    elif fdef.rules.unique and not new.unique and fdef.type.stored:
        storage.drop_unique(conn, table_id, fdef.id)
    conn.execute(
        update(meta.fields)
        .where(meta.fields.c.id == fdef.id)
        .values(rules=new.model_dump(exclude_defaults=True))
    )


def refuse_duplicates(conn: Connection, schema: TableSchema, fdef: FieldDef) -> None:
    """A SchemaError naming a repeated value if the field's live values are not distinct."""
    table = schema.sql
    col = table.c[fdef.column]
    dup = conn.execute(
        select(col, func.count())
        .where(col.is_not(None), table.c.trashed_at.is_(None))
        .group_by(col)
        .having(func.count() > 1)
        .limit(1)
    ).first()
    if dup is not None:
        shown = fdef.type.to_text(fdef.type.from_db(dup[0]))
        raise SchemaError(
            f"Field {fdef.name!r} cannot be made unique: {shown!r} appears {dup[1]} times",
            f"字段 {fdef.name!r} 无法设为唯一：{shown!r} 出现了 {dup[1]} 次",
        )


def set_description(conn: Connection, table_id: int, field_ref: str | int, text: str) -> None:
    fdef = load_table(conn, table_id).field(field_ref)
    conn.execute(update(meta.fields).where(meta.fields.c.id == fdef.id).values(description=text))
