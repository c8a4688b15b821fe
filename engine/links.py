"""Junction tables of link fields, and writing links.

A link field and its inverse share one junction `lnk_<id>` with columns `a` and `b` (record ids
of the two sides), `a_pos` and `b_pos` (the order of the links as each side sees them); primary
key (a, b), and an index (b, a) for the other direction. A field knows its side from its options.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    delete,
    func,
    insert,
    select,
)

from .model import FieldDef
from .names import table_name
from .sqltypes import UTCDateTime

CHUNK = 1000


@lru_cache(maxsize=1024)
def junction_table(name: str) -> Table:
    """The junction `name` (one object per name, so SQLAlchemy's statement cache keeps the
    statements that use it)."""
    md = MetaData()
    t = Table(
        name,
        md,
        Column("a", Integer, nullable=False),
        Column("b", Integer, nullable=False),
        Column("a_pos", Float, nullable=False),
        Column("b_pos", Float, nullable=False),
        PrimaryKeyConstraint("a", "b", name=f"pk_{name}"),
    )
    Index(f"ix_{name}_b", t.c.b, t.c.a)
    return t


def create_junction(conn: Connection, name: str) -> None:
    junction_table(name).create(conn)


def drop_junction(conn: Connection, name: str) -> None:
    junction_table(name).drop(conn, checkfirst=True)


def sides(f: FieldDef) -> tuple[Table, Any, Any, Any, Any]:
    """(junction, this side's column, other side's column, this side's position, other's)."""
    j = junction_table(f.type.options.junction)
    if f.type.options.side == "a":
        return j, j.c.a, j.c.b, j.c.a_pos, j.c.b_pos
    return j, j.c.b, j.c.a, j.c.b_pos, j.c.a_pos


def linked(conn: Connection, f: FieldDef, ids: Sequence[int]) -> dict[int, list[int]]:
    """The ids each record of `ids` links to through `f`, in link order."""
    _, mine, other, pos, _ = sides(f)
    out: dict[int, list[int]] = {i: [] for i in ids}
    for k in range(0, len(ids), CHUNK):
        part = list(ids[k : k + CHUNK])
        for a, b in conn.execute(
            select(mine, other).where(mine.in_(part)).order_by(mine, pos, other)
        ):
            out[a].append(b)
    return out


def linking(conn: Connection, f: FieldDef, other_ids: Iterable[int]) -> set[int]:
    """The records of f's table that link (through f) to any of `other_ids`."""
    _, mine, other, _, _ = sides(f)
    wanted = list(set(other_ids))
    found: set[int] = set()
    for k in range(0, len(wanted), CHUNK):
        found.update(
            conn.execute(select(mine).where(other.in_(wanted[k : k + CHUNK])).distinct()).scalars()
        )
    return found


@lru_cache(maxsize=1024)
def _trash_of(table_id: int) -> Table:
    return Table(
        table_name(table_id),
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("trashed_at", UTCDateTime()),
    )


def _trashed(f: FieldDef) -> Table:
    """The linked table's id and trash columns (to tell live linked records from trashed)."""
    return _trash_of(f.type.options.table_id)


def _with_kept(
    old: Mapping[tuple[int, int], tuple[float, float]],
    kept: set[tuple[int, int]],
    values: Mapping[int, Sequence[int]],
) -> dict[int, list[int]]:
    """The new links of each record, with each kept one placed after the link it followed."""
    if not kept:
        return {a: list(bs) for a, bs in values.items()}
    after: dict[tuple[int, int | None], list[int]] = {}
    last: dict[int, int | None] = {}
    for (a, b), _ in sorted(old.items(), key=lambda item: (item[1][0], item[0][1])):
        if (a, b) in kept:
            after.setdefault((a, last.get(a)), []).append(b)
        elif b in values[a]:
            last[a] = b
    out: dict[int, list[int]] = {}
    for a, bs in values.items():
        out[a] = list(after.get((a, None), []))
        for b in bs:
            out[a].append(b)
            out[a].extend(after.get((a, b), []))
    return out


def set_links(
    conn: Connection,
    f: FieldDef,
    values: Mapping[int, Sequence[int]],
    *,
    single_other: bool,
    keep_trashed: bool = False,
) -> tuple[set[int], set[int]]:
    """Replace the links of each record in `values` with the given ids, in that order.

    Order on the other side is kept for links that stay; new ones go last. When the inverse side
    allows one link only (`single_other`), a record newly linked here is unlinked from its
    previous partner. With `keep_trashed`, links to records in the trash that `values` leaves out
    stay (with their places), so they come back when those records are restored. Returns the ids
    on the other side whose links changed, and the ids on this side (outside `values`) that lost
    a link that way.
    """
    j, mine, other, pos, opos = sides(f)
    ids = list(values)
    touched: set[int] = set()
    losers: set[int] = set()
    if not ids:
        return touched, losers
    old: dict[tuple[int, int], tuple[float, float]] = {}
    trashed: set[int] = set()
    u = _trashed(f)
    for k in range(0, len(ids), CHUNK):
        part = ids[k : k + CHUNK]
        q = select(mine, other, pos, opos, u.c.trashed_at).outerjoin(u, u.c.id == other)
        for a, b, p, op, gone in conn.execute(q.where(mine.in_(part))):
            old[(a, b)] = (p, op)
            if gone is not None:
                trashed.add(b)
    kept = (
        {(a, b) for a, b in old if b in trashed and b not in values[a]} if keep_trashed else set()
    )
    new_targets = {b for targets in values.values() for b in targets}
    if single_other and new_targets:
        # a record on the other side may hold one link only: take it away from its old partner
        targets = list(new_targets)
        for k in range(0, len(targets), CHUNK):
            part = targets[k : k + CHUNK]
            stolen = conn.execute(
                select(mine, other).where(other.in_(part), mine.not_in(ids))
            ).all()
            touched.update(b for _, b in stolen)
            losers.update(a for a, _ in stolen)
            if stolen:
                conn.execute(delete(j).where(other.in_(part), mine.not_in(ids)))
    for k in range(0, len(ids), CHUNK):
        conn.execute(delete(j).where(mine.in_(ids[k : k + CHUNK])))
    other_pos: dict[int, float] = {}
    targets = list(new_targets)
    for k in range(0, len(targets), CHUNK):
        for b, top in conn.execute(
            select(other, func.max(opos)).where(other.in_(targets[k : k + CHUNK])).group_by(other)
        ):
            other_pos[b] = float(top or 0)
    rows: list[dict[str, Any]] = []
    for a, bs in _with_kept(old, kept, values).items():
        for i, b in enumerate(bs):
            keep = old.get((a, b))
            if keep is None:
                other_pos[b] = other_pos.get(b, 0.0) + 1.0
                there = other_pos[b]
            else:
                there = keep[1]
            rows.append({mine.name: a, other.name: b, pos.name: float(i + 1), opos.name: there})
    if rows:
        conn.execute(insert(j), rows)
    before: dict[int, set[int]] = {a: set() for a in ids}
    after: dict[int, set[int]] = {a: set(values[a]) for a in ids}
    for a, b in old:
        before[a].add(b)
    for a, b in kept:
        after[a].add(b)
    for a in ids:
        touched.update(before[a] ^ after[a])
    return touched, losers


def unlink_records(conn: Connection, f: FieldDef, ids: Sequence[int]) -> set[int]:
    """Remove every link of `ids` through `f` (when they are purged); returns the other side."""
    j, mine, other, _, _ = sides(f)
    touched: set[int] = set()
    for k in range(0, len(ids), CHUNK):
        part = list(ids[k : k + CHUNK])
        touched.update(conn.execute(select(other).where(mine.in_(part))).scalars())
        conn.execute(delete(j).where(mine.in_(part)))
    return touched
