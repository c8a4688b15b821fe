"""Record writes and links: link values go to junctions, then computed values follow.

Every record write calls in here in its own transaction: `take_links` takes the link values out
of the columns written, `write_links` puts them in the junctions (noting both sides as changed),
and `after_write` recomputes whatever the write may have changed (`computed.propagate`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Connection, Integer, MetaData, Table, select

from . import computed, history, links, meta
from .computed import Changes
from .errors import Problem, ValidationError
from .model import FieldDef, TableSchema, load_table
from .names import table_name
from .sqltypes import UTCDateTime

RELATIONAL = ("link", "lookup", "rollup", "count", "formula")


def take_links(columns: dict[FieldDef, list[Any]]) -> dict[FieldDef, list[Any]]:
    """Remove the link fields from a write's columns: their values go to junctions, not columns."""
    found = {f: v for f, v in columns.items() if f.type.name == "link"}
    for f in found:
        del columns[f]
    return found


def write_links(
    conn: Connection,
    schema: TableSchema,
    ids: Sequence[int],
    columns: dict[FieldDef, list[Any]],
    changes: Changes,
    *,
    creating: bool = False,
) -> None:
    """Set the links of records `ids` (aligned with each column's values) and note the change
    on both sides. New records without links need no work. Links to records in the trash stay
    (a multiple link's value shows live records only, so writing it back must not drop them)."""
    for f, values in columns.items():
        wanted = {rid: list(v or []) for rid, v in zip(ids, values, strict=True)}
        if creating:
            wanted = {rid: v for rid, v in wanted.items() if v}
            if not wanted:
                continue
        o = f.type.options
        single_other = False
        inverse: FieldDef | None = None
        if o.inverse_field_id is not None:
            inverse = load_table(conn, o.table_id).field(o.inverse_field_id)
            single_other = not inverse.type.options.multiple
        if single_other:
            _refuse_shared(f, inverse, ids, values)
        targets = {b for v in wanted.values() for b in v} if single_other else None
        before = history.links_before(conn, f, wanted, targets)
        touched, losers = links.set_links(
            conn, f, wanted, single_other=single_other, keep_trashed=bool(o.multiple)
        )
        history.links_after(conn, schema, f, before, creating=creating)
        if o.role == "children" and touched:
            _refuse_orphans(conn, f, inverse, touched)
        # records here that lost a partner to this write (it may hold one link only) change too
        changes.add(schema.id, f.id, [*wanted, *losers])
        if inverse is not None:
            changes.add(o.table_id, inverse.id, touched)


def _refuse_shared(
    f: FieldDef, inverse: FieldDef | None, ids: Sequence[int], values: Sequence[Any]
) -> None:
    """A record on the other side can be linked from one record only: not from two in a batch."""
    seen = Counter(b for v in values for b in set(v or ()))
    twice = {b for b, n in seen.items() if n > 1}
    if not twice:
        return
    other = inverse.name if inverse is not None else "?"
    problems = [
        Problem(
            "too_many",
            f"Record {b} is linked from several records of this batch, but its {other!r} "
            "holds one link only",
            f"记录 {b} 在本批中被多条记录关联，但它的 {other!r} 只能关联一条记录",
            f.id,
            f.name,
            row,
        )
        for row, v in enumerate(values)
        for b in sorted(set(v or ()) & twice)
    ]
    raise ValidationError(problems)


def _refuse_orphans(
    conn: Connection, f: FieldDef, inverse: FieldDef | None, touched: set[int]
) -> None:
    """A sub-table row must keep a parent: taking it out of its parent's list is refused while it
    is live (delete it, or give it another parent, instead)."""
    j, _, other, _, _ = links.sides(f)
    kids = sorted(touched)
    child = _live(f.type.options.table_id)
    orphans: list[int] = []
    for k in range(0, len(kids), links.CHUNK):
        part = kids[k : k + links.CHUNK]
        has_parent = select(j.c.a).where(other == child.c.id).exists()
        orphans += conn.execute(
            select(child.c.id).where(
                child.c.id.in_(part), child.c.trashed_at.is_(None), ~has_parent
            )
        ).scalars()
    if orphans:
        shown = ", ".join(str(i) for i in orphans[:10])
        name = inverse.name if inverse is not None else "parent"
        raise ValidationError(
            [
                Problem(
                    "required",
                    f"Records {shown} would be left without {name!r}; delete them or move them "
                    "to another parent instead",
                    f"记录 {shown} 将失去 {name!r}；请删除它们或将其移到其他父记录下",
                    f.id,
                    f.name,
                )
            ]
        )


def _live(table_id: int) -> Table:
    return Table(
        table_name(table_id),
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("trashed_at", UTCDateTime()),
    )


def link_fields(schema: TableSchema) -> list[FieldDef]:
    return [f for f in schema.fields if f.type.name == "link"]


def children_of(
    conn: Connection, schema: TableSchema, ids: Sequence[int]
) -> list[tuple[int, list[int]]]:
    """(child table id, child record ids) of a sub-table parent's records."""
    out: list[tuple[int, list[int]]] = []
    for f in link_fields(schema):
        if f.type.options.role != "children":
            continue
        found = links.linked(conn, f, list(ids))
        kids = sorted({k for v in found.values() for k in v})
        if kids:
            out.append((f.type.options.table_id, kids))
    return out


def unlink_all(conn: Connection, schema: TableSchema, ids: Sequence[int], changes: Changes) -> None:
    """Remove every link of records that are purged, noting the other sides."""
    for f in link_fields(schema):
        touched = links.unlink_records(conn, f, ids)
        inverse_id = f.type.options.inverse_field_id
        if inverse_id is not None and touched:
            changes.add(f.type.options.table_id, inverse_id, touched)


def has_computed(conn: Connection, base_id: int) -> bool:
    """Whether any field of the base is computed or a link (one indexed query)."""
    f, t = meta.fields, meta.tables
    return (
        conn.execute(
            select(f.c.id)
            .select_from(f.join(t, t.c.id == f.c.table_id))
            .where(t.c.base_id == base_id, f.c.type.in_(RELATIONAL))
            .limit(1)
        ).first()
        is not None
    )


def after_write(conn: Connection, base_id: int, changes: Changes) -> None:
    """Bring computed values up to date after a write (no-op for bases without any)."""
    if not has_computed(conn, base_id):
        return
    graph = computed.load_graph(conn, base_id)
    if graph.order:
        computed.propagate(conn, graph, changes)


__all__ = [
    "after_write",
    "children_of",
    "has_computed",
    "link_fields",
    "take_links",
    "unlink_all",
    "write_links",
]
