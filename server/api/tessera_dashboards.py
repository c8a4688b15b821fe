"""`/api/` dashboards and their widgets' numbers, through `engine.dashboards.Dashboards`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from engine.dashboards import Dashboard, Dashboards, WidgetData
from engine.dashboards.compute import MatrixResult, NumberResult

from .endpoints import Call, endpoint
from .models import Done, Name, Strict
from .tessera import plain


# --- shapes -------------------------------------------------------------------------------------
class DashboardOut(BaseModel):
    id: int
    base_id: int
    name: str
    widgets: list[dict[str, Any]]  # each as `engine.dashboards.model` describes, fields by id


class DashboardList(BaseModel):
    dashboards: list[DashboardOut]


class DashboardIn(Strict):
    name: str = Name
    widgets: list[dict[str, Any]] = Field(default_factory=list)


class DashboardPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    widgets: list[dict[str, Any]] | None = None  # the whole list, in order


class WidgetIn(Strict):
    widget: dict[str, Any]
    index: int | None = None  # where to put it (default: last)


class WidgetDataOut(BaseModel):
    """A widget's numbers. A number: `value` (a rate: numerator / denominator; a comparison:
    `previous` and `growth`). A chart or pivot: `labels` (None: the empty group; "others" marks
    the groups past a limit), `series` (the pivot's columns), `values[label][series]`, totals."""

    id: str
    kind: str
    title: str
    error: dict[str, str] | None = None
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    previous: float | None = None
    growth: float | None = None
    labels: list[dict[str, Any]] | None = None
    series: list[dict[str, Any]] | None = None
    values: list[list[float | None]] | None = None
    label_totals: list[float | None] | None = None
    series_totals: list[float | None] | None = None
    total: float | None = None


class DashboardData(BaseModel):
    widgets: list[WidgetDataOut]


def dashboard_out(d: Dashboard) -> DashboardOut:
    return DashboardOut(
        id=d.id,
        base_id=d.base_id,
        name=d.name,
        widgets=[w.model_dump(mode="json", exclude_none=True) for w in d.widgets],
    )


def data_out(shown: WidgetData) -> WidgetDataOut:
    w = shown.widget
    out = WidgetDataOut(id=w.id, kind=w.kind, title=w.title)
    r = shown.result
    if r is None:
        out.error = {"en": shown.error_en or "", "zh": shown.error_zh or ""}
    elif isinstance(r, NumberResult):
        out.value, out.numerator, out.denominator = r.value, r.numerator, r.denominator
        out.previous, out.growth = r.previous, r.growth
    elif isinstance(r, MatrixResult):

        def label(x: Any) -> dict[str, Any]:
            return {"key": plain(x.key), "text": x.text, "others": x.others}

        out.labels = [label(x) for x in r.labels]
        out.series = [label(x) for x in r.series]
        out.values, out.label_totals = r.values, r.label_totals
        out.series_totals, out.total = r.series_totals, r.total
    return out


def boards_of(c: Call) -> Dashboards:
    return c.who.base(c.path["base_id"]).dashboards


# --- endpoints ----------------------------------------------------------------------------------
PATH = "/api/bases/{base_id}/dashboards"
ONE = PATH + "/{dashboard_id}"


@endpoint("GET", PATH, "List a base's dashboards", response=DashboardList, tag="dashboards")
def list_dashboards(c: Call) -> DashboardList:
    return DashboardList(dashboards=[dashboard_out(d) for d in boards_of(c).list()])


@endpoint(
    "POST",
    PATH,
    "Create a dashboard (base creators and owners)",
    request=DashboardIn,
    response=DashboardOut,
    status=201,
    tag="dashboards",
)
def create_dashboard(c: Call) -> DashboardOut:
    c.who.write()
    return dashboard_out(boards_of(c).create(c.body.name, c.body.widgets))


@endpoint("GET", ONE, "Get a dashboard", response=DashboardOut, tag="dashboards")
def get_dashboard(c: Call) -> DashboardOut:
    return dashboard_out(boards_of(c).get(c.path["dashboard_id"]))


@endpoint(
    "PATCH",
    ONE,
    "Rename a dashboard or replace its widgets",
    request=DashboardPatch,
    response=DashboardOut,
    tag="dashboards",
)
def patch_dashboard(c: Call) -> DashboardOut:
    c.who.write()
    boards, board_id, b = boards_of(c), c.path["dashboard_id"], c.body
    board = boards.get(board_id)
    if b.widgets is not None:
        board = boards.replace_widgets(board, b.widgets)
    if b.name is not None:
        board = boards.rename(board, b.name)
    return dashboard_out(board)


@endpoint("DELETE", ONE, "Delete a dashboard", response=Done, tag="dashboards")
def delete_dashboard(c: Call) -> Done:
    c.who.write()
    boards_of(c).delete(c.path["dashboard_id"])
    return Done(ids=[c.path["dashboard_id"]])


@endpoint(
    "POST",
    ONE + "/widgets",
    "Add a widget",
    request=WidgetIn,
    response=DashboardOut,
    status=201,
    tag="dashboards",
)
def add_widget(c: Call) -> DashboardOut:
    c.who.write()
    board = boards_of(c).add_widget(c.path["dashboard_id"], c.body.widget, index=c.body.index)
    return dashboard_out(board)


@endpoint(
    "GET",
    ONE + "/data",
    "Every widget's numbers, under your permissions",
    response=DashboardData,
    query=[("widget", "string", "only this widget (its id)")],
    tag="dashboards",
)
def dashboard_data(c: Call) -> DashboardData:
    boards, board_id = boards_of(c), c.path["dashboard_id"]
    wid = c.query.get("widget")
    shown = [boards.widget_data(board_id, wid)] if wid else boards.data(board_id)
    return DashboardData(widgets=[data_out(s) for s in shown])
