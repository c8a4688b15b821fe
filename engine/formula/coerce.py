"""Turning a value of one type into the form another use needs (Airtable's rules): blanks are 0
in arithmetic and "" in text; true/false are 1/0 as numbers and "1"/"0" as text; a date is
midnight of its day on the base's (or SET_TIMEZONE's) wall clock; a list is its items joined by
", "; text given where a date is wanted is read as one (an error value when it is not)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from ..sqltypes import UTCDateTime
from . import pydates
from .datefmt import DEFAULT_PARSE, ParseSpec
from .types import FType
from .values import SQL, Cond, Ctx, Val, num, txt


def typed_null(c: Ctx, ftype: FType) -> SQL:
    pg = c.d.name == "postgresql"
    types: dict[FType, sa.types.TypeEngine[Any]] = {
        FType.NUMBER: sa.Float(),
        FType.BOOLEAN: sa.Boolean(),
        FType.DATE: sa.Date() if pg else sa.Text(),
        FType.DATETIME: sa.DateTime(timezone=True) if pg else sa.Text(),
        FType.ARRAY: JSONB() if pg else sa.Text(),
    }
    return sa.cast(sa.null(), types.get(ftype, sa.Text()))


def blank(c: Ctx, ftype: FType) -> Val:
    return Val(typed_null(c, ftype), ftype)


# --- numbers -----------------------------------------------------------------------------------
def to_number(c: Ctx, v: Val) -> SQL:
    """The number, or NULL for blank."""
    if v.ftype is FType.BOOLEAN:
        return c.d.bool_num(v.sql)
    if v.ftype is FType.BLANK:
        return typed_null(c, FType.NUMBER)
    assert v.ftype is FType.NUMBER, v.ftype
    return v.sql


def number(c: Ctx, v: Val) -> Val:
    """A number that is never NULL: blank is 0."""
    sql = to_number(c, v)
    if v.nullable:
        sql = sa.func.coalesce(sql, num(0))
    return Val(sql, FType.NUMBER, v.err, nullable=False, const=v.const)


# --- text --------------------------------------------------------------------------------------
def to_text(c: Ctx, v: Val) -> SQL:
    """The text, or NULL for blank."""
    d, sql = c.d, v.sql
    match v.ftype:
        case FType.TEXT:
            return sql
        case FType.NUMBER:
            return d.num_text(sql)
        case FType.BOOLEAN:
            if v.nullable:
                return sa.case({True: txt("1"), False: txt("0")}, value=sql)
            return sa.case((sql, txt("1")), else_=txt("0"))
        case FType.DATE:
            return d.date_text(sql)
        case FType.DATETIME:
            return d.iso_text(sql)
        case FType.ARRAY:
            return d.array_join(sql, txt(", "))
    return typed_null(c, FType.TEXT)


def text(c: Ctx, v: Val) -> Val:
    """Text that is never NULL: blank is ""."""
    sql = to_text(c, v)
    if v.nullable or v.ftype is not FType.TEXT:
        sql = sa.func.coalesce(sql, txt(""))
    return Val(sa.type_coerce(sql, sa.Text()), FType.TEXT, v.err, nullable=False, const=v.const)


# --- true / false ------------------------------------------------------------------------------
def truthy(c: Ctx, v: Val) -> Cond:
    """Whether the value counts as true: not blank, not 0, not "", not an empty list."""
    sql = v.sql
    match v.ftype:
        case FType.BOOLEAN:
            return sa.func.coalesce(sql, sa.false()) if v.nullable else sql
        case FType.NUMBER:
            return (sa.func.coalesce(sql, num(0)) if v.nullable else sql) != num(0)
        case FType.TEXT:
            return (sa.func.coalesce(sql, txt("")) if v.nullable else sql) != txt("")
        case FType.DATE | FType.DATETIME:
            return sql.is_not(None)
        case FType.ARRAY:
            return sa.func.coalesce(c.d.array_len(sql), 0) > 0
    return sa.false()


def boolean(c: Ctx, v: Val) -> Val:
    return Val(truthy(c, v), FType.BOOLEAN, v.err, nullable=False)


# --- dates -------------------------------------------------------------------------------------
def temporal(c: Ctx, v: Val) -> Val:
    """A date or date-time: text is read as an ISO date (and time), blank is a blank date-time."""
    if v.ftype in (FType.DATE, FType.DATETIME):
        return v
    if v.ftype is FType.BLANK:
        return blank(c, FType.DATETIME).but(err=v.err)
    assert v.ftype is FType.TEXT, v.ftype
    if isinstance(v.const, str):
        return parsed_constant(c, v.const, DEFAULT_PARSE).with_err(v.err)
    parsed = c.d.parse(v.sql, DEFAULT_PARSE, c.timezone)
    unreadable = sa.and_(parsed.is_(None), sa.func.coalesce(c.d.trim(v.sql), txt("")) != "")
    return Val(parsed, FType.DATETIME, v.err).with_err(unreadable)


def parsed_constant(c: Ctx, text: str, spec: ParseSpec) -> Val:
    """Text written in the formula, read as a date-time when compiling (as the SQL would)."""
    if not text.strip():
        return blank(c, FType.DATETIME)
    found = pydates.parse(text, spec, c.timezone)
    if found is None or not 1 <= found.year <= 9999:
        return blank(c, FType.DATETIME).but(err=sa.true())
    stamp = sa.literal(found.replace(tzinfo=dt.UTC), UTCDateTime())  # storage form, bound
    return Val(stamp, FType.DATETIME, nullable=False)


def instant(c: Ctx, v: Val) -> SQL:
    if v.ftype is FType.DATE:
        return c.d.instant_of_local(c.d.local_of_date(v.sql), c.zone(v))
    return v.sql


def local(c: Ctx, v: Val) -> SQL:
    if v.ftype is FType.DATE:
        return c.d.local_of_date(v.sql)
    return c.d.local_of_instant(v.sql, c.zone(v))


def day(c: Ctx, v: Val) -> SQL:
    if v.ftype is FType.DATE:
        return v.sql
    return c.d.date_of_local(local(c, v))


# --- lists -------------------------------------------------------------------------------------
def array(c: Ctx, v: Val) -> Val:
    """A list that is never NULL: blank is [], anything else a list of one."""
    d = c.d
    if v.ftype is FType.ARRAY:
        sql = sa.func.coalesce(v.sql, d.empty_array()) if v.nullable else v.sql
    elif v.ftype is FType.BLANK:
        sql = d.empty_array()
    else:
        item = to_number(c, v) if v.ftype in (FType.NUMBER, FType.BOOLEAN) else to_text(c, v)
        sql = d.array_of_one(item)
    return Val(sql, FType.ARRAY, v.err, nullable=False)


def to(c: Ctx, v: Val, target: FType) -> Val:
    """`v` as a value of type `target` (which `types.unify` chose for it)."""
    if v.ftype is target or target is FType.BLANK:
        return v
    if v.ftype is FType.BLANK:
        return blank(c, target).but(err=v.err)
    if target is FType.NUMBER:
        return Val(to_number(c, v), target, v.err, nullable=v.nullable)
    if target is FType.DATETIME and v.ftype is FType.DATE:
        return Val(instant(c, v), target, v.err, nullable=v.nullable, zone=v.zone)
    if target is FType.TEXT:
        return Val(to_text(c, v), target, v.err)
    if target is FType.BOOLEAN:
        return boolean(c, v)
    raise AssertionError(f"cannot make {v.ftype} into {target}")
