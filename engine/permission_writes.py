"""The write side of the permission check (`engine.permissions`): whether the acting user may
write these fields, change or delete these records, or create a record; each check returns the
full schema to write with, so what the user cannot see is still kept current."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, select

from .errors import Forbidden, NotFound, Problem, ValidationError
from .model import FieldDef, TableSchema
from .permissions import row_clauses


def writable(
    conn: Connection, schema: TableSchema, keys: Iterable[Any], *, what: str = "records"
) -> TableSchema:
    """Check that the acting user may write these field keys (names or ids) to records of the
    table; return the full schema to write with. Hidden fields are unknown fields to the user,
    read-only ones a ValidationError naming them; a viewer or commenter is Forbidden."""
    access = schema.access
    if access is None:
        return schema
    if what == "create":
        access.require_table("full", "create records", "新建记录")
    elif not any(f.id not in access.read_only for f in schema.fields if not _computed(f)):
        access.require_table("edit", "change records", "修改记录")
    problems: list[Problem] = []
    seen: set[int] = set()
    for key in keys:
        try:
            f = schema.field(key)
        except NotFound:
            problems.append(_unknown(schema, key))
            continue
        if f.id in access.read_only and f.id not in seen:
            seen.add(f.id)
            problems.append(_read_only(f))
    if problems:
        raise ValidationError(problems)
    return access.full


def _computed(f: FieldDef) -> bool:
    """A field the engine fills (formulas, lookups, autonumbers, created time …)."""
    return f.type.read_only or not f.type.stored


def require_table(schema: TableSchema, need: str, what_en: str, what_zh: str) -> TableSchema:
    """For writes that name no fields (delete, restore, move): the table check only."""
    access = schema.access
    if access is None:
        return schema
    access.require_table(need, what_en, what_zh)
    return access.full


def editable(
    conn: Connection, schema: TableSchema, ids: Sequence[int], *, delete: bool = False
) -> TableSchema:
    """For writes that name records but no fields (delete, restore and purge with `delete`,
    move without): the table check and the row check; the full schema to write with."""
    if schema.access is None:
        return schema
    require_visible(conn, schema, ids)
    if delete:
        return require_table(schema, "full", "delete or restore records", "删除或恢复记录")
    return require_table(schema, "edit", "reorder records", "调整记录顺序")


def require_created_visible(conn: Connection, schema: TableSchema, ids: Sequence[int]) -> None:
    """A user limited to some rows may only create records inside them (else they would make
    records they can never see again): Forbidden, and the whole batch is rolled back."""
    if schema.access is None or not schema.access.row_filters:
        return
    if len(visible_ids(conn, schema, ids)) != len(set(ids)):
        raise Forbidden(
            "A new record must be one of the records you may see (check the fields your row "
            "permission uses, such as its owner)",
            "新记录必须在您可见的记录范围内（请检查行权限所用的字段，例如负责人）",
        )


def visible_ids(conn: Connection, schema: TableSchema, ids: Sequence[int]) -> set[int]:
    """Those of `ids` the user may see (all of them without row limits)."""
    clauses = row_clauses(conn, schema)
    if not clauses:
        return set(ids)
    t = schema.sql
    out: set[int] = set()
    for k in range(0, len(ids), 1000):
        part = list(ids[k : k + 1000])
        out.update(conn.execute(select(t.c.id).where(t.c.id.in_(part), *clauses)).scalars())
    return out


def require_visible(conn: Connection, schema: TableSchema, ids: Sequence[int]) -> None:
    """NotFound for a record outside the user's rows, exactly as for one that does not exist."""
    if schema.access is None or not schema.access.row_filters:
        return
    seen = visible_ids(conn, schema, ids)
    for i in ids:
        if i not in seen:
            raise NotFound(
                f"No record with id {i} in table {schema.name!r}",
                f"表 {schema.name!r} 中没有 ID 为 {i} 的记录",
            )


def _unknown(schema: TableSchema, key: Any) -> Problem:
    return Problem(
        "unknown_field",
        f"Table {schema.name!r} has no field {key!r}",
        f"表 {schema.name!r} 中没有字段 {key!r}",
        field_name=str(key),
    )


def _read_only(f: FieldDef) -> Problem:
    return Problem(
        "read_only",
        f"{f.name!r} is read-only for your role",
        f"您的角色不能修改字段 {f.name!r}",
        field_id=f.id,
        field_name=f.name,
    )
