"""The calendar view: a month or a week of records by a date field; drag a record to another
day; add a record on a day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import engine
from engine.record import Record
from views.calendar import date_field, end_field
from views.model import CalendarConfig, View

from ..adapters import Reader
from ..context import RequestContext, context
from ..state import ViewState, view_url
from ._util import form_int, form_text, int_param
from .kanban import card_fields


@dataclass
class Day:
    date: dt.date
    in_month: bool
    today: bool
    records: list[Record] = field(default_factory=list)


def _local_day(value: Any, zone: dt.tzinfo | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return (value.astimezone(zone) if zone else value).date()
    if isinstance(value, dt.date):
        return value
    return None


def _today(ctx: RequestContext) -> dt.date:
    return dt.datetime.now(ctx.tr.zone).date()


def body(
    ctx: RequestContext, table: engine.Table, view: View, state: ViewState, params: Any
) -> tuple[str, dict[str, Any]]:
    schema = table.schema()
    config = view.config if isinstance(view.config, CalendarConfig) else CalendarConfig()
    today = _today(ctx)
    try:
        day = dt.date.fromisoformat(str(params.get("d", "")))
    except ValueError:
        day = today
    mode = params.get("mode") if params.get("mode") in ("month", "week") else config.mode
    reader = Reader(ctx.views(table), view, state.draft)
    page = reader.entries(day, mode=mode, search=state.search or None)
    start_f, end_f = date_field(view, schema), end_field(view, schema)
    zone = getattr(start_f.type, "zone", None)
    days: dict[dt.date, Day] = {}
    d = page.start
    while d < page.end:
        days[d] = Day(d, mode == "week" or d.month == day.month, d == today)
        d += dt.timedelta(days=1)
    for rec in page.result.records:
        first = _local_day(rec.by_id.get(start_f.id), zone)
        if first is None:
            continue
        last = first
        if end_f is not None:
            last = _local_day(rec.by_id.get(end_f.id), getattr(end_f.type, "zone", None)) or first
        d = max(first, page.start)
        while d <= last and d < page.end:
            days[d].records.append(rec)
            d += dt.timedelta(days=1)
    ordered = list(days.values())
    weeks = [ordered[i : i + 7] for i in range(0, len(ordered), 7)]
    step = dt.timedelta(days=7) if mode == "week" else None
    prev_day = day - step if step else (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    next_day = day + step if step else (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    title, fields = card_fields(view, schema)
    base = view_url(table.id, view.id)
    return "calendar.html", {
        "weeks": weeks,
        "mode": mode,
        "day": day,
        "date_field": start_f,
        "title_field": title,
        "fields": fields[:2],
        "users": ctx.user_names(),
        "table": table,
        "view": view,
        "state": state,
        "editable": not start_f.type.read_only,
        "prev_url": state.url(base, d=prev_day.isoformat(), mode=mode),
        "next_url": state.url(base, d=next_day.isoformat(), mode=mode),
        "today_url": state.url(base, mode=mode),
        "month_url": state.url(base, d=day.isoformat(), mode="month"),
        "week_url": state.url(base, d=day.isoformat(), mode="week"),
        "weekdays": [ctx.tr.weekday(i) for i in range(7)],
    }


async def move_entry(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    views = ctx.views(table)
    form = await request.form()
    record_id = form_int(form, "record")
    try:
        day = dt.date.fromisoformat(form_text(form, "day"))
    except ValueError:
        day = None
    if record_id is None or day is None:
        raise engine.NotFound("No record or day", "没有记录或日期")
    try:
        views.move_entry(int_param(request, "view_id"), record_id, day)
    except engine.ValidationError as err:
        message = "；".join(ctx.tr.message(p) for p in err.problems)
        return JSONResponse({"error": message}, 422)
    return JSONResponse({"moved": record_id, "day": day.isoformat()})


routes = [
    Route("/t/{table_id:int}/v/{view_id:int}/move-entry", move_entry, methods=["POST"]),
]
