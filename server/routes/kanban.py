"""Kanban and card views: stacks with counts, a page of cards per stack (more as it scrolls),
dragging a card between and within stacks, collapsing stacks, adding a card to a stack; and the
card gallery."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import engine
from engine.model import FieldDef, TableSchema
from schemas.query import Page
from views.kanban import stack_field
from views.model import CardConfig, View
from views.store import visible_field_ids

from ..adapters import Reader
from ..context import RequestContext, context
from ..state import ViewState
from ._util import form_int, form_text, int_param

CARDS = 30
GALLERY = 48
CARD_FIELDS = 5


def card_fields(view: View, schema: TableSchema) -> tuple[FieldDef | None, list[FieldDef]]:
    """The card's title (the primary field) and the fields it shows under it."""
    ids = visible_field_ids(view, schema)
    primary = schema.primary
    skip = {primary.id if primary else None}
    config = view.config
    if isinstance(config, CardConfig):
        skip.add(config.cover_field)
        stack = getattr(config, "stack_field", None)
        if stack is not None:
            skip.add(stack)  # the stack says it already
    shown = [schema.field(i) for i in ids if i not in skip]
    limit = len(shown) if isinstance(config, CardConfig) and config.card_fields else CARD_FIELDS
    return primary, shown[:limit]


def cover(view: View, schema: TableSchema) -> FieldDef | None:
    config = view.config
    if isinstance(config, CardConfig) and config.cover_field is not None:
        try:
            return schema.field(config.cover_field)
        except engine.NotFound:
            return None
    for f in schema.fields:
        if f.type.name == "attachment":
            return f
    return None


def _card_values(ctx: RequestContext, table: engine.Table, view: View) -> dict[str, Any]:
    schema = table.schema()
    title, fields = card_fields(view, schema)
    return {
        "title_field": title,
        "fields": fields,
        "cover_field": cover(view, schema),
        "users": ctx.user_names(),
        "table": table,
        "view": view,
        "schema": schema,
    }


def body(
    ctx: RequestContext, table: engine.Table, view: View, state: ViewState, params: Any
) -> tuple[str, dict[str, Any]]:
    reader = Reader(ctx.views(table), view, state.draft)
    schema = table.schema()
    stacks = reader.stacks(search=state.search or None)
    field = stack_field(view, schema)
    columns = []
    for stack in stacks:
        result = None
        if not stack.collapsed:
            result = reader.cards(stack.key, page=Page(size=CARDS), search=state.search or None)
        columns.append((stack, result))
    return "kanban.html", {
        **_card_values(ctx, table, view),
        "columns": columns,
        "stack_field": field,
        "state": state,
    }


def card_body(
    ctx: RequestContext, table: engine.Table, view: View, state: ViewState, params: Any
) -> tuple[str, dict[str, Any]]:
    reader = Reader(ctx.views(table), view, state.draft)
    result = reader.rows(page=Page(size=GALLERY), search=state.search or None)
    return "cards.html", {**_card_values(ctx, table, view), "result": result, "state": state}


def _view(ctx: RequestContext, request: Request) -> tuple[engine.Table, View, ViewState]:
    table = ctx.table(int_param(request, "table_id"))
    view = ctx.views(table).get(int_param(request, "view_id"))
    return table, view, ViewState.of(view, request.query_params)


async def more_cards(request: Request) -> Response:
    """The next page of one stack's cards."""
    ctx = context(request)
    table, view, state = _view(ctx, request)
    key = request.query_params.get("key", "")
    reader = Reader(ctx.views(table), view, state.draft)
    result = reader.cards(
        key,
        page=Page(size=CARDS, after=request.query_params.get("after")),
        search=state.search or None,
    )
    return ctx.render(
        "kanban_cards.html", **_card_values(ctx, table, view), result=result, key=key, state=state
    )


async def more_gallery(request: Request) -> Response:
    ctx = context(request)
    table, view, state = _view(ctx, request)
    reader = Reader(ctx.views(table), view, state.draft)
    result = reader.rows(
        page=Page(size=GALLERY, after=request.query_params.get("after")),
        search=state.search or None,
    )
    return ctx.render(
        "cards_page.html", **_card_values(ctx, table, view), result=result, state=state
    )


async def move_card(request: Request) -> Response:
    """A card dropped into a stack, before or after another card (or at the end); answers
    with the new count of every stack."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    views = ctx.views(table)
    view = views.get(int_param(request, "view_id"))
    form = await request.form()
    record_id = form_int(form, "record")
    if record_id is None:
        raise engine.NotFound("No card", "没有卡片")
    try:
        views.move_card(
            view.id,
            record_id,
            form_text(form, "stack"),
            before=form_int(form, "before"),
            after=form_int(form, "after"),
        )
    except engine.ValidationError as err:
        message = "；".join(ctx.tr.message(p) for p in err.problems)
        return JSONResponse({"error": message}, 422)
    state = ViewState.of(view, form)
    counts = {
        s.key: s.count for s in Reader(views, view, state.draft).stacks(search=state.search or None)
    }
    return JSONResponse({"counts": counts})


async def toggle_stack(request: Request) -> Response:
    """Collapse a stack, or open it again (kept in the view)."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    views = ctx.views(table)
    view = views.get(int_param(request, "view_id"))
    form = await request.form()
    key = form_text(form, "key")
    config = view.config.model_dump(mode="json")
    collapsed = list(config.get("collapsed", []))
    config["collapsed"] = (
        [k for k in collapsed if k != key] if key in collapsed else [*collapsed, key]
    )
    views.update(view.id, config=config)
    return Response(status_code=204, headers={"HX-Trigger": '{"viewChanged": {}}'})


routes = [
    Route("/t/{table_id:int}/v/{view_id:int}/stack", more_cards),
    Route("/t/{table_id:int}/v/{view_id:int}/gallery", more_gallery),
    Route("/t/{table_id:int}/v/{view_id:int}/move-card", move_card, methods=["POST"]),
    Route("/t/{table_id:int}/v/{view_id:int}/stack-toggle", toggle_stack, methods=["POST"]),
]
