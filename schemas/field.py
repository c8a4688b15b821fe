"""A field as users describe it: name, type, options, validation rules."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FieldSpec(BaseModel):
    """The definition of a field, as given to `create_table`, `add_field` and presets."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    type: str = "text"
    options: dict[str, Any] = Field(default_factory=dict)
    rules: dict[str, Any] = Field(default_factory=dict)
    description: str = ""


class TableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    fields: list[FieldSpec] = Field(default_factory=list)
    primary: str | None = None  # the name of the primary field; the first field by default
    description: str = ""
