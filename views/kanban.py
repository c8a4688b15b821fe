"""Kanban: stacks by a single select or user field, counts per stack, moving cards.

Stacks are "uncategorised" (records without a value) and every option of the field — or, for a
user field, every user named in the stack order or holding cards — in the view's stack order,
then the field's own order. Counts come from one GROUP BY over the view's filter and search, the
same WHERE a stack's cards are read with. Moving a card sets its stack value and its place in
one savepoint: both happen, or neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from engine import meta, records
from engine.errors import NotFound, Problem, QueryError, SchemaError, ValidationError
from engine.fields.choice import SingleSelectType
from engine.model import FieldDef, TableSchema
from engine.query import Compiler, QueryContext, QueryResult, remembered, run, visible_fields
from schemas.query import Condition, FilterGroup, Page

from .model import KanbanConfig, View
from .store import query_spec

UNCATEGORISED = ""


@dataclass
class Stack:
    key: str  # option name, user id as text, or "" for uncategorised
    value: Any  # what the stack field holds for its cards (None when uncategorised)
    label: str  # what to call it: the option, the user's name; "" for uncategorised
    count: int
    collapsed: bool
    color: str | None = None


def _config(view: View) -> KanbanConfig:
    if view.kind != "kanban" or view.config.stack_field is None:
        raise SchemaError("This view has no stack field", "此视图未设置分组字段")
    config: KanbanConfig = view.config
    return config


def stack_field(view: View, schema: TableSchema) -> FieldDef:
    config = _config(view)
    assert config.stack_field is not None
    try:
        return schema.field(config.stack_field)
    except NotFound:
        raise SchemaError(
            "The stack field of this view was deleted; choose another",
            "此视图的分组字段已被删除，请重新选择",
        ) from None


def _key(value: Any) -> str:
    return UNCATEGORISED if value is None else str(value)


def _value(f: FieldDef, key: str) -> Any:
    """The stack field's value in stack `key`; QueryError for a key that names no stack."""
    if key == UNCATEGORISED:
        return None
    if isinstance(f.type, SingleSelectType):
        return key
    if key.isdecimal():
        return int(key)
    raise QueryError(f"{key!r} is not a stack of {f.name!r}", f"{key!r} 不是字段 {f.name!r} 的分组")


def stacks(
    conn: Connection,
    schema: TableSchema,
    view: View,
    ctx: QueryContext | None = None,
    *,
    search: str | None = None,
) -> list[Stack]:
    """Every stack of the view, in order, with the number of its cards."""
    f = stack_field(view, schema)
    config = _config(view)
    compiler = Compiler(conn, schema, ctx or QueryContext())
    spec = query_spec(view, schema, search=search)
    col = compiler.column(f)
    counts: dict[str, int] = {}
    where = compiler.where(spec, visible_fields(schema, spec.fields))
    stmt = select(col, func.count()).select_from(compiler.table).where(*where).group_by(col)
    # kept like a page's count until the database changes: with a quick search, say, the
    # GROUP BY reads every record
    grouped = remembered(conn, stmt, lambda _: tuple(tuple(r) for r in conn.execute(stmt)))
    for raw, n in grouped:
        key = _key(f.type.from_db(raw))
        counts[key] = counts.get(key, 0) + int(n)
    found = [Stack(UNCATEGORISED, None, "", 0, False)]
    if isinstance(f.type, SingleSelectType):
        found += [Stack(c.name, c.name, c.name, 0, False, c.color) for c in f.type.options.choices]
    else:
        ids = {int(k) for k in [*config.stack_order, *counts] if k.isdecimal()}
        u = meta.users
        names = dict(conn.execute(select(u.c.id, u.c.name).where(u.c.id.in_(ids))).all())
        found += [Stack(str(i), i, names.get(i, str(i)), 0, False) for i in sorted(ids)]
    rank = {k: i for i, k in enumerate(config.stack_order)}
    found.sort(key=lambda s: rank.get(s.key, len(rank)))  # stable: the rest keep their order
    collapsed = set(config.collapsed)
    for s in found:
        s.count = counts.get(s.key, 0)
        s.collapsed = s.key in collapsed
    if config.hide_empty_stacks:
        found = [s for s in found if s.count]
    return found


def cards(
    conn: Connection,
    schema: TableSchema,
    view: View,
    stack_key: str,
    ctx: QueryContext | None = None,
    *,
    page: Page | None = None,
    search: str | None = None,
) -> QueryResult:
    """One page of one stack's cards, in the view's sort (or the manual order)."""
    f = stack_field(view, schema)
    value = _value(f, stack_key)
    if value is None:
        cond = Condition(field=f.id, op="is_empty")
    else:
        cond = Condition(field=f.id, op="is", value=value)
    spec = query_spec(
        view, schema, page=page, search=search, extra=FilterGroup(items=[cond]), count=False
    )
    return run(conn, schema, spec, ctx)


def move_card(
    ctx: records.WriteContext,
    schema: TableSchema,
    view: View,
    record_id: int,
    stack_key: str,
    *,
    before: int | None = None,
    after: int | None = None,
) -> None:
    """Put a card into a stack, just before or after another card of that stack, or at its end.
    Either all of it happens or nothing does (a ValidationError when the value does not fit)."""
    if before is not None and after is not None:
        raise ValueError("give at most one of before= or after=")
    f = stack_field(view, schema)
    try:
        value = _value(f, stack_key)
    except QueryError as e:
        raise ValidationError([_problem(f, "unknown_stack", e.message_en, e.message_zh)]) from None
    table = schema.sql
    col = table.c[f.column]
    with ctx.conn.begin_nested():
        records.update_many(ctx, schema, [(record_id, {f.id: value})])
        stored = ctx.conn.execute(select(col).where(table.c.id == record_id)).scalar()
        anchor = before if before is not None else after
        if anchor is not None:
            found = ctx.conn.execute(
                select(col).where(table.c.id == anchor, table.c.trashed_at.is_(None))
            ).first()
            if found is None:
                raise NotFound(f"No record with id {anchor}", f"没有 ID 为 {anchor} 的记录")
            if found[0] != stored:
                raise ValidationError(
                    [
                        _problem(
                            f,
                            "other_stack",
                            f"Record {anchor} is in another stack",
                            f"记录 {anchor} 在另一个分组中",
                        )
                    ]
                )
            records.move(ctx, schema, record_id, before=before, after=after)
            return
        same = col.is_(None) if stored is None else col == stored
        last = ctx.conn.execute(
            select(table.c.id)
            .where(same, table.c.trashed_at.is_(None), table.c.id != record_id)
            .order_by(table.c.position.desc(), table.c.id.desc())
            .limit(1)
        ).scalar()
        if last is not None:
            records.move(ctx, schema, record_id, after=last)


def _problem(f: FieldDef, code: str, en: str, zh: str) -> Problem:
    return Problem(code, en, zh, field_id=f.id, field_name=f.name)
