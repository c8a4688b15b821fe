"""Calendar: the records dated within a month or a week, and moving one to another day.

A month page shows the whole weeks that cover the month; a week page one week, from the user's
first day of the week. Days are the user's local days (the query context's clock). With an end
date field, a record spanning several days appears on every page it overlaps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from engine import records
from engine.errors import NotFound, SchemaError
from engine.fields.temporal import DateTimeType
from engine.model import FieldDef, TableSchema
from engine.query import QueryContext, QueryResult, run
from schemas.query import Condition, FilterGroup, Page, Sort

from .model import CalendarConfig, View
from .store import query_spec


@dataclass
class CalendarPage:
    start: dt.date  # the first day shown
    end: dt.date  # the day after the last day shown
    result: QueryResult  # the records, in date order unless the view sorts otherwise


def _config(view: View) -> CalendarConfig:
    if view.kind != "calendar" or view.config.date_field is None:
        raise SchemaError("This view has no date field", "此视图未设置日期字段")
    config: CalendarConfig = view.config
    return config


def _field(schema: TableSchema, field_id: int) -> FieldDef:
    try:
        return schema.field(field_id)
    except NotFound:
        raise SchemaError(
            "A date field of this calendar was deleted; choose another",
            "此日历的日期字段已被删除，请重新选择",
        ) from None


def date_field(view: View, schema: TableSchema) -> FieldDef:
    config = _config(view)
    assert config.date_field is not None
    return _field(schema, config.date_field)


def end_field(view: View, schema: TableSchema) -> FieldDef | None:
    config = _config(view)
    return _field(schema, config.end_field) if config.end_field is not None else None


def span(mode: str, day: dt.date, week_start: int = 0) -> tuple[dt.date, dt.date]:
    """The days a calendar page shows, [start, end): whole weeks covering the month, or one
    week."""
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
    mode: str | None = None,
    search: str | None = None,
    limit: int = 1000,
) -> CalendarPage:
    """The records of the page around `day` (in the view's mode unless `mode` is given)."""
    ctx = ctx or QueryContext()
    f = date_field(view, schema)
    end_f = end_field(view, schema)
    start, end = span(mode or _config(view).mode, day, ctx.clock.week_start)
    starts_before_end = Condition(field=f.id, op="is_before", value=end.isoformat())
    starts_within = Condition(field=f.id, op="is_on_or_after", value=start.isoformat())
    if end_f is None:
        items: list[Condition | FilterGroup] = [starts_within, starts_before_end]
    else:  # overlaps: starts before the page ends, and ends (or, without an end, starts) in it
        ends_within = Condition(field=end_f.id, op="is_on_or_after", value=start.isoformat())
        items = [
            starts_before_end,
            FilterGroup(conjunction="or", items=[starts_within, ends_within]),
        ]
    spec = query_spec(
        view, schema, page=Page(size=limit), search=search, extra=FilterGroup(items=[*items])
    )
    if not spec.sorts:
        spec.sorts = [Sort(field=f.id)]
    return CalendarPage(start, end, run(conn, schema, spec, ctx))


def move_entry(
    ctx: records.WriteContext,
    schema: TableSchema,
    view: View,
    record_id: int,
    day: dt.date,
) -> None:
    """Move a record to another day. A date-time keeps its time of day in the field's time
    zone (09:00 when it had none); an end date moves by the same amount, so the span keeps its
    length."""
    f = date_field(view, schema)
    end_f = end_field(view, schema)
    table = schema.sql
    cols = [table.c[f.column]] + ([table.c[end_f.column]] if end_f is not None else [])
    row = ctx.conn.execute(
        select(*cols).where(table.c.id == record_id, table.c.trashed_at.is_(None))
    ).first()
    if row is None:
        raise NotFound(f"No record with id {record_id}", f"没有 ID 为 {record_id} 的记录")
    current = f.type.from_db(row[0])
    value: Any = day
    first_day = current
    if isinstance(f.type, DateTimeType):
        zone = f.type.zone
        local = current.astimezone(zone) if current is not None else None
        first_day = local.date() if local is not None else None
        value = dt.datetime.combine(day, local.time() if local is not None else dt.time(9), zone)
    changes: dict[int, Any] = {f.id: value}
    if end_f is not None and current is not None:
        old_end = end_f.type.from_db(row[1])
        if isinstance(old_end, dt.datetime) and isinstance(current, dt.datetime):
            changes[end_f.id] = old_end + (value - current)
        elif old_end is not None:
            changes[end_f.id] = old_end + (day - first_day)
    records.update_many(ctx, schema, [(record_id, changes)])
