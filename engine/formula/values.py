"""What compiling a node yields: a SQL value expression and an "is an error" condition.

Errors never abort a statement: a node whose value cannot be computed (1/0, a bad date) has an
`err` condition that is true for that row, and its `sql` is then meaningless. Only the final
result turns an error into NULL (or ISERROR() into true), so IF(ISERROR(1/0), …) works.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from .types import FType

if TYPE_CHECKING:
    from .dialect import Dialect

SQL = ColumnElement[Any]
Cond = ColumnElement[bool]


@dataclass(frozen=True)
class Val:
    sql: SQL
    ftype: FType
    err: Cond | None = None  # None: can never be an error
    nullable: bool = True  # False: never NULL (blank) when not an error
    zone: str | None = None  # SET_TIMEZONE's zone, for date and datetime values
    const: str | float | None = None  # the value of a literal, known when compiling

    def but(self, **changes: Any) -> Val:
        return replace(self, **changes)

    def with_err(self, *errs: Cond | None) -> Val:
        return replace(self, err=any_err(self.err, *errs))


@dataclass(frozen=True)
class Ctx:
    """Everything a function needs to compile: the dialect, the record's system columns, the
    base's time zone and the current time."""

    d: Dialect
    record_id: SQL
    created: SQL
    modified: SQL
    timezone: str
    now: SQL

    def zone(self, v: Val) -> str:
        return v.zone or self.timezone


def any_err(*errs: Cond | None) -> Cond | None:
    present = [e for e in errs if e is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return sa.or_(*present)


def num(value: float) -> SQL:
    """A number literal, always a bound float (so no integer division, ever)."""
    return sa.literal(float(value), sa.Float())


def div(a: SQL, b: SQL) -> SQL:
    """a / b in floating point on both databases (SQLAlchemy casts a divisor of another type
    to NUMERIC, which on PostgreSQL would round it to 15 digits)."""
    return sa.type_coerce(a, sa.Float()) / sa.type_coerce(b, sa.Float())


def txt(value: str) -> SQL:
    return sa.literal(value, sa.Text())
