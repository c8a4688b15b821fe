"""The import plan: what a file holds and what will be made of it — for each sheet, the table
it goes into and, for each column, the field, its type and options, with the confidence and
examples behind the guess. The user may change any of it before the import runs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..fields import REGISTRY
from .readers import Kind

READ_ONLY = {"autonumber", "created_time", "last_modified_time", "created_by", "last_modified_by"}
COMPUTED = {"lookup", "rollup", "count", "formula"}


class Note(BaseModel):
    en: str
    zh: str


class LinkPlan(BaseModel):
    """Make the column a link to the records of another sheet, matched on that sheet's key."""

    model_config = ConfigDict(extra="forbid")

    sheet: str  # the sheet whose key values the column holds
    key: str  # that sheet's key column (its table's primary field)
    multiple: bool = False  # a cell may name several keys, separated by commas
    use: bool = True  # False: keep the column as text


class ColumnPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: int  # the column, counted from the sheet's first column in use
    header: str  # as written in the file ('' if none)
    name: str  # the field to create, or the existing field to fill
    type: str = "text"
    options: dict[str, Any] = Field(default_factory=dict)
    confidence: float = 1.0
    examples: list[str] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    skip: bool = False
    existing: bool = False  # `name` is a field of the existing table
    pad: int | None = None  # numbers become zero-padded text of this width
    serial_dates: bool = False  # whole numbers are Excel date serials
    link: LinkPlan | None = None

    @field_validator("type")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in REGISTRY or v in READ_ONLY | COMPUTED:
            writable = sorted(set(REGISTRY) - READ_ONLY - COMPUTED - {"link"})
            raise ValueError(f"unknown or unwritable field type {v!r}; use one of {writable}")
        return v


class SheetPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sheet: str
    table: str  # the table to create, or the existing table to fill
    existing: bool = False
    header_rows: list[int]  # 0-based rows of the header, counted as the reader counts
    first_row: int  # 0-based row where the records start
    width: int
    rows: int = 0  # non-blank rows below the header
    blank_rows: int = 0
    columns: list[ColumnPlan]
    primary: str | None = None  # the new table's primary field (a column name)
    key: str | None = None  # the column that identifies a record: upsert and de-duplication
    mode: Literal["append", "upsert"] = "append"
    dedupe: bool = True  # a key value repeated in the file: the later rows go to the report
    skip: bool = False

    def column(self, name: str) -> ColumnPlan:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


class ImportPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str  # the file's name
    kind: Kind
    encoding: str | None = None
    threshold: float = Field(default=0.9, gt=0, le=1)
    timezone: str = "UTC"  # date-times without an offset are in this zone
    on_invalid: Literal["keep", "report"] = "keep"  # keep: in a "(original)" text field
    sheets: list[SheetPlan]

    def sheet(self, name: str) -> SheetPlan:
        for s in self.sheets:
            if s.sheet == name:
                return s
        raise KeyError(name)
