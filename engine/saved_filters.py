"""Shared saved filters: a named filter of a table that views, permission rules and automations
use by reference ("matches saved filter X"). Changing it changes everything that uses it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Connection, delete, func, insert, select, update

from schemas.query import FilterGroup, SavedFilterRef

from . import meta
from .errors import Conflict, NotFound, QueryError
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


def _row(row: Any) -> SavedFilter:
    return SavedFilter(
        row.id, row.table_id, row.name, FilterGroup.model_validate(row.filter), row.created_by
    )


def load_filter(conn: Connection, filter_id: int) -> SavedFilter:
    s = meta.saved_filters
    row = conn.execute(select(s).where(s.c.id == filter_id)).first()
    if row is None:
        raise QueryError(
            f"No saved filter with id {filter_id}", f"没有 ID 为 {filter_id} 的已保存筛选"
        )
    return _row(row)


def list_filters(conn: Connection, table_id: int) -> list[SavedFilter]:
    s = meta.saved_filters
    rows = conn.execute(
        select(s).where(s.c.table_id == table_id).order_by(s.c.position, s.c.id)
    ).all()
    return [_row(r) for r in rows]


def _check(conn: Connection, table_id: int, group: FilterGroup, self_id: int | None) -> None:
    """Compile the filter now, so a bad condition is an error when it is saved, not later."""
    from .model import load_table
    from .query import Compiler, QueryContext

    schema = load_table(conn, table_id)
    seen = frozenset({self_id}) if self_id is not None else frozenset()
    Compiler(conn, schema, QueryContext(user_id=0)).group(group, seen)


def _refs(group: FilterGroup) -> list[int]:
    out: list[int] = []
    for item in group.items:
        if isinstance(item, SavedFilterRef):
            out.append(item.saved_filter)
        elif isinstance(item, FilterGroup):
            out.extend(_refs(item))
    return out


def create_filter(
    conn: Connection,
    table_id: int,
    name: str,
    group: FilterGroup | dict[str, Any],
    created_by: int | None = None,
) -> int:
    name = clean_name(name, "name")
    parsed = parse_filter(group)
    _check(conn, table_id, parsed, None)
    s = meta.saved_filters
    if conn.execute(
        select(s.c.id).where(s.c.table_id == table_id, s.c.name_key == name_key(name))
    ).first():
        raise Conflict(f"A saved filter named {name!r} exists", f"已存在名为 {name!r} 的已保存筛选")
    now = dt.datetime.now(UTC)
    top = conn.execute(select(func.max(s.c.position)).where(s.c.table_id == table_id)).scalar()
    return int(
        conn.execute(
            insert(s)
            .values(
                table_id=table_id,
                name=name,
                name_key=name_key(name),
                filter=parsed.model_dump(mode="json"),
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
    current = load_filter(conn, filter_id)
    values: dict[str, Any] = {"updated_at": dt.datetime.now(UTC)}
    s = meta.saved_filters
    if name is not None:
        name = clean_name(name, "name")
        clash = conn.execute(
            select(s.c.id).where(
                s.c.table_id == current.table_id,
                s.c.name_key == name_key(name),
                s.c.id != filter_id,
            )
        ).first()
        if clash:
            raise Conflict(
                f"A saved filter named {name!r} exists", f"已存在名为 {name!r} 的已保存筛选"
            )
        values.update(name=name, name_key=name_key(name))
    if group is not None:
        parsed = parse_filter(group)
        _check(conn, current.table_id, parsed, filter_id)
        values["filter"] = parsed.model_dump(mode="json")
    conn.execute(update(s).where(s.c.id == filter_id).values(**values))


def delete_filter(conn: Connection, filter_id: int) -> None:
    """Delete a saved filter; refused while another saved filter refers to it."""
    current = load_filter(conn, filter_id)
    for other in list_filters(conn, current.table_id):
        if filter_id in _refs(other.filter):
            raise Conflict(
                f"Saved filter {current.name!r} is used by {other.name!r}",
                f"已保存的筛选 {current.name!r} 正被 {other.name!r} 使用",
            )
    conn.execute(delete(meta.saved_filters).where(meta.saved_filters.c.id == filter_id))


def require(conn: Connection, filter_id: int) -> SavedFilter:
    try:
        return load_filter(conn, filter_id)
    except QueryError as e:
        raise NotFound(e.message_en, e.message_zh) from None
