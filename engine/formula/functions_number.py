"""Numbers: ABS, ROUND, ROUNDUP, ROUNDDOWN, CEILING, FLOOR, INT, MOD, POWER, SQRT, EXP, LOG,
EVEN, ODD, MIN, MAX, SUM, AVERAGE, COUNT, COUNTA, COUNTALL, VALUE.

Rounding and MOD work in decimal (so ROUND(1.005, 2) is 1.01 and CEILING(0.3, 0.1) is 0.3);
ROUND breaks ties toward +infinity, as Airtable's does. The aggregates take numbers and lists
(lookups, rollups) alike; MIN, MAX and AVERAGE of nothing are blank."""

from __future__ import annotations

import sqlalchemy as sa

from . import coerce
from .nodes import Call
from .registry import ANY, NUMBER, NUMBERS, TEXT, Function, Kind, fn, optional
from .types import FType
from .values import SQL, Ctx, Val, div, num, txt

f = sa.func


def _number(sql: SQL, *, nullable: bool = False) -> Val:
    return Val(sql, FType.NUMBER, nullable=nullable)


def _abs(c: Ctx, args: list[Val], node: Call) -> Val:
    return _number(f.abs(args[0].sql))


def _rounding(op: str, default: float) -> Function:
    def impl(c: Ctx, args: list[Val], node: Call) -> Val:
        y = args[1].sql if len(args) > 1 else num(default)
        return _number(c.d.decimal(op, args[0].sql, y))

    return fn(op.upper(), [NUMBER, optional(Kind.NUMBER)], FType.NUMBER, impl)


def _int(c: Ctx, args: list[Val], node: Call) -> Val:
    return _number(f.floor(args[0].sql))


def _mod(c: Ctx, args: list[Val], node: Call) -> Val:
    a, b = args[0].sql, args[1].sql
    return _number(c.d.decimal("mod", a, b)).but(err=b == 0)


def _power(c: Ctx, args: list[Val], node: Call) -> Val:
    value = c.d.power(args[0].sql, args[1].sql)
    return _number(value).but(err=value.is_(None))


def _sqrt(c: Ctx, args: list[Val], node: Call) -> Val:
    x = args[0].sql
    return _number(c.d.sqrt(x)).but(err=x < 0)


def _exp(c: Ctx, args: list[Val], node: Call) -> Val:
    x = args[0].sql
    return _number(c.d.exp(x)).but(err=x > 709)


def _log(c: Ctx, args: list[Val], node: Call) -> Val:
    x = args[0].sql
    base = args[1] if len(args) > 1 else None
    if base is None or base.const == 10:
        return _number(c.d.log10(x)).but(err=x <= 0)
    b = base.sql
    value = div(c.d.ln(x), f.nullif(c.d.ln(b), 0.0))
    return _number(value).but(err=sa.or_(x <= 0, b <= 0, b == 1))


def _even(c: Ctx, args: list[Val], node: Call) -> Val:
    return _number(c.d.decimal("even", args[0].sql, num(0)))


def _odd(c: Ctx, args: list[Val], node: Call) -> Val:
    return _number(c.d.decimal("odd", args[0].sql, num(0)))


def _items(c: Ctx, args: list[Val]) -> list[tuple[str, SQL]]:
    items: list[tuple[str, SQL]] = []
    for v in args:
        if v.ftype is FType.ARRAY:
            items.append(("array", coerce.array(c, v).sql))
        elif v.ftype in (FType.NUMBER, FType.BOOLEAN, FType.BLANK):
            items.append(("number", coerce.to_number(c, v)))
        else:
            items.append(("text", coerce.to_text(c, v)))
    return items


def _aggregate(name: str, op: str, param: Kind) -> Function:
    def impl(c: Ctx, args: list[Val], node: Call) -> Val:
        lists = any(a.ftype is FType.ARRAY for a in args)
        if not lists and op == "sum":
            total = coerce.number(c, args[0]).sql
            for a in args[1:]:
                total = total + coerce.number(c, a).sql
            return _number(total)
        if not lists and op == "countall":
            return _number(num(len(args)))
        value = c.d.aggregate(op, _items(c, args))
        return _number(value, nullable=op in ("avg", "min", "max"))

    p = NUMBERS if param is Kind.NUMBERS else ANY
    return fn(name, [p], FType.NUMBER, impl, variadic=True)


def _value(c: Ctx, args: list[Val], node: Call) -> Val:
    s = args[0].sql
    value = c.d.text_num(s)
    unreadable = sa.and_(value.is_(None), c.d.trim(s) != txt(""))
    return _number(value, nullable=True).but(err=unreadable)


FUNCTIONS = [
    fn("ABS", [NUMBER], FType.NUMBER, _abs),
    _rounding("round", 0),
    _rounding("roundup", 0),
    _rounding("rounddown", 0),
    _rounding("ceiling", 1),
    _rounding("floor", 1),
    fn("INT", [NUMBER], FType.NUMBER, _int),
    fn("MOD", [NUMBER, NUMBER], FType.NUMBER, _mod),
    fn("POWER", [NUMBER, NUMBER], FType.NUMBER, _power),
    fn("SQRT", [NUMBER], FType.NUMBER, _sqrt),
    fn("EXP", [NUMBER], FType.NUMBER, _exp),
    fn("LOG", [NUMBER, optional(Kind.NUMBER)], FType.NUMBER, _log),
    fn("EVEN", [NUMBER], FType.NUMBER, _even),
    fn("ODD", [NUMBER], FType.NUMBER, _odd),
    _aggregate("MIN", "min", Kind.NUMBERS),
    _aggregate("MAX", "max", Kind.NUMBERS),
    _aggregate("SUM", "sum", Kind.NUMBERS),
    _aggregate("AVERAGE", "avg", Kind.NUMBERS),
    _aggregate("COUNT", "count", Kind.ANY),
    _aggregate("COUNTA", "counta", Kind.ANY),
    _aggregate("COUNTALL", "countall", Kind.ANY),
    fn("VALUE", [TEXT], FType.NUMBER, _value),
]
