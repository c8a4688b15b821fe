"""Lists (lookups, multiple selects, attachments): ARRAYJOIN, ARRAYUNIQUE, ARRAYCOMPACT,
ARRAYFLATTEN. Nested lists are flattened (four levels deep); an attachment shows as its file
name; any other value given where a list is wanted is a list of one."""

from __future__ import annotations

from .nodes import Call
from .registry import ARRAY, Function, Kind, fn, optional
from .types import FType
from .values import Ctx, Val, txt


def _arrayjoin(c: Ctx, args: list[Val], node: Call) -> Val:
    sep = args[1].sql if len(args) > 1 else txt(", ")
    return Val(c.d.array_join(args[0].sql, sep), FType.TEXT)


def _op(name: str, op: str) -> Function:
    def impl(c: Ctx, args: list[Val], node: Call) -> Val:
        return Val(c.d.array_op(op, args[0].sql), FType.ARRAY, nullable=False)

    return fn(name, [ARRAY], FType.ARRAY, impl)


FUNCTIONS = [
    fn("ARRAYJOIN", [ARRAY, optional(Kind.TEXT)], FType.TEXT, _arrayjoin),
    _op("ARRAYUNIQUE", "unique"),
    _op("ARRAYCOMPACT", "compact"),
    _op("ARRAYFLATTEN", "flatten"),
]
