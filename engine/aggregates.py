"""Summaries of a view or a group, computed in SQL: count, filled, empty, unique, sum, average,
min, max, earliest, latest, percent checked / filled / empty."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Float, case, cast, distinct, func, not_

from schemas.query import Aggregate

from . import expressions, operators
from .errors import QueryError

if TYPE_CHECKING:
    from .query import Compiler

NEEDS = {
    "sum": {"number"},
    "average": {"number"},
    "min": {"number", "date", "datetime"},
    "max": {"number", "date", "datetime"},
    "earliest": {"date", "datetime"},
    "latest": {"date", "datetime"},
    "percent_checked": {"checkbox"},
}


def key(agg: Aggregate, field_name: str | None) -> str:
    """How an aggregate is named in results: 'count', or 'sum:金额'."""
    return agg.fn if field_name is None else f"{agg.fn}:{field_name}"


def aggregate_columns(compiler: Compiler, aggs: Sequence[Aggregate]) -> list[Any]:
    cols: list[Any] = []
    for i, agg in enumerate(aggs):
        cols.append(_expression(compiler, agg).label(f"_a{i}"))
    return cols


def _expression(compiler: Compiler, agg: Aggregate) -> ColumnElement[Any]:
    if agg.field is None:
        if agg.fn != "count":
            raise QueryError(
                f"The aggregate {agg.fn!r} needs a field", f"汇总方式 {agg.fn!r} 需要指定字段"
            )
        return func.count()
    f = compiler.field(agg.field)
    col = compiler.column(f)
    kind = operators.value_kind(f.type)
    allowed = NEEDS.get(agg.fn)
    if allowed is not None and kind not in allowed:
        raise QueryError(
            f"The aggregate {agg.fn!r} does not apply to field {f.name!r} ({f.type.label_en})",
            f"汇总方式 {agg.fn!r} 不适用于字段 {f.name!r}（{f.type.label_zh}）",
        )
    filled = func.count(case((not_(expressions.empty(col, f.type, compiler.dialect)), 1)))
    share = cast(filled, Float) / func.nullif(func.count(), 0)
    fn = agg.fn
    if fn == "count":
        return func.count()
    if fn == "filled":
        return filled
    if fn == "empty":
        return func.count() - filled
    if fn == "unique":
        return func.count(distinct(expressions.value(col, compiler.dialect)))
    if fn == "sum":
        return func.sum(col)
    if fn == "average":  # a float on both databases (PostgreSQL's avg of integers is numeric)
        return cast(func.avg(col), Float)
    if fn in ("min", "earliest"):
        return func.min(col)
    if fn in ("max", "latest"):
        return func.max(col)
    if fn in ("percent_checked", "percent_filled"):
        return share
    if fn == "percent_empty":
        return 1 - share
    raise QueryError(f"Unknown aggregate {fn!r}", f"未知的汇总方式 {fn!r}")


def read_aggregates(compiler: Compiler, aggs: Sequence[Aggregate], row: Any) -> dict[str, Any]:
    m = row._mapping
    out: dict[str, Any] = {}
    for i, agg in enumerate(aggs):
        value = m[f"_a{i}"]
        name = None
        if agg.field is not None:
            f = compiler.field(agg.field)
            name = f.name
            if agg.fn in ("min", "max", "earliest", "latest") and value is not None:
                value = f.type.from_db(value)
        if agg.fn in ("count", "filled", "empty", "unique") and value is not None:
            value = int(value)
        out[key(agg, name)] = value
    return out
