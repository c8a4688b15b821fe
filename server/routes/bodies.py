"""The body of a view by its kind: which template, with which values."""

from __future__ import annotations

from typing import Any

import engine
from views.model import View

from ..context import RequestContext
from ..state import ViewState


def body(
    ctx: RequestContext, table: engine.Table, view: View, state: ViewState, params: Any
) -> tuple[str, dict[str, Any]]:
    """The template and values of the view's body; an engine error (a draft filter with a
    value that does not fit, a kanban whose stack field was deleted) is shown in its place."""
    from . import calendar, forms, grid, kanban

    kinds = {
        "grid": grid.body,
        "card": kanban.card_body,
        "kanban": kanban.body,
        "calendar": calendar.body,
        "form": forms.body,
    }
    try:
        return kinds[view.kind](ctx, table, view, state, params)
    except engine.TesseraError as e:
        return "body_error.html", {"message": ctx.tr.message(e), "table": table}
