"""Junction tables of link fields, and writing links.

A link field and its inverse share one junction `lnk_<id>` with columns `a` and `b` (record ids
of the two sides), `a_pos` and `b_pos` (the order of the links as each side sees them); primary
key (a, b), and an index (b, a) for the other direction. A field knows its side from its options.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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

CHUNK = 1000


def junction_table(name: str) -> Table:
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


def set_links(
    conn: Connection, f: FieldDef, values: Mapping[int, Sequence[int]], *, single_other: bool
) -> tuple[set[int], set[int]]:
    """Replace the links of each record in `values` with the given ids, in that order.

    Order on the other side is kept for links that stay; new ones go last. When the inverse side
    allows one link only (`single_other`), a record newly linked here is unlinked from its
    previous partner. Returns the ids on the other side whose links changed, and the ids on
    this side (outside `values`) that lost a link that way.
    """
    j, mine, other, pos, opos = sides(f)
    ids = list(values)
    touched: set[int] = set()
    losers: set[int] = set()
    if not ids:
        return touched, losers
    before = linked(conn, f, ids)
    new_targets = {b for targets in values.values() for b in targets}
    other_pos: dict[int, float] = {}
    rows_keep: dict[tuple[int, int], float] = {}
    for k in range(0, len(ids), CHUNK):
        part = ids[k : k + CHUNK]
        for a, b, p in conn.execute(select(mine, other, opos).where(mine.in_(part))):
            rows_keep[(a, b)] = p
    if single_other and new_targets:
        # a record on the other side may hold one link only: take it away from its old partner
        stolen = conn.execute(
            select(mine, other).where(other.in_(list(new_targets)), mine.not_in(ids))
        ).all()
        touched.update(b for _, b in stolen)
        losers.update(a for a, _ in stolen)
        if stolen:
            conn.execute(delete(j).where(other.in_(list(new_targets)), mine.not_in(ids)))
    for k in range(0, len(ids), CHUNK):
        conn.execute(delete(j).where(mine.in_(ids[k : k + CHUNK])))
    targets = list(new_targets)
    for k in range(0, len(targets), CHUNK):
        for b, top in conn.execute(
            select(other, func.max(opos)).where(other.in_(targets[k : k + CHUNK])).group_by(other)
        ):
            other_pos[b] = float(top or 0)
    rows: list[dict[str, Any]] = []
    for a, bs in values.items():
        for i, b in enumerate(bs):
            keep = rows_keep.get((a, b))
            if keep is None:
                other_pos[b] = other_pos.get(b, 0.0) + 1.0
                keep = other_pos[b]
            rows.append({mine.name: a, other.name: b, pos.name: float(i + 1), opos.name: keep})
    if rows:
        conn.execute(insert(j), rows)
    for a in ids:
        if before.get(a, []) != list(values[a]):
            touched.update(set(before.get(a, [])) ^ set(values[a]))
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
