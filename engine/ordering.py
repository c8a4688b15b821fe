"""The manual order of records: a float position per record, ties broken by id.

Moving a record gives it the midpoint between its new neighbours; when no float fits between them
the table's positions are spread out again (1, 2, 3, ...) in one statement and the move retried.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, and_, func, or_, select, update

from . import history, permission_writes
from .batch import WriteContext, require_live
from .model import TableSchema


def move(
    ctx: WriteContext,
    schema: TableSchema,
    record_id: int,
    *,
    before: int | None = None,
    after: int | None = None,
) -> None:
    """Place a record just before or just after another in the manual order."""
    table = schema.sql
    conn = ctx.conn
    anchor_id = before if before is not None else after
    if anchor_id is None or (before is not None and after is not None):
        raise ValueError("give exactly one of before= or after=")
    schema = permission_writes.editable(conn, schema, [record_id, anchor_id])
    table = schema.sql
    require_live(conn, schema, [record_id, anchor_id])
    if anchor_id == record_id:
        return
    live = table.c.trashed_at.is_(None)
    others = table.c.id != record_id
    for _ in range(2):
        anchor = conn.execute(
            select(table.c.position, table.c.id).where(table.c.id == anchor_id)
        ).one()
        key = (table.c.position, table.c.id)
        if before is not None:
            neighbour = conn.execute(
                select(func.max(table.c.position)).where(
                    live, others, _before(key, (anchor.position, anchor.id))
                )
            ).scalar()
            low = float(neighbour) if neighbour is not None else anchor.position - 2.0
            high = anchor.position
        else:
            neighbour = conn.execute(
                select(func.min(table.c.position)).where(
                    live, others, _after(key, (anchor.position, anchor.id))
                )
            ).scalar()
            low = anchor.position
            high = float(neighbour) if neighbour is not None else anchor.position + 2.0
        middle = (low + high) / 2
        if low < middle < high:
            history.moving(ctx, schema, record_id, middle)
            conn.execute(update(table).where(table.c.id == record_id).values(position=middle))
            return
        renumber(conn, table)
    raise RuntimeError("could not find room to move the record")


def _before(key: tuple[Any, Any], value: tuple[float, int]) -> Any:
    return or_(key[0] < value[0], and_(key[0] == value[0], key[1] < value[1]))


def _after(key: tuple[Any, Any], value: tuple[float, int]) -> Any:
    return or_(key[0] > value[0], and_(key[0] == value[0], key[1] > value[1]))


def renumber(conn: Connection, table: Table) -> None:
    """Spread positions out again (1, 2, 3, ...) in one statement, keeping the order."""
    ranked = (
        select(
            table.c.id.label("rid"),
            func.row_number().over(order_by=(table.c.position, table.c.id)).label("rn"),
        )
    ).subquery()
    conn.execute(update(table).where(table.c.id == ranked.c.rid).values(position=ranked.c.rn))
