"""A preset's dashboards: translated from the authored form, applied to a new base, exported.

In a preset a widget names its table, fields and saved filters by name; applying it hands the
engine the names (it stores ids) and the saved filters by the ids they were made with. A widget
the engine refuses is left out and said in the result's `skipped`, as views are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Connection

from engine import Base
from engine.dashboards.store import list_dashboards
from engine.errors import TesseraError
from engine.model import TableSchema
from schemas.preset import PresetError, PresetFilter, pick
from schemas.preset_dashboards import (
    DashboardSpec,
    PresetWidget,
    SourceDashboard,
    widget_data,
)
from schemas.query import FilterGroup

from .preset_filters import Unavailable, field_name, filter_dict, named_filter

if TYPE_CHECKING:
    from .presets import ApplyResult, Localizer

DIMENSIONS = ("group", "series", "rows", "columns")


def _filter(raw: dict[str, Any]) -> PresetFilter:
    try:
        return PresetFilter.model_validate(raw)
    except PydanticValidationError as e:
        raise PresetError(f"invalid filter: {e.errors()[0]['msg']}") from None


def _dump(group: PresetFilter) -> dict[str, Any]:
    return group.model_dump(mode="json", exclude_defaults=True)


def _walk(
    data: dict[str, Any], field: Callable[[Any], Any], group: Callable[[Any], Any]
) -> dict[str, Any]:
    """A widget's data with every field reference passed through `field`, every filter
    through `group` (the widget's own, and its measures')."""
    out = dict(data)
    if out.get("filter") is not None:
        out["filter"] = group(out["filter"])
    for key in ("value", "ratio_of"):
        part = out.get(key)
        if isinstance(part, dict):
            part = dict(part)
            if part.get("field") is not None:
                part["field"] = field(part["field"])
            if part.get("filter") is not None:
                part["filter"] = group(part["filter"])
            out[key] = part
    for key in (*DIMENSIONS, "compare"):
        part = out.get(key)
        if isinstance(part, dict):
            out[key] = {**part, "field": field(part["field"])}
    return out


# --- from the authored form ---------------------------------------------------------------------
def localize(names: Localizer, dashboards: list[SourceDashboard]) -> list[DashboardSpec]:
    out: list[DashboardSpec] = []
    for d in dashboards:
        widgets: list[PresetWidget] = []
        for w in d.widgets:
            t = w.table
            data = _walk(
                widget_data(w),
                lambda ref, t=t: names.field(t, ref),
                lambda g, t=t: _dump(names.filter(t, _filter(g))),
            )
            data |= {"table": names.table(t), "title": pick(w.title, names.locale)}
            widgets.append(PresetWidget.model_validate(data))
        out.append(DashboardSpec(name=pick(d.name, names.locale), widgets=widgets))
    return out


# --- applying -----------------------------------------------------------------------------------
def apply_dashboards(
    base: Base,
    dashboards: list[DashboardSpec],
    filter_ids: dict[str, dict[str, int]],
    result: ApplyResult,
) -> None:
    """Make each dashboard, and add its widgets one by one (a refused one is skipped)."""
    by_key = {name.casefold(): ids for name, ids in filter_ids.items()}
    for d in dashboards:
        board = base.dashboards.create(d.name)
        for w in d.widgets:
            ids = by_key.get(w.table.strip().casefold(), {})
            try:
                data = _walk(
                    widget_data(w), lambda ref: ref, lambda g, i=ids: filter_dict(_filter(g), i)
                )
                base.dashboards.add_widget(board, data)
            except (TesseraError, PresetError, Unavailable) as e:
                why = e.message_en if isinstance(e, TesseraError) else str(e)
                result.skipped.append(f"dashboard {d.name}/{w.title or w.kind}: {why}")


# --- exporting ----------------------------------------------------------------------------------
def export_dashboards(
    conn: Connection,
    base_id: int,
    by_id: dict[int, TableSchema],
    filter_names: Mapping[int, str],
) -> list[DashboardSpec]:
    """The base's dashboards with names for ids (widgets of a deleted table are left out)."""
    out: list[DashboardSpec] = []
    for board in list_dashboards(conn, base_id):
        widgets: list[PresetWidget] = []
        for w in board.widgets:
            s = by_id.get(w.table) if isinstance(w.table, int) else None
            if s is None:
                continue
            data = w.model_dump(mode="json", exclude_none=True)
            data.pop("id", None)
            data = _walk(
                data,
                lambda ref, s=s: field_name(s, ref),
                lambda g, s=s: _dump(named_filter(FilterGroup.model_validate(g), s, filter_names)),
            )
            widgets.append(PresetWidget.model_validate({**data, "table": s.name}))
        out.append(DashboardSpec(name=board.name, widgets=widgets))
    return out
