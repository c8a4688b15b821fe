"""Thin adapters for what the web interface needs and the engine's facade does not offer yet.

Each one is a few lines over engine (and views) functions, run in one engine transaction
through `Database.read()` / `Database.write()`, so the permission layer can wrap them the same
way it wraps the facade. What belongs in the facade is listed in the report of the UI issue:
users, table order, reading an unsaved (draft) view, and a record search for link pickers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

import engine
from engine import meta, permissions
from engine.dates import Clock
from engine.model import FieldDef
from engine.operators import value_kind
from engine.query import QueryContext, QueryResult, run
from schemas.query import Condition, FilterGroup, Page, QuerySpec, Sort
from views import calendar, kanban, store
from views.api import Views
from views.model import View, ViewQuery


@dataclass(frozen=True)
class User:
    id: int
    name: str
    email: str
    timezone: str
    locale: str


# --- users --------------------------------------------------------------------------------------
def users(db: engine.Database) -> list[User]:
    u = meta.users
    with db.read() as conn:
        rows = conn.execute(
            select(u.c.id, u.c.name, u.c.email, u.c.timezone, u.c.locale)
            .where(u.c.disabled.is_(False))
            .order_by(u.c.id)
        ).all()
    return [User(r.id, r.name, r.email, r.timezone, r.locale) for r in rows]


def user_timezone(conn: Connection, user_id: int | None) -> str:
    return user_settings(conn, user_id)[1]


def user_settings(conn: Connection, user_id: int | None) -> tuple[str, str]:
    """The user's chosen language ('' if none) and time zone."""
    if user_id is None:
        return "", "UTC"
    u = meta.users
    row = conn.execute(select(u.c.locale, u.c.timezone).where(u.c.id == user_id)).first()
    if row is None:
        return "", "UTC"
    return str(row.locale or ""), str(row.timezone or "UTC")


# --- table order ----------------------------------------------------------------------------------
def order_tables(base: engine.Base, ordered_ids: list[int]) -> None:
    """Put the base's tables in the given order (ids of other bases are ignored)."""
    t = meta.tables
    with base.db.write() as conn:
        mine = set(
            conn.execute(
                select(t.c.id).where(t.c.base_id == base.id, t.c.trashed_at.is_(None))
            ).scalars()
        )
        for i, table_id in enumerate([i for i in ordered_ids if i in mine], start=1):
            conn.execute(update(t).where(t.c.id == table_id).values(position=float(i)))


# --- reading a view with unsaved toolbar changes ------------------------------------------------
def _context(conn: Connection, db: engine.Database) -> QueryContext:
    return QueryContext(user_id=db.user, clock=Clock(timezone=user_timezone(conn, db.user)))


def with_draft(view: View, draft: ViewQuery | None) -> View:
    return view if draft is None else view.model_copy(update={"query": draft})


class Reader:
    """Reads what a view shows, with the toolbar's unsaved filter, sorts and groups applied.
    Without a draft every read is the `Views` facade's own."""

    def __init__(self, views: Views, view: View, draft: ViewQuery | None) -> None:
        self.views = views
        self.view = view
        self.draft = draft
        self.db = views.db
        self.table = views.table

    def rows(
        self,
        *,
        page: Page | None = None,
        search: str | None = None,
        also: list[int] | None = None,
    ) -> QueryResult:
        """A page of the view's rows; `also` names fields to read even when hidden (the
        fields a grid groups by, whose values its group headers show)."""
        with self.db.read() as conn:
            schema = permissions.schema_for(conn, self.table.id, self.db.user)
            shown = store.visible_field_ids(self.view, schema)
            extra = [fid for fid in also or [] if fid not in shown]
        if self.draft is None and not extra:
            return self.views.rows(self.view.id, page=page, search=search)
        with self.db.read() as conn:
            schema = permissions.schema_for(conn, self.table.id, self.db.user)
            spec = store.query_spec(
                with_draft(self.view, self.draft), schema, page=page, search=search
            )
            if spec.fields is not None:
                spec.fields = [*spec.fields, *extra]
            return run(conn, schema, spec, _context(conn, self.db))

    def stacks(self, *, search: str | None = None) -> list[kanban.Stack]:
        if self.draft is None:
            return self.views.stacks(self.view.id, search=search)
        with self.db.read() as conn:
            return kanban.stacks(
                conn,
                permissions.schema_for(conn, self.table.id, self.db.user),
                with_draft(self.view, self.draft),
                _context(conn, self.db),
                search=search,
            )

    def cards(
        self, stack: str, *, page: Page | None = None, search: str | None = None
    ) -> QueryResult:
        if self.draft is None:
            return self.views.cards(self.view.id, stack, page=page, search=search)
        with self.db.read() as conn:
            return kanban.cards(
                conn,
                permissions.schema_for(conn, self.table.id, self.db.user),
                with_draft(self.view, self.draft),
                stack,
                _context(conn, self.db),
                page=page,
                search=search,
            )

    def entries(
        self, day: dt.date, *, mode: str | None = None, search: str | None = None
    ) -> calendar.CalendarPage:
        if self.draft is None:
            return self.views.entries(self.view.id, day, mode=mode, search=search)
        with self.db.read() as conn:
            return calendar.entries(
                conn,
                permissions.schema_for(conn, self.table.id, self.db.user),
                with_draft(self.view, self.draft),
                day,
                _context(conn, self.db),
                mode=mode,
                search=search,
            )


# --- the records linked to one record (the record panel's related lists) -----------------------
RELATED_COLUMNS = 5
_NOT_IN_LISTS = {"long_text", "attachment", "link", "lookup"}


def related_records(
    table: engine.Table, inverse_field: int, record_id: int, *, limit: int
) -> tuple[list[FieldDef], QueryResult] | None:
    """A page of the records of `table` whose link `inverse_field` points at `record_id`, with
    the count of all of them: the primary field and a few short fields, newest first where the
    table has a date. One query, through the user's permissions; None when the user cannot see
    the link back (then there is nothing to filter on)."""
    with table.db.read() as conn:
        schema = permissions.schema_for(conn, table.id, table.db.user)
        if not any(f.id == inverse_field for f in schema.fields):
            return None
        primary = schema.primary
        others = [
            f
            for f in schema.fields
            if f is not primary and f.id != inverse_field and f.type.name not in _NOT_IN_LISTS
        ]
        cols = ([primary] if primary is not None else []) + others[: RELATED_COLUMNS - 1]
        dated = next((f for f in others if value_kind(f.type) in ("date", "datetime")), None)
        spec = QuerySpec(
            filter=FilterGroup(
                items=[Condition(field=inverse_field, op="has_any_of", value=[record_id])]
            ),
            sorts=[Sort(field=dated.id, direction="desc")] if dated is not None else [],
            fields=[f.id for f in cols],
            page=Page(size=limit),
            count=True,
        )
        return cols, run(conn, schema, spec, _context(conn, table.db))


# --- records of another table (link pickers, pasted link titles) ------------------------------
def search_records(table: engine.Table, text: str, *, limit: int = 20) -> list[tuple[int, str]]:
    """A page of (id, primary value) of `table` whose primary field contains `text` (all when
    `text` is empty), in the table's order: ids and titles only, never whole records."""
    with table.db.read() as conn:
        schema = permissions.schema_for(conn, table.id, table.db.user)
        primary = schema.primary
        fields: list[int | str] = [primary.id] if primary is not None else []
        spec = QuerySpec(
            search=text.strip() or None, fields=fields, page=Page(size=limit), count=False
        )
        result = run(conn, schema, spec, _context(conn, table.db))
    out: list[tuple[int, str]] = []
    for rec in result.records:
        value: Any = rec.by_id.get(primary.id) if primary is not None else None
        title = primary.type.to_text(value) if primary is not None and value is not None else ""
        out.append((rec.id, title))
    return out


def ids_by_title(table: engine.Table, titles: list[str]) -> dict[str, int]:
    """The first record whose primary value is each title (case-insensitive), where one is."""
    wanted = [t for t in dict.fromkeys(x.strip() for x in titles) if t]
    if not wanted:
        return {}
    with table.db.read() as conn:
        schema = permissions.schema_for(conn, table.id, table.db.user)
        primary = schema.primary
        if primary is None or value_kind(primary.type) != "text":
            return {}
        spec = QuerySpec(
            filter=FilterGroup(
                conjunction="or",
                items=[Condition(field=primary.id, op="is", value=t) for t in wanted],
            ),
            fields=[primary.id],
            page=Page(size=min(1000, max(len(wanted) * 3, 10))),
            count=False,
        )
        result = run(conn, schema, spec, _context(conn, table.db))
    found: dict[str, int] = {}
    keys = {t.casefold(): t for t in wanted}
    for rec in result.records:
        title = primary.type.to_text(rec.by_id.get(primary.id)).casefold()
        if title in keys and keys[title] not in found:
            found[keys[title]] = rec.id
    return found
