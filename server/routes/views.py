"""Views: the page of a view (shell, toolbar, body by kind) and the sidebar's view list —
create, rename, duplicate, reorder, delete, save the toolbar's changes, change presentation."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import engine
from views.model import View

from ..context import RequestContext, context
from ..state import ViewState, view_url
from . import bodies
from ._util import form_text, go, int_param, prompt, refresh

KIND_ICONS = {"grid": "▦", "card": "▤", "kanban": "▥", "calendar": "▣", "form": "☰"}


def shell(ctx: RequestContext, table: engine.Table, view: View | None) -> dict[str, Any]:
    """What every page of a table shows around its view: the base, its tables, the views."""
    schema = table.schema()
    base = ctx.base(schema.base_id)
    return {
        "base": base,
        "tables": [(t.id, t.name) for t in base.tables()],
        "table": table,
        "schema": schema,
        "views": ctx.views(table).list(),
        "view": view,
        "kind_icons": KIND_ICONS,
    }


async def view_page(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    view = ctx.views(table).get(int_param(request, "view_id"))
    state = ViewState.of(view, request.query_params)
    template, body = bodies.body(ctx, table, view, state, request.query_params)
    from .toolbar import toolbar_values

    values = {
        **shell(ctx, table, view),
        **toolbar_values(ctx, table, view, state),
        **body,
        "state": state,
        "body_template": template,
    }
    return ctx.render("view.html", **values)


def _default_name(ctx: RequestContext, kind: str, taken: list[str]) -> str:
    base = ctx.tr(f"kind_{kind}")
    name, n = base, 2
    lowered = {t.casefold() for t in taken}
    while name.casefold() in lowered:
        name, n = f"{base} {n}", n + 1
    return name


async def create_view(request: Request) -> Response:
    """A new view of a kind; 'save as view' also copies the current view's draft query and,
    for the same kind, its presentation."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    views = ctx.views(table)
    form = await request.form()
    kind = form_text(form, "kind", "grid")
    name = prompt(request) or form_text(form, "name")
    name = name or _default_name(ctx, kind, [v.name for v in views.list()])
    query: Any = None
    config: Any = None
    source_id = form_text(form, "from")
    if source_id.isdecimal():
        source = views.get(int(source_id))
        state = ViewState.of(source, form)
        query = state.query
        if source.kind == kind:
            config = source.config
    visibility = "personal" if form_text(form, "personal") else "collaborative"
    view = views.create(name, kind, query=query, config=config, visibility=visibility)
    return go(view_url(table.id, view.id), request)


async def rename_view(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    ctx.views(table).rename(int_param(request, "view_id"), prompt(request))
    return refresh()


async def duplicate_view(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    view = ctx.views(table).duplicate(int_param(request, "view_id"))
    return go(view_url(table.id, view.id), request)


async def delete_view(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    ctx.views(table).delete(int_param(request, "view_id"))
    return go(f"/t/{table.id}", request)


async def order_views(request: Request) -> Response:
    """The sidebar's new order after a drag: each view goes after the one before it."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    views = ctx.views(table)
    form = await request.form()
    ids = [int(str(v)) for v in form.getlist("view") if str(v).isdecimal()]
    current = [v.id for v in views.list()]
    for before, view_id in pairwise(ids):
        if current.index(view_id) != current.index(before) + 1:
            views.move(view_id, after=before)
            current = [v.id for v in views.list()]
    return Response(status_code=204)


async def save_view(request: Request) -> Response:
    """Write the toolbar's draft (filter, sorts, groups) into the view."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    views = ctx.views(table)
    form = await request.form()
    view = views.get(int_param(request, "view_id"))
    state = ViewState.of(view, form)
    views.update(view.id, query=state.query)
    saved = ViewState(view, None, state.search)
    return go(saved.url(view_url(table.id, view.id)), request)


async def update_config(request: Request) -> Response:
    """Change part of a view's presentation: `set` is a JSON object of config keys to replace
    (hidden fields, field order, widths, summaries, stack order, collapsed stacks, ...)."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    views = ctx.views(table)
    form = await request.form()
    view = views.get(int_param(request, "view_id"))
    try:
        changes = json.loads(form_text(form, "set", "{}"))
    except ValueError:
        changes = {}
    if not isinstance(changes, dict):
        changes = {}
    config = view.config.model_dump(mode="json")
    config.update(changes)
    views.update(view.id, config=config)
    if form_text(form, "quiet"):
        return Response(status_code=204)
    return refresh()


routes = [
    Route("/t/{table_id:int}/v/{view_id:int}", view_page),
    Route("/t/{table_id:int}/views", create_view, methods=["POST"]),
    Route("/t/{table_id:int}/views/order", order_views, methods=["POST"]),
    Route("/t/{table_id:int}/v/{view_id:int}/rename", rename_view, methods=["POST"]),
    Route("/t/{table_id:int}/v/{view_id:int}/duplicate", duplicate_view, methods=["POST"]),
    Route("/t/{table_id:int}/v/{view_id:int}/delete", delete_view, methods=["POST"]),
    Route("/t/{table_id:int}/v/{view_id:int}/save", save_view, methods=["POST"]),
    Route("/t/{table_id:int}/v/{view_id:int}/config", update_config, methods=["POST"]),
]
