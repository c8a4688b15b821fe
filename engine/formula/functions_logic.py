"""IF, SWITCH, AND, OR, XOR, NOT, TRUE, FALSE, BLANK, ERROR, ISERROR."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import Case

from . import coerce
from .errors import type_error
from .nodes import Call
from .operators import OperandProblem, compare, compare_mode
from .registry import ANY, BOOL, Function, Kind, fn, optional
from .types import FType, unify
from .values import SQL, Cond, Ctx, Val


def _branch_err(cases: list[tuple[Cond, Cond | None]], otherwise: Cond | None) -> Cond | None:
    """The error of whichever branch is taken."""
    if all(e is None for _, e in cases) and otherwise is None:
        return None
    return sa.case(
        *((cond, e if e is not None else sa.false()) for cond, e in cases),
        else_=otherwise if otherwise is not None else sa.false(),
    )


def _choose(c: Ctx, cases: list[tuple[Cond, Val]], otherwise: Val | None, ftype: FType) -> Val:
    results = [coerce.to(c, v, ftype) for _, v in cases]
    other = coerce.to(c, otherwise, ftype) if otherwise is not None else coerce.blank(c, ftype)
    if not cases:
        return other
    whens = [(cond, r.sql) for (cond, _), r in zip(cases, results, strict=True)]
    otherwise_sql: SQL | None = other.sql
    if isinstance(otherwise_sql, Case) and otherwise_sql.value is None:
        # IF(a, x, IF(b, y, z)) is one CASE: SQLite's parser allows little nesting
        whens.extend(otherwise_sql.whens)
        otherwise_sql = otherwise_sql.else_
    sql = sa.case(*whens, else_=otherwise_sql)
    err = _branch_err(
        [(cond, r.err) for (cond, _), r in zip(cases, results, strict=True)], other.err
    )
    zones = {r.zone for r in [*results, other]}
    return Val(
        sql,
        ftype,
        err,
        nullable=any(r.nullable for r in [*results, other]),
        zone=zones.pop() if len(zones) == 1 else None,
    )


def _if(c: Ctx, args: list[Val], node: Call) -> Val:
    cond = args[0]
    out = _choose(c, [(cond.sql, args[1])], args[2] if len(args) > 2 else None, node.ftype)
    return out.with_err(cond.err)


def _if_type(types: list[FType], node: Call) -> FType:
    return unify(types[1:])


def _switch_parts(items: list[object]) -> tuple[list[tuple[object, object]], object | None]:
    rest = items[1:]
    pairs = [(rest[i], rest[i + 1]) for i in range(0, len(rest) - 1, 2)]
    return pairs, (rest[-1] if len(rest) % 2 else None)


def _switch_type(types: list[FType], node: Call) -> FType:
    pairs, default = _switch_parts(list(range(len(types))))
    for pattern, _ in pairs:
        assert isinstance(pattern, int)
        try:
            compare_mode("=", types[0], types[pattern])
        except OperandProblem as p:
            raise type_error(p.en, p.zh, node.args[pattern].pos) from None
    results = [types[r] for _, r in pairs if isinstance(r, int)]
    if isinstance(default, int):
        results.append(types[default])
    return unify(results)


def _switch(c: Ctx, args: list[Val], node: Call) -> Val:
    subject = args[0]
    pairs, default = _switch_parts(list(args))
    cases: list[tuple[Cond, Val]] = []
    errs: list[Cond | None] = [subject.err]
    for pattern, result in pairs:
        assert isinstance(pattern, Val) and isinstance(result, Val)
        same = compare(c, "=", subject.but(err=None), pattern)
        errs.append(same.err)
        cases.append((same.sql, result))
    assert default is None or isinstance(default, Val)
    return _choose(c, cases, default, node.ftype).with_err(*errs)


def _and(c: Ctx, args: list[Val], node: Call) -> Val:
    return Val(sa.and_(*(a.sql for a in args)), FType.BOOLEAN, nullable=False)


def _or(c: Ctx, args: list[Val], node: Call) -> Val:
    return Val(sa.or_(*(a.sql for a in args)), FType.BOOLEAN, nullable=False)


def _xor(c: Ctx, args: list[Val], node: Call) -> Val:
    ones: SQL = sa.literal(0, sa.Integer())
    for a in args:
        ones = ones + sa.case((a.sql, 1), else_=0)
    return Val(ones % 2 == 1, FType.BOOLEAN, nullable=False)


def _not(c: Ctx, args: list[Val], node: Call) -> Val:
    return Val(sa.not_(args[0].sql), FType.BOOLEAN, nullable=False)


def _const(value: bool) -> Function:
    def impl(c: Ctx, args: list[Val], node: Call) -> Val:
        return Val(sa.true() if value else sa.false(), FType.BOOLEAN, nullable=False)

    return fn("TRUE" if value else "FALSE", [], FType.BOOLEAN, impl)


def _blank(c: Ctx, args: list[Val], node: Call) -> Val:
    return coerce.blank(c, FType.BLANK)


def _error(c: Ctx, args: list[Val], node: Call) -> Val:
    return coerce.blank(c, FType.BLANK).but(err=sa.true())


def _iserror(c: Ctx, args: list[Val], node: Call) -> Val:
    err = args[0].err
    return Val(err if err is not None else sa.false(), FType.BOOLEAN, nullable=False)


FUNCTIONS = [
    fn("IF", [BOOL, ANY, optional(Kind.ANY)], _if_type, _if, own_errors=True),
    fn("SWITCH", [ANY, ANY], _switch_type, _switch, variadic=True, own_errors=True),
    fn("AND", [BOOL], FType.BOOLEAN, _and, variadic=True),
    fn("OR", [BOOL], FType.BOOLEAN, _or, variadic=True),
    fn("XOR", [BOOL], FType.BOOLEAN, _xor, variadic=True),
    fn("NOT", [BOOL], FType.BOOLEAN, _not),
    _const(True),
    _const(False),
    fn("BLANK", [], FType.BLANK, _blank),
    fn("ERROR", [], FType.BLANK, _error),
    fn("ISERROR", [ANY], FType.BOOLEAN, _iserror, own_errors=True),
]
