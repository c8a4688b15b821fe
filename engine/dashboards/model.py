"""What a dashboard is made of: widgets, each a Pydantic model of its kind.

A widget reads one table. A *number* widget (KPI) shows one aggregate — optionally divided by
another (a rate) and compared with the previous period of a date field (growth). A *chart*
(bar, line, area, pie) groups the table by a dimension, optionally split into series by a second
one; a *pivot* table crosses a row dimension with a column dimension and adds totals. Fields are
named by id once saved (`engine.dashboards.checks` turns names into ids), so renaming a field or
a table never breaks a widget.
"""

from __future__ import annotations

import secrets
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.query import FieldRef, FilterGroup

MeasureFn = Literal["count", "sum", "average", "min", "max", "distinct"]
Bucket = Literal["day", "week", "month", "quarter", "year"]
Period = Literal["day", "week", "month", "year"]
ChartKind = Literal["bar", "line", "area", "pie"]
KINDS = ("number", "bar", "line", "area", "pie", "pivot")
MAX_EDGES = 50


def new_widget_id() -> str:
    return "w" + secrets.token_hex(5)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Measure(_Model):
    """An aggregate of a field (`count` needs none), over the rows matching `filter`."""

    fn: MeasureFn = "count"
    field: FieldRef | None = None
    filter: FilterGroup | None = None

    @model_validator(mode="after")
    def _field(self) -> Measure:
        if self.fn not in ("count",) and self.field is None:
            raise ValueError(f"the aggregate {self.fn!r} needs a field")
        return self


class Dimension(_Model):
    """What rows are grouped by: a field's value, a date field's day/week/month/quarter/year, or
    a number field's range between consecutive `edges` (e.g. ages 18, 25, 35, 45)."""

    field: FieldRef
    bucket: Bucket | None = None
    edges: list[float] | None = Field(default=None, max_length=MAX_EDGES)

    @field_validator("edges")
    @classmethod
    def _rising(cls, v: list[float] | None) -> list[float] | None:
        if v is not None:
            if not v:
                return None
            if any(b <= a for a, b in pairwise(v)):
                raise ValueError("bucket edges must rise: each larger than the one before")
        return v


class Compare(_Model):
    """Compare the value of this period of `field` (today, this week ...) with the previous."""

    field: FieldRef
    period: Period = "week"


class _Widget(_Model):
    id: str = Field(default_factory=new_widget_id, pattern=r"^[A-Za-z0-9_-]{1,40}$")
    title: str = Field(default="", max_length=255)
    table: int | str  # a name is turned into the id when the widget is saved
    filter: FilterGroup | None = None
    width: int = Field(default=1, ge=1, le=3)


class NumberWidget(_Widget):
    kind: Literal["number"] = "number"
    value: Measure = Field(default_factory=Measure)
    ratio_of: Measure | None = None  # the denominator of a rate (shown as a percentage)
    compare: Compare | None = None
    format: Literal["number", "percent", "currency"] = "number"
    precision: int = Field(default=0, ge=0, le=6)


class ChartWidget(_Widget):
    kind: ChartKind = "bar"
    group: Dimension
    series: Dimension | None = None
    value: Measure = Field(default_factory=Measure)
    stacked: bool = False
    donut: bool = False
    sort: Literal["label", "value"] = "label"
    direction: Literal["asc", "desc"] = "asc"
    limit: int | None = Field(default=None, ge=1, le=100)  # the rest as "others"

    @model_validator(mode="after")
    def _pie(self) -> ChartWidget:
        if self.kind == "pie" and self.series is not None:
            raise ValueError("a pie chart has no series")
        return self


class PivotWidget(_Widget):
    kind: Literal["pivot"] = "pivot"
    rows: Dimension
    columns: Dimension | None = None
    value: Measure = Field(default_factory=Measure)


Widget = Annotated[NumberWidget | ChartWidget | PivotWidget, Field(discriminator="kind")]


class WidgetList(_Model):
    widgets: list[Widget] = Field(default_factory=list, max_length=60)

    @model_validator(mode="after")
    def _unique(self) -> WidgetList:
        seen: set[str] = set()
        for w in self.widgets:
            if w.id in seen:
                raise ValueError(f"two widgets have the id {w.id!r}")
            seen.add(w.id)
        return self
