"""A page's SELECT and the reading of its rows: the page's shape (its columns, order keys and
ORDER BY, and the reader of its rows) kept per table, fields and order; the statement of one
page, with its keyset condition and LIMIT; and the reader that turns the rows into Records."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import JSON, ColumnElement, Select, Text, bindparam, select, type_coerce

from schemas.query import Group, QuerySpec, Sort

from .db import json_loads
from .fields import FieldType
from .model import FieldDef
from .query_keyset import _after, _bad_token, _decode, _fingerprint
from .record import Record, make_record

if TYPE_CHECKING:
    from .query import Compiler


@dataclass(frozen=True)
class _Shape:
    """A page's SELECT without its WHERE and LIMIT — its columns, order keys and ORDER BY — and
    the reader of its rows: the same for every page of one table, fields and order."""

    select: Select[Any]
    keys: list[tuple[ColumnElement[Any], bool]]
    order_by: list[Any]
    read: Callable[[Sequence[Any]], list[Record]]
    # the keyset condition by which values are empty, its values bound by name at execution
    afters: dict[tuple[bool, ...], ColumnElement[bool]] = field(default_factory=dict)

    def after(self, values: list[Any]) -> tuple[ColumnElement[bool], dict[str, Any]]:
        if len(values) != len(self.keys):
            raise _bad_token()
        empty = tuple(v is None for v in values)
        clause = self.afters.get(empty)
        if clause is None:
            bounds = [
                None if none else bindparam(f"_after{i}", type_=expr.type)
                for i, ((expr, _), none) in enumerate(zip(self.keys, empty, strict=True))
            ]
            clause = self.afters.setdefault(empty, _after(self.keys, bounds))
        return clause, {f"_after{i}": v for i, v in enumerate(values) if v is not None}


_SHAPES: OrderedDict[tuple[Any, ...], _Shape] = OrderedDict()
_SHAPES_KEPT = 256
_SHAPES_LOCK = threading.Lock()


def _shape(compiler: Compiler, spec: QuerySpec, fields: Sequence[FieldDef]) -> _Shape:
    """The page's shape, kept per dialect, Table, fields and order keys (the FieldDef objects
    themselves, which a changed schema replaces): building it took longer than running a deep
    keyset page's SQL. SQLAlchemy then finds the compiled SQL in its own cache. A shape with a
    formula computed at the clock's now (TODAY(), NOW()) is built anew every time."""
    items: list[Group | Sort] = [*spec.groups, *spec.sorts]
    ordered = tuple((compiler.field(i.field), i.direction) for i in items)
    used = [*fields, *(f for f, _ in ordered)]
    kept = not any(f.type.name == "formula" and f.type.options.volatile for f in used)
    key = (compiler.dialect, compiler.table, tuple(fields), ordered)
    if kept:
        with _SHAPES_LOCK:
            found = _SHAPES.get(key)
            if found is not None:
                _SHAPES.move_to_end(key)
                return found
    t = compiler.table
    keys = compiler.order_keys(spec)
    key_cols = [expr.label(f"_k{i}") for i, (expr, _) in enumerate(keys)]
    columns: list[ColumnElement[Any]] = [t.c[name] for name in _SYSTEM]  # `_reader` relies on it
    names = {c.name for c in columns}
    raw_json: set[str] = set()
    for f in fields:
        if f.column not in names:
            col = compiler.column(f)
            if compiler.dialect == "sqlite" and isinstance(col.type, JSON):
                # read as text and decoded by the reader: SQLAlchemy's JSON type calls three
                # functions for each value, and a page of links and lookups has hundreds
                col = type_coerce(col, Text())
                raw_json.add(f.column)
            columns.append(col if col is t.c.get(f.column) else col.label(f.column))
            names.add(f.column)
    read = _reader(fields, frozenset(raw_json))
    made = _Shape(select(*columns, *key_cols), keys, compiler.order_by(keys), read)
    if kept:
        with _SHAPES_LOCK:
            _SHAPES[key] = made
            while len(_SHAPES) > _SHAPES_KEPT:
                _SHAPES.popitem(last=False)
    return made


def page_statement(
    compiler: Compiler,
    spec: QuerySpec,
    fields: Sequence[FieldDef],
    where: Sequence[ColumnElement[bool]] | None = None,
) -> tuple[Select[Any], list[tuple[ColumnElement[Any], bool]]]:
    """The one SELECT of a page (plus one extra row, to know whether another page follows);
    `where` is `compiler.where(spec, fields)` when the caller has it already."""
    stmt, params, shape = _page_statement(compiler, spec, fields, where)
    return (stmt.params(params) if params else stmt), shape.keys


def _page_statement(
    compiler: Compiler,
    spec: QuerySpec,
    fields: Sequence[FieldDef],
    where: Sequence[ColumnElement[bool]] | None = None,
) -> tuple[Select[Any], dict[str, Any], _Shape]:
    """The page's SELECT, the values of its keyset condition to execute it with, its shape."""
    shape = _shape(compiler, spec, fields)
    if where is None:
        where = compiler.where(spec, fields)
    stmt = shape.select.where(*where)
    params: dict[str, Any] = {}
    if spec.page.after:
        after, params = shape.after(_decode(spec.page.after, _fingerprint(spec)))
        stmt = stmt.where(after)
    stmt = stmt.order_by(*shape.order_by).limit(spec.page.size + 1)
    if spec.page.offset:
        stmt = stmt.offset(spec.page.offset)
    return stmt, params, shape


_SYSTEM = ("id", "created_at", "updated_at", "created_by", "updated_by", "version")


def _reader(
    fields: Sequence[FieldDef], raw_json: frozenset[str] = frozenset()
) -> Callable[[Sequence[Any]], list[Record]]:
    """Turns the rows of a page (the system columns, then one column per field, in
    `page_statement`'s order) into Records. What is the same for every row is worked out once:
    the field ids and names, each value's place in the row, and which types convert what the
    column type returned (most take it as it is). Values are converted a column at a time; the
    columns in `raw_json` come as JSON text, and are decoded in one call per column."""
    ids: list[int] = []
    names: list[str] = []
    plan: list[tuple[int, bool, Callable[[Sequence[Any]], list[Any]] | None]] = []
    place = {name: i for i, name in enumerate(_SYSTEM)}
    for f in fields:
        column = f.column
        if column not in place:
            place[column] = len(place)
        ids.append(f.id)
        names.append(f.name)
        converts = type(f.type).from_db is not FieldType.from_db
        plan.append((place[column], column in raw_json, f.type.from_db_many if converts else None))

    def read(rows: Sequence[Any]) -> list[Record]:
        if not rows:
            return []
        columns = list(zip(*rows, strict=True))
        values: list[Sequence[Any]] = []
        for i, is_json, from_db in plan:
            column = _json_column(columns[i]) if is_json else columns[i]
            values.append(column if from_db is None else from_db(column))
        per_row = zip(*values, strict=True) if values else repeat((), len(rows))
        return [
            make_record(
                rid,
                dict(zip(names, row, strict=True)),
                created_at,
                updated_at,
                created_by,
                updated_by,
                version,
                dict(zip(ids, row, strict=True)),
            )
            for (rid, created_at, updated_at, created_by, updated_by, version), row in zip(
                zip(*columns[: len(_SYSTEM)], strict=True), per_row, strict=True
            )
        ]

    return read


def _json_column(texts: Sequence[str | None]) -> list[Any]:
    """The values of a column of JSON texts (written by the engine, one JSON value each), decoded
    as one JSON array: one call instead of one per value."""
    try:
        values = orjson.loads("[" + ",".join("null" if t is None else t for t in texts) + "]")
    except (TypeError, orjson.JSONDecodeError):  # TypeError: a number, not JSON text
        values = None
    if not isinstance(values, list) or len(values) != len(texts):
        return [json_loads(t) if isinstance(t, str) else t for t in texts]
    return values
