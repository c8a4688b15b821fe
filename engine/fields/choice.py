"""Choice types: checkbox, single select, multiple select."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Boolean, ColumnElement, case, literal
from sqlalchemy.types import TypeEngine

from ..errors import ValueProblem
from ..names import clean_name, name_key
from ..sqltypes import json_type
from .base import FieldType, problem, wrong_type

TRUE_WORDS = {"true", "yes", "y", "1", "是", "对", "✓", "✔", "☑", "x", "checked", "on", "已完成"}
FALSE_WORDS = {"false", "no", "n", "0", "否", "不", "☐", "✗", "unchecked", "off", "未完成"}


class CheckboxType(FieldType):
    """Checked or not. Empty means unchecked; 是/否, TRUE/FALSE, yes/no and ✓ are read."""

    name = "checkbox"
    label_en = "Checkbox"
    label_zh = "复选框"
    can_be_unique = False
    can_be_primary = False

    def column_type(self) -> TypeEngine[Any]:
        return Boolean()

    def column_default(self) -> str | None:
        return "false"

    def normalize(self, value: Any) -> bool:
        if value is None:
            return False
        if type(value) is bool:
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.strip().casefold()
            if word == "" or word in FALSE_WORDS:
                return False
            if word in TRUE_WORDS:
                return True
        raise wrong_type(value, "checked or unchecked", "勾选或不勾选")

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        if all(type(v) is bool for v in values):
            return list(values), []
        return super().normalize_many(values)

    def from_db(self, raw: Any) -> Any:
        return bool(raw)

    def to_text(self, value: Any) -> str:
        return "true" if value else "false"


COLORS = (
    "blue",
    "cyan",
    "teal",
    "green",
    "yellow",
    "orange",
    "red",
    "pink",
    "purple",
    "gray",
    "blueDark",
    "cyanDark",
    "tealDark",
    "greenDark",
    "yellowDark",
    "orangeDark",
    "redDark",
    "pinkDark",
    "purpleDark",
    "grayDark",
)


class SelectOption(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(default_factory=lambda: "opt" + secrets.token_hex(5))
    name: str
    color: str = "gray"

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return clean_name(v, "option name")

    @field_validator("color")
    @classmethod
    def _color(cls, v: str) -> str:
        if v not in COLORS:
            raise ValueError(f"unknown colour {v!r}; use one of {', '.join(COLORS)}")
        return v


class SelectOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    choices: list[SelectOption] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _plain_names(cls, data: Any) -> Any:
        # choices may be given as plain names; colours are then dealt round the palette
        if isinstance(data, dict) and isinstance(data.get("choices"), list):
            data = dict(data)
            data["choices"] = [
                {"name": c, "color": COLORS[i % 10]} if isinstance(c, str) else c
                for i, c in enumerate(data["choices"])
            ]
        return data

    @model_validator(mode="after")
    def _unique(self) -> SelectOptions:
        seen: set[str] = set()
        ids: set[str] = set()
        for c in self.choices:
            if c.name in seen:
                raise ValueError(f"option {c.name!r} appears twice")
            if c.id in ids:
                raise ValueError(f"option id {c.id!r} appears twice")
            seen.add(c.name)
            ids.add(c.id)
        return self


class SingleSelectType(FieldType):
    """One option of a list. The option's name is stored, so filters and search read it directly;
    renaming an option rewrites the rows that hold it."""

    name = "single_select"
    label_en = "Single select"
    label_zh = "单选"
    Options = SelectOptions

    def __init__(self, options: BaseModel | None = None) -> None:
        super().__init__(options)
        self._names = {c.name for c in self.options.choices}
        self._by_key: dict[str, str] = {name_key(c.name): c.name for c in self.options.choices}

    def choice_names(self) -> list[str]:
        return [c.name for c in self.options.choices]

    def resolve(self, text: str) -> str:
        """The option named `text` (exact, then case-insensitive); a problem if there is none."""
        if text in self._names:
            return text
        stripped = text.strip()
        found = self._by_key.get(name_key(stripped))
        if found is not None:
            return found
        shown = ", ".join(self.choice_names()[:10])
        raise problem(
            "unknown_option",
            f"{stripped[:40]!r} is not one of the options ({shown})",
            f"{stripped[:40]!r} 不是可选项之一（{shown}）",
        )

    def normalize(self, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise wrong_type(value, "an option name", "选项名称")
        if not value.strip():
            return None
        return self.resolve(value)

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        names = self._names
        if all(v is None or v in names for v in values):
            return list(values), []
        return super().normalize_many(values)

    def sort_key(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        # options sort in the order the user gave them, as in Airtable and Feishu
        names = self.choice_names()
        if not names:
            return column
        return case({n: literal(i) for i, n in enumerate(names)}, value=column, else_=len(names))


class MultipleSelectType(SingleSelectType):
    """Several options, stored as a JSON list of option names in the order chosen."""

    name = "multiple_select"
    label_en = "Multiple select"
    label_zh = "多选"
    can_be_unique = False
    is_list = True

    def column_type(self) -> TypeEngine[Any]:
        return json_type()

    def normalize(self, value: Any) -> list[str] | None:  # type: ignore[override]
        if value is None:
            return None
        if isinstance(value, str):
            whole = value.strip()
            in_options = whole in self._names or name_key(whole) in self._by_key
            parts = [whole] if in_options else [p for p in _split(value) if p]
        elif isinstance(value, list | tuple):
            parts = []
            for item in value:
                if not isinstance(item, str):
                    raise wrong_type(item, "an option name", "选项名称")
                if item.strip():
                    parts.append(item)
        else:
            raise wrong_type(value, "a list of option names", "选项名称列表")
        out: list[str] = []
        for part in parts:
            resolved = self.resolve(part)
            if resolved not in out:
                out.append(resolved)
        return out or None

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        return FieldType.normalize_many(self, values)

    def to_text(self, value: Any) -> str:
        return "" if not value else ", ".join(value)

    def sort_key(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return column


def _split(text: str) -> list[str]:
    for sep in ("\n", ";", "；", "、", "，", ","):
        if sep in text:
            return [p.strip() for p in text.split(sep)]
    return [text.strip()]
