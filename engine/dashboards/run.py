"""Showing a widget: its numbers for one user, or the reason it cannot be shown."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.exc import DBAPIError

from .. import meta, permissions
from ..dates import Clock
from ..errors import TesseraError
from ..query import QueryContext
from .compute import MatrixResult, NumberResult, run_matrix, run_number
from .model import NumberWidget, Widget


@dataclass
class WidgetData:
    """A widget's numbers, or (`error_en`, `error_zh`) when it cannot be shown: a field or table
    it uses was deleted, or is hidden from this user."""

    widget: Widget
    result: NumberResult | MatrixResult | None = None
    error_en: str | None = None
    error_zh: str | None = None


def clock_for(conn: Connection, user_id: int | None, clock: Clock | None = None) -> Clock:
    """`clock`, or now in the user's time zone (UTC for the system)."""
    if clock is not None:
        return clock
    zone = None
    if user_id is not None:
        u = meta.users
        zone = conn.execute(select(u.c.timezone).where(u.c.id == user_id)).scalar()
    return Clock(timezone=zone or "UTC")


def run_widget(
    conn: Connection, widget: Widget, user_id: int | None, clock: Clock | None = None
) -> WidgetData:
    ctx = QueryContext(user_id=user_id, clock=clock_for(conn, user_id, clock))
    if not isinstance(widget.table, int):
        return WidgetData(widget, None, "The widget names no saved table", "组件未指定已保存的表")
    try:
        with conn.begin_nested():
            schema = permissions.schema_for(conn, widget.table, user_id)
            visible = {f.id for f in schema.fields}
            if any(isinstance(f, int) and f not in visible for f in field_refs(widget)):
                return WidgetData(
                    widget,
                    None,
                    "This widget uses a field that was deleted or that you may not see",
                    "此组件使用的字段已被删除，或您无权查看",
                )
            if isinstance(widget, NumberWidget):
                return WidgetData(widget, run_number(conn, widget, ctx, schema))
            zone = ctx.clock.timezone
            return WidgetData(widget, run_matrix(conn, widget, ctx, zone, schema))
    except TesseraError as e:
        return WidgetData(
            widget,
            None,
            f"This widget cannot be shown: {e.message_en}",
            f"此组件无法显示：{e.message_zh}",
        )
    except DBAPIError:
        return WidgetData(
            widget,
            None,
            "This widget's numbers could not be computed",
            "此组件的数值无法计算",
        )


def field_refs(widget: Widget) -> list[int | str]:
    """Every field the widget names (its filters' fields are checked as they compile)."""
    refs: list[int | str] = []
    for m in (widget.value, getattr(widget, "ratio_of", None)):
        if m is not None and m.field is not None:
            refs.append(m.field)
    for key in ("group", "series", "rows", "columns", "compare"):
        part = getattr(widget, key, None)
        if part is not None:
            refs.append(part.field)
    return refs
