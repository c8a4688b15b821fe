"""Kanban: stacks by a single select or user field, counts per stack, moving cards.

Stacks are every option of the field (in the view's stack order, then the option order) plus
"uncategorised" for records without a value. Counts come from one GROUP BY over the view's
filter. Moving a card sets its stack value and its place in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from engine import records
from engine.errors import SchemaError
from engine.model import FieldDef, TableSchema
from engine.operators import value_kind
from engine.query import Compiler, QueryContext, QueryResult, run
from schemas.query import Condition, FilterGroup, Page

from .model import View
from .store import query_spec

UNCATEGORISED = ""


@dataclass
class Stack:
    key: str  # option name, user id as text, or "" for uncategorised
    value: Any  # what the stack field holds for its cards (None when uncategorised)
    count: int
    collapsed: bool
    color: str | None = None


def stack_field(view: View, schema: TableSchema) -> FieldDef:
    if view.kind != "kanban" or view.config.stack_field is None:
        raise SchemaError("This view has no stack field", "此视图未设置分组字段")
    return schema.field(view.config.stack_field)


def _key(value: Any) -> str:
    return UNCATEGORISED if value is None else str(value)


def stacks(
    conn: Connection,
    schema: TableSchema,
    view: View,
    ctx: QueryContext | None = None,
    *,
    search: str | None = None,
) -> list[Stack]:
    f = stack_field(view, schema)
    compiler = Compiler(conn, schema, ctx or QueryContext())
    spec = query_spec(view, schema, search=search)
    col = compiler.column(f)
    counts = {
        _key(value): int(n)
        for value, n in conn.execute(
            select(col, func.count())
            .select_from(compiler.table)
            .where(*compiler.where(spec, compiler.schema.fields))
            .group_by(col)
        )
    }
    if value_kind(f.type) == "select":
        options = [(c.name, c.name, c.color) for c in f.type.options.choices]
    else:
        options = [(k, int(k), None) for k in counts if k != UNCATEGORISED]
    order = {k: i for i, k in enumerate(view.config.stack_order)}
    options.sort(key=lambda o: order.get(o[0], len(order)))
    collapsed = set(view.config.collapsed)
    out = [Stack(UNCATEGORISED, None, counts.get(UNCATEGORISED, 0), UNCATEGORISED in collapsed)]
    for key, value, color in options:
        out.append(Stack(key, value, counts.get(key, 0), key in collapsed, color))
    if view.config.hide_empty_stacks:
        out = [s for s in out if s.count]
    return out


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
    if stack_key == UNCATEGORISED:
        cond = Condition(field=f.id, op="is_empty")
    else:
        value: Any = stack_key if value_kind(f.type) == "select" else int(stack_key)
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
    """Put a card into a stack, before or after another card (or at the end): one write."""
    f = stack_field(view, schema)
    if stack_key == UNCATEGORISED:
        value: Any = None
    else:
        value = stack_key if value_kind(f.type) == "select" else int(stack_key)
    records.update_many(ctx, schema, [(record_id, {f.id: value})])
    if before is not None or after is not None:
        records.move(ctx, schema, record_id, before=before, after=after)
