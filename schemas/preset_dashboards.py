"""The dashboards of a preset: each widget as `engine.dashboards.model` describes it, but naming
its table, fields and saved filters by name (and, in the authored form, its title and the
dashboard's name in every locale). `views.preset_dashboards` applies and exports them (and checks their filters, which stay
plain data here, as `schemas.preset.PresetFilter`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Text = str | dict[str, str]  # plain, or one text per locale (as in `schemas.preset`)
Filter = dict[str, Any]  # a `schemas.preset.PresetFilter`: fields and saved filters by name


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PresetMeasure(_Model):
    fn: Literal["count", "sum", "average", "min", "max", "distinct"] = "count"
    field: str | None = None
    filter: Filter | None = None


class PresetDimension(_Model):
    field: str
    bucket: Literal["day", "week", "month", "quarter", "year"] | None = None
    edges: list[float] | None = None


class PresetCompare(_Model):
    field: str
    period: Literal["day", "week", "month", "year"] = "week"


class PresetWidget(_Model):
    kind: Literal["number", "bar", "line", "area", "pie", "pivot"]
    table: str
    title: str = ""
    width: int = Field(default=1, ge=1, le=3)
    filter: Filter | None = None
    value: PresetMeasure = Field(default_factory=PresetMeasure)
    # number
    ratio_of: PresetMeasure | None = None
    compare: PresetCompare | None = None
    format: Literal["number", "percent", "currency"] = "number"
    precision: int = 0
    # chart (group, series) and pivot (rows, columns)
    group: PresetDimension | None = None
    series: PresetDimension | None = None
    rows: PresetDimension | None = None
    columns: PresetDimension | None = None
    stacked: bool = False
    donut: bool = False
    sort: Literal["label", "value"] = "label"
    direction: Literal["asc", "desc"] = "asc"
    limit: int | None = None

    def filters(self) -> list[Filter]:
        found = [self.filter, self.value.filter, self.ratio_of.filter if self.ratio_of else None]
        return [f for f in found if f is not None]

    def field_refs(self) -> list[str]:
        out = [m.field for m in (self.value, self.ratio_of) if m is not None and m.field]
        out += [d.field for d in (self.group, self.series, self.rows, self.columns) if d]
        if self.compare is not None:
            out.append(self.compare.field)
        return [str(x) for x in out]


class DashboardSpec(_Model):
    name: str = Field(min_length=1, max_length=255)
    widgets: list[PresetWidget] = Field(default_factory=list)


class SourceWidget(PresetWidget):
    title: Text = ""  # type: ignore[assignment]


class SourceDashboard(_Model):
    name: Text
    widgets: list[SourceWidget] = Field(default_factory=list)


def widget_data(w: PresetWidget, **changes: Any) -> dict[str, Any]:
    """A widget as plain data (defaults left out), with `changes` made."""
    return w.model_dump(mode="json", exclude_defaults=True) | changes
