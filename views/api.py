"""The Python API of saved views and shared saved filters, one table at a time.

    import engine
    from views.api import Views

    db = engine.connect("sqlite:///crm.db").acting_as(user_id)
    orders = db.base("CRM").table("订单")
    views = Views(orders)
    board = views.create("按状态", "kanban", config={"stack_field": "状态"})
    for stack in views.stacks(board):
        print(stack.label or "未分类", stack.count)
    views.move_card(board, record_id, "已发货", before=other_id)
    unpaid = views.create_filter("未付款", {"items": [{"field": "付款", "op": "is", "value": "否"}]})
    views.update(board, query={"filter": {"items": [{"saved_filter": unpaid.id}]}})
    page = views.rows(board, search="张")                      # an engine QueryResult

Every call is one transaction. Calls act as the database's user (`db.acting_as`): personal views
are that user's, and only they see and change them; locked views change only when the handle is
made with `is_owner=True` (the default: whoever holds the database is its owner). Views and saved
filters are named by id, by name (case-insensitive) or by the object itself. Field references in
configs may be ids or names; they are stored as ids.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Connection, select

from engine import Table, history, meta, permissions, records
from engine.dates import Clock
from engine.errors import Forbidden, NotFound
from engine.model import TableSchema, load_table
from engine.names import name_key
from engine.query import QueryContext, QueryResult, run
from engine.record import Record
from engine.saved_filters import (
    SavedFilter,
    create_filter,
    delete_filter,
    list_filters,
    parse_filter,
    require,
    update_filter,
)
from schemas.query import FilterGroup, Page

from . import calendar, form, kanban, store
from .checks import config_with_ids
from .model import View

T = TypeVar("T")
ViewRef = View | int | str
FilterRef = SavedFilter | int | str


class Views:
    """Saved views and saved filters of one table (an `engine.Table` handle)."""

    def __init__(
        self, table: Table, *, is_owner: bool | None = None, clock: Clock | None = None
    ) -> None:
        self.table = table
        self.db = table.db
        self._is_owner = is_owner  # None: from the acting user's role (creator and above)
        self.clock = clock  # None: now, in the user's time zone (UTC without a user)

    @property
    def is_owner(self) -> bool:
        """May lock and unlock views: a base creator or owner (or as the handle was made)."""
        if self._is_owner is not None:
            return self._is_owner
        return self._read(lambda c: self._access(c).at_least("creator"))

    def _access(self, conn: Connection) -> permissions.BaseAccess:
        base_id = self._schema(conn).base_id
        return permissions.visible_base(conn, self.user, base_id)

    def _require_shared(self, conn: Connection, visibility: str) -> None:
        """Shared views are changed by editors and above; anyone may keep personal views."""
        if visibility != "personal":
            self._access(conn).require("editor", "change shared views", "修改共享视图")

    @property
    def user(self) -> int | None:
        return self.db.user

    # --- plumbing ------------------------------------------------------------------------------
    def _read(self, fn: Callable[[Connection], T]) -> T:
        with self.db.read() as conn:
            return fn(conn)

    def _write(self, fn: Callable[[Connection], T]) -> T:
        with self.db.write() as conn:
            return fn(conn)

    def _ctx(self, conn: Connection) -> QueryContext:
        clock = self.clock
        if clock is None:
            zone = None
            if self.user is not None:
                u = meta.users
                zone = conn.execute(select(u.c.timezone).where(u.c.id == self.user)).scalar()
            clock = Clock(timezone=zone or "UTC")
        return QueryContext(user_id=self.user, clock=clock)

    def _view(self, conn: Connection, ref: ViewRef) -> View:
        """The view `ref` of this table as this user sees it; NotFound otherwise."""
        if isinstance(ref, View):
            ref = ref.id
        if isinstance(ref, int):
            try:
                view = store.get_view(conn, ref)
            except NotFound:
                view = None
            if (
                view is not None
                and view.table_id == self.table.id
                and store.can_see(view, self.user)
            ):
                return view
        else:
            for view in store.list_views(conn, self.table.id, self.user):
                if name_key(view.name) == name_key(ref.strip()):
                    return view
        raise NotFound(f"No view {ref!r} in this table", f"此表中没有视图 {ref!r}")

    def _changeable(self, conn: Connection, ref: ViewRef) -> View:
        view = self._view(conn, ref)
        self._require_shared(conn, view.visibility)
        if not store.can_change(view, self.user, is_owner=self.is_owner):
            raise Forbidden(
                f"View {view.name!r} is {view.visibility}; you cannot change it",
                f"视图 {view.name!r} 已锁定或属于他人，您不能修改",
            )
        return view

    def _allowed(self, visibility: str) -> None:
        if visibility == "locked" and not self.is_owner:
            raise Forbidden("Only owners lock views", "只有所有者可以锁定视图")

    def _schema(self, conn: Connection) -> TableSchema:
        """The table as the acting user may see it (engine.permissions)."""
        return permissions.schema_for(conn, self.table.id, self.user)

    def _check(self, conn: Connection, query: Any) -> None:
        """A view's query may only name fields the acting user sees."""
        schema = self._schema(conn)
        if query is not None and schema.access is not None and schema.access.hidden:
            store.check_query(conn, schema, store.parse_query(query))

    def _record(self, conn: Connection, record_id: int) -> Record:
        return records.read(conn, self._schema(conn), [record_id])[0]

    def _wctx(self, conn: Connection) -> records.WriteContext:
        return records.context(conn, self.user, self.db.attachments)

    # --- views ---------------------------------------------------------------------------------
    def list(self) -> builtins.list[View]:
        """The views this user sees, in order. A table without a shared view gets its grid view
        (made in a write transaction of its own, the one time it is needed)."""
        found = self._read(lambda c: store.list_views(c, self.table.id, self.user))
        if any(v.visibility != "personal" for v in found):
            return found

        def make(conn: Connection) -> builtins.list[View]:
            store.ensure_default_view(conn, self.table.id)
            return store.list_views(conn, self.table.id, self.user)

        return self._write(make)

    def get(self, ref: ViewRef) -> View:
        return self._read(lambda c: self._view(c, ref))

    def default(self) -> View:
        """The table's first shared view (made, as a grid view, if there is none)."""
        return self._write(lambda c: store.get_view(c, store.ensure_default_view(c, self.table.id)))

    def create(
        self,
        name: str,
        kind: str = "grid",
        *,
        query: Any = None,
        config: Any = None,
        visibility: str = "collaborative",
    ) -> View:
        """A new view, last in the list. A personal view belongs to the acting user."""
        self._allowed(visibility)

        def do(conn: Connection) -> View:
            self._require_shared(conn, visibility)
            self._check(conn, query)
            owner = self.user if visibility == "personal" else None
            cfg = config_with_ids(self._schema(conn), config)
            view_id = store.create_view(
                conn,
                self.table.id,
                name,
                kind,
                query=query,
                config=cfg,
                visibility=visibility,
                owner_id=owner,
            )
            return store.get_view(conn, view_id)

        return self._write(do)

    def update(
        self,
        view: ViewRef,
        *,
        query: Any = None,
        config: Any = None,
        visibility: str | None = None,
    ) -> View:
        """Replace a view's query, config or visibility (each only if given)."""
        if visibility is not None:
            self._allowed(visibility)

        def do(conn: Connection) -> View:
            current = self._changeable(conn, view)
            if visibility is not None:
                self._require_shared(conn, visibility)
            self._check(conn, query)
            cfg = config_with_ids(self._schema(conn), config)
            owner = self.user if visibility == "personal" else None
            store.update_view(
                conn, current.id, query=query, config=cfg, visibility=visibility, owner_id=owner
            )
            return store.get_view(conn, current.id)

        return self._write(do)

    def rename(self, view: ViewRef, name: str) -> View:
        def do(conn: Connection) -> View:
            current = self._changeable(conn, view)
            store.update_view(conn, current.id, name=name)
            return store.get_view(conn, current.id)

        return self._write(do)

    def duplicate(self, view: ViewRef, name: str | None = None) -> View:
        """A copy right after the original ("<name> copy"); a copy of a locked view is
        collaborative, a copy of a personal view is the acting user's."""

        def do(conn: Connection) -> View:
            current = self._view(conn, view)
            self._require_shared(conn, current.visibility)
            new_id = store.duplicate_view(conn, current.id, name, owner_id=self.user)
            return store.get_view(conn, new_id)

        return self._write(do)

    def move(
        self, view: ViewRef, *, before: ViewRef | None = None, after: ViewRef | None = None
    ) -> None:
        """Place a view just before or just after another in the table's list."""

        def do(conn: Connection) -> None:
            current = self._view(conn, view)
            self._require_shared(conn, current.visibility)
            b = self._view(conn, before).id if before is not None else None
            a = self._view(conn, after).id if after is not None else None
            store.move_view(conn, current.id, before=b, after=a)

        self._write(do)

    def delete(self, view: ViewRef) -> None:
        """Delete a view; the table's last shared view is refused (Conflict)."""

        def do(c: Connection) -> None:
            view_id = self._changeable(c, view).id
            old = history.view_row(c, view_id)
            store.delete_view(c, view_id)
            history.record_view(
                c,
                user_id=self.user,
                base_id=load_table(c, self.table.id).base_id,
                table_id=self.table.id,
                kind="view_delete",
                view_id=view_id,
                old=old,
                new=history.view_row(c, view_id),
            )

        self._write(do)

    # --- what views show -----------------------------------------------------------------------
    def rows(
        self,
        view: ViewRef,
        *,
        page: Page | Mapping[str, Any] | None = None,
        search: str | None = None,
        filter: FilterGroup | Mapping[str, Any] | None = None,
    ) -> QueryResult:
        """One page of the view's records, with its count and summaries; `filter` narrows it."""

        def do(conn: Connection) -> QueryResult:
            v, schema = self._view(conn, view), self._schema(conn)
            extra = parse_filter(dict(filter)) if isinstance(filter, Mapping) else filter
            spec = store.query_spec(v, schema, page=_page(page), search=search, extra=extra)
            return run(conn, schema, spec, self._ctx(conn))

        return self._read(do)

    def stacks(self, view: ViewRef, *, search: str | None = None) -> builtins.list[kanban.Stack]:
        return self._read(
            lambda c: kanban.stacks(
                c, self._schema(c), self._view(c, view), self._ctx(c), search=search
            )
        )

    def cards(
        self,
        view: ViewRef,
        stack: str,
        *,
        page: Page | Mapping[str, Any] | None = None,
        search: str | None = None,
    ) -> QueryResult:
        """One page of a stack's cards (`stack` is a Stack.key: "" for uncategorised)."""
        return self._read(
            lambda c: kanban.cards(
                c,
                self._schema(c),
                self._view(c, view),
                stack,
                self._ctx(c),
                page=_page(page),
                search=search,
            )
        )

    def move_card(
        self,
        view: ViewRef,
        record_id: int,
        stack: str,
        *,
        before: int | None = None,
        after: int | None = None,
    ) -> Record:
        """Put a card into a stack, before or after another card of it, or at its end."""

        def do(conn: Connection) -> Record:
            v, schema = self._view(conn, view), self._schema(conn)
            kanban.move_card(
                self._wctx(conn), schema, v, record_id, stack, before=before, after=after
            )
            return self._record(conn, record_id)

        return self._write(do)

    def entries(
        self,
        view: ViewRef,
        day: dt.date,
        *,
        mode: str | None = None,
        search: str | None = None,
    ) -> calendar.CalendarPage:
        """The calendar page (month or week) around `day`."""
        return self._read(
            lambda c: calendar.entries(
                c, self._schema(c), self._view(c, view), day, self._ctx(c), mode=mode, search=search
            )
        )

    def move_entry(self, view: ViewRef, record_id: int, day: dt.date) -> Record:
        def do(conn: Connection) -> Record:
            v, schema = self._view(conn, view), self._schema(conn)
            calendar.move_entry(self._wctx(conn), schema, v, record_id, day)
            return self._record(conn, record_id)

        return self._write(do)

    def submit(self, view: ViewRef, data: Mapping[Any, Any]) -> Record:
        """Create a record through a form view (ValidationError lists every problem)."""

        def do(conn: Connection) -> Record:
            v, schema = self._view(conn, view), self._schema(conn)
            return self._record(conn, form.submit(self._wctx(conn), schema, v, data))

        return self._write(do)

    # --- saved filters -------------------------------------------------------------------------
    def _filter(self, conn: Connection, ref: FilterRef) -> SavedFilter:
        if isinstance(ref, SavedFilter):
            ref = ref.id
        if isinstance(ref, int):
            found = require(conn, ref)
            if found.table_id == self.table.id:
                return found
        else:
            for f in list_filters(conn, self.table.id):
                if name_key(f.name) == name_key(ref.strip()):
                    return f
        raise NotFound(f"No saved filter {ref!r} in this table", f"此表中没有已保存的筛选 {ref!r}")

    def filters(self) -> builtins.list[SavedFilter]:
        return self._read(lambda c: list_filters(c, self.table.id))

    def saved_filter(self, ref: FilterRef) -> SavedFilter:
        return self._read(lambda c: self._filter(c, ref))

    def create_filter(self, name: str, filter: FilterGroup | Mapping[str, Any]) -> SavedFilter:
        """A shared, named filter of the table; names are unique per table, ignoring case."""
        group = filter if isinstance(filter, FilterGroup) else dict(filter)

        def do(conn: Connection) -> SavedFilter:
            self._require_shared(conn, "collaborative")
            return require(conn, create_filter(conn, self.table.id, name, group, self.user))

        return self._write(do)

    def _changeable_filter(self, conn: Connection, ref: FilterRef) -> SavedFilter:
        """A saved filter the user may change: editors change shared filters; only owners those
        that limit what a role sees (a row permission uses them, directly or through another
        filter), or an editor could widen their own rows."""
        current = self._filter(conn, ref)
        self._require_shared(conn, "collaborative")
        if current.id in permissions.row_rule_filters(conn, self.table.id):
            self._access(conn).require(
                "owner", "change a filter that limits a role's rows", "修改限制角色可见记录的筛选"
            )
        return current

    def update_filter(
        self,
        ref: FilterRef,
        *,
        name: str | None = None,
        filter: FilterGroup | Mapping[str, Any] | None = None,
    ) -> SavedFilter:
        """Rename or redefine a saved filter; every view that uses it changes with it."""
        group = filter if isinstance(filter, FilterGroup) or filter is None else dict(filter)

        def do(conn: Connection) -> SavedFilter:
            current = self._changeable_filter(conn, ref)
            update_filter(conn, current.id, name=name, group=group)
            return require(conn, current.id)

        return self._write(do)

    def delete_filter(self, ref: FilterRef) -> None:
        """Delete a saved filter; refused (Conflict) while a view or saved filter uses it."""
        self._write(lambda c: delete_filter(c, self._changeable_filter(c, ref).id))


def _page(page: Page | Mapping[str, Any] | None) -> Page | None:
    if page is None or isinstance(page, Page):
        return page
    return Page.model_validate(dict(page))
