"""The record panel: every field of one record with its editor, its linked records, the rows
of its sub-tables (editable in place), and when and by whom it was made and changed; the form
of a new record; the link picker's search."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import engine
from engine.model import FieldDef, TableSchema

from .. import adapters, cells
from ..context import RequestContext, context
from ._util import int_param

SUBTABLE_COLUMNS = 6
RELATED_SHOWN = 10  # the newest linked records listed under a link field
HISTORY_SHOWN = 50  # the newest changes shown in the panel


def subtables(
    ctx: RequestContext, schema: TableSchema, record: engine.Record
) -> dict[int, dict[str, Any]]:
    """For each sub-table (a link whose role is 'children'): the child table, the columns to
    show and the child records, read in one call."""
    out: dict[int, dict[str, Any]] = {}
    for f in schema.fields:
        if f.type.name != "link" or f.type.options.role != "children":
            continue
        child = engine.Table(ctx.db, f.type.options.table_id)
        child_schema = child.schema()
        inverse = f.type.options.inverse_field_id
        cols = [c for c in child_schema.fields if c.id != inverse][:SUBTABLE_COLUMNS]
        ids = [item["id"] for item in cells.links(record.by_id.get(f.id))]
        out[f.id] = {
            "table": child,
            "cols": cols,
            "records": child.get_many(ids) if ids else [],
            "inverse": inverse,
        }
    return out


def related(
    ctx: RequestContext, schema: TableSchema, record: engine.Record
) -> dict[int, dict[str, Any]]:
    """For each link to another table that is not a sub-table and holds more than one record
    (a customer's orders, interactions, tasks): the newest linked records with a few of their
    fields, and how many there are, so the panel is the record's whole picture."""
    out: dict[int, dict[str, Any]] = {}
    for f in schema.fields:
        opts = f.type.options if f.type.name == "link" else None
        if opts is None or opts.role == "children" or opts.inverse_field_id is None:
            continue
        if not record.by_id.get(f.id) or not opts.multiple:
            continue
        other = engine.Table(ctx.db, opts.table_id)
        found = adapters.related_records(
            other, opts.inverse_field_id, record.id, limit=RELATED_SHOWN
        )
        if found is not None:
            cols, result = found
            out[f.id] = {"table": other, "cols": cols, "records": result.records,
                         "total": result.total}
    return out


def record_panel(ctx: RequestContext, table: engine.Table, record_id: int) -> Response:
    schema = table.schema()
    record = table.get(record_id)
    primary = schema.primary
    title = cells.text(primary, record.by_id.get(primary.id), ctx.tr) if primary else ""
    names = ctx.user_names()
    return ctx.render(
        "record_panel.html",
        table=table,
        schema=schema,
        record=record,
        title=title or ctx.tr("untitled_record"),
        users=names,
        subtables=subtables(ctx, schema, record),
        related=related(ctx, schema, record),
        created_by=names.get(record.created_by or 0, ""),
        updated_by=names.get(record.updated_by or 0, ""),
        changes=table.history(record_id, limit=HISTORY_SHOWN),
    )


def new_record_form(
    ctx: RequestContext,
    table: engine.Table,
    values: dict[int, Any],
    *,
    errors: dict[int, str] | None = None,
    general: str | None = None,
    editors: dict[int, cells.Editor] | None = None,
    retarget: bool = False,
) -> Response:
    schema = table.schema()
    fields = [f for f in schema.fields if cells.editor_kind(f) is not None]
    shown = editors or {f.id: cells.editor_from_value(f, values.get(f.id)) for f in fields}
    for fid, message in (errors or {}).items():
        if fid in shown:
            shown[fid].error = message
    headers = {"HX-Retarget": "#panel", "HX-Reswap": "innerHTML"} if retarget else None
    return ctx.render(
        "record_new.html",
        status=422 if errors or general else 200,
        headers=headers,
        table=table,
        schema=schema,
        fields=fields,
        editors=shown,
        users=ctx.users(),
        general=general,
    )


async def show_record(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    return record_panel(ctx, table, int_param(request, "record_id"))


async def delete_record(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    record_id = int_param(request, "record_id")
    table.delete(record_id)
    trigger = {"recordsDeleted": {"table": table.id, "records": [record_id]}}
    return Response("", media_type="text/html", headers={"HX-Trigger": json.dumps(trigger)})


async def new_record(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    return new_record_form(ctx, table, {})


async def create_from_form(request: Request) -> Response:
    """Create a record from the new-record form; every problem is shown at its field."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    async with request.form() as form:
        return await _create(ctx, table, form)


async def _create(ctx: RequestContext, table: engine.Table, form: Any) -> Response:
    schema = table.schema()
    values: dict[int, Any] = {}
    editors: dict[int, cells.Editor] = {}
    for f in schema.fields:
        if cells.editor_kind(f) is None:
            continue
        inputs = _Prefixed(form, f"f{f.id}.")
        uploaded = await uploads(ctx, inputs) if cells.editor_kind(f) == "attachment" else []
        values[f.id] = cells.value_from_form(f, inputs, inputs.getlist, uploaded)
        editors[f.id] = cells.editor_from_form(f, inputs, inputs.getlist)
        editors[f.id].files = [*editors[f.id].files, *uploaded]
    values = {k: v for k, v in values.items() if v not in (None, "", [])}
    try:
        record = table.create(values)
    except engine.ValidationError as err:
        errors: dict[int, str] = {}
        general = []
        for p in err.problems:
            if p.field_id is not None:
                errors[p.field_id] = "；".join(
                    x for x in (errors.get(p.field_id), ctx.tr.message(p)) if x
                )
            else:
                general.append(ctx.tr.message(p))
        return new_record_form(
            ctx, table, values, errors=errors, general="；".join(general) or None, editors=editors
        )
    response = record_panel(ctx, table, record.id)
    response.headers["HX-Trigger"] = json.dumps({"viewChanged": {"table": table.id}})
    return response


async def uploads(ctx: RequestContext, form: Any) -> list[dict[str, Any]]:
    """Store the files of a form's `files` input; their attachment values."""
    out = []
    for item in form.getlist("files"):
        if isinstance(item, UploadFile) and item.filename:
            out.append(
                ctx.db.attachments.add_stream(item.file, item.filename, item.content_type or None)
            )
    return out


class _Prefixed:
    """The inputs of one field of a many-field form (named `f<id>.value`, ...)."""

    def __init__(self, form: Any, prefix: str) -> None:
        self.form = form
        self.prefix = prefix

    def get(self, name: str, default: Any = None) -> Any:
        return self.form.get(self.prefix + name, default)

    def getlist(self, name: str) -> list[Any]:
        return list(self.form.getlist(self.prefix + name))


def prefixed(form: Any, prefix: str) -> _Prefixed:
    return _Prefixed(form, prefix)


async def link_options(request: Request) -> Response:
    """A page of records of the linked table for a link picker: ids and titles only."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    f: FieldDef = table.field(int_param(request, "field_id"))
    if f.type.name != "link":
        raise engine.SchemaError(f"{f.name!r} is not a link field", f"{f.name!r} 不是关联字段")
    linked = engine.Table(ctx.db, f.type.options.table_id)
    found = adapters.search_records(linked, request.query_params.get("find", ""), limit=20)
    chosen = set(request.query_params.getlist("value"))
    return ctx.render("link_options.html", found=found, chosen=chosen, f=f)


async def add_child(request: Request) -> Response:
    """A new row of a sub-table, linked to this record; answers with the panel again."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    record_id = int_param(request, "record_id")
    f = table.field(int_param(request, "field_id"))
    if f.type.name != "link" or f.type.options.inverse_field_id is None:
        raise engine.SchemaError(f"{f.name!r} is not a sub-table", f"{f.name!r} 不是子表")
    child = engine.Table(ctx.db, f.type.options.table_id)
    try:
        child.create({f.type.options.inverse_field_id: [record_id]})
    except engine.ValidationError as err:
        message = "；".join(ctx.tr.message(p) for p in err.problems)
        raise engine.SchemaError(message, message) from None
    return record_panel(ctx, table, record_id)


routes = [
    Route("/t/{table_id:int}/r/{record_id:int}", show_record),
    Route("/t/{table_id:int}/r/{record_id:int}/delete", delete_record, methods=["POST"]),
    Route(
        "/t/{table_id:int}/r/{record_id:int}/children/{field_id:int}",
        add_child,
        methods=["POST"],
    ),
    Route("/t/{table_id:int}/new", new_record),
    Route("/t/{table_id:int}/new", create_from_form, methods=["POST"]),
    Route("/t/{table_id:int}/link/{field_id:int}/options", link_options),
]
