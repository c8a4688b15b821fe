"""Compiling a checked formula to one SQLAlchemy expression that runs on SQLite and
PostgreSQL. Literals become bound parameters, fields come from the caller's `columns`; no text
of the user's ever becomes SQL text, and nothing is evaluated in Python."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from ..sqltypes import ISODate, UTCDateTime, json_type
from . import coerce
from . import nodes as n
from .catalog import FUNCTIONS
from .dialect import Dialect
from .dialect_pg import PostgresDialect
from .dialect_sqlite import SQLiteDialect
from .errors import FormulaError
from .formula import Formula
from .operators import ARITHMETIC, arithmetic, compare, concat, negate
from .registry import Kind
from .types import FType
from .values import SQL, Cond, Ctx, Val, num, txt

Columns = Callable[[int], ColumnElement[Any]]
_DIALECTS: dict[str, Dialect] = {
    "sqlite": SQLiteDialect(),
    "postgresql": PostgresDialect(),
    "postgres": PostgresDialect(),
}


def _dialect(name: str) -> Dialect:
    try:
        return _DIALECTS[name]
    except KeyError:
        raise ValueError(f"unsupported dialect {name!r}") from None


def _check_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FormulaError(
            f"Unknown time zone {name!r}", f"未知的时区 {name!r}", None, kind="invalid_argument"
        ) from None


class _Compiler:
    def __init__(self, ctx: Ctx, columns: Columns) -> None:
        self.c = ctx
        self.columns = columns

    def node(self, node: n.Node) -> Val:
        c = self.c
        if isinstance(node, n.Number):
            return Val(num(node.value), FType.NUMBER, nullable=False, const=node.value)
        if isinstance(node, n.Text):
            return Val(txt(node.value), FType.TEXT, nullable=node.value == "", const=node.value)
        if isinstance(node, n.Boolean):
            return Val(sa.true() if node.value else sa.false(), FType.BOOLEAN, nullable=False)
        if isinstance(node, n.FieldRef):
            return self.field(node)
        if isinstance(node, n.Negate):
            return negate(c, self.node(node.operand))
        if isinstance(node, n.BinOp):
            left, right = self.node(node.left), self.node(node.right)
            if node.op == "&":
                return concat(c, left, right)
            if node.op in ARITHMETIC:
                return arithmetic(c, node.op, left, right)
            return compare(c, node.op, left, right)
        assert isinstance(node, n.Call)
        return self.call(node)

    def field(self, node: n.FieldRef) -> Val:
        col = self.columns(node.field_id)
        ftype = node.field_type
        if ftype is FType.NUMBER:
            sql = col if isinstance(col.type, sa.Float) else sa.cast(col, sa.Float())
        elif ftype is FType.ARRAY:
            sql = self.c.d.array(col)
        else:
            sql = sa.type_coerce(col, coerce.typed_null(self.c, ftype).type)
        return Val(sql, ftype)

    def call(self, node: n.Call) -> Val:
        fn = FUNCTIONS[node.name]
        args: list[Val] = []
        for i, arg in enumerate(node.args):
            v = self.node(arg)
            kind = fn.param(i).kind
            if kind is Kind.NUMBER:
                v = coerce.number(self.c, v)
            elif kind is Kind.TEXT:
                v = coerce.text(self.c, v)
            elif kind is Kind.DATE:
                v = coerce.temporal(self.c, v)
            elif kind is Kind.BOOL:
                v = coerce.boolean(self.c, v)
            elif kind is Kind.ARRAY:
                v = coerce.array(self.c, v)
            args.append(v)
        out = fn.impl(self.c, args, node)
        if not fn.own_errors:
            out = out.with_err(*(a.err for a in args))
        if out.ftype is not node.ftype:
            out = coerce.to(self.c, out, node.ftype)
        return out


def _output_type(ftype: FType) -> sa.types.TypeEngine[Any]:
    types: dict[FType, sa.types.TypeEngine[Any]] = {
        FType.NUMBER: sa.Float(),
        FType.BOOLEAN: sa.Boolean(),
        FType.DATE: ISODate(),
        FType.DATETIME: UTCDateTime(),
        FType.ARRAY: json_type(),
    }
    return types.get(ftype, sa.Text())


def compile_parts(
    formula: Formula,
    columns: Columns,
    *,
    dialect: str,
    record_id: ColumnElement[Any],
    created: ColumnElement[Any],
    modified: ColumnElement[Any],
    timezone: str = "UTC",
    now: ColumnElement[Any] | None = None,
) -> tuple[Val, Ctx]:
    """The formula's value and error condition before they are put together (see
    compile_formula), with the context they were compiled in."""
    d = _dialect(dialect)
    _check_zone(timezone)
    ctx = Ctx(d, record_id, created, modified, timezone, d.now() if now is None else now)
    return _Compiler(ctx, columns).node(formula.root), ctx


def compile_formula(
    formula: Formula,
    columns: Columns,
    *,
    dialect: str,
    record_id: ColumnElement[Any],
    created: ColumnElement[Any],
    modified: ColumnElement[Any],
    timezone: str = "UTC",
    now: ColumnElement[Any] | None = None,
) -> ColumnElement[Any]:
    """The formula's value as one SQL expression, typed by its result type (Float, Text,
    Boolean, ISODate, UTCDateTime, JSON). An error value is NULL; empty text and empty lists
    are NULL too. `columns(field_id)` gives each referenced field's column; `now` (an instant in
    storage form) defaults to the database's current time. The expression may hold correlated
    subqueries, so the table must be in the statement's FROM (as in UPDATE t SET … or
    SELECT … FROM t)."""
    v, ctx = compile_parts(
        formula,
        columns,
        dialect=dialect,
        record_id=record_id,
        created=created,
        modified=modified,
        timezone=timezone,
        now=now,
    )
    return finish(ctx, v)


def finish(c: Ctx, v: Val) -> ColumnElement[Any]:
    sql = v.sql
    if v.ftype is FType.TEXT:
        sql = sa.func.nullif(sql, txt(""))
    elif v.ftype is FType.ARRAY:
        sql = sa.case((c.d.array_len(sql) > 0, sql))
    elif v.ftype is FType.NUMBER:
        sql = sa.cast(sql, sa.Float())  # whole numbers too, so both databases give floats
    elif v.ftype is FType.BLANK:
        sql = coerce.typed_null(c, FType.TEXT)
    if v.err is not None:
        sql = sa.case((v.err, sa.null()), else_=sql)
    return sa.type_coerce(sql, _output_type(v.ftype))


def condition(c: Ctx, v: Val) -> Cond:
    """True where the value counts as true and is not an error (for filterByFormula)."""
    cond = coerce.truthy(c, v)
    if v.err is not None:
        cond = sa.and_(cond, sa.not_(sa.func.coalesce(v.err, sa.false())))
    return cond


def compile_condition(formula: Formula, columns: Columns, **kwargs: Any) -> Cond:
    """A WHERE condition: the formula's value counts as true and is not an error. Takes the
    keyword arguments of compile_formula."""
    v, ctx = compile_parts(formula, columns, **kwargs)
    return condition(ctx, v)


def compile_error(formula: Formula, columns: Columns, **kwargs: Any) -> Cond:
    """True where the formula's value is an error (to show #ERROR! rather than a blank)."""
    v, _ = compile_parts(formula, columns, **kwargs)
    return sa.func.coalesce(v.err, sa.false()) if v.err is not None else sa.false()


__all__ = ["SQL", "compile_condition", "compile_error", "compile_formula", "compile_parts"]
