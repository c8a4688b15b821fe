"""Saved views: a named query plus presentation, one config model per kind.

Fields are referred to by id everywhere in a view (a query given with field names is stored with
ids), so renaming a field never breaks one.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.query import AggregateName, FilterGroup, Group, Sort

Kind = Literal["grid", "card", "kanban", "form", "calendar"]
Visibility = Literal["collaborative", "personal", "locked"]
KINDS: tuple[str, ...] = ("grid", "card", "kanban", "form", "calendar")


class ViewQuery(BaseModel):
    """What a view shows: its filter, sorts and groups (paging is the caller's)."""

    model_config = ConfigDict(extra="forbid")

    filter: FilterGroup | None = None
    sorts: list[Sort] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list, max_length=3)


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hidden: list[int] = Field(default_factory=list)  # field ids not shown
    order: list[int] = Field(default_factory=list)  # field ids in display order (others follow)


class GridConfig(_Config):
    widths: dict[int, Annotated[int, Field(ge=40, le=2000)]] = Field(default_factory=dict)
    row_height: Literal["short", "medium", "tall", "extra_tall"] = "short"
    frozen: int = Field(default=1, ge=0, le=10)  # columns frozen at the left
    summaries: dict[int, AggregateName] = Field(default_factory=dict)  # field id -> footer


class CardConfig(_Config):
    cover_field: int | None = None  # an attachment field
    cover_fit: Literal["cover", "contain"] = "cover"
    card_fields: list[int] = Field(default_factory=list)


class KanbanConfig(CardConfig):
    stack_field: int | None = None  # a single select or user field
    # stack keys in display order: option names, user ids as text, "" for uncategorised
    stack_order: list[str] = Field(default_factory=list)
    collapsed: list[str] = Field(default_factory=list)
    hide_empty_stacks: bool = False


class FormField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: int
    label: str | None = None  # shown instead of the field name
    help: str = ""
    required: bool = False


class FormConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = ""
    description: str = ""
    fields: list[FormField] = Field(default_factory=list)
    submit_label: str = ""
    submit_message: str = ""  # shown after a successful submission
    allow_another: bool = True

    @model_validator(mode="after")
    def _once(self) -> FormConfig:
        ids = [ff.field for ff in self.fields]
        if len(set(ids)) != len(ids):
            raise ValueError("a field is on the form twice")
        return self


class CalendarConfig(_Config):
    date_field: int | None = None  # a date or date-time field
    end_field: int | None = None  # optional end of the span
    mode: Literal["month", "week"] = "month"
    card_fields: list[int] = Field(default_factory=list)


CONFIGS: dict[str, type[BaseModel]] = {
    "grid": GridConfig,
    "card": CardConfig,
    "kanban": KanbanConfig,
    "form": FormConfig,
    "calendar": CalendarConfig,
}


class View(BaseModel):
    """A saved view as stored. `owner_id` is the user a personal view belongs to."""

    id: int
    table_id: int
    name: str
    kind: Kind
    query: ViewQuery
    config: Any
    visibility: Visibility = "collaborative"
    owner_id: int | None = None
    position: float = 0
