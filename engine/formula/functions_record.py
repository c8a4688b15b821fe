"""The record itself: RECORD_ID, CREATED_TIME, LAST_MODIFIED_TIME."""

from __future__ import annotations

import sqlalchemy as sa

from . import coerce
from .nodes import Call
from .registry import fn
from .types import FType
from .values import Ctx, Val


def _record_id(c: Ctx, args: list[Val], node: Call) -> Val:
    return Val(sa.cast(c.record_id, sa.Text()), FType.TEXT, nullable=False)


def _created(c: Ctx, args: list[Val], node: Call) -> Val:
    sql = sa.type_coerce(c.created, coerce.typed_null(c, FType.DATETIME).type)
    return Val(sql, FType.DATETIME)


def _modified(c: Ctx, args: list[Val], node: Call) -> Val:
    sql = sa.type_coerce(c.modified, coerce.typed_null(c, FType.DATETIME).type)
    return Val(sql, FType.DATETIME)


FUNCTIONS = [
    fn("RECORD_ID", [], FType.TEXT, _record_id),
    fn("CREATED_TIME", [], FType.DATETIME, _created),
    fn("LAST_MODIFIED_TIME", [], FType.DATETIME, _modified),
]
