"""Shared saved filters: a named filter of a table that views, permission rules and automations
use by reference ("matches saved filter X"). Changing it changes everything that uses it.

A saved filter is checked when it is saved — every condition compiles against the table, and a
reference to itself, directly or through other saved filters, is refused — and is stored with
field ids, so renaming a field never breaks it. One that something still refers to cannot be
deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Connection, delete, func, insert, select, update

from schemas.query import Condition, FilterGroup, SavedFilterRef

from . import meta
from .errors import Conflict, NotFound, QueryError
from .indexes import ensure_indexes
from .model import TableSchema, load_table
from .names import clean_name, name_key
from .sqltypes import UTC


@dataclass(frozen=True)
class SavedFilter:
    id: int
    table_id: int
    name: str
    filter: FilterGroup
    created_by: int | None


def parse_filter(raw: FilterGroup | dict[str, Any]) -> FilterGroup:
    if isinstance(raw, FilterGroup):
        return raw
    try:
        return FilterGroup.model_validate(raw)
    except PydanticValidationError as e:
        raise QueryError(f"Invalid filter: {e}", f"筛选条件无效：{e}") from None


def with_field_ids(schema: TableSchema, group: FilterGroup) -> FilterGroup:
    """The same filter with every field named by its id (QueryError for an unknown field)."""
    items: list[Condition | FilterGroup | SavedFilterRef] = []
    for item in group.items:
        if isinstance(item, Condition):
            try:
                fid = schema.field(item.field).id
            except NotFound as e:
                raise QueryError(e.message_en, e.message_zh) from None
            items.append(item.model_copy(update={"field": fid}))
        elif isinstance(item, FilterGroup):
            items.append(with_field_ids(schema, item))
        else:
            items.append(item)
    return FilterGroup(conjunction=group.conjunction, items=items)


def _row(row: Any) -> SavedFilter:
    return SavedFilter(
        row.id, row.table_id, row.name, FilterGroup.model_validate(row.filter), row.created_by
    )


def load_filter(conn: Connection, filter_id: int) -> SavedFilter:
    """The saved filter `filter_id`; a QueryError when there is none (a query refers to it)."""
    s = meta.saved_filters
    row = conn.execute(select(s).where(s.c.id == filter_id)).first()
    if row is None:
        raise QueryError(
            f"No saved filter with id {filter_id}", f"没有 ID 为 {filter_id} 的已保存筛选"
        )
    return _row(row)


def require(conn: Connection, filter_id: int) -> SavedFilter:
    """The saved filter `filter_id`; NotFound when there is none."""
    try:
        return load_filter(conn, filter_id)
    except QueryError as e:
        raise NotFound(e.message_en, e.message_zh) from None


def list_filters(conn: Connection, table_id: int) -> list[SavedFilter]:
    s = meta.saved_filters
    rows = conn.execute(
        select(s).where(s.c.table_id == table_id).order_by(s.c.position, s.c.id)
    ).all()
    return [_row(r) for r in rows]


def refs(group: FilterGroup) -> list[int]:
    """The saved filters a filter refers to directly."""
    out: list[int] = []
    for item in group.items:
        if isinstance(item, SavedFilterRef):
            out.append(item.saved_filter)
        elif isinstance(item, FilterGroup):
            out.extend(refs(item))
    return out


def condition_fields(conn: Connection, group: FilterGroup | None) -> list[int | str]:
    """The fields a filter tests, through the saved filters it refers to as well."""
    out: list[int | str] = []
    seen: set[int] = set()

    def walk(g: FilterGroup) -> None:
        for item in g.items:
            if isinstance(item, Condition):
                out.append(item.field)
            elif isinstance(item, FilterGroup):
                walk(item)
            elif item.saved_filter not in seen:
                seen.add(item.saved_filter)
                walk(load_filter(conn, item.saved_filter).filter)

    if group is not None:
        walk(group)
    return out


def _refuse_cycle(conn: Connection, group: FilterGroup, self_id: int, name: str) -> None:
    """Refuse a filter that would reach saved filter `self_id` through its references."""
    todo = refs(group)
    seen: set[int] = set()
    while todo:
        fid = todo.pop()
        if fid == self_id:
            raise QueryError(
                f"Saved filter {name!r} cannot refer to itself, directly or through others",
                f"已保存的筛选 {name!r} 不能直接或间接引用自身",
            )
        if fid not in seen:
            seen.add(fid)
            todo.extend(refs(load_filter(conn, fid).filter))


def _check(
    conn: Connection, table_id: int, group: FilterGroup, self_id: int | None, name: str
) -> FilterGroup:
    """Compile the filter now, so a bad condition is an error when it is saved, not later; the
    filter as stored (fields by id)."""
    from .query import Compiler, QueryContext  # the compiler reads saved filters: import late

    schema = load_table(conn, table_id)
    if self_id is not None:
        _refuse_cycle(conn, group, self_id, name)
    stored = with_field_ids(schema, group)
    Compiler(conn, schema, QueryContext(user_id=0)).group(stored)
    return stored


def _walk_refs(value: Any) -> Iterator[int]:
    """Every saved-filter reference (`{"saved_filter": id}`) anywhere in stored JSON."""
    if isinstance(value, dict):
        ref = value.get("saved_filter")
        if isinstance(ref, int) and len(value) == 1:
            yield ref
        for v in value.values():
            yield from _walk_refs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk_refs(v)


def used_by(conn: Connection, filter_id: int) -> list[str]:
    """What refers to a saved filter: 'view <name>' and 'saved filter <name>' descriptions."""
    current = require(conn, filter_id)
    out: list[str] = []
    v = meta.views
    for row in conn.execute(
        select(v.c.name, v.c.config).where(
            v.c.table_id == current.table_id, v.c.trashed_at.is_(None)
        )
    ):
        if filter_id in _walk_refs(row.config):
            out.append(f"view {row.name!r}")
    for other in list_filters(conn, current.table_id):
        if filter_id in refs(other.filter):
            out.append(f"saved filter {other.name!r}")
    rp = meta.row_permissions
    for role, user_id in conn.execute(
        select(rp.c.role, rp.c.user_id).where(rp.c.filter_id == filter_id)
    ):
        out.append(f"row permission of {'user ' + str(user_id) if user_id else role}")
    return out


def _name_free(conn: Connection, table_id: int, name: str, self_id: int | None) -> None:
    s = meta.saved_filters
    q = select(s.c.id).where(s.c.table_id == table_id, s.c.name_key == name_key(name))
    if self_id is not None:
        q = q.where(s.c.id != self_id)
    if conn.execute(q).first():
        raise Conflict(f"A saved filter named {name!r} exists", f"已存在名为 {name!r} 的已保存筛选")


def create_filter(
    conn: Connection,
    table_id: int,
    name: str,
    group: FilterGroup | dict[str, Any],
    created_by: int | None = None,
) -> int:
    """Save a named filter of a table; names are unique per table, ignoring case."""
    name = clean_name(name, "name")
    stored = _check(conn, table_id, parse_filter(group), None, name)
    _name_free(conn, table_id, name, None)
    s = meta.saved_filters
    now = dt.datetime.now(UTC)
    top = conn.execute(select(func.max(s.c.position)).where(s.c.table_id == table_id)).scalar()
    return int(
        conn.execute(
            insert(s)
            .values(
                table_id=table_id,
                name=name,
                name_key=name_key(name),
                filter=stored.model_dump(mode="json"),
                created_by=created_by,
                position=float(top or 0) + 1,
                created_at=now,
                updated_at=now,
            )
            .returning(s.c.id)
        ).scalar_one()
    )


def update_filter(
    conn: Connection,
    filter_id: int,
    *,
    name: str | None = None,
    group: FilterGroup | dict[str, Any] | None = None,
) -> None:
    """Rename a saved filter or change its conditions; whatever uses it follows."""
    current = require(conn, filter_id)
    values: dict[str, Any] = {"updated_at": dt.datetime.now(UTC)}
    if name is not None:
        name = clean_name(name, "name")
        _name_free(conn, current.table_id, name, filter_id)
        values.update(name=name, name_key=name_key(name))
    if group is not None:
        stored = _check(conn, current.table_id, parse_filter(group), filter_id, current.name)
        values["filter"] = stored.model_dump(mode="json")
    s = meta.saved_filters
    conn.execute(update(s).where(s.c.id == filter_id).values(**values))
    if group is not None and used_by(conn, filter_id):  # what views filter on is indexed
        schema = load_table(conn, current.table_id)
        ensure_indexes(conn, schema, [schema.field(r) for r in condition_fields(conn, stored)])


def delete_filter(conn: Connection, filter_id: int) -> None:
    """Delete a saved filter; refused while a view or another saved filter refers to it."""
    current = require(conn, filter_id)
    users = used_by(conn, filter_id)
    if users:
        shown = ", ".join(users[:5])
        raise Conflict(
            f"Saved filter {current.name!r} is used by {shown}",
            f"已保存的筛选 {current.name!r} 正被使用：{shown}",
        )
    conn.execute(delete(meta.saved_filters).where(meta.saved_filters.c.id == filter_id))
