"""Records from the grid: show, edit and save one cell; a row; add, delete and batch-edit
records; paste a block of cells. A rejected edit answers 422 with the editor again — the
user's input kept, the engine's message beside it."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import engine
from engine.model import FieldDef

from .. import cells
from ..context import RequestContext, context
from . import grid
from ._util import form_text, int_param, record_ids
from .merge import merge_preview, merge_records
from .panel import uploads


def _field(table: engine.Table, request: Request) -> FieldDef:
    return table.field(int_param(request, "field_id"))


def cell_url(table_id: int, record_id: int, field_id: int) -> str:
    return f"/t/{table_id}/cell/{record_id}/{field_id}"


def _problem_for(ctx: RequestContext, err: engine.ValidationError, f: FieldDef) -> str:
    mine = [p for p in err.problems if p.field_id in (f.id, None)] or err.problems
    return "；".join(ctx.tr.message(p) for p in mine)


def render_display(
    ctx: RequestContext, table: engine.Table, record: engine.Record, f: FieldDef, **headers: str
) -> Response:
    return ctx.render(
        "cell.html",
        headers=headers or None,
        f=f,
        v=record.by_id.get(f.id),
        users=ctx.user_names(),
        url=cell_url(table.id, record.id, f.id),
    )


def render_editor(
    ctx: RequestContext,
    table: engine.Table,
    record_id: int,
    f: FieldDef,
    editor: cells.Editor,
    *,
    status: int = 200,
) -> Response:
    return ctx.render(
        "editor.html",
        status=status,
        f=f,
        ed=editor,
        users=ctx.users(),
        url=cell_url(table.id, record_id, f.id),
        table=table,
        record_id=record_id,
    )


def changed(table: engine.Table, *record_ids: int) -> str:
    return json.dumps({"recordsChanged": {"table": table.id, "records": list(record_ids)}})


async def show_cell(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    record = table.get(int_param(request, "record_id"))
    return render_display(ctx, table, record, _field(table, request))


async def edit_cell(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    f = _field(table, request)
    record = table.get(int_param(request, "record_id"))
    if cells.editor_kind(f) is None:
        raise engine.SchemaError(
            f"{f.name!r} is computed by Tessera and cannot be edited",
            f"{f.name!r} 由系统计算，不能编辑",
        )
    editor = cells.editor_from_value(f, record.by_id.get(f.id))
    initial = request.query_params.get("initial")
    if initial is not None and cells.editor_kind(f) in ("text", "number", "long_text"):
        editor.text = initial
    return render_editor(ctx, table, record.id, f, editor)


async def save_cell(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    f = _field(table, request)
    record_id = int_param(request, "record_id")
    async with request.form() as form:
        uploaded = await uploads(ctx, form) if cells.editor_kind(f) == "attachment" else []
        value = cells.value_from_form(f, form, form.getlist, uploaded)
        try:
            record = table.update(record_id, {f.id: value})
        except engine.ValidationError as err:
            editor = cells.editor_from_form(f, form, form.getlist)
            editor.files = [*editor.files, *uploaded] if uploaded else editor.files
            editor.error = _problem_for(ctx, err, f)
            return render_editor(ctx, table, record_id, f, editor, status=422)
    return render_display(ctx, table, record, f, **{"HX-Trigger": changed(table, record_id)})


async def toggle_cell(request: Request) -> Response:
    """Tick or untick a checkbox cell in one click."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    f = _field(table, request)
    record = table.get(int_param(request, "record_id"))
    record = table.update(record.id, {f.id: not bool(record.by_id.get(f.id))})
    return render_display(ctx, table, record, f, **{"HX-Trigger": changed(table, record.id)})


async def grid_row(request: Request) -> Response:
    """One row of a grid, fresh (after an edit elsewhere in it, or a paste)."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    view = ctx.views(table).get(int_param(request, "view_id"))
    record = table.get(int_param(request, "record_id"))
    n = request.query_params.get("n", "")
    return ctx.render(
        "grid_row.html",
        cols=grid.columns(view, table.schema()),
        item=grid.RowItem(record, int(n) if n.isdecimal() else 0),
        users=ctx.user_names(),
        table=table,
    )


def _preset(table: engine.Table, form: Any) -> dict[int, Any]:
    """Values a new record starts with: `set.<field id>` (the kanban stack or calendar day it
    is added to)."""
    out: dict[int, Any] = {}
    for key in form:
        if key.startswith("set.") and key[4:].isdecimal():
            out[int(key[4:])] = form.get(key) or None
    return out


async def create_record(request: Request) -> Response:
    """A new record: a blank row at the end of the grid, or, when the table requires values
    a blank row lacks, the new-record form in the side panel."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    form = await request.form()
    preset = _preset(table, form)
    try:
        record = table.create(preset)
    except engine.ValidationError:
        from .panel import new_record_form

        return new_record_form(ctx, table, preset, retarget=True)
    view_id = form_text(form, "view")
    if form_text(form, "then") == "row" and view_id.isdecimal():
        view = ctx.views(table).get(int(view_id))
        n = form_text(form, "n")
        return ctx.render(
            "grid_row.html",
            headers={"HX-Trigger": json.dumps({"recordCreated": {"record": record.id}})},
            cols=grid.columns(view, table.schema()),
            item=grid.RowItem(record, int(n) + 1 if n.isdecimal() else 0),
            users=ctx.user_names(),
            table=table,
            fresh=True,
        )
    from .panel import record_panel

    response = record_panel(ctx, table, record.id)
    response.headers["HX-Trigger"] = json.dumps({"viewChanged": {"table": table.id}})
    return response


async def delete_records(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    form = await request.form()
    ids = record_ids(form)
    if ids:
        table.delete(*ids)
    trigger = {"recordsDeleted": {"table": table.id, "records": ids}}
    return Response(status_code=204, headers={"HX-Trigger": json.dumps(trigger)})


async def batch_edit(request: Request) -> Response:
    """Give one field the same value in every selected record."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    form = await request.form()
    ids = record_ids(form)
    fid = form_text(form, "field")
    if not fid.isdecimal():
        raise engine.NotFound("Choose a field", "请选择字段")
    f = table.field(int(fid))
    if cells.editor_kind(f) is None:
        raise engine.SchemaError(f"{f.name!r} cannot be edited", f"{f.name!r} 不能编辑")
    value = cells.value_from_form(f, form, form.getlist)
    table.update_many([(rid, {f.id: value}) for rid in ids])
    return Response(status_code=204, headers={"HX-Trigger": changed(table, *ids)})


async def batch_editor(request: Request) -> Response:
    """The value editor of the field chosen in the batch-edit bar."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    fid = request.query_params.get("field", "")
    if not fid.isdecimal():
        return Response("", media_type="text/html")
    f = table.field(int(fid))
    return ctx.render(
        "editor_inputs.html", f=f, ed=cells.Editor(), users=ctx.users(), table=table, batch=True
    )


routes = [
    Route("/t/{table_id:int}/cell/{record_id:int}/{field_id:int}", show_cell),
    Route("/t/{table_id:int}/cell/{record_id:int}/{field_id:int}", save_cell, methods=["POST"]),
    Route("/t/{table_id:int}/cell/{record_id:int}/{field_id:int}/edit", edit_cell),
    Route(
        "/t/{table_id:int}/cell/{record_id:int}/{field_id:int}/toggle",
        toggle_cell,
        methods=["POST"],
    ),
    Route("/t/{table_id:int}/v/{view_id:int}/row/{record_id:int}", grid_row),
    Route("/t/{table_id:int}/records", create_record, methods=["POST"]),
    Route("/t/{table_id:int}/records/delete", delete_records, methods=["POST"]),
    Route("/t/{table_id:int}/records/batch", batch_edit, methods=["POST"]),
    Route("/t/{table_id:int}/records/batch-editor", batch_editor),
    Route("/t/{table_id:int}/records/merge-preview", merge_preview, methods=["POST"]),
    Route("/t/{table_id:int}/records/merge", merge_records, methods=["POST"]),
]
