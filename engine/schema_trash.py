"""The trash for fields, tables and views (records have theirs in `engine.trash`).

Deleting a field, a table or a view moves it to the trash: it keeps its id, its column or table
and its values, and its name is free for a new one. Restoring brings it back as it was (refused,
naming it, when the name was taken meanwhile). A link field goes with its inverse, and a table
with the inverses of its links in other tables, at the same instant, and they come back together.
Whatever stays in the trash longer than `TESSERA_TRASH_DAYS` days (30 by default) is purged:
columns and tables dropped, rows deleted.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, select, update

from . import history, links, meta, storage
from .errors import Conflict, NotFound
from .model import field_from_row, load_table
from .names import column_name, name_key
from .sqltypes import UTC

DEFAULT_DAYS = 30


def trash_days() -> int:
    try:
        return max(0, int(os.environ.get("TESSERA_TRASH_DAYS", DEFAULT_DAYS)))
    except ValueError:
        return DEFAULT_DAYS


def _now() -> dt.datetime:
    return dt.datetime.now(UTC)


# --- fields ------------------------------------------------------------------------------------
def _field_row(conn: Connection, field_id: int) -> Any:
    f = meta.fields
    row = conn.execute(select(f).where(f.c.id == field_id)).first()
    if row is None:
        raise NotFound(f"No field with id {field_id}", f"没有 ID 为 {field_id} 的字段")
    return row


def trash_fields(
    conn: Connection, field_ids: Sequence[int], when: dt.datetime | None = None
) -> None:
    """Move fields to the trash at one instant (the caller has checked nothing reads them).
    Their columns keep their values and unique index; the indexes views made for them go."""
    f = meta.fields
    quote = conn.dialect.identifier_preparer.quote
    for r in conn.execute(select(f.c.id, f.c.table_id).where(f.c.id.in_(list(field_ids)))).all():
        for name in storage.indexes_on(conn, r.table_id, column_name(r.id)):
            if not name.startswith("uq_"):  # names made from ids, quoted by the dialect
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {quote(name)}")
    conn.execute(
        update(f)
        .where(f.c.id.in_(list(field_ids)))
        .values(trashed_at=when or _now(), name_key=None)
    )


def _with_inverse(conn: Connection, row: Any) -> list[Any]:
    rows = [row]
    inverse = (row.options or {}).get("inverse_field_id") if row.type == "link" else None
    if inverse is not None:
        rows.append(_field_row(conn, int(inverse)))
    return rows


def restore_field(conn: Connection, field_id: int) -> None:
    """Bring a field (and a link's inverse) back from the trash, with its values."""
    row = _field_row(conn, field_id)
    if row.trashed_at is None:
        raise NotFound(f"Field {row.name!r} is not in the trash", f"字段 {row.name!r} 不在回收站中")
    rows = [r for r in _with_inverse(conn, row) if r.trashed_at is not None]
    t = meta.tables
    for r in rows:
        trashed_table = conn.execute(
            select(t.c.name).where(t.c.id == r.table_id, t.c.trashed_at.is_not(None))
        ).scalar()
        if trashed_table is not None:
            raise Conflict(
                f"Field {row.name!r} needs table {trashed_table!r}, which is in the trash; "
                "restore the table first",
                f"字段 {row.name!r} 需要表 {trashed_table!r}，该表在回收站中；请先恢复该表",
            )
    _restore_field_rows(conn, rows)
    if row.type == "link":
        _drop_dangling(conn, field_from_row(row))
    base_id = conn.execute(select(t.c.base_id).where(t.c.id == row.table_id)).scalar_one()
    _recompute(conn, int(base_id), [r.id for r in rows])


def _restore_field_rows(conn: Connection, rows: Sequence[Any]) -> None:
    f = meta.fields
    for r in rows:
        clash = conn.execute(
            select(f.c.id).where(f.c.table_id == r.table_id, f.c.name_key == name_key(r.name))
        ).first()
        if clash is not None:
            raise Conflict(
                f"A field named {r.name!r} exists now; rename it before restoring this one",
                f"现在已有名为 {r.name!r} 的字段；请先将其改名再恢复",
            )
        conn.execute(
            update(f).where(f.c.id == r.id).values(trashed_at=None, name_key=name_key(r.name))
        )


def _drop_dangling(conn: Connection, link: Any) -> None:
    """Links to records purged while a link field was in the trash go."""
    j, mine, other, _, _ = links.sides(link)
    for col, tid in ((mine, link.table_id), (other, link.type.options.table_id)):
        ids = select(history.full_table(conn, tid).c.id)
        conn.execute(delete(j).where(col.not_in(ids)))


def _recompute(conn: Connection, base_id: int, field_ids: Sequence[int]) -> None:
    """Computed values and link titles of restored fields, and what reads them."""
    from . import computed
    from .link_writes import has_computed

    if not has_computed(conn, base_id):
        return
    graph = computed.load_graph(conn, base_id)
    for table, f in graph.order:
        if f.id in field_ids and not computed.is_volatile(f):
            computed.refresh(conn, graph, table, [f], computed.ALL)
    for fid in field_ids:
        for table, f in graph.order:
            if f.id == fid:
                computed.refresh_all(conn, graph, table.id, fid)


def purge_field(conn: Connection, field_id: int) -> None:
    """Delete a field in the trash for good: its column (and a link's junction) is dropped."""
    row = _field_row(conn, field_id)
    for r in _with_inverse(conn, row):
        fdef = field_from_row(r)
        if fdef.type.stored:
            storage.drop_column(conn, r.table_id, fdef)
        conn.execute(delete(meta.fields).where(meta.fields.c.id == r.id))
    if row.type == "link":
        links.drop_junction(conn, str(row.options["junction"]))


# --- tables ------------------------------------------------------------------------------------
def _table_row(conn: Connection, table_id: int) -> Any:
    t = meta.tables
    row = conn.execute(select(t).where(t.c.id == table_id)).first()
    if row is None:
        raise NotFound(f"No table with id {table_id}", f"没有 ID 为 {table_id} 的表")
    return row


def _inverses_elsewhere(conn: Connection, table_id: int) -> list[Any]:
    """Link fields of other tables that point at table `table_id`."""
    f = meta.fields
    out = []
    for r in conn.execute(select(f).where(f.c.type == "link", f.c.table_id != table_id)):
        if (r.options or {}).get("table_id") == table_id:
            out.append(r)
    return out


def trash_table(conn: Connection, table_id: int) -> None:
    """Move a table to the trash, with the inverses of its links in other tables (refused while
    a computed field elsewhere reads one of them)."""
    from . import relations

    schema = load_table(conn, table_id)
    for f in relations.link_fields(schema):
        if f.type.options.table_id != table_id:
            relations.refuse_if_used(conn, schema, f, outside=table_id, also=None)
            other = load_table(conn, f.type.options.table_id)
            inverse_id = f.type.options.inverse_field_id
            if inverse_id is not None:
                relations.refuse_if_used(conn, other, other.field(inverse_id), outside=table_id)
    when = _now()
    inverses = [r.id for r in _inverses_elsewhere(conn, table_id) if r.trashed_at is None]
    if inverses:
        trash_fields(conn, inverses, when)
    t = meta.tables
    conn.execute(update(t).where(t.c.id == table_id).values(trashed_at=when, name_key=None))


def restore_table(conn: Connection, table_id: int) -> None:
    """Bring a table back from the trash with the link fields that went with it."""
    row = _table_row(conn, table_id)
    if row.trashed_at is None:
        raise NotFound(f"Table {row.name!r} is not in the trash", f"表 {row.name!r} 不在回收站中")
    t = meta.tables
    clash = conn.execute(
        select(t.c.id).where(t.c.base_id == row.base_id, t.c.name_key == name_key(row.name))
    ).first()
    if clash is not None:
        raise Conflict(
            f"A table named {row.name!r} exists now; rename it before restoring this one",
            f"现在已有名为 {row.name!r} 的表；请先将其改名再恢复",
        )
    conn.execute(
        update(t).where(t.c.id == table_id).values(trashed_at=None, name_key=name_key(row.name))
    )
    went = [r for r in _inverses_elsewhere(conn, table_id) if r.trashed_at == row.trashed_at]
    _restore_field_rows(conn, went)
    _recompute(conn, int(row.base_id), [r.id for r in went])


def purge_table(conn: Connection, table_id: int) -> None:
    """Delete a table for good: its records, its links (and their inverses elsewhere), its
    views and fields."""
    f = meta.fields
    own = conn.execute(select(f).where(f.c.table_id == table_id)).all()
    for r in own:
        if r.type == "link" and r.options.get("junction") not in (None, "pending"):
            inverse = r.options.get("inverse_field_id")
            if inverse is not None and r.options.get("table_id") != table_id:
                inv = conn.execute(select(f).where(f.c.id == inverse)).first()
                if inv is not None:
                    fdef = field_from_row(inv)
                    storage.drop_column(conn, inv.table_id, fdef)
                    conn.execute(delete(f).where(f.c.id == inv.id))
            links.drop_junction(conn, str(r.options["junction"]))
    storage.drop_table(conn, table_id)
    conn.execute(delete(meta.views).where(meta.views.c.table_id == table_id))
    conn.execute(delete(f).where(f.c.table_id == table_id))
    conn.execute(delete(meta.tables).where(meta.tables.c.id == table_id))


# --- views -------------------------------------------------------------------------------------
def restore_view(conn: Connection, view_id: int) -> None:
    v = meta.views
    row = conn.execute(select(v).where(v.c.id == view_id, v.c.trashed_at.is_not(None))).first()
    if row is None:
        raise NotFound(f"No view {view_id} in the trash", f"回收站中没有视图 {view_id}")
    conn.execute(update(v).where(v.c.id == view_id).values(trashed_at=None))


def purge_view(conn: Connection, view_id: int) -> None:
    conn.execute(delete(meta.views).where(meta.views.c.id == view_id))


# --- what is in the trash, and purging it --------------------------------------------------------
@dataclass
class TrashItem:
    kind: str  # "table", "field", "view" or "record"
    id: int
    name: str
    table_id: int
    table_name: str
    trashed_at: dt.datetime


@dataclass
class TrashContents:
    tables: list[TrashItem] = field(default_factory=list)
    fields: list[TrashItem] = field(default_factory=list)
    views: list[TrashItem] = field(default_factory=list)
    records: list[TrashItem] = field(default_factory=list)


def contents(conn: Connection, base_id: int, *, records_per_table: int = 200) -> TrashContents:
    """What a base has in its trash, newest first (records: the newest of each live table)."""
    t, f, v = meta.tables, meta.fields, meta.views
    out = TrashContents()
    tables = {r.id: r for r in conn.execute(select(t).where(t.c.base_id == base_id))}
    for r in tables.values():
        if r.trashed_at is not None:
            out.tables.append(TrashItem("table", r.id, r.name, r.id, r.name, r.trashed_at))
    live = [tid for tid, r in tables.items() if r.trashed_at is None]
    gone = {tid for tid, r in tables.items() if r.trashed_at is not None}
    for r in conn.execute(select(f).where(f.c.table_id.in_(live), f.c.trashed_at.is_not(None))):
        if r.type == "link" and (r.options or {}).get("table_id") in gone:
            continue  # the inverse of a link of a table in the trash: it comes back with it
        tn = tables[r.table_id].name
        out.fields.append(TrashItem("field", r.id, r.name, r.table_id, tn, r.trashed_at))
    for r in conn.execute(select(v).where(v.c.table_id.in_(live), v.c.trashed_at.is_not(None))):
        tn = tables[r.table_id].name
        out.views.append(TrashItem("view", r.id, r.name, r.table_id, tn, r.trashed_at))
    for tid in live:
        schema = load_table(conn, tid)
        table = schema.sql
        primary = schema.primary
        cols = [table.c.id, table.c.trashed_at]
        if primary is not None and primary.type.stored:
            cols.append(table.c[primary.column])
        for row in conn.execute(
            select(*cols)
            .where(table.c.trashed_at.is_not(None))
            .order_by(table.c.trashed_at.desc(), table.c.id)
            .limit(records_per_table)
        ):
            title = (
                primary.type.to_text(primary.type.from_db(row[2]))
                if primary is not None and len(row) > 2
                else ""
            )
            out.records.append(
                TrashItem("record", row.id, title or f"#{row.id}", tid, schema.name, row.trashed_at)
            )
    for items in (out.tables, out.fields, out.views, out.records):
        items.sort(key=lambda i: i.trashed_at, reverse=True)
    return out


def purge_expired(conn: Connection, days: int | None = None) -> int:
    """Purge what has been in the trash longer than `days` (TESSERA_TRASH_DAYS); returns how
    many tables, fields, views and records went. Not an undoable action."""
    from . import records

    history.pause(conn)
    cutoff = _now() - dt.timedelta(days=trash_days() if days is None else days)
    t, f, v = meta.tables, meta.fields, meta.views
    n = 0
    for (vid,) in conn.execute(select(v.c.id).where(v.c.trashed_at < cutoff)).all():
        purge_view(conn, vid)
        n += 1
    for (tid,) in conn.execute(select(t.c.id).where(t.c.trashed_at < cutoff)).all():
        purge_table(conn, tid)
        n += 1
    for (fid,) in conn.execute(select(f.c.id).where(f.c.trashed_at < cutoff)).all():
        if conn.execute(select(f.c.id).where(f.c.id == fid)).first() is not None:
            purge_field(conn, fid)
            n += 1
    for (tid,) in conn.execute(select(t.c.id).where(t.c.trashed_at.is_(None))).all():
        schema = load_table(conn, tid)
        table = schema.sql
        old = list(conn.execute(select(table.c.id).where(table.c.trashed_at < cutoff)).scalars())
        if old:
            records.purge(records.context(conn, None, None), schema, old)
            n += len(old)
    return n


__all__ = [
    "TrashContents",
    "TrashItem",
    "contents",
    "purge_expired",
    "purge_field",
    "purge_table",
    "purge_view",
    "restore_field",
    "restore_table",
    "restore_view",
    "trash_fields",
    "trash_table",
]
