"""Result types of formula values, and what the engine tells the formula about a field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class FType(StrEnum):
    """The type of a formula value. Every AST node gets one; the engine uses the result type of a
    formula for its column, its filters, its sort order and its display."""

    NUMBER = "number"
    TEXT = "text"
    DATE = "date"  # a calendar day, no time
    DATETIME = "datetime"  # a point in time (UTC in storage)
    BOOLEAN = "boolean"
    ARRAY = "array"  # a JSON array: lookups, multiple selects, attachments
    BLANK = "blank"  # BLANK() / ERROR(): fits any other type

    @property
    def label_en(self) -> str:
        return _LABELS[self][0]

    @property
    def label_zh(self) -> str:
        return _LABELS[self][1]


_LABELS = {
    FType.NUMBER: ("a number", "数字"),
    FType.TEXT: ("text", "文本"),
    FType.DATE: ("a date", "日期"),
    FType.DATETIME: ("a date and time", "日期时间"),
    FType.BOOLEAN: ("true/false", "布尔值"),
    FType.ARRAY: ("a list", "列表"),
    FType.BLANK: ("blank", "空值"),
}

NUMERIC = frozenset({FType.NUMBER, FType.BOOLEAN})
TEMPORAL = frozenset({FType.DATE, FType.DATETIME})


@dataclass(frozen=True)
class FieldInfo:
    """A field as a formula sees it: its id (what is stored), its name (what is shown) and the
    type of its value."""

    id: int
    name: str
    ftype: FType | str  # an FType; its string value is accepted and converted

    def __post_init__(self) -> None:
        object.__setattr__(self, "ftype", FType(self.ftype))

    @property
    def type(self) -> FType:
        return FType(self.ftype)


def unify(types: Iterable[FType]) -> FType:
    """The one type that several possible results (IF branches, SWITCH results) are shown as:
    blanks fit anything, numbers absorb true/false, dates become date-times next to date-times,
    and anything else mixed becomes text."""
    found = {t for t in types if t is not FType.BLANK}
    if not found:
        return FType.BLANK
    if len(found) == 1:
        return found.pop()
    if found <= NUMERIC:
        return FType.NUMBER
    if found <= TEMPORAL:
        return FType.DATETIME
    return FType.TEXT


_BY_FIELD_TYPE = {
    "text": FType.TEXT,
    "long_text": FType.TEXT,
    "email": FType.TEXT,
    "phone": FType.TEXT,
    "url": FType.TEXT,
    "single_select": FType.TEXT,
    "number": FType.NUMBER,
    "currency": FType.NUMBER,
    "percent": FType.NUMBER,
    "rating": FType.NUMBER,
    "duration": FType.NUMBER,
    "autonumber": FType.NUMBER,
    "created_by": FType.NUMBER,
    "last_modified_by": FType.NUMBER,
    "checkbox": FType.BOOLEAN,
    "date": FType.DATE,
    "datetime": FType.DATETIME,
    "created_time": FType.DATETIME,
    "last_modified_time": FType.DATETIME,
    "multiple_select": FType.ARRAY,
    "attachment": FType.ARRAY,
}


def ftype_of_field_type(type_name: str, *, is_list: bool = False) -> FType:
    """The formula type of a value of the field type called `type_name` (text when unknown);
    any field type whose value is a list is an array."""
    if is_list:
        return FType.ARRAY
    return _BY_FIELD_TYPE.get(type_name, FType.TEXT)
