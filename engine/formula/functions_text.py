"""Text: CONCATENATE, LEFT, RIGHT, MID, LEN, LOWER, UPPER, TRIM, FIND, SEARCH, SUBSTITUTE,
REPLACE, REPT, T, REGEX_MATCH, REGEX_EXTRACT, REGEX_REPLACE, ENCODE_URL_COMPONENT.

Positions count characters from 1; counts and positions are truncated to whole numbers and
clamped to what makes sense (a negative count is 0)."""

from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa

from . import coerce
from .nodes import Call
from .regex import Pattern, check_regex
from .registry import ANY, NUMBER, TEXT, Kind, fn, literal, optional
from .types import FType
from .values import SQL, Ctx, Val, num

f = sa.func
BIG = 1_000_000_000
MAX_REPT = 1_000_000  # characters REPT may make


@lru_cache(maxsize=256)
def _pattern(source: str) -> Pattern:
    return check_regex(source)


def _text(sql: SQL, *, nullable: bool = False) -> Val:
    return Val(sa.type_coerce(sql, sa.Text()), FType.TEXT, nullable=nullable)


def _number(sql: SQL, *, nullable: bool = False) -> Val:
    return Val(sql, FType.NUMBER, nullable=nullable)


def _concatenate(c: Ctx, args: list[Val], node: Call) -> Val:
    out = args[0].sql
    for a in args[1:]:
        out = out.op("||")(a.sql)
    return _text(out)


def _left(c: Ctx, args: list[Val], node: Call) -> Val:
    count = c.d.integer(args[1].sql, 0, BIG) if len(args) > 1 else 1
    return _text(f.substr(args[0].sql, 1, count))


def _right(c: Ctx, args: list[Val], node: Call) -> Val:
    count = c.d.integer(args[1].sql, 0, BIG) if len(args) > 1 else sa.literal(1, sa.Integer())
    return _text(c.d.right(args[0].sql, count))


def _mid(c: Ctx, args: list[Val], node: Call) -> Val:
    s, start, count = args[0].sql, args[1].sql, args[2].sql
    return _text(f.substr(s, c.d.integer(start, 1, BIG), c.d.integer(count, 0, BIG)))


def _len(c: Ctx, args: list[Val], node: Call) -> Val:
    return _number(f.length(args[0].sql))


def _lower(c: Ctx, args: list[Val], node: Call) -> Val:
    return _text(c.d.lower(args[0].sql))


def _upper(c: Ctx, args: list[Val], node: Call) -> Val:
    return _text(c.d.upper(args[0].sql))


def _trim(c: Ctx, args: list[Val], node: Call) -> Val:
    return _text(c.d.trim(args[0].sql))


def _position(c: Ctx, args: list[Val]) -> SQL:
    needle, hay = args[0].sql, args[1].sql
    if len(args) < 3:
        return c.d.strpos(hay, needle)
    return c.d.find(hay, needle, c.d.integer(args[2].sql, 1, BIG))


def _find(c: Ctx, args: list[Val], node: Call) -> Val:
    return _number(_position(c, args))


def _search(c: Ctx, args: list[Val], node: Call) -> Val:
    return _number(f.nullif(_position(c, args), 0), nullable=True)


def _substitute(c: Ctx, args: list[Val], node: Call) -> Val:
    s, old, new = (a.sql for a in args[:3])
    if len(args) < 4:
        return _text(f.replace(s, old, new))
    index = args[3].sql
    nth = c.d.substitute_nth(s, old, new, c.d.integer(index, 1, BIG))
    return _text(nth).but(err=index < 1)


def _replace(c: Ctx, args: list[Val], node: Call) -> Val:
    s, start, count, new = (a.sql for a in args)
    at = c.d.integer(start, 1, BIG)
    head = f.substr(s, 1, at - 1)
    tail = f.substr(s, at + c.d.integer(count, 0, BIG))
    return _text(head.op("||")(new).op("||")(tail))


def _rept(c: Ctx, args: list[Val], node: Call) -> Val:
    s, count = args[0].sql, c.d.integer(args[1].sql, 0, BIG)
    too_long = c.d.float(f.length(s)) * count > num(MAX_REPT)
    safe = sa.case((too_long, 0), else_=count)
    return _text(c.d.rept(s, safe)).but(err=too_long)


def _t(c: Ctx, args: list[Val], node: Call) -> Val:
    v = args[0]
    if v.ftype is FType.TEXT:
        return v
    return coerce.blank(c, FType.TEXT)


def _regex_match(c: Ctx, args: list[Val], node: Call) -> Val:
    assert isinstance(args[1].const, str)
    return Val(c.d.regex_match(args[0].sql, _pattern(args[1].const)), FType.BOOLEAN, nullable=False)


def _regex_extract(c: Ctx, args: list[Val], node: Call) -> Val:
    assert isinstance(args[1].const, str)
    return _text(c.d.regex_extract(args[0].sql, _pattern(args[1].const)), nullable=True)


def _regex_replace(c: Ctx, args: list[Val], node: Call) -> Val:
    s, pattern, repl = args
    assert isinstance(pattern.const, str)
    const = repl.const if isinstance(repl.const, str) else None
    return _text(c.d.regex_replace(s.sql, _pattern(pattern.const), repl.sql, const))


def _encode_url(c: Ctx, args: list[Val], node: Call) -> Val:
    return _text(c.d.encode_url(args[0].sql))


_REGEX = literal(check_regex)

FUNCTIONS = [
    fn("CONCATENATE", [TEXT], FType.TEXT, _concatenate, variadic=True),
    fn("LEFT", [TEXT, optional(Kind.NUMBER)], FType.TEXT, _left),
    fn("RIGHT", [TEXT, optional(Kind.NUMBER)], FType.TEXT, _right),
    fn("MID", [TEXT, NUMBER, NUMBER], FType.TEXT, _mid),
    fn("LEN", [TEXT], FType.NUMBER, _len),
    fn("LOWER", [TEXT], FType.TEXT, _lower),
    fn("UPPER", [TEXT], FType.TEXT, _upper),
    fn("TRIM", [TEXT], FType.TEXT, _trim),
    fn("FIND", [TEXT, TEXT, optional(Kind.NUMBER)], FType.NUMBER, _find),
    fn("SEARCH", [TEXT, TEXT, optional(Kind.NUMBER)], FType.NUMBER, _search),
    fn("SUBSTITUTE", [TEXT, TEXT, TEXT, optional(Kind.NUMBER)], FType.TEXT, _substitute),
    fn("REPLACE", [TEXT, NUMBER, NUMBER, TEXT], FType.TEXT, _replace),
    fn("REPT", [TEXT, NUMBER], FType.TEXT, _rept),
    fn("T", [ANY], FType.TEXT, _t),
    fn("REGEX_MATCH", [TEXT, _REGEX], FType.BOOLEAN, _regex_match),
    fn("REGEX_EXTRACT", [TEXT, _REGEX], FType.TEXT, _regex_extract),
    fn("REGEX_REPLACE", [TEXT, _REGEX, TEXT], FType.TEXT, _regex_replace),
    fn("ENCODE_URL_COMPONENT", [TEXT], FType.TEXT, _encode_url),
]
