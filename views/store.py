"""Saved views: create, read, change, duplicate, reorder and delete; and the query spec a view
turns into. Every function runs in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Connection, delete, func, insert, or_, select, update

from engine import meta
from engine.errors import Conflict, NotFound, SchemaError
from engine.indexes import ensure_index
from engine.model import FieldDef, TableSchema, load_table
from engine.names import clean_name
from engine.operators import value_kind
from engine.query import Compiler, QueryContext
from engine.sqltypes import UTC
from schemas.query import Condition, FilterGroup, Page, QuerySpec

from .model import CONFIGS, KINDS, View, ViewQuery

DEFAULT_NAME = {"grid": ("Grid view", "表格视图")}


def _now() -> dt.datetime:
    return dt.datetime.now(UTC)


def _invalid(what: str, detail: str) -> SchemaError:
    return SchemaError(f"Invalid view {what}: {detail}", f"视图{what}无效：{detail}")


def parse_config(kind: str, raw: Any) -> BaseModel:
    if kind not in KINDS:
        raise SchemaError(
            f"Unknown view kind {kind!r}; use one of {', '.join(KINDS)}",
            f"未知的视图类型 {kind!r}；可选：{', '.join(KINDS)}",
        )
    model = CONFIGS[kind]
    if isinstance(raw, model):
        return raw
    try:
        return model.model_validate(raw or {})
    except PydanticValidationError as e:
        raise _invalid("config", str(e)) from None


def parse_query(raw: Any) -> ViewQuery:
    if isinstance(raw, ViewQuery):
        return raw
    try:
        return ViewQuery.model_validate(raw or {})
    except PydanticValidationError as e:
        raise _invalid("query", str(e)) from None


def _field(
    schema: TableSchema, field_id: int | None, what: str, kinds: set[str]
) -> FieldDef | None:
    if field_id is None:
        return None
    f = schema.field(field_id)
    if value_kind(f.type) not in kinds:
        raise SchemaError(
            f"{f.name!r} ({f.type.label_en}) cannot be the {what} of this view",
            f"{f.name!r}（{f.type.label_zh}）不能作为此视图的{what}",
        )
    return f


def _check(conn: Connection, schema: TableSchema, kind: str, query: ViewQuery, config: Any) -> None:
    """Refuse a view whose query or config does not fit the table, and index what it sorts on."""
    spec = QuerySpec(filter=query.filter, sorts=query.sorts, groups=query.groups)
    compiler = Compiler(conn, schema, QueryContext(user_id=0))
    compiler.where(spec, schema.fields)
    compiler.order_keys(spec)
    for ref in getattr(config, "hidden", []) + getattr(config, "order", []):
        schema.field(ref)
    if kind == "kanban":
        _field(schema, config.stack_field, "stack field", {"select", "user"})
        _field(schema, config.cover_field, "cover", {"attachment"})
    if kind == "card":
        _field(schema, config.cover_field, "cover", {"attachment"})
    if kind == "calendar":
        _field(schema, config.date_field, "date field", {"date", "datetime"})
        _field(schema, config.end_field, "end date field", {"date", "datetime"})
    if kind == "form":
        for ff in config.fields:
            f = schema.field(ff.field)
            if f.type.read_only:
                raise SchemaError(
                    f"{f.name!r} is computed and cannot be on a form",
                    f"{f.name!r} 由系统计算，不能放在表单中",
                )
    for ref in [*(s.field for s in query.sorts), *(g.field for g in query.groups)]:
        ensure_index(conn, schema, schema.field(ref))
    for ref in _filter_fields(query.filter):
        ensure_index(conn, schema, schema.field(ref))
    if kind == "kanban" and config.stack_field is not None:
        ensure_index(conn, schema, schema.field(config.stack_field))


def _filter_fields(group: FilterGroup | None) -> list[int | str]:
    if group is None:
        return []
    out: list[int | str] = []
    for item in group.items:
        if isinstance(item, Condition):
            out.append(item.field)
        elif isinstance(item, FilterGroup):
            out.extend(_filter_fields(item))
    return out


def _row_to_view(row: Any) -> View:
    stored = row.config or {}
    return View(
        id=row.id,
        table_id=row.table_id,
        name=row.name,
        kind=row.kind,
        query=ViewQuery.model_validate(stored.get("query") or {}),
        config=parse_config(row.kind, stored.get("config") or {}),
        visibility=row.visibility,
        owner_id=row.owner_id,
        position=row.position,
    )


def _stored(query: ViewQuery, config: BaseModel) -> dict[str, Any]:
    return {"query": query.model_dump(mode="json"), "config": config.model_dump(mode="json")}


def create_view(
    conn: Connection,
    table_id: int,
    name: str,
    kind: str = "grid",
    *,
    query: Any = None,
    config: Any = None,
    visibility: str = "collaborative",
    owner_id: int | None = None,
) -> int:
    name = clean_name(name, "view name")
    schema = load_table(conn, table_id)
    parsed_config = parse_config(kind, config)
    parsed_query = parse_query(query)
    if visibility not in ("collaborative", "personal", "locked"):
        raise _invalid("visibility", visibility)
    if visibility == "personal" and owner_id is None:
        raise _invalid("visibility", "a personal view needs an owner / 个人视图需要所有者")
    _check(conn, schema, kind, parsed_query, parsed_config)
    v = meta.views
    top = conn.execute(select(func.max(v.c.position)).where(v.c.table_id == table_id)).scalar()
    return int(
        conn.execute(
            insert(v)
            .values(
                table_id=table_id,
                name=name,
                kind=kind,
                config=_stored(parsed_query, parsed_config),
                visibility=visibility,
                owner_id=owner_id,
                position=float(top or 0) + 1,
                created_at=_now(),
            )
            .returning(v.c.id)
        ).scalar_one()
    )


def get_view(conn: Connection, view_id: int) -> View:
    v = meta.views
    row = conn.execute(select(v).where(v.c.id == view_id, v.c.trashed_at.is_(None))).first()
    if row is None:
        raise NotFound(f"No view with id {view_id}", f"没有 ID 为 {view_id} 的视图")
    return _row_to_view(row)


def list_views(conn: Connection, table_id: int, user_id: int | None = None) -> list[View]:
    """The table's views that `user_id` sees: the team's, and their own personal ones."""
    v = meta.views
    visible = or_(v.c.visibility != "personal", v.c.owner_id == user_id)
    rows = conn.execute(
        select(v)
        .where(v.c.table_id == table_id, v.c.trashed_at.is_(None), visible)
        .order_by(v.c.position, v.c.id)
    ).all()
    return [_row_to_view(r) for r in rows]


def ensure_default_view(conn: Connection, table_id: int, locale: str = "zh-CN") -> int:
    """Every table has a grid view; make one if the table has no view yet."""
    v = meta.views
    found = conn.execute(
        select(v.c.id)
        .where(v.c.table_id == table_id, v.c.trashed_at.is_(None), v.c.visibility != "personal")
        .order_by(v.c.position, v.c.id)
        .limit(1)
    ).scalar()
    if found is not None:
        return int(found)
    en, zh = DEFAULT_NAME["grid"]
    return create_view(conn, table_id, zh if locale.startswith("zh") else en, "grid")


def update_view(
    conn: Connection,
    view_id: int,
    *,
    name: str | None = None,
    query: Any = None,
    config: Any = None,
    visibility: str | None = None,
) -> None:
    view = get_view(conn, view_id)
    schema = load_table(conn, view.table_id)
    new_query = parse_query(query) if query is not None else view.query
    new_config = parse_config(view.kind, config) if config is not None else view.config
    values: dict[str, Any] = {"config": _stored(new_query, new_config)}
    if name is not None:
        values["name"] = clean_name(name, "view name")
    if visibility is not None:
        if visibility not in ("collaborative", "personal", "locked"):
            raise _invalid("visibility", visibility)
        values["visibility"] = visibility
    _check(conn, schema, view.kind, new_query, new_config)
    conn.execute(update(meta.views).where(meta.views.c.id == view_id).values(**values))


def duplicate_view(conn: Connection, view_id: int, name: str | None = None) -> int:
    view = get_view(conn, view_id)
    new_id = create_view(
        conn,
        view.table_id,
        name or f"{view.name} copy",
        view.kind,
        query=view.query,
        config=view.config,
        visibility="collaborative" if view.visibility == "locked" else view.visibility,
        owner_id=view.owner_id,
    )
    move_view(conn, new_id, view.position + 0.5)
    return new_id


def move_view(conn: Connection, view_id: int, position: float) -> None:
    conn.execute(update(meta.views).where(meta.views.c.id == view_id).values(position=position))


def delete_view(conn: Connection, view_id: int) -> None:
    view = get_view(conn, view_id)
    others = [x for x in list_views(conn, view.table_id) if x.id != view_id]
    if not any(x.visibility != "personal" for x in others) and view.visibility != "personal":
        raise Conflict("A table keeps at least one shared view", "每个表至少保留一个共享视图")
    conn.execute(delete(meta.views).where(meta.views.c.id == view_id))


def can_change(view: View, user_id: int | None, *, is_owner: bool) -> bool:
    """Locked views change only by base owners; personal views only by their owner."""
    if view.visibility == "locked":
        return is_owner
    if view.visibility == "personal":
        return view.owner_id == user_id
    return True


def visible_field_ids(view: View, schema: TableSchema) -> list[int]:
    """The fields a view shows, in its order: ordered ones first, then the rest, minus hidden."""
    if view.kind == "form":
        return [ff.field for ff in view.config.fields]
    order = [fid for fid in getattr(view.config, "order", []) if _exists(schema, fid)]
    rest = [f.id for f in schema.fields if f.id not in order]
    primary = schema.primary_field_id
    ids = [fid for fid in order + rest if fid not in getattr(view.config, "hidden", [])]
    if primary is not None and primary in ids:  # the primary field always leads
        ids.remove(primary)
        ids.insert(0, primary)
    return ids


def _exists(schema: TableSchema, fid: int) -> bool:
    return any(f.id == fid for f in schema.fields)


def query_spec(
    view: View,
    schema: TableSchema,
    *,
    page: Page | None = None,
    search: str | None = None,
    extra: FilterGroup | None = None,
    count: bool = True,
) -> QuerySpec:
    """The query a view runs: its filter (AND an extra one), sorts, groups and visible fields."""
    filt = view.query.filter
    if extra is not None:
        filt = FilterGroup(conjunction="and", items=[x for x in (filt, extra) if x is not None])
    return QuerySpec(
        filter=filt,
        sorts=view.query.sorts,
        groups=view.query.groups,
        search=search,
        page=page or Page(),
        fields=list(visible_field_ids(view, schema)),
        count=count,
    )
