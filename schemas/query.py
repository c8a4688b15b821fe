"""The query spec: what a grid, card, kanban or calendar page, or an API list call, asks for.

A filter is a tree of AND/OR groups of any depth whose leaves are conditions
`(field, op, value)` or references to a shared saved filter. Sorts are multi-key; up to three
group-by levels; a quick-search string; a page (size, plus a keyset token or an offset); the
fields to return. Field references are ids or names; the engine resolves and checks them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

FieldRef = int | str


class Condition(BaseModel):
    """One test on one field, e.g. `{"field": "付款状态", "op": "is", "value": "未付款"}`."""

    model_config = ConfigDict(extra="forbid")

    field: FieldRef
    op: str
    value: Any = None


class SavedFilterRef(BaseModel):
    """Matches the records that a shared saved filter matches, as it is defined now."""

    model_config = ConfigDict(extra="forbid")

    saved_filter: int


class FilterGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conjunction: Literal["and", "or"] = "and"
    items: list[Condition | FilterGroup | SavedFilterRef] = Field(default_factory=list)


class Sort(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: FieldRef
    direction: Literal["asc", "desc"] = "asc"


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: FieldRef
    direction: Literal["asc", "desc"] = "asc"


class Page(BaseModel):
    model_config = ConfigDict(extra="forbid")

    size: int = Field(default=100, ge=1, le=1000)
    after: str | None = None  # keyset token from the previous page's `next`
    offset: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_way(self) -> Page:
        if self.after is not None and self.offset is not None:
            raise ValueError("give either a keyset token (after) or an offset, not both")
        return self


AggregateName = Literal[
    "count",
    "filled",
    "empty",
    "unique",
    "sum",
    "average",
    "min",
    "max",
    "earliest",
    "latest",
    "percent_checked",
    "percent_filled",
    "percent_empty",
]


class Aggregate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: FieldRef | None = None  # None with "count": the number of records
    fn: AggregateName = "count"


class QuerySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filter: FilterGroup | None = None
    sorts: list[Sort] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list, max_length=3)
    search: str | None = None
    page: Page = Field(default_factory=Page)
    fields: list[FieldRef] | None = None  # None: every field
    count: bool = True  # also return the number of matching records
    aggregates: list[Aggregate] = Field(default_factory=list)
    # A saved view's own filter when it runs for a user with hidden fields: it may name them
    # (the view's author chose it), while the user's own `filter` may not. Never set from input.
    _view_filter: FilterGroup | None = PrivateAttr(default=None)

    @property
    def view_filter(self) -> FilterGroup | None:
        return self._view_filter

    def with_view_filter(self, group: FilterGroup | None) -> QuerySpec:
        copy = self.model_copy()
        copy._view_filter = group
        return copy
