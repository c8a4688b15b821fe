"""The Python API of a base's dashboards.

    db = engine.connect("sqlite:///crm.db").acting_as(user_id)
    boards = db.base("CRM").dashboards
    board = boards.create("客户经营看板")
    boards.add_widget(board, {"kind": "number", "title": "客户数", "table": "客户"})
    boards.add_widget(board, {
        "kind": "bar", "table": "客户",
        "group": {"field": "年龄", "edges": [18, 25, 35, 45]},
        "value": {"fn": "sum", "field": "订单数"},
    })
    for shown in boards.data(board):          # each widget's numbers, as this user may see them
        print(shown.widget.title, shown.result or shown.error_en)

Every call is one transaction. Everyone who sees the base sees its dashboards, with their own
permissions applied to the numbers; only its creators and owners change them. Dashboards and
tables are named by id or by name; fields by id or name (stored as ids).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection

from .. import permissions
from ..dates import Clock
from ..errors import NotFound, QueryError
from ..names import name_key
from .model import Widget
from .run import WidgetData, run_widget
from .store import (
    Dashboard,
    create_dashboard,
    delete_dashboard,
    get_dashboard,
    list_dashboards,
    parse_widget,
    save_dashboard,
    with_ids,
)

if TYPE_CHECKING:
    from ..api import Base

T = TypeVar("T")
DashboardRef = Dashboard | int | str
WidgetLike = Widget | Mapping[str, Any]


def _raw(widget: WidgetLike) -> Widget | dict[str, Any]:
    return dict(widget) if isinstance(widget, Mapping) else widget


class Dashboards:
    """The dashboards of one base (an `engine.Base` handle)."""

    def __init__(self, base: Base, *, clock: Clock | None = None) -> None:
        self.base = base
        self.db = base.db
        self.clock = clock  # None: now, in the acting user's time zone

    @property
    def user(self) -> int | None:
        return self.db.user

    def _read(self, fn: Callable[[Connection], T]) -> T:
        with self.db.read() as conn:
            return fn(conn)

    def _write(self, fn: Callable[[Connection], T]) -> T:
        with self.db.write() as conn:
            return fn(conn)

    def _require_edit(self, conn: Connection) -> None:
        permissions.require(
            conn, self.user, self.base.id, "creator", "change dashboards", "修改仪表盘"
        )

    def _get(self, conn: Connection, ref: DashboardRef) -> Dashboard:
        permissions.visible_base(conn, self.user, self.base.id)
        if isinstance(ref, Dashboard):
            ref = ref.id
        if isinstance(ref, int):
            try:
                found = get_dashboard(conn, ref)
            except NotFound:
                found = None
            if found is not None and found.base_id == self.base.id:
                return found
        else:
            for d in list_dashboards(conn, self.base.id):
                if name_key(d.name) == name_key(ref.strip()):
                    return d
        raise NotFound(f"No dashboard {ref!r} in this base", f"此库中没有仪表盘 {ref!r}")

    def _checked(self, conn: Connection, widget: WidgetLike) -> Widget:
        parsed = with_ids(conn, self.base.id, parse_widget(_raw(widget)), self.user)
        shown = run_widget(conn, parsed, self.user, self.clock)
        if shown.error_en is not None:
            raise QueryError(shown.error_en, shown.error_zh)
        return parsed

    # --- dashboards ----------------------------------------------------------------------------
    def list(self) -> builtins.list[Dashboard]:
        def do(conn: Connection) -> builtins.list[Dashboard]:
            permissions.visible_base(conn, self.user, self.base.id)
            return list_dashboards(conn, self.base.id)

        return self._read(do)

    def get(self, ref: DashboardRef) -> Dashboard:
        return self._read(lambda c: self._get(c, ref))

    @property
    def can_edit(self) -> bool:
        """Whether the acting user may change dashboards (a base creator or owner)."""
        return self._read(
            lambda c: permissions.visible_base(c, self.user, self.base.id).at_least("creator")
        )

    def create(self, name: str, widgets: builtins.list[WidgetLike] | None = None) -> Dashboard:
        def do(conn: Connection) -> Dashboard:
            self._require_edit(conn)
            checked = [self._checked(conn, w) for w in widgets or []]
            new_id = create_dashboard(conn, self.base.id, name, checked, self.user)
            return get_dashboard(conn, new_id)

        return self._write(do)

    def rename(self, ref: DashboardRef, name: str) -> Dashboard:
        def do(conn: Connection) -> Dashboard:
            self._require_edit(conn)
            current = self._get(conn, ref)
            save_dashboard(conn, current.id, name=name)
            return get_dashboard(conn, current.id)

        return self._write(do)

    def delete(self, ref: DashboardRef) -> None:
        def do(conn: Connection) -> None:
            self._require_edit(conn)
            delete_dashboard(conn, self._get(conn, ref).id)

        self._write(do)

    # --- widgets -------------------------------------------------------------------------------
    def _change(
        self, ref: DashboardRef, change: Callable[[Connection, builtins.list[Widget]], Any]
    ) -> Dashboard:
        def do(conn: Connection) -> Dashboard:
            self._require_edit(conn)
            current = self._get(conn, ref)
            widgets = builtins.list(current.widgets)
            change(conn, widgets)
            save_dashboard(conn, current.id, widgets=widgets)
            return get_dashboard(conn, current.id)

        return self._write(do)

    def add_widget(
        self, ref: DashboardRef, widget: WidgetLike, *, index: int | None = None
    ) -> Dashboard:
        """Add a widget (last, or at `index`); checked against its table first."""

        def change(conn: Connection, widgets: builtins.list[Widget]) -> None:
            checked = self._checked(conn, widget)
            widgets.insert(len(widgets) if index is None else index, checked)

        return self._change(ref, change)

    def replace_widgets(self, ref: DashboardRef, widgets: builtins.list[WidgetLike]) -> Dashboard:
        """Replace every widget at once, in the order given (each checked)."""

        def change(conn: Connection, current: builtins.list[Widget]) -> None:
            current[:] = [self._checked(conn, w) for w in widgets]

        return self._change(ref, change)

    def update_widget(self, ref: DashboardRef, widget_id: str, widget: WidgetLike) -> Dashboard:
        """Replace a widget's settings (it keeps its id and place)."""

        def change(conn: Connection, widgets: builtins.list[Widget]) -> None:
            i = self._index(widgets, widget_id)
            raw = _raw(widget)
            raw = {**(raw if isinstance(raw, dict) else raw.model_dump()), "id": widget_id}
            checked = self._checked(conn, raw)
            widgets[i] = checked

        return self._change(ref, change)

    def remove_widget(self, ref: DashboardRef, widget_id: str) -> Dashboard:
        def change(conn: Connection, widgets: builtins.list[Widget]) -> None:
            del widgets[self._index(widgets, widget_id)]

        return self._change(ref, change)

    def move_widget(self, ref: DashboardRef, widget_id: str, index: int) -> Dashboard:
        """Put a widget at place `index` (0 is first)."""

        def change(conn: Connection, widgets: builtins.list[Widget]) -> None:
            w = widgets.pop(self._index(widgets, widget_id))
            widgets.insert(max(0, min(index, len(widgets))), w)

        return self._change(ref, change)

    def reorder_widgets(self, ref: DashboardRef, widget_ids: builtins.list[str]) -> Dashboard:
        """Put the widgets in the order of `widget_ids` (every widget's id, once)."""

        def change(conn: Connection, widgets: builtins.list[Widget]) -> None:
            if sorted(widget_ids) != sorted(w.id for w in widgets):
                raise QueryError(
                    "Give every widget of the dashboard once to reorder them",
                    "重新排序时须列出仪表盘的每个组件各一次",
                )
            by_id = {w.id: w for w in widgets}
            widgets[:] = [by_id[i] for i in widget_ids]

        return self._change(ref, change)

    @staticmethod
    def _index(widgets: builtins.list[Widget], widget_id: str) -> int:
        for i, w in enumerate(widgets):
            if w.id == widget_id:
                return i
        raise NotFound(
            f"No widget {widget_id!r} on this dashboard", f"此仪表盘中没有组件 {widget_id!r}"
        )

    # --- numbers -------------------------------------------------------------------------------
    def data(self, ref: DashboardRef) -> builtins.list[WidgetData]:
        """Every widget's numbers, as the acting user may see them."""

        def do(conn: Connection) -> builtins.list[WidgetData]:
            board = self._get(conn, ref)
            return [run_widget(conn, w, self.user, self.clock) for w in board.widgets]

        return self._read(do)

    def widget_data(self, ref: DashboardRef, widget_id: str) -> WidgetData:
        def do(conn: Connection) -> WidgetData:
            board = self._get(conn, ref)
            return run_widget(conn, board.widget(widget_id), self.user, self.clock)

        return self._read(do)

    def preview(self, widget: WidgetLike) -> WidgetData:
        """A widget's numbers without saving it (checked as `add_widget` checks)."""

        def do(conn: Connection) -> WidgetData:
            permissions.visible_base(conn, self.user, self.base.id)
            parsed = with_ids(conn, self.base.id, parse_widget(_raw(widget)), self.user)
            return run_widget(conn, parsed, self.user, self.clock)

        return self._read(do)
