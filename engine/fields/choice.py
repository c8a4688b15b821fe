"""Choice types: checkbox, single select, multiple select."""

from __future__ import annotations

import re
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
# values read as they are, without stripping or case-folding: the column-wise fast path
_CHECKBOX_EXACT: dict[Any, bool] = {
    **{v: False for w in FALSE_WORDS for v in (w, w.upper(), w.capitalize())},
    **{v: True for w in TRUE_WORDS for v in (w, w.upper(), w.capitalize())},
    None: False,
    "": False,
    False: False,
    True: True,
}


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
        shown = repr(value)[:40]
        raise problem(
            "invalid_type",
            f"{shown} is not checked or unchecked (write true/false, yes/no, 是/否, 1/0 or ✓)",
            f"{shown} 不是勾选或不勾选（请写 true/false、yes/no、是/否、1/0 或 ✓）",
        )

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        if set(map(type, values)) <= {bool}:
            return list(values), []
        if set(map(type, values)) <= {str, bool, type(None)}:
            try:
                return list(map(_CHECKBOX_EXACT.__getitem__, values)), []
            except KeyError:  # a word to strip or fold, or a refused value: value by value
                pass
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
        names = self.choice_names()
        shown = ", ".join(names[:20]) + (", …" if len(names) > 20 else "")
        if not names:
            raise problem(
                "unknown_option",
                f"{stripped[:40]!r} is not an option: this field has no options yet",
                f"{stripped[:40]!r} 不是可选项：此字段还没有选项",
            )
        raise problem(
            "unknown_option",
            f"{stripped[:40]!r} is not one of the options ({shown})",
            f"{stripped[:40]!r} 不是可选项之一（{shown}）",
        )

    def normalize(self, value: Any) -> str | None:
        if value is None:
            return None
        text = _option_text(value)
        if not text.strip():
            return None
        return self.resolve(text)

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        # fast path: option names as they are (and empties), checked as a set
        try:
            if set(values) - self._names <= {None}:
                return list(values), []
        except TypeError:  # an unhashable value, such as a list: the slow path names it
            pass
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
        """A list of option names, in the order given, each once. Text is split at commas,
        semicolons, 、 and line breaks, except where the text names an option that contains one."""
        if value is None:
            return None
        if isinstance(value, list | tuple):
            parts = [t for t in map(_option_text, value) if t.strip()]
        else:
            parts = self.split(_option_text(value))
        out: list[str] = []
        for part in parts:
            resolved = self.resolve(part)
            if resolved not in out:
                out.append(resolved)
        return out or None

    def split(self, text: str) -> list[str]:
        """The option names in `text`: 'A, B', 'A；B', 'A、B' and one name per line."""
        whole = text.strip()
        if not whole:
            return []
        if whole in self._names or name_key(whole) in self._by_key:
            return [whole]
        joined = [n for n in self.choice_names() if _SEPARATOR.search(n)]
        joined.sort(key=len, reverse=True)
        parts: list[str] = []
        i, n = 0, len(text)
        while i < n:
            if text[i].isspace() or _SEPARATOR.match(text, i):
                i += 1
                continue
            for name in joined:  # an option whose name contains a separator, as a whole
                end = i + len(name)
                rest = text[end:].lstrip()
                if name_key(text[i:end]) == name_key(name) and (not rest or _SEPARATOR.match(rest)):
                    parts.append(text[i:end])
                    i = end
                    break
            else:
                m = _SEPARATOR.search(text, i)
                stop = m.start() if m else n
                parts.append(text[i:stop].strip())
                i = stop
        return parts

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        return FieldType.normalize_many(self, values)

    def to_text(self, value: Any) -> str:
        return "" if not value else ", ".join(value)

    def sort_key(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return column


_SEPARATOR = re.compile(r"[,;，；、\n\r]")


def split_choices(text: str) -> list[str]:
    """Option names in free text, split at every comma, semicolon, 、 and line break, without
    empty parts ('A, B；C' -> ['A', 'B', 'C']). A multiple select field splits with
    `MultipleSelectType.split`, which also knows option names that contain a separator."""
    return [p.strip() for p in _SEPARATOR.split(text) if p.strip()]


def _option_text(value: Any) -> str:
    """An option name from a written value: text, or a number in its plain form (42, 1.5)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    raise wrong_type(value, "an option name", "选项名称")
