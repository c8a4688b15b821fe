"""Request and response bodies of Tessera's own API (`/api/`). The OpenAPI document is made
from these models."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.field import FieldSpec
from schemas.query import FilterGroup, QuerySpec

Name = Field(min_length=1, max_length=255)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors -------------------------------------------------------------------------------------
class Message(BaseModel):
    en: str
    zh: str


class ProblemOut(BaseModel):
    code: str
    field: str | None = None
    field_id: int | None = None
    row: int | None = None
    message: Message


class ErrorBody(BaseModel):
    code: str
    status: int
    message: Message
    problems: list[ProblemOut] = Field(default_factory=list)


class ErrorOut(BaseModel):
    error: ErrorBody


# --- bases, tables, fields ----------------------------------------------------------------------
class BaseIn(Strict):
    name: str = Name


class BaseOut(BaseModel):
    id: int
    name: str
    role: str | None


class BaseList(BaseModel):
    bases: list[BaseOut]


class FieldOut(BaseModel):
    id: int
    name: str
    type: str
    options: dict[str, Any]
    rules: dict[str, Any]
    description: str
    read_only: bool = False


class TableOut(BaseModel):
    id: int
    base_id: int
    name: str
    primary_field_id: int | None
    fields: list[FieldOut]


class TableList(BaseModel):
    tables: list[TableOut]


class TableIn(Strict):
    name: str = Name
    fields: list[FieldSpec] = Field(min_length=1, max_length=500)
    primary: str | None = None
    description: str = Field(default="", max_length=10000)


class TablePatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=10000)


class FieldPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=10000)
    options: dict[str, Any] | None = None
    rules: dict[str, Any] | None = None
    type: str | None = Field(default=None, description="change the type (values are converted)")


# --- records ------------------------------------------------------------------------------------
class RecordOut(BaseModel):
    id: int
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    created_by: int | None = None
    updated_by: int | None = None
    fields: dict[str, Any]


class GroupOut(BaseModel):
    level: int
    key: list[Any]
    count: int
    aggregates: dict[str, Any] = Field(default_factory=dict)


class RecordPage(BaseModel):
    records: list[RecordOut]
    next: str | None = Field(description="keyset token of the next page (page.after)")
    total: int | None = None
    groups: list[GroupOut] | None = None
    aggregates: dict[str, Any] = Field(default_factory=dict)


class RecordList(BaseModel):
    records: list[RecordOut]


class NewRecord(Strict):
    fields: dict[str, Any]


class RecordsIn(Strict):
    records: list[NewRecord] = Field(min_length=1, max_length=1000)


class RecordChange(Strict):
    id: int = Field(ge=1)
    fields: dict[str, Any]
    version: int | None = Field(default=None, ge=1, description="update only if unchanged (409)")


class RecordsPatch(Strict):
    records: list[RecordChange] = Field(min_length=1, max_length=1000)


class RecordPatch(Strict):
    fields: dict[str, Any]
    version: int | None = Field(default=None, ge=1, description="update only if unchanged (409)")


class RecordIds(Strict):
    ids: list[int] = Field(min_length=1, max_length=1000)


class Done(BaseModel):
    ids: list[int]


class HistoryOut(BaseModel):
    action_id: int
    at: dt.datetime
    user_id: int | None
    user_name: str | None
    kind: str
    field_id: int | None
    field_name: str | None
    old: str
    new: str


class HistoryList(BaseModel):
    history: list[HistoryOut]


# --- views and saved filters --------------------------------------------------------------------
class ViewOut(BaseModel):
    id: int
    table_id: int
    name: str
    kind: str
    visibility: str
    query: dict[str, Any]
    config: dict[str, Any]


class ViewList(BaseModel):
    views: list[ViewOut]


class ViewIn(Strict):
    name: str = Name
    kind: Literal["grid", "card", "kanban", "form", "calendar"] = "grid"
    query: dict[str, Any] | None = None
    config: dict[str, Any] | None = None
    visibility: Literal["collaborative", "personal", "locked"] = "collaborative"


class ViewPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    query: dict[str, Any] | None = None
    config: dict[str, Any] | None = None
    visibility: Literal["collaborative", "personal", "locked"] | None = None


class FilterOut(BaseModel):
    id: int
    table_id: int
    name: str
    filter: dict[str, Any]


class FilterList(BaseModel):
    filters: list[FilterOut]


class FilterIn(Strict):
    name: str = Name
    filter: FilterGroup


class FilterPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    filter: FilterGroup | None = None


# --- imports ------------------------------------------------------------------------------------
class SheetOut(BaseModel):
    sheet: str
    table: str
    table_id: int
    created: bool
    inserted: int
    updated: int
    held: int
    kept: int


class ImportOut(BaseModel):
    dry_run: bool
    inserted: int
    held_rows: int
    kept_values: int
    sheets: list[SheetOut]


__all__ = ["QuerySpec"]
