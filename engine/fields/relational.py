"""Relational and computed types: link to another record, lookup, rollup, count, formula.

A link's truth is its junction table (`lnk_<id>`: one row per linked pair, indexed both ways, with
the order on each side). Its own column is a cache — `[{"id": 7, "title": "张三"}, ...]` — kept
current by the engine so a page shows linked records without another query.

Lookups, rollups, counts and formulas are materialized: their columns are written by the engine
(`engine.computed`) with set-based UPDATEs whenever what they depend on changes. Their result
type is fixed when the field is defined and kept in the options, so the column type is known.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Boolean, Float, Text, column, select, table
from sqlalchemy.types import TypeEngine

from ..errors import ValueProblem
from ..names import table_name
from ..sqltypes import ISODate, UTCDateTime, json_type
from .base import FieldType, problem, wrong_type
from .refs import RefContext

ResultType = Literal["number", "text", "date", "datetime", "boolean", "array"]


def result_column(result: str) -> TypeEngine[Any]:
    columns: dict[str, TypeEngine[Any]] = {
        "number": Float(),
        "text": Text(),
        "date": ISODate(),
        "datetime": UTCDateTime(),
        "boolean": Boolean(),
    }
    return columns.get(result, json_type())


class LinkOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table_id: int  # the linked table
    inverse_field_id: int | None = None  # the paired field in the linked table
    multiple: bool = True  # False: at most one linked record
    junction: str = ""  # physical junction table, set by the engine
    side: Literal["a", "b"] = "a"  # which column of the junction holds this table's ids
    role: Literal["link", "children", "parent"] = "link"  # children/parent: a sub-table pair


class LinkType(FieldType):
    """Links to records of another (or the same) table. Written as record ids; read back as
    `{"id", "title"}` pairs, the title being the linked record's primary value."""

    name = "link"
    label_en = "Link to another record"
    label_zh = "关联记录"
    Options = LinkOptions
    can_be_unique = False
    can_be_primary = False
    is_list = True
    junction_backed: ClassVar[bool] = True

    def column_type(self) -> TypeEngine[Any]:
        return json_type()

    def _id(self, item: Any) -> int:
        if isinstance(item, dict):
            item = item.get("id")
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise wrong_type(item, "a record id", "记录 ID")
        try:
            rid = int(item)
        except ValueError:
            raise wrong_type(item, "a record id", "记录 ID") from None
        if rid <= 0:
            raise wrong_type(item, "a record id", "记录 ID")
        return rid

    def normalize(self, value: Any) -> list[int] | None:
        if value is None or value == "" or value == []:
            return None
        items = value if isinstance(value, list | tuple) else [value]
        out: list[int] = []
        for item in items:
            rid = self._id(item)
            if rid not in out:
                out.append(rid)
        if len(out) > 1 and not self.options.multiple:
            raise problem("too_many", "Only one record can be linked here", "此处只能关联一条记录")
        return out

    def from_db(self, raw: Any) -> Any:
        return raw or []

    def from_db_many(self, raws: Sequence[Any]) -> list[Any]:
        return [raw or [] for raw in raws]

    def check_refs(self, values: Sequence[Any], ctx: RefContext) -> list[tuple[int, ValueProblem]]:
        """Every linked id must be a live record of the linked table."""
        wanted = {i for v in values for i in (v or ())}
        if not wanted:
            return []
        t = table(table_name(self.options.table_id), column("id"), column("trashed_at"))
        found: set[int] = set()
        ordered = sorted(wanted)
        for k in range(0, len(ordered), 1000):
            found.update(
                ctx.conn.execute(
                    select(t.c.id).where(
                        t.c.id.in_(ordered[k : k + 1000]), t.c.trashed_at.is_(None)
                    )
                ).scalars()
            )
        return [
            (
                i,
                problem(
                    "unknown_record",
                    f"There is no record {rid} in the linked table",
                    f"关联的表中没有记录 {rid}",
                ),
            )
            for i, v in enumerate(values)
            for rid in v or ()
            if rid not in found
        ]

    def ids(self, value: Any) -> list[int]:
        return [item["id"] if isinstance(item, dict) else int(item) for item in value or []]

    def to_text(self, value: Any) -> str:
        if not value:
            return ""
        return ", ".join(str(v["title"]) if isinstance(v, dict) else str(v) for v in value)


class ComputedType(FieldType):
    """Base of the materialized types: never written by users, result type from options."""

    read_only = True
    can_be_unique = False
    can_be_primary = True

    @property
    def result(self) -> str:
        return str(self.options.result_type)

    @property
    def is_list(self) -> bool:  # type: ignore[override]
        return self.result == "array"

    @property
    def has_range(self) -> bool:  # type: ignore[override]
        return False

    def column_type(self) -> TypeEngine[Any]:
        return result_column(self.result)

    def normalize(self, value: Any) -> Any:
        raise problem(
            "read_only",
            f"{self.label_en} values are computed and cannot be written",
            f"{self.label_zh}的值由系统计算，不能写入",
        )

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        return [None] * len(values), [(i, self._ro()) for i in range(len(values))]

    def _ro(self) -> ValueProblem:
        try:
            self.normalize(None)
        except ValueProblem as p:
            return p
        raise AssertionError("unreachable")

    def from_db(self, raw: Any) -> Any:
        if raw is None:
            return None
        result = self.result
        if result == "number" and isinstance(raw, float) and raw.is_integer():
            return int(raw)
        if result == "boolean":
            return bool(raw)
        if result == "array" and raw:
            for v in raw:
                if v.__class__ is float:
                    return [_whole(v) for v in raw]
        return raw

    def to_text(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, list):
            return ", ".join(_text(v) for v in value)
        return _text(value)


def _whole(v: Any) -> Any:
    """10.0 as 10: SQLite keeps a whole float as 10.0 in JSON, PostgreSQL as 10."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _datetime(v: Any) -> Any:
    if not isinstance(v, str):
        return v
    value = dt.datetime.fromisoformat(v)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _date(v: Any) -> Any:
    return dt.date.fromisoformat(v) if isinstance(v, str) else v


# how the items of a lookup are read back, by the type of the looked-up field
_ITEMS: dict[str, Callable[[Any], Any]] = {
    "checkbox": bool,
    "date": _date,
    "datetime": _datetime,
    "created_time": _datetime,
    "last_modified_time": _datetime,
}


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("title", value.get("id", "")))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class LookupOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    link_field_id: int
    target_field_id: int
    filter: dict[str, Any] | None = None  # a FilterGroup on the linked table
    result_type: ResultType = "array"
    element_type: str = "text"  # the looked-up field's type name


class LookupType(ComputedType):
    """The values of a field of the linked records, as a list in link order (lists flattened)."""

    name = "lookup"
    label_en = "Lookup"
    label_zh = "查找引用"
    Options = LookupOptions

    @property
    def result(self) -> str:
        return "array"

    def from_db(self, raw: Any) -> Any:
        if not raw:
            return []  # as a link with nothing linked reads
        item = _ITEMS.get(self.options.element_type)
        if item is not None:
            return [item(v) for v in raw]
        for v in raw:  # numbers as they are (10.0 as 10), everything else unchanged
            if v.__class__ is float:
                return [_whole(v) for v in raw]
        return raw

    def from_db_many(self, raws: Sequence[Any]) -> list[Any]:
        if _ITEMS.get(self.options.element_type) is None and not any(
            v.__class__ is float for raw in raws if raw for v in raw
        ):
            return [raw or [] for raw in raws]  # nothing to convert: only empty ones change
        return list(map(self.from_db, raws))


ROLLUPS = (
    "sum",
    "average",
    "min",
    "max",
    "count",
    "count_filled",
    "count_unique",
    "earliest",
    "latest",
    "and",
    "or",
    "array_join",
    "array_unique",
    "most_frequent",
)


class RollupOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    link_field_id: int
    target_field_id: int
    fn: Literal[
        "sum",
        "average",
        "min",
        "max",
        "count",
        "count_filled",
        "count_unique",
        "earliest",
        "latest",
        "and",
        "or",
        "array_join",
        "array_unique",
        "most_frequent",
    ] = "sum"
    separator: str = Field(default=", ", max_length=10)
    filter: dict[str, Any] | None = None
    result_type: ResultType = "number"
    precision: int = Field(default=2, ge=0, le=8)


class RollupType(ComputedType):
    """One value summarising a field of the linked records: sum, average, most frequent, ..."""

    name = "rollup"
    label_en = "Rollup"
    label_zh = "汇总"
    Options = RollupOptions

    @property
    def has_range(self) -> bool:  # type: ignore[override]
        return False


class CountOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    link_field_id: int
    filter: dict[str, Any] | None = None
    result_type: Literal["number"] = "number"


class CountType(ComputedType):
    """How many records are linked (optionally only those matching a condition)."""

    name = "count"
    label_en = "Count"
    label_zh = "计数"
    Options = CountOptions

    def from_db(self, raw: Any) -> Any:
        return 0 if raw is None else int(raw)


class FormulaOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    formula: str  # stored form: field references by id, {fld:12}
    result_type: Literal["number", "text", "date", "datetime", "boolean", "array", "blank"] = "text"
    volatile: bool = False  # uses TODAY() / NOW(): computed when read, never stored stale
    timezone: str = "UTC"
    precision: int | None = Field(default=None, ge=0, le=8)


class FormulaType(ComputedType):
    """A value computed from other fields of the same record by an Airtable-style formula."""

    name = "formula"
    label_en = "Formula"
    label_zh = "公式"
    Options = FormulaOptions

    @property
    def result(self) -> str:
        r = str(self.options.result_type)
        return "text" if r == "blank" else r
