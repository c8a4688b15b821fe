"""Merging duplicate records: one record keeps its values, fills its empty fields from the
others, gathers their links, and the others go to the trash — one transaction, one entry in the
history (so one undo puts everything back).

What is merged, field by field (fields the user may not change are left as they are):
- lists (multiple links, sub-table rows, multiple selects, several users, attachments): the kept
  record's items, then the others' that it does not have yet;
- one value: the kept record's, or when it is empty the first value among the others;
- computed fields follow from the rest.

Links move first (a customer's orders, interactions and tasks now point at the kept record, and
sub-table rows change parent before their old parent goes to the trash), then the others go to
the trash, then the kept record takes their plain values (a unique value such as a mobile number
is free once its old record is in the trash).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import records
from .batch import WriteContext
from .errors import Problem, ValidationError
from .model import FieldDef, TableSchema
from .record import Record

LISTS = ("multiple_select", "attachment")


def merge(ctx: WriteContext, schema: TableSchema, keep: int, others: Sequence[int]) -> None:
    """Merge records `others` into record `keep` of the table (see the module's notes)."""
    others = [i for i in dict.fromkeys(others) if i != keep]
    if not others:
        raise ValidationError(
            [
                Problem(
                    "nothing_to_merge",
                    "Choose at least one other record to merge into this one",
                    "请至少再选择一条要合并进来的记录",
                )
            ]
        )
    found = records.read(ctx.conn, schema, [keep, *others])
    kept, rest = found[0], found[1:]
    links: dict[int, Any] = {}
    plain: dict[int, Any] = {}
    for f in _mergeable(schema):
        value = _merged(f, kept, rest)
        if value is not None:
            (links if f.type.name == "link" else plain)[f.id] = value
    if links:
        records.update_many(ctx, schema, [(keep, links)])
    records.trash(ctx, schema, others)
    if plain:
        records.update_many(ctx, schema, [(keep, plain)])


def _mergeable(schema: TableSchema) -> list[FieldDef]:
    read_only = schema.access.read_only if schema.access is not None else frozenset()
    return [
        f
        for f in schema.fields
        if f.type.stored and not f.type.read_only and f.id not in read_only
    ]


def _merged(f: FieldDef, kept: Record, rest: Sequence[Record]) -> Any:
    """The kept record's new value of field `f`, or None when it stays as it is."""
    mine = kept.by_id.get(f.id)
    theirs = [r.by_id.get(f.id) for r in rest]
    if _is_list(f):
        items = list(mine or [])
        seen = {_key(f, x) for x in items}
        for value in theirs:
            for x in value or []:
                if _key(f, x) not in seen:
                    seen.add(_key(f, x))
                    items.append(x)
        if len(items) == len(mine or []):
            return None
        return [x["id"] for x in items] if f.type.name == "link" else items
    if not _empty(mine):
        return None
    value = next((v for v in theirs if not _empty(v)), None)
    if value is None:
        return None
    return [x["id"] for x in value] if f.type.name == "link" else value


def _is_list(f: FieldDef) -> bool:
    name = f.type.name
    if name in ("link", "user"):
        return bool(f.type.options.multiple)
    return name in LISTS


def _key(f: FieldDef, item: Any) -> Any:
    if isinstance(item, dict):
        return item.get("id", item.get("hash"))
    return item


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False
