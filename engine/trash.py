"""The trash: deleted records keep their values until purged, and can be restored."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from . import history, permission_writes, relations
from .batch import WriteContext, raise_problems, require_live
from .computed import ROWS, Changes
from .errors import NotFound
from .model import TableSchema, load_table
from .reads import read
from .uniqueness import unique_problems

CHUNK = 1000


def trash(ctx: WriteContext, schema: TableSchema, ids: Sequence[int]) -> None:
    """Move records to the trash; they keep their values and links and can be restored. The
    sub-table rows of a parent go with it, at the same instant."""
    schema = permission_writes.editable(ctx.conn, schema, ids, delete=True)
    require_live(ctx.conn, schema, ids)
    changes = Changes()
    _trash(ctx, schema, ids, changes)
    relations.after_write(ctx.conn, schema.base_id, changes)


def _trash(ctx: WriteContext, schema: TableSchema, ids: Sequence[int], changes: Changes) -> None:
    table = schema.sql
    for k in range(0, len(ids), CHUNK):
        ctx.conn.execute(
            update(table)
            .where(table.c.id.in_(list(ids[k : k + CHUNK])))
            .values(
                trashed_at=ctx.now,
                updated_at=ctx.now,
                updated_by=ctx.actor,
                version=table.c.version + 1,
            )
        )
    history.trashed(ctx, schema, ids)
    changes.add(schema.id, ROWS, ids)
    for child_table, kids in relations.children_of(ctx.conn, schema, ids):
        child = load_table(ctx.conn, child_table)
        live = _live(ctx, child, kids)
        if live:
            _trash(ctx, child, live, changes)


def _live(ctx: WriteContext, schema: TableSchema, ids: Sequence[int]) -> list[int]:
    table = schema.sql
    return list(
        ctx.conn.execute(
            select(table.c.id).where(table.c.id.in_(list(ids)), table.c.trashed_at.is_(None))
        ).scalars()
    )


def restore(ctx: WriteContext, schema: TableSchema, ids: Sequence[int]) -> None:
    """Bring records back from the trash, with the sub-table rows that were trashed with them.
    A unique value taken meanwhile is a ValidationError."""
    schema = permission_writes.editable(ctx.conn, schema, ids, delete=True)
    changes = Changes()
    _restore(ctx, schema, ids, changes)
    relations.after_write(ctx.conn, schema.base_id, changes)


def _restore(ctx: WriteContext, schema: TableSchema, ids: Sequence[int], changes: Changes) -> None:
    table = schema.sql
    found: set[int] = set()
    for k in range(0, len(ids), CHUNK):
        found.update(
            ctx.conn.execute(
                select(table.c.id).where(
                    table.c.id.in_(list(ids[k : k + CHUNK])), table.c.trashed_at.is_not(None)
                )
            ).scalars()
        )
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(
            f"No record with id {missing[0]} in the trash of table {schema.name!r}",
            f"表 {schema.name!r} 的回收站中没有 ID 为 {missing[0]} 的记录",
        )
    when = {
        row.id: row.trashed_at
        for row in ctx.conn.execute(
            select(table.c.id, table.c.trashed_at).where(table.c.id.in_(list(ids)))
        )
    }
    try:
        with ctx.conn.begin_nested():
            for k in range(0, len(ids), CHUNK):
                ctx.conn.execute(
                    update(table)
                    .where(table.c.id.in_(list(ids[k : k + CHUNK])))
                    .values(
                        trashed_at=None,
                        updated_at=ctx.now,
                        updated_by=ctx.actor,
                        version=table.c.version + 1,
                    )
                )
    except IntegrityError:
        rows = read(ctx.conn, schema, ids, include_trashed=True)
        unique = [f for f in schema.fields if f.rules.unique and f.type.stored]
        columns = {f: [r.by_id.get(f.id) for r in rows] for f in unique}
        raise_problems(unique_problems(ctx.conn, schema, columns, range(len(rows)), ids))
        raise
    history.restored(ctx, schema, when)
    changes.add(schema.id, ROWS, ids)
    for child_table, kids in relations.children_of(ctx.conn, schema, ids):
        child = load_table(ctx.conn, child_table)
        ct = child.sql
        moments = set(when.values())
        with_parent = list(
            ctx.conn.execute(
                select(ct.c.id).where(ct.c.id.in_(kids), ct.c.trashed_at.in_(list(moments)))
            ).scalars()
        )
        if with_parent:
            _restore(ctx, child, with_parent, changes)


def purge(ctx: WriteContext, schema: TableSchema, ids: Sequence[int]) -> None:
    """Delete records for good, from the trash or not; NotFound if any does not exist."""
    schema = permission_writes.editable(ctx.conn, schema, ids, delete=True)
    table = schema.sql
    found: set[int] = set()
    for k in range(0, len(ids), CHUNK):
        found.update(
            ctx.conn.execute(
                select(table.c.id).where(table.c.id.in_(list(ids[k : k + CHUNK])))
            ).scalars()
        )
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(
            f"No record with id {missing[0]} in table {schema.name!r}",
            f"表 {schema.name!r} 中没有 ID 为 {missing[0]} 的记录",
        )
    changes = Changes()
    _purge(ctx, schema, ids, changes)
    relations.after_write(ctx.conn, schema.base_id, changes)


def _purge(ctx: WriteContext, schema: TableSchema, ids: Sequence[int], changes: Changes) -> None:
    """Delete records and their links for good; the sub-table rows of a parent go with it."""
    table = schema.sql
    kids = relations.children_of(ctx.conn, schema, ids)
    history.purging(ctx, schema, ids)
    relations.unlink_all(ctx.conn, schema, ids, changes)
    for k in range(0, len(ids), CHUNK):
        ctx.conn.execute(delete(table).where(table.c.id.in_(list(ids[k : k + CHUNK]))))
    changes.add(schema.id, ROWS, ids)
    for child_table, kid_ids in kids:
        _purge(ctx, load_table(ctx.conn, child_table), kid_ids, changes)
