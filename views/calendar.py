"""Calendar: the records whose date falls in a month or a week, and moving one to another day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection

from engine import records
from engine.dates import Clock
from engine.errors import SchemaError
from engine.model import FieldDef, TableSchema
from engine.query import QueryContext, QueryResult, run
from schemas.query import Condition, FilterGroup, Page

from .model import View
from .store import query_spec


def date_field(view: View, schema: TableSchema) -> FieldDef:
    if view.kind != "calendar" or view.config.date_field is None:
        raise SchemaError("This view has no date field", "此视图未设置日期字段")
    return schema.field(view.config.date_field)


def span(mode: str, day: dt.date, week_start: int = 0) -> tuple[dt.date, dt.date]:
    """The days a calendar page shows: whole weeks covering the month, or one week."""
    if mode == "week":
        start = day - dt.timedelta(days=(day.weekday() - week_start) % 7)
        return start, start + dt.timedelta(days=7)
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    start = first - dt.timedelta(days=(first.weekday() - week_start) % 7)
    end = nxt + dt.timedelta(days=(week_start - nxt.weekday()) % 7)
    return start, end


def entries(
    conn: Connection,
    schema: TableSchema,
    view: View,
    day: dt.date,
    ctx: QueryContext | None = None,
    *,
    limit: int = 1000,
) -> tuple[tuple[dt.date, dt.date], QueryResult]:
    """The records dated within the page around `day`, in date order."""
    ctx = ctx or QueryContext()
    f = date_field(view, schema)
    start, end = span(view.config.mode, day, ctx.clock.week_start)
    conds = FilterGroup(
        items=[
            Condition(field=f.id, op="is_on_or_after", value=start.isoformat()),
            Condition(field=f.id, op="is_before", value=end.isoformat()),
        ]
    )
    spec = query_spec(view, schema, page=Page(size=limit), extra=conds, count=True)
    spec.sorts = [*spec.sorts]
    if not spec.sorts:
        from schemas.query import Sort

        spec.sorts = [Sort(field=f.id)]
    return (start, end), run(conn, schema, spec, ctx)


def move_entry(
    ctx: records.WriteContext,
    schema: TableSchema,
    view: View,
    record_id: int,
    day: dt.date,
    clock: Clock | None = None,
) -> None:
    """Move a record to another day, keeping its time of day for date-time fields."""
    f = date_field(view, schema)
    value: Any = day
    if f.type.name == "datetime":
        current = records.read(ctx.conn, schema, [record_id])[0].by_id.get(f.id)
        zone = f.type.zone
        if current is not None:
            local = current.astimezone(zone)
            value = dt.datetime.combine(day, local.timetz().replace(tzinfo=None), zone)
        else:
            value = dt.datetime.combine(day, dt.time(9), zone)
    records.update_many(ctx, schema, [(record_id, {f.id: value})])
