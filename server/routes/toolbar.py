"""The toolbar: filter builder, sorts, groups, hidden fields, saved filters.

Filter, sorts and groups are a draft until the view is saved (`q` in the URL); each change in a
panel answers with the panel, and out of band the toolbar and the view's body, so the view
follows the panel as the user edits it. Hidden fields and their order are presentation and are
saved to the view at once, as in Airtable.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import engine
from engine.model import TableSchema
from schemas.query import FilterGroup, Group, SavedFilterRef, Sort
from views.model import View
from views.store import visible_field_ids

from .. import filters
from ..context import RequestContext, context
from ..state import ViewState, view_url
from . import bodies
from ._util import form_text, int_param, prompt

PANELS = ("filter", "sort", "group", "fields")


def _load(ctx: RequestContext, request: Request) -> tuple[engine.Table, View]:
    table = ctx.table(int_param(request, "table_id"))
    view = ctx.views(table).get(int_param(request, "view_id"))
    return table, view


def toolbar_values(
    ctx: RequestContext, table: engine.Table, view: View, state: ViewState
) -> dict[str, Any]:
    schema = table.schema()
    hidden = [f for f in schema.fields if f.id in getattr(view.config, "hidden", [])]
    return {
        "table": table,
        "schema": schema,
        "view": view,
        "state": state,
        "filter_count": filters.count(state.query.filter),
        "sort_count": len(state.query.sorts),
        "group_count": len(state.query.groups),
        "hidden_count": len(hidden),
        "saved_filters": ctx.views(table).filters(),
        "views": ctx.views(table).list(),
        "view_url": view_url(table.id, view.id),
    }


def panel_values(
    ctx: RequestContext, table: engine.Table, view: View, state: ViewState, name: str
) -> dict[str, Any]:
    schema = table.schema()
    values: dict[str, Any] = {
        "panel": name,
        "schema": schema,
        "view": view,
        "state": state,
        "table": table,
        "post_url": f"/t/{table.id}/v/{view.id}/panel/{name}",
    }
    if name == "filter":
        group = state.query.filter or FilterGroup()
        values.update(filter_rows=filters.rows(group, schema), root=group)
        values.update(link_titles=_link_titles(ctx, schema, group))
        values.update(filterable=filters.filterable(schema), users=ctx.users())
        values.update(
            saved_filters={f.id: f for f in ctx.views(table).filters()},
            day_choices=filters.DAY_CHOICES,
            within_choices=filters.WITHIN_CHOICES,
            listed=filters.listed,
        )
    elif name in ("sort", "group"):
        items = state.query.sorts if name == "sort" else state.query.groups
        values.update(items=items, fields=_sortable(schema))
    elif name == "fields":
        shown = visible_field_ids(view, schema)
        order = shown + [f.id for f in schema.fields if f.id not in shown]
        values.update(
            ordered=[schema.field(i) for i in order],
            hidden=set(getattr(view.config, "hidden", [])),
            primary=schema.primary_field_id,
        )
    return values


def _link_titles(ctx: RequestContext, schema: TableSchema, group: FilterGroup) -> dict[str, str]:
    """Titles of the records that link conditions name, by id (as text)."""
    titles: dict[str, str] = {}
    for f in schema.fields:
        if f.type.name != "link":
            continue
        ids = filters.record_ids(group, f.id)
        if not ids:
            continue
        linked = engine.Table(ctx.db, f.type.options.table_id)
        primary = linked.schema().primary
        try:
            found = linked.get_many(ids)
        except engine.NotFound:
            continue
        for rec in found:
            value = rec.by_id.get(primary.id) if primary else None
            titles[str(rec.id)] = primary.type.to_text(value) if primary and value else f"#{rec.id}"
    return titles


def _sortable(schema: TableSchema) -> list[Any]:
    return [f for f in schema.fields if not f.type.is_list or f.type.name == "multiple_select"]


def live(
    ctx: RequestContext,
    table: engine.Table,
    view: View,
    state: ViewState,
    panel: str,
    params: Any,
    **panel_extra: Any,
) -> Response:
    """The panel, and out of band the toolbar and the body of the view in its new state."""
    template, body = bodies.body(ctx, table, view, state, params)
    html = ctx.render_text(
        "panel.html", **{**panel_values(ctx, table, view, state, panel), **panel_extra}
    )
    html += ctx.render_text("toolbar.html", oob=True, **toolbar_values(ctx, table, view, state))
    html += ctx.render_text(
        "view_body.html", oob=True, body_template=template, view=view, state=state, **body
    )
    url = state.url(view_url(table.id, view.id))
    return Response(html, media_type="text/html", headers={"HX-Push-Url": url})


async def open_panel(request: Request) -> Response:
    ctx = context(request)
    table, view = _load(ctx, request)
    name = request.path_params["name"]
    if name not in PANELS:
        raise engine.NotFound(f"No panel {name!r}", f"没有面板 {name!r}")
    state = ViewState.of(view, request.query_params)
    return ctx.render("panel.html", **panel_values(ctx, table, view, state, name))


async def close_panel(request: Request) -> Response:
    return Response("", media_type="text/html")


async def filter_panel(request: Request) -> Response:
    ctx = context(request)
    table, view = _load(ctx, request)
    form = await request.form()
    schema = table.schema()
    state = ViewState.of(view, form)
    from_builder = ".conj" in form or "node" in form
    tree = filters.parse(form, schema) if from_builder else state.query.filter or FilterGroup()
    tree = tree.model_copy(deep=True)
    action = form_text(form, "action")
    if action:
        tree = filters.edit(tree, action, schema)
    applied = filters.complete(tree)
    new_state = state.with_query(state.query.model_copy(update={"filter": applied}))
    # the builder shows what the user is editing, incomplete conditions included
    return live(
        ctx,
        table,
        view,
        new_state,
        "filter",
        form,
        filter_rows=filters.rows(tree, schema),
        root=tree,
        link_titles=_link_titles(ctx, schema, tree),
    )


async def share_filter(request: Request) -> Response:
    """Save the current filter as a shared saved filter of the table, and use it by reference."""
    ctx = context(request)
    table, view = _load(ctx, request)
    form = await request.form()
    state = ViewState.of(view, form)
    current = state.query.filter
    if current is None or not current.items:
        raise engine.SchemaError("There is no filter to save", "没有可保存的筛选条件")
    name = prompt(request) or form_text(form, "name")
    saved = ctx.views(table).create_filter(name, current)
    group = FilterGroup(items=[SavedFilterRef(saved_filter=saved.id)])
    new_state = state.with_query(state.query.model_copy(update={"filter": group}))
    return live(ctx, table, view, new_state, "filter", form)


def _pairs(form: Any, prefix: str) -> list[tuple[str, str]]:
    fields = [str(v) for v in form.getlist(f"{prefix}.field")]
    dirs = [str(v) for v in form.getlist(f"{prefix}.dir")]
    return [(f, d) for f, d in zip(fields, dirs, strict=False) if f.isdecimal()]


async def order_panel(request: Request) -> Response:
    """Sorts or groups: add, remove, change field or direction."""
    ctx = context(request)
    table, view = _load(ctx, request)
    name = request.path_params["name"]
    if name not in ("sort", "group"):
        raise engine.NotFound(f"No panel {name!r}", f"没有面板 {name!r}")
    form = await request.form()
    schema = table.schema()
    state = ViewState.of(view, form)
    pairs = _pairs(form, name)
    action = form_text(form, "action")
    if action == "add":
        used = {int(f) for f, _ in pairs}
        free = [f for f in _sortable(schema) if f.id not in used]
        if free and (name == "sort" or len(pairs) < 3):
            pairs.append((str(free[0].id), "asc"))
    elif action.startswith("remove:") and action[7:].isdecimal():
        index = int(action[7:])
        pairs = [p for i, p in enumerate(pairs) if i != index]
    direction = {"asc", "desc"}
    if name == "sort":
        sorts = [Sort(field=int(f), direction=d if d in direction else "asc") for f, d in pairs]
        query = state.query.model_copy(update={"sorts": sorts})
    else:
        groups = [Group(field=int(f), direction=d if d in direction else "asc") for f, d in pairs]
        query = state.query.model_copy(update={"groups": groups[:3]})
    return live(ctx, table, view, state.with_query(query), name, form)


async def fields_panel(request: Request) -> Response:
    """Hide or show fields and change their order: saved to the view at once."""
    ctx = context(request)
    table, view = _load(ctx, request)
    form = await request.form()
    schema = table.schema()
    order = [int(str(v)) for v in form.getlist("order") if str(v).isdecimal()]
    shown = {int(str(v)) for v in form.getlist("shown") if str(v).isdecimal()}
    action = form_text(form, "action")
    known = [f.id for f in schema.fields]
    if action == "show_all":
        shown = set(known)
    elif action == "hide_all":
        shown = {schema.primary_field_id} if schema.primary_field_id else set()
    hidden = [fid for fid in known if fid not in shown and fid != schema.primary_field_id]
    config = view.config.model_dump(mode="json")
    config["hidden"] = hidden
    if order:
        config["order"] = [fid for fid in order if fid in known]
    view = ctx.views(table).update(view.id, config=config)
    state = ViewState.of(view, form)
    return live(ctx, table, view, state, "fields", form)


async def column_action(request: Request) -> Response:
    """A column menu's sort / group / hide: the same as the panels, without opening one."""
    ctx = context(request)
    table, view = _load(ctx, request)
    form = await request.form()
    state = ViewState.of(view, form)
    fid = form_text(form, "field")
    what = form_text(form, "what")
    if not fid.isdecimal():
        raise engine.NotFound("No such field", "没有此字段")
    field_id = int(fid)
    query = state.query
    if what in ("asc", "desc"):
        query = query.model_copy(update={"sorts": [Sort(field=field_id, direction=what)]})
    elif what == "group":
        kept = [g for g in query.groups if g.field != field_id][:2]
        groups = [*kept, Group(field=field_id)]
        query = query.model_copy(update={"groups": groups})
    elif what == "hide":
        config = view.config.model_dump(mode="json")
        config["hidden"] = sorted({*config.get("hidden", []), field_id})
        view = ctx.views(table).update(view.id, config=config)
        state = ViewState.of(view, form)
    new_state = state.with_query(query)
    url = new_state.url(view_url(table.id, view.id))
    return Response(status_code=204, headers={"HX-Redirect": url})


routes = [
    Route("/t/{table_id:int}/v/{view_id:int}/panel/{name}", open_panel),
    Route("/t/{table_id:int}/v/{view_id:int}/panel-close", close_panel),
    Route("/t/{table_id:int}/v/{view_id:int}/panel/filter", filter_panel, methods=["POST"]),
    Route("/t/{table_id:int}/v/{view_id:int}/panel/fields", fields_panel, methods=["POST"]),
    Route("/t/{table_id:int}/v/{view_id:int}/panel/{name}", order_panel, methods=["POST"]),
    Route("/t/{table_id:int}/v/{view_id:int}/filter/share", share_filter, methods=["POST"]),
    Route("/t/{table_id:int}/v/{view_id:int}/column", column_action, methods=["POST"]),
]
