"""The field editor: create and change fields of every type — name, options, validation
rules, description — and preview a change of type before applying it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import engine
from engine.fields import REGISTRY
from engine.fields.choice import COLORS
from engine.formula.formula import to_display
from engine.model import FieldDef, TableSchema

from ..context import RequestContext, context
from ..field_form import GROUPS, ROLLUP_FNS, TIMEZONES, options_from_form, rules_from_form
from ._util import form_text, int_param, refresh


def _link_targets(ctx: RequestContext, schema: TableSchema) -> list[tuple[int, str]]:
    return [(t.id, t.name) for t in ctx.base(schema.base_id).tables()]


def _target_fields(ctx: RequestContext, schema: TableSchema, link_id: int | None) -> list[Any]:
    if link_id is None:
        return []
    try:
        link = schema.field(link_id)
    except engine.NotFound:
        return []
    if link.type.name != "link":
        return []
    return list(engine.Table(ctx.db, link.type.options.table_id).fields)


def editor_values(
    ctx: RequestContext,
    table: engine.Table,
    f: FieldDef | None,
    type_name: str,
    options: dict[str, Any],
    rules: dict[str, Any],
    *,
    name: str = "",
    description: str = "",
    error: str | None = None,
    preview: Any = None,
) -> dict[str, Any]:
    schema = table.schema()
    formula = options.get("formula", "")
    if f is not None and f.type.name == "formula" and type_name == "formula" and not formula:
        formula = formula_text(f, schema)
    link_id = options.get("link_field") or options.get("link_field_id")
    return {
        "table": table,
        "schema": schema,
        "field": f,
        "type_name": type_name,
        "type_cls": REGISTRY.get(type_name, REGISTRY["text"]),
        "registry": REGISTRY,
        "groups": GROUPS,
        "options": options,
        "rules": rules,
        "name": name,
        "description": description,
        "error": error,
        "preview": preview,
        "colors": COLORS,
        "timezones": TIMEZONES,
        "rollup_fns": ROLLUP_FNS,
        "link_tables": _link_targets(ctx, schema),
        "link_fields": [x for x in schema.fields if x.type.name == "link"],
        "target_fields": _target_fields(ctx, schema, link_id),
        "formula": formula,
        "type_changed": f is not None and f.type.name != type_name,
    }


def _current(f: FieldDef) -> tuple[dict[str, Any], dict[str, Any]]:
    options = f.type.options_dict()
    if f.type.name == "link":
        options["table"] = options.get("table_id")
        options["subtable"] = options.get("role") == "children"
    return options, f.rules.model_dump(exclude_defaults=True)


async def new_field(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    type_name = request.query_params.get("type", "text")
    values = editor_values(ctx, table, None, type_name if type_name in REGISTRY else "text", {}, {})
    return ctx.render("field_editor.html", **values)


async def edit_field(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    f = table.field(int_param(request, "field_id"))
    options, rules = _current(f)
    values = editor_values(
        ctx, table, f, f.type.name, options, rules, name=f.name, description=f.description
    )
    return ctx.render("field_editor.html", **values)


async def field_config(request: Request) -> Response:
    """The type-dependent part of the editor again, after the type (or a link) changed, or an
    option was added."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    params = request.query_params
    fid = params.get("field", "")
    f = table.field(int(fid)) if fid.isdecimal() else None
    type_name = params.get("type", "text")
    if type_name not in REGISTRY:
        type_name = "text"
    schema = table.schema()
    options = options_from_form(params, type_name, schema, keep_blank=True)
    if type_name in ("single_select", "multiple_select"):
        if params.get("add_choice"):
            options["choices"].append({"name": "", "color": COLORS[len(options["choices"]) % 10]})
        elif f is not None and not params.getlist("choice.name") and f.type.name == type_name:
            options = f.type.options_dict()
    if type_name in ("lookup", "rollup", "count") and options.get("link_field") is None:
        links = [x for x in schema.fields if x.type.name == "link"]
        options["link_field"] = links[0].id if links else None
    rules = rules_from_form(params, type_name)
    values = editor_values(ctx, table, f, type_name, options, rules)
    return ctx.render("field_config.html", **values)


def _failed(
    ctx: RequestContext,
    table: engine.Table,
    f: FieldDef | None,
    form: Any,
    type_name: str,
    err: engine.TesseraError,
) -> Response:
    schema = table.schema()
    message = ctx.tr.message(err)
    if isinstance(err, engine.ValidationError):
        message = "；".join(ctx.tr.message(p) for p in err.problems)
    values = editor_values(
        ctx,
        table,
        f,
        type_name,
        options_from_form(form, type_name, schema),
        rules_from_form(form, type_name),
        name=form_text(form, "name"),
        description=form_text(form, "description"),
        error=message,
    )
    return ctx.render("field_editor.html", status=422, **values)


async def create_field(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    form = await request.form()
    type_name = form_text(form, "type", "text")
    if type_name not in REGISTRY:
        type_name = "text"
    try:
        options = options_from_form(form, type_name, table.schema())
        table.add_field(
            form_text(form, "name") or ctx.tr("untitled_field"),
            type_name,
            options=options,
            rules=rules_from_form(form, type_name, options),
            description=form_text(form, "description"),
        )
    except engine.TesseraError as err:
        return _failed(ctx, table, None, form, type_name, err)
    return refresh()


async def update_field(request: Request) -> Response:
    """Save the editor. A new type is first previewed (what converts, what does not); the
    change is made when the user confirms it."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    f = table.field(int_param(request, "field_id"))
    form = await request.form()
    type_name = form_text(form, "type", f.type.name)
    if type_name not in REGISTRY:
        type_name = f.type.name
    schema = table.schema()
    try:
        options = options_from_form(form, type_name, schema)
        rules = rules_from_form(form, type_name, options)
        if type_name != f.type.name:
            if not form_text(form, "confirm"):
                preview = table.preview_type_change(f.id, type_name, options)
                values = editor_values(
                    ctx,
                    table,
                    f,
                    type_name,
                    options,
                    rules,
                    name=form_text(form, "name"),
                    description=form_text(form, "description"),
                    preview=preview,
                )
                return ctx.render("field_editor.html", **values)
            table.change_type(f.id, type_name, options)
            f = table.field(f.id)
        elif _has_options(type_name) and _options_changed(f, options, schema):
            table.set_options(f.id, options)
        name = form_text(form, "name")
        if name and name != f.name:
            table.rename_field(f.id, name)
        if not REGISTRY[type_name].read_only and rules != f.rules.model_dump(exclude_defaults=True):
            table.set_rules(f.id, rules)
    except engine.TesseraError as err:
        return _failed(ctx, table, f, form, type_name, err)
    return refresh()


def _has_options(type_name: str) -> bool:
    return type_name != "link" and bool(REGISTRY[type_name].Options.model_fields)


def _options_changed(f: FieldDef, options: dict[str, Any], schema: TableSchema) -> bool:
    stored = f.type.options_dict()
    if f.type.name in ("lookup", "rollup", "count"):
        pairs = [("link_field", "link_field_id"), ("target_field", "target_field_id"), ("fn", "fn")]
        return any(k in options and options[k] != stored.get(s) for k, s in pairs)
    if f.type.name == "formula":
        return bool(options.get("formula")) and options["formula"] != formula_text(f, schema)
    return options != _current(f)[0]


def formula_text(f: FieldDef, schema: TableSchema) -> str:
    """A formula as the user writes it: field references by {name}."""
    names = {x.id: x.name for x in schema.fields}
    return to_display(str(f.type.options.formula), names.get)


async def delete_field(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    table.delete_field(int_param(request, "field_id"))
    return refresh()


async def make_primary(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    table.set_primary(int_param(request, "field_id"))
    return refresh()


routes = [
    Route("/t/{table_id:int}/fields/new", new_field),
    Route("/t/{table_id:int}/fields/config", field_config),
    Route("/t/{table_id:int}/fields", create_field, methods=["POST"]),
    Route("/t/{table_id:int}/fields/{field_id:int}/edit", edit_field),
    Route("/t/{table_id:int}/fields/{field_id:int}", update_field, methods=["POST"]),
    Route("/t/{table_id:int}/fields/{field_id:int}/delete", delete_field, methods=["POST"]),
    Route("/t/{table_id:int}/fields/{field_id:int}/primary", make_primary, methods=["POST"]),
]
