"""The SQL expressions that compute materialized values, for the row of an UPDATE being made.

Each computed field's new value is one expression over the row of `outer` (the table being
updated): a correlated subquery over its live linked records (link titles, lookups, rollups,
counts) or its compiled formula. Values look the same on both databases: a lookup is a JSON list
in link order (list values flattened, links as their titles, checkboxes as true / false, date-times
as UTC text `YYYY-MM-DD HH:MM:SS.ffffff`), and values joined into text are written as
`FieldType.to_text` would (10 rather than 10.0, true / false).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Float,
    Integer,
    String,
    Table,
    Text,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from . import links
from .errors import SchemaError
from .model import FieldDef, TableSchema
from .sqltypes import ISODate, UTCDateTime

PG = "postgresql"
_STATEMENTS: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_STATEMENTS_KEPT = 512
_LOCK = threading.Lock()


def cached(key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    """The statement made by `make`, kept by `key` (the schema it was made for): building one
    costs far more than running it on a few records, and the same object keeps SQLAlchemy's
    compiled form cached too."""
    with _LOCK:
        found = _STATEMENTS.get(key)
        if found is not None:
            _STATEMENTS.move_to_end(key)
            return found
    stmt = make()
    with _LOCK:
        _STATEMENTS[key] = stmt
        while len(_STATEMENTS) > _STATEMENTS_KEPT:
            _STATEMENTS.popitem(last=False)
    return stmt


def value_kind(f: FieldDef) -> str:
    """How a field's column holds its values: list, boolean, datetime, date, number, integer or
    text (what the expressions below dispatch on)."""
    if f.type.is_list:
        return "list"
    col = f.type.column_type()
    for cls, kind in (
        (Boolean, "boolean"),
        (UTCDateTime, "datetime"),
        (ISODate, "date"),
        (Float, "number"),
        (Integer, "integer"),
    ):
        if isinstance(col, cls):
            return kind
    return "list" if f.type.name in ("lookup", "link") else "text"


def element_kind(f: FieldDef) -> str:
    """What the items of a list field are: link ({id, title}), attachment ({name, ...}) or
    plain JSON values."""
    name = f.type.name
    if name == "lookup":  # its items are made already: links as their titles
        return "attachment" if f.type.options.element_type == "attachment" else "plain"
    return name if name in ("link", "attachment") else "plain"


@dataclass(frozen=True)
class Linked:
    """The live records linked to the row of `outer` being updated."""

    src: Any  # the junction joined to the aliased target table
    where: ColumnElement[bool]
    pos: Any  # link order as the outer row sees it
    u: Any  # the aliased target table
    target: TableSchema
    outer: Table


@dataclass(frozen=True)
class Items:
    """One row per value of a field over the linked records; one per item for a list field."""

    src: Any
    where: ColumnElement[bool]
    order: tuple[Any, ...]
    raw: Any  # the value itself (the record's value for a scalar field)
    json: Any  # as JSON: jsonb on PostgreSQL, JSON text on SQLite
    text: Any  # as text


def linked(target: TableSchema, link: FieldDef, outer: Table) -> Linked:
    j, mine, other, pos, _ = links.sides(link)
    u = target.sql.alias("u")
    where = and_(mine == outer.c.id, u.c.trashed_at.is_(None))
    return Linked(j.join(u, u.c.id == other), where, pos, u, target, outer)


# --- one value as JSON and as text ----------------------------------------------------------------
def number_text(dialect: str, x: Any) -> Any:
    if dialect == PG:
        return cast(x, Text)
    whole = cast(cast(x, Integer), Text)
    return case((x == cast(x, Integer), whole), else_=cast(x, Text))


def scalar_text(dialect: str, kind: str, x: Any) -> Any:
    if kind == "boolean":
        return case((x == true(), "true"), else_="false")
    if kind == "number":
        return number_text(dialect, x)
    if kind == "integer":
        return cast(x, Text)
    if dialect == PG and kind == "date":
        return func.to_char(x, "YYYY-MM-DD")
    if kind == "datetime":
        if dialect == PG:
            return func.to_char(func.timezone("UTC", x), "YYYY-MM-DD HH24:MI:SS")
        return func.substr(x, 1, 19)
    return cast(x, Text) if dialect == PG else x


def scalar_json(dialect: str, kind: str, x: Any) -> Any:
    if dialect == PG:
        if kind == "datetime":
            x = func.to_char(func.timezone("UTC", x), "YYYY-MM-DD HH24:MI:SS.US")
        return func.to_jsonb(x)
    if kind == "boolean":
        return case((x == true(), "true"), else_="false")
    return func.json_quote(x)


def _pg_item(kind: str, v: Any) -> tuple[Any, Any]:
    """(JSON, text) of an item `v` (jsonb) of a list on PostgreSQL."""
    if kind == "link":
        return v.op("->")("title"), v.op("->>", return_type=Text)("title")
    as_text = func.jsonb_build_array(v).op("->>", return_type=Text)(literal(0, Integer))
    if kind == "attachment":
        return v, v.op("->>", return_type=Text)("name")
    return v, as_text


def _sqlite_item(kind: str, el: Any) -> tuple[Any, Any]:
    """(JSON text, text) of an item of `json_each` on SQLite."""
    if kind == "link":
        title = func.json_extract(el.c.value, "$.title")
        return func.json_quote(title), title
    if kind == "attachment":
        return el.c.value, func.json_extract(el.c.value, "$.name")
    as_json = case(
        (el.c.type.in_(["object", "array"]), el.c.value),
        (el.c.type == "true", "true"),
        (el.c.type == "false", "false"),
        else_=func.json_quote(el.c.value),
    )
    as_text = case(
        (el.c.type == "true", "true"),
        (el.c.type == "false", "false"),
        (el.c.type == "real", number_text("sqlite", el.c.value)),
        else_=cast(el.c.value, Text),
    )
    return as_json, as_text


def items(dialect: str, rows: Linked, f: FieldDef) -> Items:
    """The values of field `f` over the linked records, empty values left out."""
    x = rows.u.c[f.column]
    kind = value_kind(f)
    if kind != "list":
        where = and_(rows.where, x.is_not(None))
        j, t = scalar_json(dialect, kind, x), scalar_text(dialect, kind, x)
        return Items(rows.src, where, (rows.pos, rows.u.c.id), x, j, t)
    ek = element_kind(f)
    if dialect == PG:
        el = func.jsonb_array_elements(x).table_valued("value", with_ordinality="n")
        el = el.render_derived()
        j, t = _pg_item(ek, el.c.value)
        where = and_(rows.where, func.jsonb_typeof(el.c.value) != "null")
        if ek == "link":  # a linked record without a title is an empty value too
            where = and_(where, t.is_not(None))
        order = (rows.pos, rows.u.c.id, el.c.n)
        return Items(rows.src.join(el, true()), where, order, el.c.value, j, t)
    el = func.json_each(x).table_valued("value", "key", "type")
    j, t = _sqlite_item(ek, el)
    where = and_(rows.where, el.c.type != "null")
    if ek == "link":
        where = and_(where, t.is_not(None))
    order = (rows.pos, rows.u.c.id, el.c.key)
    return Items(rows.src.join(el, true()), where, order, el.c.value, j, t)


def list_text(dialect: str, x: Any, kind: str, sep: str = ", ") -> Any:
    """The items of the list `x` (of a row already in the query) joined into text."""
    if dialect == PG:
        el = func.jsonb_array_elements(x).table_valued("value", with_ordinality="n")
        el = el.render_derived()
        _, t = _pg_item(kind, el.c.value)
        return select(_string_agg(t, sep, el.c.n)).scalar_subquery()
    each = func.json_each(x).table_valued("value", "key", "type")
    _, t = _sqlite_item(kind, each)
    return select(func.group_concat(t, sep)).select_from(each).scalar_subquery()


# --- aggregates in order ---------------------------------------------------------------------------
def _string_agg(text: Any, sep: str, *order: Any) -> Any:
    """PostgreSQL's string_agg(text, sep ORDER BY ...)."""
    return func.string_agg(cast(text, Text), aggregate_order_by(cast(literal(sep), Text), *order))


def json_list(dialect: str, it: Items, outer: Table) -> Any:
    """The items as one JSON list in order; NULL when there are none."""
    if dialect == PG:
        agg = func.jsonb_agg(aggregate_order_by(it.json, *it.order))
        return select(agg).select_from(it.src).where(it.where).correlate(outer).scalar_subquery()
    inner = (
        select(it.json.label("j"))
        .select_from(it.src)
        .where(it.where)
        .order_by(*it.order)
        .correlate(outer)
        .subquery()
    )
    joined = func.nullif(func.json_group_array(func.json(inner.c.j)), "[]")
    return select(joined).correlate(outer).scalar_subquery()


def joined_text(dialect: str, it: Items, sep: str, outer: Table) -> Any:
    if dialect == PG:
        agg = _string_agg(it.text, sep, *it.order)
        return select(agg).select_from(it.src).where(it.where).correlate(outer).scalar_subquery()
    inner = (
        select(it.text.label("t"))
        .select_from(it.src)
        .where(it.where)
        .order_by(*it.order)
        .correlate(outer)
        .subquery()
    )
    return select(func.group_concat(inner.c.t, literal(sep))).correlate(outer).scalar_subquery()


def _numbered(it: Items, value: Any, outer: Table) -> Any:
    """(v, rn): each item's `value` with its place in link order."""
    rn = func.row_number().over(order_by=list(it.order))
    return (
        select(value.label("v"), rn.label("rn"))
        .select_from(it.src)
        .where(it.where)
        .correlate(outer)
        .subquery()
    )


def unique_list(dialect: str, it: Items, outer: Table) -> Any:
    """The distinct items as a JSON list, in the order they first appear."""
    inner = _numbered(it, it.json, outer)
    first = select(inner.c.v, func.min(inner.c.rn).label("first")).group_by(inner.c.v).subquery()
    if dialect == PG:
        agg = func.jsonb_agg(aggregate_order_by(first.c.v, first.c.first))
        return select(agg).correlate(outer).scalar_subquery()
    ordered = select(first.c.v).order_by(first.c.first).subquery()
    joined = func.nullif(func.json_group_array(func.json(ordered.c.v)), "[]")
    return select(joined).correlate(outer).scalar_subquery()


def most_frequent(it: Items, value: Any, outer: Table) -> Any:
    """The value met most often; of equally frequent ones, the one met first."""
    inner = _numbered(it, value, outer)
    return (
        select(inner.c.v)
        .group_by(inner.c.v)
        .order_by(func.count().desc(), func.min(inner.c.rn))
        .limit(1)
        .correlate(outer)
        .scalar_subquery()
    )


def truthy(kind: str, x: Any) -> Any:
    """Whether a value counts as true, as in the formula language: checked, non-zero,
    non-empty."""
    if kind == "boolean":
        return x == true()
    if kind in ("number", "integer"):
        return func.coalesce(x, 0) != 0
    if kind == "text":
        return func.coalesce(x, "") != ""
    return x.is_not(None)


# --- the expressions of each computed type --------------------------------------------------------
def titles(dialect: str, rows: Linked) -> Any:
    """A link's cache: [{"id", "title"}] of the live linked records in link order."""
    primary = rows.target.primary
    u = rows.u
    title: Any
    if primary is None:
        title = cast(u.c.id, String)
    elif value_kind(primary) == "list":
        title = list_text(dialect, u.c[primary.column], element_kind(primary))
    else:
        title = scalar_text(dialect, value_kind(primary), u.c[primary.column])
    q = select().select_from(rows.src).where(rows.where).correlate(rows.outer)
    if dialect == PG:
        obj = func.jsonb_build_object("id", u.c.id, "title", title)
        agg = func.jsonb_agg(aggregate_order_by(obj, rows.pos, u.c.id))
        return q.add_columns(agg).scalar_subquery()
    inner = q.add_columns(func.json_object("id", u.c.id, "title", title).label("v"))
    ordered = inner.order_by(rows.pos, u.c.id).subquery()
    joined = func.nullif(func.json_group_array(func.json(ordered.c.v)), "[]")
    return select(joined).correlate(rows.outer).scalar_subquery()


def count(rows: Linked, where: Any) -> Any:
    q = select(func.count()).select_from(rows.src).where(where)
    return q.correlate(rows.outer).scalar_subquery()


def rollup(dialect: str, rows: Linked, where: Any, x: FieldDef, o: Any) -> Any:
    """One value from the (matching) linked records' values of field `x`."""
    fn = o.fn
    kind = value_kind(x)
    outer = rows.outer
    col = rows.u.c[x.column]
    per_record = select().select_from(rows.src).where(where).correlate(outer)
    simple: dict[str, Any] = {"sum": func.sum, "average": func.avg, "min": func.min}
    simple.update(max=func.max, earliest=func.min, latest=func.max)
    if fn in simple:
        value: Any = simple[fn](col)
        if fn == "sum":
            value = func.coalesce(value, 0)  # the sum of nothing is 0, as in Airtable
        return per_record.add_columns(value).scalar_subquery()
    if fn == "count":
        return per_record.add_columns(func.count()).scalar_subquery()
    if fn == "count_filled":
        filled = col == true() if kind == "boolean" else col.is_not(None)
        return per_record.add_columns(func.count(case((filled, 1)))).scalar_subquery()
    if fn in ("and", "or"):
        # AND of no values is true and OR of none is false, as in Airtable
        flag = case((truthy(kind, col), 1), else_=0)
        extreme: Any = func.min(flag) if fn == "and" else func.max(flag)
        return per_record.add_columns(
            func.coalesce(extreme, 1 if fn == "and" else 0) == 1
        ).scalar_subquery()
    it = items(dialect, Linked(rows.src, where, rows.pos, rows.u, rows.target, outer), x)
    if fn == "count_unique":
        value = it.json if kind == "list" else it.raw
        q = select(func.count(distinct(value))).select_from(it.src).where(it.where)
        return q.correlate(outer).scalar_subquery()
    if fn == "array_join":
        return joined_text(dialect, it, o.separator, outer)
    if fn == "array_unique":
        return unique_list(dialect, it, outer)
    if fn == "most_frequent":
        return most_frequent(it, it.text if kind == "list" else it.raw, outer)
    raise SchemaError(f"Unknown rollup {fn!r}", f"未知的汇总方式 {fn!r}")


def filtered(conn: Connection, rows: Linked, raw: dict[str, Any] | None) -> Any:
    """The condition "only the linked records that match", over the aliased target table."""
    if not raw:
        return rows.where
    from schemas.query import FilterGroup

    from .query import Compiler, QueryContext

    u = rows.u

    class Aliased(Compiler):
        def column(self, f: FieldDef) -> ColumnElement[Any]:
            return u.c[f.column]  # type: ignore[no-any-return]

    group = FilterGroup.model_validate(raw)
    return and_(rows.where, Aliased(conn, rows.target, QueryContext()).group(group))


__all__ = ["Linked", "count", "filtered", "items", "linked", "rollup", "titles", "value_kind"]
