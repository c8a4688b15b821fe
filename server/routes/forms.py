"""Form views: the form as the table's owners set it up (fields, labels, help, required
marks) and its shareable page, which creates a record and shows every problem at its field."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import engine
from engine.model import TableSchema
from views.model import FormConfig, FormField, View

from .. import cells
from ..context import RequestContext, context
from ..state import ViewState
from ._util import form_text, int_param, refresh
from .panel import prefixed, uploads


def form_items(view: View, schema: TableSchema) -> list[tuple[FormField, Any]]:
    """(form field, table field) for each field on the form that still exists."""
    config = view.config if isinstance(view.config, FormConfig) else FormConfig()
    live = {f.id: f for f in schema.fields}
    return [(ff, live[ff.field]) for ff in config.fields if ff.field in live]


def form_values(
    ctx: RequestContext,
    table: engine.Table,
    view: View,
    *,
    editors: dict[int, cells.Editor] | None = None,
    general: str | None = None,
    done: bool = False,
    action: str | None = None,
) -> dict[str, Any]:
    schema = table.schema()
    items = form_items(view, schema)
    shown = editors or {f.id: cells.Editor() for _, f in items}
    return {
        "table": table,
        "view": view,
        "config": view.config,
        "items": items,
        "editors": shown,
        "users": ctx.users(),
        "general": general,
        "done": done,
        "action": action or f"/form/{table.id}/{view.id}",
        "share_url": action or f"/form/{table.id}/{view.id}",
    }


def body(
    ctx: RequestContext, table: engine.Table, view: View, state: ViewState, params: Any
) -> tuple[str, dict[str, Any]]:
    schema = table.schema()
    on_form = {ff.field: ff for ff, _ in form_items(view, schema)}
    return "form_view.html", {
        **form_values(ctx, table, view),
        "schema": schema,
        "on_form": on_form,
        "candidates": [f for f in schema.fields if cells.editor_kind(f) is not None],
    }


async def public_form(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    view = ctx.views(table).get(int_param(request, "view_id"))
    if view.kind != "form":
        raise engine.NotFound("This view is not a form", "此视图不是表单")
    return ctx.render("form_page.html", **form_values(ctx, table, view))


async def submit(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    views = ctx.views(table)
    view = views.get(int_param(request, "view_id"))
    async with request.form() as form:
        return await _submit(ctx, table, view, form)


async def _submit(
    ctx: RequestContext, table: engine.Table, view: View, form: Any, *, action: str | None = None
) -> Response:
    views = ctx.views(table)
    schema = table.schema()
    data: dict[int, Any] = {}
    editors: dict[int, cells.Editor] = {}
    for _, f in form_items(view, schema):
        fields = prefixed(form, f"f{f.id}.")
        uploaded = await uploads(ctx, fields) if cells.editor_kind(f) == "attachment" else []
        value = cells.value_from_form(f, fields, fields.getlist, uploaded)
        if value not in (None, "", []):
            data[f.id] = value
        editors[f.id] = cells.editor_from_form(f, fields, fields.getlist)
        editors[f.id].files = [*editors[f.id].files, *uploaded]
    try:
        views.submit(view.id, data)
    except engine.ValidationError as err:
        general = []
        for p in err.problems:
            if p.field_id in editors:
                ed = editors[p.field_id]
                ed.error = "；".join(x for x in (ed.error, ctx.tr.message(p)) if x)
            else:
                general.append(ctx.tr.message(p))
        values = form_values(
            ctx, table, view, editors=editors, general="；".join(general) or None, action=action
        )
        return ctx.render("form_body.html", status=422, **values)
    return ctx.render("form_body.html", **form_values(ctx, table, view, done=True, action=action))


async def configure(request: Request) -> Response:
    """Save the form's set-up: title, description, submit message, and for each field whether
    it is on the form, required, its label and help."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    views = ctx.views(table)
    view = views.get(int_param(request, "view_id"))
    form = await request.form()
    fields = []
    for fid in form.getlist("field"):
        if not str(fid).isdecimal() or not form_text(form, f"on.{fid}"):
            continue
        fields.append(
            {
                "field": int(str(fid)),
                "label": form_text(form, f"label.{fid}") or None,
                "help": form_text(form, f"help.{fid}"),
                "required": bool(form_text(form, f"req.{fid}")),
            }
        )
    config = view.config.model_dump(mode="json")
    config.update(
        title=form_text(form, "title"),
        description=form_text(form, "description"),
        submit_message=form_text(form, "submit_message"),
        fields=fields,
    )
    views.update(view.id, config=config)
    return refresh()


routes = [
    Route("/form/{table_id:int}/{view_id:int}", public_form),
    Route("/form/{table_id:int}/{view_id:int}", submit, methods=["POST"]),
    Route("/t/{table_id:int}/v/{view_id:int}/form-config", configure, methods=["POST"]),
]
