"""A whole base as plain data, to compare states before and after undo, redo and restore."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

import engine
from engine import history, meta
from engine.links import junction_table

# what a write moves forward on every record it touches, undo included
MOVING = {"updated_at", "updated_by", "version"}


def snapshot(db: engine.Database, base_id: int) -> dict[str, Any]:
    """Live tables, fields and views with their metadata, every record (trashed ones too) with
    every stored column of its live fields, and the rows of every live link's junction."""
    t, f, v = meta.tables, meta.fields, meta.views
    out: dict[str, Any] = {}
    with db.read() as c:
        tables = c.execute(
            select(t).where(t.c.base_id == base_id, t.c.trashed_at.is_(None)).order_by(t.c.id)
        ).all()
        for tr in tables:
            fields = c.execute(
                select(f).where(f.c.table_id == tr.id, f.c.trashed_at.is_(None)).order_by(f.c.id)
            ).all()
            views = c.execute(
                select(v.c.id, v.c.name, v.c.kind, v.c.config)
                .where(v.c.table_id == tr.id, v.c.trashed_at.is_(None))
                .order_by(v.c.id)
            ).all()
            full = history.full_table(c, tr.id)
            live_cols = {"id", "created_at", "created_by", "position", "trashed_at"} | {
                f"fld_{r.id}" for r in fields
            }
            cols = [col for col in full.c if col.name in live_cols and col.name not in MOVING]
            data = [tuple(r) for r in c.execute(select(*cols).order_by(full.c.id))]
            junctions = {}
            for fr in fields:
                if fr.type == "link" and fr.options.get("side") == "a":
                    j = junction_table(fr.options["junction"])
                    junctions[fr.id] = sorted(tuple(r) for r in c.execute(select(j)))
            out[tr.name] = {
                "table": (tr.id, tr.name, tr.primary_field_id, tr.position, tr.description),
                "fields": [
                    (r.id, r.name, r.type, r.options, r.rules, r.position, r.description)
                    for r in fields
                ],
                "views": [tuple(r) for r in views],
                "columns": [col.name for col in cols],
                "rows": data,
                "links": junctions,
            }
    return out
