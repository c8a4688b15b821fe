"""Types whose values the engine keeps: autonumber, created/modified time, created/modified by.

They read the table's system columns (`id`, `created_at`, `updated_at`, `created_by`,
`updated_by`), so adding one to a table with rows fills it at once and costs no storage.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Integer
from sqlalchemy.types import TypeEngine

from ..errors import ValueProblem
from ..sqltypes import UTCDateTime
from .base import FieldType, problem
from .temporal import DateTimeOptions, DateTimeType


def _read_only(name_en: str, name_zh: str) -> ValueProblem:
    return problem(
        "read_only",
        f"{name_en} values are set automatically and cannot be written",
        f"{name_zh}由系统自动生成，不能修改",
    )


class AutonumberType(FieldType):
    """A number given to each record when it is created, never reused."""

    name = "autonumber"
    label_en = "Autonumber"
    label_zh = "自动编号"
    system_column = "id"
    read_only = True
    has_range = True

    def column_type(self) -> TypeEngine[Any]:
        return Integer()

    def normalize(self, value: Any) -> Any:
        raise _read_only("Autonumber", "自动编号")

    def range_value(self, raw: Any) -> Any:
        return int(raw)

    def from_text(self, text: str) -> Any:
        return _whole_number(text)


class CreatedTimeType(DateTimeType):
    name = "created_time"
    label_en = "Created time"
    label_zh = "创建时间"
    Options = DateTimeOptions
    system_column = "created_at"
    read_only = True
    can_be_unique = False

    def column_type(self) -> TypeEngine[Any]:
        return UTCDateTime()

    def normalize(self, value: Any) -> dt.datetime | None:
        raise _read_only("Created time", "创建时间")

    def range_value(self, raw: Any) -> Any:
        return DateTimeType(self.options).normalize(raw)

    def from_text(self, text: str) -> Any:
        return DateTimeType(self.options).normalize(text)


class LastModifiedTimeType(CreatedTimeType):
    name = "last_modified_time"
    label_en = "Last modified time"
    label_zh = "最后修改时间"
    system_column = "updated_at"

    def normalize(self, value: Any) -> dt.datetime | None:
        raise _read_only("Last modified time", "最后修改时间")


class CreatedByType(FieldType):
    """The user who created the record (a user id)."""

    name = "created_by"
    label_en = "Created by"
    label_zh = "创建人"
    system_column = "created_by"
    read_only = True
    can_be_unique = False

    def __init__(self, options: BaseModel | None = None) -> None:
        super().__init__(options)

    def column_type(self) -> TypeEngine[Any]:
        return Integer()

    def normalize(self, value: Any) -> Any:
        raise _read_only("Created by", "创建人")

    def from_text(self, text: str) -> Any:
        return _whole_number(text)


class LastModifiedByType(CreatedByType):
    name = "last_modified_by"
    label_en = "Last modified by"
    label_zh = "修改人"
    system_column = "updated_by"

    def normalize(self, value: Any) -> Any:
        raise _read_only("Last modified by", "修改人")


def _whole_number(text: str) -> int:
    """A record number or user id read back from its text."""
    try:
        return int(text.strip())
    except ValueError:
        raise problem(
            "invalid_number",
            f"{text[:40]!r} is not a whole number",
            f"{text[:40]!r} 不是整数",
        ) from None
