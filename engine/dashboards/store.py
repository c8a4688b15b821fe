"""Dashboards in `meta_dashboards`: list, read, create, change, reorder, delete; and the check
that makes a widget fit to save.

A widget is checked against its table as the acting user sees it (`permissions.schema_for`):
the table belongs to the dashboard's base, every field it names exists and is visible, and its
statement runs. It is stored with the table and every field named by id, so renames never
break it. A stored widget whose field has since been deleted is kept; showing it reports the
missing field (`engine.dashboards.run`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Connection, delete, func, insert, select, update

from schemas.query import FilterGroup

from .. import meta
from ..errors import Conflict, NotFound, QueryError, SchemaError
from ..names import clean_name, name_key
from ..permissions import schema_for
from ..saved_filters import with_field_ids
from ..sqltypes import UTC
from .model import ChartWidget, Dimension, Measure, NumberWidget, PivotWidget, Widget, WidgetList

_WIDGET: TypeAdapter[Widget] = TypeAdapter(Widget)


@dataclass(frozen=True)
class Dashboard:
    id: int
    base_id: int
    name: str
    widgets: list[Widget]
    position: float
    created_by: int | None

    def widget(self, widget_id: str) -> Widget:
        for w in self.widgets:
            if w.id == widget_id:
                return w
        raise NotFound(
            f"Dashboard {self.name!r} has no widget {widget_id!r}",
            f"仪表盘 {self.name!r} 中没有组件 {widget_id!r}",
        )


def parse_widget(raw: Widget | dict[str, Any]) -> Widget:
    if isinstance(raw, NumberWidget | ChartWidget | PivotWidget):
        return raw
    try:
        return _WIDGET.validate_python(raw)
    except PydanticValidationError as e:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'widget'}: {err['msg']}"
            for err in e.errors()
        )
        raise SchemaError(f"Invalid widget: {detail}", f"组件设置无效：{detail}") from None


def _stored(widgets: list[Any]) -> list[Widget]:
    """Widgets as stored (skipping any that no longer parse rather than failing the page)."""
    out: list[Widget] = []
    for raw in widgets:
        try:
            out.append(_WIDGET.validate_python(raw))
        except PydanticValidationError:
            continue
    return out


def _row(r: Any) -> Dashboard:
    widgets = r.widgets if isinstance(r.widgets, list) else []
    return Dashboard(
        int(r.id), int(r.base_id), str(r.name), _stored(widgets), float(r.position), r.created_by
    )


def list_dashboards(conn: Connection, base_id: int) -> list[Dashboard]:
    d = meta.dashboards
    rows = conn.execute(
        select(d).where(d.c.base_id == base_id).order_by(d.c.position, d.c.id)
    ).all()
    return [_row(r) for r in rows]


def get_dashboard(conn: Connection, dashboard_id: int) -> Dashboard:
    d = meta.dashboards
    r = conn.execute(select(d).where(d.c.id == dashboard_id)).first()
    if r is None:
        raise NotFound(
            f"No dashboard with id {dashboard_id}", f"没有 ID 为 {dashboard_id} 的仪表盘"
        )
    return _row(r)


def _name_free(conn: Connection, base_id: int, name: str, self_id: int | None) -> None:
    d = meta.dashboards
    q = select(d.c.id).where(d.c.base_id == base_id, d.c.name_key == name_key(name))
    if self_id is not None:
        q = q.where(d.c.id != self_id)
    if conn.execute(q).first() is not None:
        raise Conflict(
            f"This base already has a dashboard named {name!r}",
            f"此库中已有名为 {name!r} 的仪表盘",
        )


def create_dashboard(
    conn: Connection, base_id: int, name: str, widgets: list[Widget], created_by: int | None
) -> int:
    name = clean_name(name)
    _name_free(conn, base_id, name, None)
    d = meta.dashboards
    last = conn.execute(select(func.max(d.c.position)).where(d.c.base_id == base_id)).scalar()
    now = dt.datetime.now(UTC)
    inserted = conn.execute(
        insert(d).values(
            base_id=base_id,
            name=name,
            name_key=name_key(name),
            widgets=_dump(widgets),
            position=(last or 0) + 1,
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
    ).inserted_primary_key
    assert inserted is not None
    return int(inserted[0])


def _dump(widgets: list[Widget]) -> list[dict[str, Any]]:
    WidgetList(widgets=widgets)  # unique ids, not too many
    return [w.model_dump(mode="json", exclude_none=True) for w in widgets]


def save_dashboard(
    conn: Connection,
    dashboard_id: int,
    *,
    name: str | None = None,
    widgets: list[Widget] | None = None,
    position: float | None = None,
) -> None:
    current = get_dashboard(conn, dashboard_id)
    values: dict[str, Any] = {"updated_at": dt.datetime.now(UTC)}
    if name is not None:
        name = clean_name(name)
        _name_free(conn, current.base_id, name, dashboard_id)
        values |= {"name": name, "name_key": name_key(name)}
    if widgets is not None:
        values["widgets"] = _dump(widgets)
    if position is not None:
        values["position"] = position
    d = meta.dashboards
    conn.execute(update(d).where(d.c.id == dashboard_id).values(**values))


def delete_dashboard(conn: Connection, dashboard_id: int) -> None:
    get_dashboard(conn, dashboard_id)
    conn.execute(delete(meta.dashboards).where(meta.dashboards.c.id == dashboard_id))


# --- checking a widget ----------------------------------------------------------------------------
def table_id_of(conn: Connection, base_id: int, ref: int | str) -> int:
    t = meta.tables
    q = select(t.c.id).where(t.c.base_id == base_id, t.c.trashed_at.is_(None))
    q = q.where(t.c.id == ref) if isinstance(ref, int) else q.where(t.c.name_key == name_key(ref))
    found = conn.execute(q).scalar()
    if found is None:
        raise QueryError(f"No table {ref!r} in this base", f"此库中没有表 {ref!r}")
    return int(found)


def with_ids(conn: Connection, base_id: int, widget: Widget, user_id: int | None) -> Widget:
    """The widget with its table and every field named by id, as `user_id` may see them."""
    table_id = table_id_of(conn, base_id, widget.table)
    schema = schema_for(conn, table_id, user_id)

    def fid(ref: int | str) -> int:
        try:
            return schema.field(ref).id
        except NotFound as e:
            raise QueryError(e.message_en, e.message_zh) from None

    def group(g: FilterGroup | None) -> FilterGroup | None:
        return None if g is None else with_field_ids(schema, g)

    def measure(m: Measure) -> Measure:
        f = None if m.field is None else fid(m.field)
        return m.model_copy(update={"field": f, "filter": group(m.filter)})

    def dim(d: Dimension) -> Dimension:
        return d.model_copy(update={"field": fid(d.field)})

    update_: dict[str, Any] = {"table": table_id, "filter": group(widget.filter)}
    update_["value"] = measure(widget.value)
    if isinstance(widget, NumberWidget):
        if widget.ratio_of is not None:
            update_["ratio_of"] = measure(widget.ratio_of)
        if widget.compare is not None:
            update_["compare"] = widget.compare.model_copy(
                update={"field": fid(widget.compare.field)}
            )
    elif isinstance(widget, ChartWidget):
        update_["group"] = dim(widget.group)
        if widget.series is not None:
            update_["series"] = dim(widget.series)
    else:
        update_["rows"] = dim(widget.rows)
        if widget.columns is not None:
            update_["columns"] = dim(widget.columns)
    return widget.model_copy(update=update_)
