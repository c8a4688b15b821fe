"""The grid view: columns (widths, frozen, order), one page of rows at a time (the next page is
asked for when the end of the grid scrolls into sight), group headers with counts and summaries,
and the footer's summaries."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import engine
from engine import operators
from engine.aggregates import NEEDS
from engine.aggregates import key as aggregate_key
from engine.model import FieldDef, TableSchema
from engine.query import GroupSummary, QueryResult
from engine.record import Record
from schemas.query import Aggregate, Page
from views.model import GridConfig, View
from views.store import visible_field_ids

from .. import cells
from ..adapters import Reader
from ..context import RequestContext, context
from ..state import ViewState
from ._util import int_param

PAGE = 100
DEFAULT_WIDTH = 180
PRIMARY_WIDTH = 220
GUTTER = 76
ALWAYS = ("count", "filled", "empty", "unique", "percent_filled", "percent_empty")


@dataclass
class Column:
    field: FieldDef
    width: int
    frozen: bool = False
    left: int = 0
    summary: str | None = None
    summary_value: Any = None
    summaries: list[str] = dc_field(default_factory=list)


def columns(view: View, schema: TableSchema) -> list[Column]:
    config = view.config if isinstance(view.config, GridConfig) else GridConfig()
    out: list[Column] = []
    left = GUTTER
    for i, fid in enumerate(visible_field_ids(view, schema)):
        f = schema.field(fid)
        width = config.widths.get(fid) or (PRIMARY_WIDTH if i == 0 else DEFAULT_WIDTH)
        frozen = i < max(config.frozen, 1)
        col = Column(f, width, frozen, left if frozen else 0)
        col.summary = config.summaries.get(fid)
        col.summaries = summaries_for(f)
        if frozen:
            left += width
        out.append(col)
    return out


def summaries_for(f: FieldDef) -> list[str]:
    """The footer summaries that fit a field's values."""
    kind = operators.value_kind(f.type)
    fits = [fn for fn, kinds in NEEDS.items() if kind in kinds]
    return [*ALWAYS, *fits]


@dataclass
class GroupHead:
    level: int
    field: FieldDef
    value: Any
    count: int | None
    aggregates: list[tuple[str, str]]  # (summary, shown value)


@dataclass
class RowItem:
    record: Record
    number: int


def _text_key(fields: Sequence[FieldDef], values: Sequence[Any]) -> tuple[str, ...]:
    return tuple(cells.copy_text(f, v) for f, v in zip(fields, values, strict=False))


def _shown_aggregates(
    ctx: RequestContext, cols: Sequence[Column], values: Mapping[str, Any]
) -> list[tuple[str, str]]:
    out = []
    for col in cols:
        if col.summary:
            raw = values.get(aggregate_key_for(col))
            out.append((f"{col.field.name} · {ctx.tr('agg_' + col.summary)}", show(ctx, col, raw)))
    return out


def aggregate_key_for(col: Column) -> str:
    agg = Aggregate.model_validate({"field": col.field.id, "fn": col.summary})
    return aggregate_key(agg, col.field.name)


def show(ctx: RequestContext, col: Column, raw: Any) -> str:
    """A summary's value as shown in a footer or group header."""
    if raw is None:
        return "–"
    fn = col.summary or ""
    if fn.startswith("percent_"):
        return ctx.tr.percent(raw, 0)
    if fn in ("count", "filled", "empty", "unique"):
        return ctx.tr.number(raw)
    return cells.text(col.field, raw, ctx.tr)


def items(
    ctx: RequestContext,
    result: QueryResult,
    group_fields: Sequence[FieldDef],
    cols: Sequence[Column],
    *,
    start: int,
    previous: tuple[str, ...] | None,
) -> tuple[list[GroupHead | RowItem], tuple[str, ...] | None]:
    """The page's rows with a group header wherever a group starts; returns the last row's
    group key, for the next page to continue from."""
    found: dict[tuple[int, tuple[str, ...]], GroupSummary] = {}
    for g in result.groups or []:
        found[(g.level, _text_key(group_fields, g.key))] = g
    out: list[GroupHead | RowItem] = []
    n = start
    for rec in result.records:
        values = [rec.by_id.get(f.id) for f in group_fields]
        key = _text_key(group_fields, values)
        if group_fields:
            level = 0
            if previous is not None:
                while level < len(key) and previous[level] == key[level]:
                    level += 1
            for lv in range(level, len(group_fields)):
                summary = found.get((lv, key[: lv + 1]))
                out.append(
                    GroupHead(
                        lv,
                        group_fields[lv],
                        values[lv],
                        summary.count if summary else None,
                        _shown_aggregates(ctx, cols, summary.aggregates if summary else {}),
                    )
                )
        n += 1
        out.append(RowItem(rec, n))
        previous = key
    return out, previous


def _group_fields(schema: TableSchema, state: ViewState) -> list[FieldDef]:
    live = {f.id: f for f in schema.fields}
    return [
        live[g.field] for g in state.query.groups if isinstance(g.field, int) and g.field in live
    ]


def page(
    ctx: RequestContext,
    table: engine.Table,
    view: View,
    state: ViewState,
    *,
    after: str | None = None,
    start: int = 0,
    previous: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    schema = table.schema()
    cols = columns(view, schema)
    group_fields = _group_fields(schema, state)
    reader = Reader(ctx.views(table), view, state.draft)
    result = reader.rows(
        page=Page(size=PAGE, after=after),
        search=state.search or None,
        also=[f.id for f in group_fields],
    )
    rows, last = items(ctx, result, group_fields, cols, start=start, previous=previous)
    for col in cols:
        if col.summary:
            col.summary_value = show(ctx, col, result.aggregates.get(aggregate_key_for(col)))
    next_url = None
    if result.next:
        next_url = state.url(
            f"/t/{table.id}/v/{view.id}/rows",
            after=result.next,
            n=start + len(result.records),
            gk=json.dumps(list(last), ensure_ascii=False) if last is not None else None,
        )
    return {
        "cols": cols,
        "items": rows,
        "result": result,
        "next_url": next_url,
        "users": ctx.user_names(),
        "table": table,
        "schema": schema,
        "gutter": GUTTER,
        "width": GUTTER + sum(c.width for c in cols) + 120,
        "group_fields": group_fields,
    }


def body(
    ctx: RequestContext, table: engine.Table, view: View, state: ViewState, params: Any
) -> tuple[str, dict[str, Any]]:
    return "grid.html", page(ctx, table, view, state)


async def rows(request: Request) -> Response:
    """The next page of the grid, after a keyset token."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    view = ctx.views(table).get(int_param(request, "view_id"))
    state = ViewState.of(view, request.query_params)
    params = request.query_params
    previous = None
    if params.get("gk"):
        try:
            previous = tuple(str(x) for x in json.loads(params["gk"]))
        except (ValueError, TypeError):
            previous = None
    start = int(params.get("n", "0")) if str(params.get("n", "0")).isdecimal() else 0
    values = page(
        ctx, table, view, state, after=params.get("after"), start=start, previous=previous
    )
    return ctx.render("grid_rows.html", view=view, state=state, **values)


routes = [
    Route("/t/{table_id:int}/v/{view_id:int}/rows", rows),
]
