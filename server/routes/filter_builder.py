"""The toolbar's filter builder inside another form — an automation's trigger, a dashboard
widget (`_filter_builder.html`): what it shows, and the request that redraws it after a change."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import engine
from schemas.query import FilterGroup

from .. import filters
from ..context import RequestContext, context
from ._util import form_text, int_param
from .toolbar import _link_titles


def builder_values(
    ctx: RequestContext,
    table: engine.Table,
    tree: FilterGroup,
    chosen: int | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """The template values of the builder over `table`, showing `tree` (and shared filter
    `chosen` in the select beside it)."""
    schema = table.schema()
    shared = ctx.views(table).filters()
    return {
        "table": table,
        "schema": schema,
        "root": tree,
        "filter_rows": filters.rows(tree, schema),
        "filterable": filters.filterable(schema),
        "saved_filters": {f.id: f for f in shared},
        "table_filters": shared,
        "chosen_filter": chosen,
        "builder_title": title,
        "users": ctx.users(),
        "day_choices": filters.DAY_CHOICES,
        "within_choices": filters.WITHIN_CHOICES,
        "link_titles": _link_titles(ctx, schema, tree),
    }


def stored(flt: FilterGroup | dict[str, Any] | None) -> tuple[FilterGroup, int | None]:
    """A stored filter as the builder shows it: the tree, and a shared filter that stands alone
    (`{"items": [{"saved_filter": id}]}`) as the select's choice instead."""
    tree = flt if isinstance(flt, FilterGroup) else FilterGroup.model_validate(flt or {})
    items = tree.items
    if len(items) == 1 and not isinstance(items[0], FilterGroup) and hasattr(items[0], "saved_filter"):
        return FilterGroup(), int(items[0].saved_filter)
    return tree, None


async def redraw(request: Request) -> Response:
    """The builder again after a change: a field, an operator, a button, or another table in
    the form (which starts an empty filter)."""
    ctx = context(request)
    base = ctx.base(int_param(request, "base_id"))
    form = await request.form()
    wanted = form_text(form, "table")
    tables = {t.id: t for t in base.tables()}
    table = tables.get(int(wanted)) if wanted.isdecimal() else next(iter(tables.values()), None)
    if table is None:
        raise engine.NotFound("No such table in this base", "此库中没有这个表")
    schema = table.schema()
    same = form_text(form, "filter_table") == str(table.id)
    tree = filters.parse(form, schema) if same else FilterGroup()
    action = form_text(form, "action")
    if action:
        tree = filters.edit(tree.model_copy(deep=True), action, schema)
    chosen = form_text(form, "saved_filter")
    values = builder_values(
        ctx, table, tree, int(chosen) if same and chosen.isdecimal() else None,
        form_text(form, "builder_title") or None,
    )  # fmt: skip
    return ctx.render("_filter_builder.html", base=base, **values)


routes = [Route("/b/{base_id:int}/filter-builder", redraw, methods=["POST"])]
