"""SQL over one field's column on which SQLite and PostgreSQL agree: its value with every form of
"empty" made NULL, list membership, quick-search text and sort keys.

Lists (multiple select, several users, attachments) are JSON arrays: text on SQLite, jsonb on
PostgreSQL. An empty list may be stored as SQL NULL, JSON `null` or `[]`; all three are empty.
Constants inside these expressions are SQL literals rather than bound parameters, so the same
expression written twice (GROUP BY and ORDER BY) is the same text to PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Float,
    Integer,
    Numeric,
    String,
    and_,
    case,
    cast,
    collate,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

from .fields import FieldType


def is_json(column: ColumnElement[Any]) -> bool:
    return isinstance(column.type, JSON)


def _impl(column: ColumnElement[Any]) -> Any:
    t = column.type
    return t.impl if isinstance(t, TypeDecorator) else t


def value(column: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    """The column's value with an empty list (JSON null, []) made NULL."""
    if not is_json(column):
        return column
    if dialect == "postgresql":
        null: ColumnElement[Any] = literal_column("'null'::jsonb")
        none: ColumnElement[Any] = literal_column("'[]'::jsonb")
        inner = func.nullif(func.nullif(type_coerce(column, JSONB), null), none)
    else:
        inner = func.nullif(func.nullif(column, literal_column("'null'")), literal_column("'[]'"))
    return type_coerce(inner, column.type)


def empty(column: ColumnElement[Any], ftype: FieldType, dialect: str) -> ColumnElement[bool]:
    """Whether the value is empty; an unchecked checkbox counts as empty."""
    if ftype.name == "checkbox" or getattr(ftype, "result", None) == "boolean":
        return or_(column.is_(None), column == false())
    return value(column, dialect).is_(None)


# --- lists --------------------------------------------------------------------------------------
def _elements(column: ColumnElement[Any]) -> Any:
    return func.json_each(column).table_valued("value")


def _jsonb(column: ColumnElement[Any]) -> Any:
    return type_coerce(column, JSONB)


def has_any(column: ColumnElement[Any], dialect: str, vs: list[Any]) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return or_(*(_jsonb(column).contains([v]) for v in vs))
    el = _elements(column)
    return exists(select(literal(1)).select_from(el).where(el.c.value.in_(vs)))


def has_all(column: ColumnElement[Any], dialect: str, vs: list[Any]) -> ColumnElement[bool]:
    """`vs` must hold each value once."""
    if dialect == "postgresql":
        return _jsonb(column).contains(vs)  # type: ignore[no-any-return]
    el = _elements(column)
    found = select(func.count(func.distinct(el.c.value))).select_from(el)
    return found.where(el.c.value.in_(vs)).scalar_subquery() == len(vs)


def exactly(column: ColumnElement[Any], dialect: str, vs: list[Any]) -> ColumnElement[bool]:
    """The same values in any order (stored lists hold each value once)."""
    if dialect == "postgresql":
        j = _jsonb(column)
        return and_(j.contains(vs), j.contained_by(vs))
    return and_(has_all(column, dialect, vs), func.json_array_length(column) == len(vs))


# --- quick search -------------------------------------------------------------------------------
def _number_text(column: ColumnElement[Any], dialect: str) -> ColumnElement[str]:
    """A number as text, the same on both databases for the values people type: 5 (not 5.0),
    1.25, -0.5. PostgreSQL writes doubles in their shortest form already; SQLite's REAL needs
    whole numbers written without their '.0'."""
    if dialect == "postgresql" or not isinstance(_impl(column), Float | Numeric):
        return cast(column, String)
    whole = cast(column, Integer)
    return case(
        (and_(column == whole, func.abs(column) < 1e15), cast(whole, String)),
        else_=cast(column, String),
    )


def _date_text(column: ColumnElement[Any], dialect: str) -> ColumnElement[str]:
    if dialect == "postgresql":
        return func.to_char(column, literal_column("'YYYY-MM-DD'"))
    return cast(column, String)


def _any_element_contains(column: ColumnElement[Any], dialect: str, q: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        array = case((func.jsonb_typeof(_jsonb(column)) == literal_column("'array'"), column))
        el = func.jsonb_array_elements_text(type_coerce(array, JSONB)).table_valued("value")
    else:
        el = _elements(column)
    text = cast(el.c.value, String)
    return exists(select(literal(1)).select_from(el).where(_icontains(text, dialect, q)))


def _icontains(text: ColumnElement[Any], dialect: str, q: str) -> ColumnElement[bool]:
    """`text` contains `q`, ignoring the case of ASCII letters. SQLite's LIKE ignores exactly
    that case already (and its lower() folds ASCII letters only), so lower() on both sides would
    change nothing there but the cost: about a third of a quick search's time."""
    if dialect == "sqlite":
        return text.contains(q, autoescape=True)
    return text.icontains(q, autoescape=True)


def search(
    column: ColumnElement[Any], kind: str, dialect: str, q: str
) -> ColumnElement[bool] | None:
    """Case-insensitive substring match of `q` in the value as shown, or None when values of
    this kind are not searched. No word boundaries are assumed, so it works for Chinese."""
    if kind in ("text", "select"):
        return _icontains(column, dialect, q)
    if kind == "number":
        return _icontains(_number_text(column, dialect), dialect, q)
    if kind == "date":
        return _icontains(_date_text(column, dialect), dialect, q)
    if kind in ("multi_select", "array"):
        return _any_element_contains(column, dialect, q)
    if kind == "link":
        return _any_title_contains(column, dialect, q)
    return None


def _any_title_contains(column: ColumnElement[Any], dialect: str, q: str) -> ColumnElement[bool]:
    """Some linked record's title (in a link's [{"id", "title"}] cache) contains `q`."""
    if dialect == "postgresql":
        el = func.jsonb_array_elements(_jsonb(column)).table_valued("value")
        title: Any = el.c.value.op("->>")(literal_column("'title'"))
    else:
        el = _elements(column)
        title = func.json_extract(el.c.value, literal_column("'$.title'"))
    return exists(select(literal(1)).select_from(el).where(_icontains(title, dialect, q)))


def has_any_record(column: ColumnElement[Any], dialect: str, ids: list[int]) -> ColumnElement[bool]:
    """A link's cache holds any of the record ids."""
    if dialect == "postgresql":
        return or_(*(_jsonb(column).contains([{"id": i}]) for i in ids))
    el = _elements(column)
    rid = func.json_extract(el.c.value, literal_column("'$.id'"))
    return exists(select(literal(1)).select_from(el).where(rid.in_(ids)))


# --- order --------------------------------------------------------------------------------------
def _c(expr: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    """Byte-wise (code point) order on PostgreSQL, as SQLite's BINARY collation orders."""
    return collate(expr, "C") if dialect == "postgresql" else expr


def sort_keys(
    column: ColumnElement[Any], ftype: FieldType, kind: str, dialect: str
) -> list[ColumnElement[Any]]:
    """The keys that order a field's values, each NULL for an empty value (empty values come
    first ascending and last descending). Text sorts case-insensitively (ASCII letters), then
    exactly, by code point on both databases; a list sorts by its JSON text; other types as
    their field type says (single select: by option order)."""
    v = value(column, dialect)
    if kind == "text":
        return [func.lower(_c(v, dialect)), _c(v, dialect)]
    if is_json(column):
        text = cast(_jsonb(v), String) if dialect == "postgresql" else type_coerce(v, String)
        return [_c(text, dialect)]
    key = ftype.sort_key(v)
    if key is not v:
        key = case((v.is_not(None), key))  # the type's key would give empty a place of its own
    return [key]
