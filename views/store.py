"""Saved views: create, read, change, duplicate, reorder and delete; and the query spec a view
turns into. Every function runs in the caller's transaction.

A view is collaborative (the team's: anyone who edits the table changes it), locked (the team's,
changed only by the base's owners) or personal (one user's, seen and changed by that user only).
Every table keeps at least one shared (collaborative or locked) view; `ensure_default_view` makes
the grid view a new table starts with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Connection, false, func, insert, or_, select, update

from engine import meta
from engine.errors import Conflict, NotFound, SchemaError
from engine.model import TableSchema, load_table
from engine.names import clean_name
from engine.sqltypes import UTC
from schemas.query import Aggregate, FilterGroup, Page, QuerySpec

from .checks import check_config, check_query, default_form, index_view, invalid
from .model import CONFIGS, KINDS, FormConfig, GridConfig, View, ViewQuery

DEFAULT_NAME = {"grid": ("Grid view", "表格视图")}
VISIBILITIES = ("collaborative", "personal", "locked")


def _now() -> dt.datetime:
    return dt.datetime.now(UTC)


def parse_config(kind: str, raw: Any) -> BaseModel:
    if kind not in KINDS:
        raise SchemaError(
            f"Unknown view kind {kind!r}; use one of {', '.join(KINDS)}",
            f"未知的视图类型 {kind!r}；可选：{', '.join(KINDS)}",
        )
    model = CONFIGS[kind]
    if isinstance(raw, model):
        return raw
    if isinstance(raw, BaseModel):
        raw = raw.model_dump()
    try:
        return model.model_validate(raw or {})
    except PydanticValidationError as e:
        raise invalid("config", "配置", str(e)) from None


def parse_query(raw: Any) -> ViewQuery:
    if isinstance(raw, ViewQuery):
        return raw
    try:
        return ViewQuery.model_validate(raw or {})
    except PydanticValidationError as e:
        raise invalid("query", "查询", str(e)) from None


def _visibility(visibility: str, owner_id: int | None) -> None:
    if visibility not in VISIBILITIES:
        shown = ", ".join(VISIBILITIES)
        raise invalid(
            "visibility",
            "可见范围",
            f"{visibility!r}; use one of {shown}",
            f"{visibility!r}；可选：{shown}",
        )
    if visibility == "personal" and owner_id is None:
        raise invalid(
            "visibility", "可见范围", "a personal view needs an owner", "个人视图需要所有者"
        )


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
    position: float | None = None,
) -> int:
    """A new view, last in the table's list unless `position` says where."""
    name = clean_name(name, "view name")
    schema = load_table(conn, table_id)
    parsed_config = parse_config(kind, config)
    if isinstance(parsed_config, FormConfig) and "fields" not in parsed_config.model_fields_set:
        parsed_config = parsed_config.model_copy(update={"fields": default_form(schema)})
    _visibility(visibility, owner_id)
    parsed_query = check_query(conn, schema, parse_query(query))
    parsed_config = check_config(conn, schema, kind, parsed_config)
    index_view(conn, schema, parsed_query, parsed_config)
    v = meta.views
    if position is None:
        top = conn.execute(select(func.max(v.c.position)).where(v.c.table_id == table_id)).scalar()
        position = float(top or 0) + 1
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
                position=position,
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
    """The table's views that `user_id` sees, in order: the team's, and their own personal ones."""
    v = meta.views
    mine = v.c.owner_id == user_id if user_id is not None else false()
    rows = conn.execute(
        select(v)
        .where(v.c.table_id == table_id, v.c.trashed_at.is_(None))
        .where(or_(v.c.visibility != "personal", mine))
        .order_by(v.c.position, v.c.id)
    ).all()
    return [_row_to_view(r) for r in rows]


def _shared_count(conn: Connection, table_id: int) -> int:
    v = meta.views
    return int(
        conn.execute(
            select(func.count())
            .select_from(v)
            .where(v.c.table_id == table_id, v.c.trashed_at.is_(None))
            .where(v.c.visibility != "personal")
        ).scalar_one()
    )


def ensure_default_view(conn: Connection, table_id: int, locale: str = "zh-CN") -> int:
    """Every table has a shared view: the first one, or a new grid view if there is none."""
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
    owner_id: int | None = None,
) -> None:
    """Change what is given; only that is checked. Making the last shared view personal is
    refused, as is a personal view without an owner."""
    view = get_view(conn, view_id)
    schema = load_table(conn, view.table_id)
    stored_query, stored_config = view.query, view.config
    if query is not None:
        stored_query = check_query(conn, schema, parse_query(query))
    if config is not None:
        stored_config = check_config(conn, schema, view.kind, parse_config(view.kind, config))
    values: dict[str, Any] = {"config": _stored(stored_query, stored_config)}
    if name is not None:
        values["name"] = clean_name(name, "view name")
    if visibility is not None:
        owner = owner_id if owner_id is not None else view.owner_id
        _visibility(visibility, owner)
        leaving = visibility == "personal" and view.visibility != "personal"
        if leaving and _shared_count(conn, view.table_id) <= 1:
            raise Conflict("A table keeps at least one shared view", "每个表至少保留一个共享视图")
        values.update(visibility=visibility, owner_id=owner)
    if query is not None or config is not None:
        index_view(
            conn,
            schema,
            stored_query if query is not None else None,
            stored_config if config is not None else None,
        )
    conn.execute(update(meta.views).where(meta.views.c.id == view_id).values(**values))


def duplicate_view(
    conn: Connection, view_id: int, name: str | None = None, *, owner_id: int | None = None
) -> int:
    """A copy placed right after the original. A locked view's copy is collaborative; a
    personal view's copy belongs to `owner_id` (or the original's owner)."""
    view = get_view(conn, view_id)
    v = meta.views
    following = conn.execute(
        select(func.min(v.c.position)).where(
            v.c.table_id == view.table_id,
            v.c.trashed_at.is_(None),
            v.c.position > view.position,
        )
    ).scalar()
    position = (view.position + following) / 2 if following is not None else view.position + 1
    if not view.position < position:  # no room left between two floats
        _renumber(conn, view.table_id)
        view = get_view(conn, view_id)
        position = view.position + 0.5
    personal = view.visibility == "personal"
    return create_view(
        conn,
        view.table_id,
        name or f"{view.name} copy",
        view.kind,
        query=view.query,
        config=view.config,
        visibility="personal" if personal else "collaborative",
        owner_id=(owner_id or view.owner_id) if personal else None,
        position=position,
    )


def move_view(
    conn: Connection, view_id: int, *, before: int | None = None, after: int | None = None
) -> None:
    """Place a view just before or just after another view of the same table."""
    if (before is None) == (after is None):
        raise ValueError("give exactly one of before= or after=")
    view = get_view(conn, view_id)
    anchor_id = before if before is not None else after
    assert anchor_id is not None
    v = meta.views
    for _ in range(2):
        anchor = get_view(conn, anchor_id)
        if anchor.table_id != view.table_id:
            raise NotFound(
                f"No view with id {anchor_id} in this table", f"此表中没有 ID 为 {anchor_id} 的视图"
            )
        others = (v.c.table_id == view.table_id, v.c.trashed_at.is_(None), v.c.id != view_id)
        if before is not None:
            low = conn.execute(
                select(func.max(v.c.position)).where(*others, v.c.position < anchor.position)
            ).scalar()
            lo = float(low) if low is not None else anchor.position - 2
            hi = anchor.position
        else:
            high = conn.execute(
                select(func.min(v.c.position)).where(*others, v.c.position > anchor.position)
            ).scalar()
            lo = anchor.position
            hi = float(high) if high is not None else anchor.position + 2
        middle = (lo + hi) / 2
        if lo < middle < hi:
            conn.execute(update(v).where(v.c.id == view_id).values(position=middle))
            return
        _renumber(conn, view.table_id)
    raise RuntimeError("could not find room to move the view")


def _renumber(conn: Connection, table_id: int) -> None:
    """Positions 1, 2, 3, ... in the current order (ties broken by id)."""
    v = meta.views
    ids = conn.execute(
        select(v.c.id).where(v.c.table_id == table_id).order_by(v.c.position, v.c.id)
    ).scalars()
    for i, vid in enumerate(list(ids), start=1):
        conn.execute(update(v).where(v.c.id == vid).values(position=float(i)))


def delete_view(conn: Connection, view_id: int) -> None:
    """Move a view to the trash (`engine.schema_trash` restores and purges it); the table's
    last shared view is refused."""
    view = get_view(conn, view_id)
    if view.visibility != "personal" and _shared_count(conn, view.table_id) <= 1:
        raise Conflict("A table keeps at least one shared view", "每个表至少保留一个共享视图")
    conn.execute(update(meta.views).where(meta.views.c.id == view_id).values(trashed_at=_now()))


def can_see(view: View, user_id: int | None) -> bool:
    return view.visibility != "personal" or (user_id is not None and view.owner_id == user_id)


def can_change(view: View, user_id: int | None, *, is_owner: bool) -> bool:
    """Locked views change only by the base's owners; personal views only by their owner;
    collaborative views by anyone who may edit the table."""
    if view.visibility == "locked":
        return is_owner
    if view.visibility == "personal":
        return user_id is not None and view.owner_id == user_id
    return True


def visible_field_ids(view: View, schema: TableSchema) -> list[int]:
    """The fields a view shows, in its order. A form shows its fields; other kinds show the
    primary field first (it names the record and is never hidden), then the ordered fields,
    then the rest in the table's order, minus the hidden ones. Cards show their card fields
    when they name any. Fields deleted since the view was saved are skipped."""
    live = {f.id for f in schema.fields}
    if view.kind == "form":
        return [ff.field for ff in view.config.fields if ff.field in live]
    cfg = view.config
    chosen = getattr(cfg, "card_fields", None)
    if chosen:
        ids = [fid for fid in chosen if fid in live]
    else:
        order = [fid for fid in cfg.order if fid in live]
        rest = [f.id for f in schema.fields if f.id not in order]
        ids = [fid for fid in dict.fromkeys(order + rest) if fid not in cfg.hidden]
    primary = schema.primary_field_id
    if primary is not None:
        ids = [primary, *(fid for fid in ids if fid != primary)]
    return ids


def _needed_field_ids(view: View) -> list[int]:
    """Fields a view reads whether shown or not: its stack, cover, start and end dates."""
    cfg = view.config
    names = ("stack_field", "cover_field", "date_field", "end_field")
    return [fid for fid in (getattr(cfg, n, None) for n in names) if fid is not None]


def query_spec(
    view: View,
    schema: TableSchema,
    *,
    page: Page | None = None,
    search: str | None = None,
    extra: FilterGroup | None = None,
    count: bool = True,
) -> QuerySpec:
    """The query a view runs: its filter (AND an extra one), sorts, groups, the fields it shows
    and reads, and a grid's footer summaries. Sorts, groups and summaries on fields deleted since
    are dropped; a filter on one is an error, never a filter that matches more than it said."""
    live = {f.id for f in schema.fields}
    filt = view.query.filter
    own = None
    if schema.access is not None and schema.access.hidden:  # the view's filter may name them
        filt, own = None, filt
    if extra is not None:
        filt = FilterGroup(conjunction="and", items=[x for x in (filt, extra) if x is not None])
    aggregates: list[Aggregate] = []
    if isinstance(view.config, GridConfig):
        aggregates = [
            Aggregate(field=fid, fn=fn) for fid, fn in view.config.summaries.items() if fid in live
        ]
    fields = visible_field_ids(view, schema)
    fields += [fid for fid in _needed_field_ids(view) if fid in live and fid not in fields]
    return QuerySpec(
        filter=filt,
        sorts=[s for s in view.query.sorts if s.field in live],
        groups=[g for g in view.query.groups if g.field in live],
        search=search,
        page=page or Page(),
        fields=list(fields),
        count=count,
        aggregates=aggregates,
    ).with_view_filter(own)
