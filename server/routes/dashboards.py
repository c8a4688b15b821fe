"""Dashboards: the page (widgets in a grid, each loaded by htmx), create, rename, delete; and a
widget's form — add, edit, remove, move, resize. Everyone who sees the base sees its dashboards,
each number under their own permissions; creators and owners change them (the engine checks)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import engine
from engine.dashboards import Dashboard, Dashboards
from schemas.query import FilterGroup

from .. import filters as filter_rows
from ..context import RequestContext, context
from ..dashboard_charts import show
from ..dashboard_form import (
    BUCKETS,
    FNS,
    FORMATS,
    PERIODS,
    empty_form,
    field_choices,
    form_of,
    read_form,
    widget_of,
)
from ._util import form_int, go, int_param, prompt, refresh
from .filter_builder import builder_values, stored


def _boards(ctx: RequestContext, request: Request) -> Dashboards:
    return ctx.base(int_param(request, "base_id")).dashboards


def _board(ctx: RequestContext, request: Request) -> tuple[Dashboards, Dashboard]:
    boards = _boards(ctx, request)
    return boards, boards.get(int_param(request, "dashboard_id"))


async def dashboard_page(request: Request) -> Response:
    ctx = context(request)
    boards, board = _board(ctx, request)
    base = boards.base
    return ctx.render(
        "dashboard.html",
        base=base,
        tables=[(t.id, t.name) for t in base.tables()],
        table=None,
        dashboard=board,
        can_edit=boards.can_edit,
    )


async def create_dashboard(request: Request) -> Response:
    ctx = context(request)
    boards = _boards(ctx, request)
    board = boards.create(prompt(request) or ctx.tr("untitled_dashboard"))
    return go(f"/b/{boards.base.id}/d/{board.id}", request)


async def rename_dashboard(request: Request) -> Response:
    ctx = context(request)
    boards, board = _board(ctx, request)
    boards.rename(board, prompt(request))
    return refresh()


async def delete_dashboard(request: Request) -> Response:
    ctx = context(request)
    boards, board = _board(ctx, request)
    boards.delete(board)
    return go(f"/b/{boards.base.id}", request)


async def widget(request: Request) -> Response:
    ctx = context(request)
    boards, board = _board(ctx, request)
    wid = request.path_params["widget_id"]
    index = [w.id for w in board.widgets].index(board.widget(wid).id)
    return ctx.render(
        "_widget.html",
        base=boards.base,
        dashboard=board,
        shown=show(ctx.tr, boards.widget_data(board, wid)),
        can_edit=boards.can_edit,
        first=index == 0,
        last=index == len(board.widgets) - 1,
    )


# --- the widget form ------------------------------------------------------------------------------
def _form(
    ctx: RequestContext,
    boards: Dashboards,
    board: Dashboard,
    values: dict[str, str],
    *,
    widget_id: str | None = None,
    error: str | None = None,
    status: int = 200,
    shown: Any = None,
) -> Response:
    """The form; `shown` is what its filter builder describes (a form, a stored filter or
    nothing)."""
    tables = boards.base.tables()
    table_id = int(values["table"]) if values["table"].isdecimal() else None
    if table_id not in {t.id for t in tables}:
        table_id = tables[0].id if tables else None
        values["table"] = str(table_id or "")
    choices: dict[str, Any] = {"group": [], "number": [], "date": [], "all": []}
    filters: list[Any] = []
    builder: dict[str, Any] = {}
    if table_id is not None:
        table = ctx.table(table_id)
        schema = table.schema()
        choices = field_choices(schema)
        filters = ctx.views(table).filters()
        if hasattr(shown, "getlist"):  # the form itself: the builder as the user left it
            same = str(shown.get("filter_table", "")) == str(table_id)
            tree = filter_rows.parse(shown, schema) if same else FilterGroup()
            picked = str(shown.get("saved_filter", ""))
            chosen = int(picked) if same and picked.isdecimal() else None
        else:
            tree, chosen = stored(shown)
        builder = builder_values(ctx, table, tree, chosen, ctx.tr("widget_filter"))
    return ctx.render(
        "_widget_form.html",
        status=status,
        base=boards.base,
        dashboard=board,
        widget_id=widget_id,
        v=values,
        error=error,
        tables=[(t.id, t.name) for t in tables],
        choices=choices,
        filters=filters,
        fns=FNS,
        buckets=BUCKETS,
        periods=PERIODS,
        formats=FORMATS,
        **builder,
    )


async def widget_form(request: Request) -> Response:
    """The form: empty, a widget's own values, or (when the table or kind changes) the values
    being edited."""
    ctx = context(request)
    boards, board = _board(ctx, request)
    wid = request.query_params.get("widget")
    shown: Any = None
    if "kind" in request.query_params:
        values = read_form(request.query_params)
        shown = request.query_params
    elif wid:
        values = form_of(board.widget(wid))
        shown = board.widget(wid).filter
    else:
        values = empty_form()
    return _form(ctx, boards, board, values, widget_id=wid or None, shown=shown)


async def save_widget(request: Request) -> Response:
    ctx = context(request)
    boards, board = _board(ctx, request)
    form = await request.form()
    values = read_form(form)
    wid = request.path_params.get("widget_id")
    try:
        widget = widget_of(values)
        if values["table"].isdecimal():
            flt = filter_rows.from_form(form, ctx.table(int(values["table"])).schema())
            if flt is not None:
                widget["filter"] = flt
        if wid:
            boards.update_widget(board, wid, widget)
        else:
            boards.add_widget(board, widget)
    except engine.Forbidden:
        raise
    except engine.TesseraError as e:
        message = ctx.tr.message(e)
        return _form(ctx, boards, board, values, widget_id=wid, error=message, status=400, shown=form)
    return refresh()


async def remove_widget(request: Request) -> Response:
    ctx = context(request)
    boards, board = _board(ctx, request)
    boards.remove_widget(board, request.path_params["widget_id"])
    return refresh()


async def move_widget(request: Request) -> Response:
    ctx = context(request)
    boards, board = _board(ctx, request)
    form = await request.form()
    wid = request.path_params["widget_id"]
    index = [w.id for w in board.widgets].index(board.widget(wid).id)
    step = form_int(form, "step") or 0
    boards.move_widget(board, wid, max(0, index + step))
    return refresh()


async def order_widgets(request: Request) -> Response:
    """The widgets in the order they were dragged into."""
    ctx = context(request)
    boards, board = _board(ctx, request)
    form = await request.form()
    boards.reorder_widgets(board, [w for w in form.getlist("widget") if isinstance(w, str)])
    return Response(status_code=204)


PREFIX = "/b/{base_id:int}/d/{dashboard_id:int}"
routes = [
    Route("/b/{base_id:int}/dashboards", create_dashboard, methods=["POST"]),
    Route(PREFIX, dashboard_page, methods=["GET"]),
    Route(PREFIX + "/rename", rename_dashboard, methods=["POST"]),
    Route(PREFIX + "/delete", delete_dashboard, methods=["POST"]),
    Route(PREFIX + "/widget-form", widget_form, methods=["GET"]),
    Route(PREFIX + "/widgets", save_widget, methods=["POST"]),
    Route(PREFIX + "/widgets/order", order_widgets, methods=["POST"]),
    Route(PREFIX + "/w/{widget_id}", widget, methods=["GET"]),
    Route(PREFIX + "/w/{widget_id}", save_widget, methods=["POST"]),
    Route(PREFIX + "/w/{widget_id}/remove", remove_widget, methods=["POST"]),
    Route(PREFIX + "/w/{widget_id}/move", move_widget, methods=["POST"]),
]
