"""History: every change made through the engine's writes, stored in the same transaction.

One user action (an edit, a batch, an import, a schema change) is one `meta_actions` row, made on
the transaction's first change; its changes are `meta_changes` rows:

- `create`: one row per batch of new records, their ids as ranges (`new = {"ranges": [[a, b]]}`)
- `update`: one row per changed cell (`old` and `new` are stored values)
- `trash`, `restore`, `move`: one row per record (trash time, position)
- `purge`: one row per record, `old` the whole stored row
- `junction`: the rows of a link's junction before and after (`[[a, b, a_pos, b_pos], ...]`)
- `link`: one row per record whose links were set (ids before and after), for reading only
- `table`, `field`, `view`: a metadata row before and after (None: it did not exist)
- `col_old`, `col_new`: a field's stored values before and after a change that rewrote them,
  as `[[record id, value], ...]` a chunk per row
- `stash`: rows of records taken away by undoing their creation, for redo

Stored values are what the column type reads back, with dates and times as `{"$dt": iso}` and
`{"$d": iso}`. Computed fields are derived and never logged. Undo and redo (`engine.undo`) pause
the history of their own transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, insert, select

from . import meta
from .model import TableSchema, field_from_row, shared_table
from .sqltypes import UTC

T = TypeVar("T")
ACTION = "tessera.history.action"
PAUSED = "tessera.history.paused"
CHUNK = 1000
META_TABLES = {"table": meta.tables, "field": meta.fields, "view": meta.views}


# --- values ---------------------------------------------------------------------------------------
def enc(value: Any) -> Any:
    """A stored value as JSON."""
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, Decimal):
        return float(value)
    return value


def dec(value: Any) -> Any:
    """The stored value of `enc(value)`."""
    if isinstance(value, dict) and len(value) == 1:
        if "$dt" in value:
            return dt.datetime.fromisoformat(value["$dt"])
        if "$d" in value:
            return dt.date.fromisoformat(value["$d"])
    return value


def row_json(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {k: enc(v) for k, v in row.items()}


def row_value(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {k: dec(v) for k, v in row.items()}


# --- the action of a transaction --------------------------------------------------------------------
def pause(conn: Connection) -> None:
    """Record nothing more in the current transaction (undo and redo write their own marks)."""
    conn.info[PAUSED] = conn.get_transaction()


def paused(conn: Connection) -> bool:
    txn = conn.get_transaction()
    return txn is None or conn.info.get(PAUSED) is txn


def current(conn: Connection) -> int | None:
    """The id of the current transaction's action, if it has one."""
    found = conn.info.get(ACTION)
    if found is not None and found[0] is conn.get_transaction() and not paused(conn):
        return int(found[1])
    return None


def action(
    conn: Connection,
    *,
    user_id: int | None,
    base_id: int | None,
    table_id: int | None,
    kind: str,
    summary: Mapping[str, Any] | None = None,
) -> int | None:
    """The current transaction's action, made now if this is its first change; None while the
    history is paused."""
    if paused(conn):
        return None
    found = current(conn)
    if found is not None and conn.in_nested_transaction():
        # a savepoint rolled back may have taken the action row with it
        exists = conn.execute(select(meta.actions.c.id).where(meta.actions.c.id == found)).first()
        found = found if exists is not None else None
    if found is not None:
        return found
    a = meta.actions
    action_id = int(
        conn.execute(
            insert(a)
            .values(
                user_id=user_id,
                base_id=base_id,
                table_id=table_id,
                kind=kind,
                summary=dict(summary) if summary else None,
                at=dt.datetime.now(UTC),
            )
            .returning(a.c.id)
        ).scalar_one()
    )
    conn.info[ACTION] = (conn.get_transaction(), action_id)
    return action_id


def add(conn: Connection, action_id: int, rows: Sequence[dict[str, Any]]) -> None:
    """Insert change rows (keys: table_id, record_id, field_id, kind, old, new)."""
    if not rows:
        return
    full = [
        {
            "action_id": action_id,
            "table_id": r.get("table_id"),
            "record_id": r.get("record_id"),
            "field_id": r.get("field_id"),
            "kind": r["kind"],
            "old": r.get("old"),
            "new": r.get("new"),
        }
        for r in rows
    ]
    for k in range(0, len(full), CHUNK * 10):
        conn.execute(insert(meta.changes), full[k : k + CHUNK * 10])


def _ranges(ids: Sequence[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for i in ids:
        if out and out[-1][1] + 1 == i:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def full_table(conn: Connection, table_id: int) -> Table:
    """The physical table with every column, those of fields in the trash too."""
    f = meta.fields
    rows = conn.execute(select(f).where(f.c.table_id == table_id).order_by(f.c.id)).all()
    return shared_table(table_id, [field_from_row(r) for r in rows])


def read_rows(conn: Connection, table: Table, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Whole stored rows of records `ids`, as JSON."""
    out: list[dict[str, Any]] = []
    for k in range(0, len(ids), CHUNK):
        part = list(ids[k : k + CHUNK])
        out += [
            row_json(r._mapping)
            for r in conn.execute(select(table).where(table.c.id.in_(part)).order_by(table.c.id))
        ]
    return out


# --- record writes ----------------------------------------------------------------------------------
def _act(ctx: Any, schema: TableSchema, kind: str) -> int | None:
    return action(
        ctx.conn, user_id=ctx.actor, base_id=schema.base_id, table_id=schema.id, kind=kind
    )


def created(ctx: Any, schema: TableSchema, ids: Sequence[int]) -> None:
    """New records: one row with their ids as ranges (cheap for any number of records)."""
    aid = _act(ctx, schema, "create")
    if aid is None or not ids:
        return
    ranges = _ranges(sorted(ids))
    add(
        ctx.conn,
        aid,
        [
            {
                "kind": "create",
                "table_id": schema.id,
                "record_id": ranges[0][0],
                "new": {"ranges": ranges, "count": len(ids)},
            }
        ],
    )


Snapshot = list[tuple[list[Any], dict[int, tuple[Any, ...]]]]


def _cells(
    conn: Connection, table: Table, cols: Sequence[str], ids: Sequence[int]
) -> dict[int, Any]:
    out: dict[int, tuple[Any, ...]] = {}
    for k in range(0, len(ids), CHUNK):
        part = list(ids[k : k + CHUNK])
        for row in conn.execute(
            select(table.c.id, *(table.c[c] for c in cols)).where(table.c.id.in_(part))
        ):
            out[row[0]] = tuple(row[1:])
    return out


def update_before(
    ctx: Any,
    schema: TableSchema,
    planned: Sequence[tuple[Mapping[Any, Any], list[int]]],
    ids: Sequence[int],
) -> Snapshot | None:
    """The stored values an update is about to change: one SELECT per group (and chunk)."""
    if paused(ctx.conn):
        return None
    table = schema.sql
    snap: Snapshot = []
    for cols, members in planned:
        fields = [f for f in cols if f.type.stored]
        if fields:
            rids = [ids[i] for i in members]
            snap.append((fields, _cells(ctx.conn, table, [f.column for f in fields], rids)))
    return snap


def update_after(ctx: Any, schema: TableSchema, snap: Snapshot | None) -> None:
    """One change row per cell whose stored value changed."""
    if snap is None:
        return
    aid = _act(ctx, schema, "update")
    if aid is None:
        return
    table = schema.sql
    rows: list[dict[str, Any]] = []
    for fields, old in snap:
        new = _cells(ctx.conn, table, [f.column for f in fields], list(old))
        for rid, before in old.items():
            after = new.get(rid)
            if after is None:
                continue
            for f, a, b in zip(fields, before, after, strict=True):
                if a != b:
                    rows.append(
                        {
                            "kind": "update",
                            "table_id": schema.id,
                            "record_id": rid,
                            "field_id": f.id,
                            "old": enc(a),
                            "new": enc(b),
                        }
                    )
    add(ctx.conn, aid, rows)


def trashed(ctx: Any, schema: TableSchema, ids: Sequence[int]) -> None:
    aid = _act(ctx, schema, "trash")
    if aid is None:
        return
    when = enc(ctx.now)
    add(
        ctx.conn,
        aid,
        [{"kind": "trash", "table_id": schema.id, "record_id": i, "new": when} for i in ids],
    )


def restored(ctx: Any, schema: TableSchema, when: Mapping[int, Any]) -> None:
    aid = _act(ctx, schema, "restore")
    if aid is None:
        return
    add(
        ctx.conn,
        aid,
        [
            {"kind": "restore", "table_id": schema.id, "record_id": i, "old": enc(t)}
            for i, t in when.items()
        ],
    )


def moving(ctx: Any, schema: TableSchema, record_id: int, new: float) -> None:
    """A record is about to get position `new` in the manual order."""
    aid = _act(ctx, schema, "move")
    if aid is not None:
        table = schema.sql
        old = ctx.conn.execute(select(table.c.position).where(table.c.id == record_id)).scalar()
        add(
            ctx.conn,
            aid,
            [
                {
                    "kind": "move",
                    "table_id": schema.id,
                    "record_id": record_id,
                    "old": old,
                    "new": new,
                }
            ],
        )


def purging(ctx: Any, schema: TableSchema, ids: Sequence[int]) -> None:
    """Records about to be deleted for good: their whole rows and their links, kept for undo."""
    aid = _act(ctx, schema, "purge")
    if aid is None:
        return
    from . import relations

    table = full_table(ctx.conn, schema.id)
    rows = read_rows(ctx.conn, table, ids)
    add(
        ctx.conn,
        aid,
        [{"kind": "purge", "table_id": schema.id, "record_id": r["id"], "old": r} for r in rows],
    )
    for f in relations.link_fields(schema):
        found = junction_rows(ctx.conn, f, mine=ids)
        if found:
            add(
                ctx.conn,
                aid,
                [
                    {
                        "kind": "junction",
                        "table_id": schema.id,
                        "field_id": f.id,
                        "old": found,
                        "new": [],
                    }
                ],
            )


# --- links --------------------------------------------------------------------------------------------
def junction_rows(
    conn: Connection, f: Any, *, mine: Iterable[int] = (), others: Iterable[int] = ()
) -> list[list[Any]]:
    """Rows `[a, b, a_pos, b_pos]` of f's junction whose side of f is in `mine` or whose other
    side is in `others`."""
    from . import links

    j, mine_col, other_col, _, _ = links.sides(f)
    out: dict[tuple[int, int], list[Any]] = {}
    for col, wanted in ((mine_col, sorted(set(mine))), (other_col, sorted(set(others)))):
        for k in range(0, len(wanted), CHUNK):
            for a, b, ap, bp in conn.execute(
                select(j.c.a, j.c.b, j.c.a_pos, j.c.b_pos).where(col.in_(wanted[k : k + CHUNK]))
            ):
                out[(a, b)] = [a, b, ap, bp]
    return [out[k] for k in sorted(out)]


def links_before(
    conn: Connection, f: Any, records: Iterable[int], targets: Iterable[int] | None
) -> tuple[list[int], list[list[Any]]] | None:
    """Before links of `records` are set: their junction rows, and (for a link whose other side
    holds one record) the rows of the targets, which other records may lose."""
    if current(conn) is None:
        return None
    ids = list(records)
    return ids, junction_rows(conn, f, mine=ids, others=targets or ())


def links_after(
    conn: Connection,
    schema: TableSchema,
    f: Any,
    before: tuple[list[int], list[list[Any]]] | None,
    *,
    creating: bool,
) -> None:
    aid = current(conn)
    if before is None or aid is None:
        return
    ids, old = before
    new = junction_rows(conn, f, mine=ids)
    if old == new:
        return
    rows: list[dict[str, Any]] = [
        {"kind": "junction", "table_id": schema.id, "field_id": f.id, "old": old, "new": new}
    ]
    if not creating:
        side = 0 if f.type.options.side == "a" else 1
        pos = 2 if side == 0 else 3

        def lists(found: list[list[Any]]) -> dict[int, list[int]]:
            by: dict[int, list[list[Any]]] = {}
            for r in found:
                by.setdefault(r[side], []).append(r)
            return {
                k: [r[1 - side] for r in sorted(v, key=lambda r: (r[pos], r[1 - side]))]
                for k, v in by.items()
            }

        was, now = lists(old), lists(new)
        for rid in ids:
            a, b = was.get(rid, []), now.get(rid, [])
            if a != b:
                rows.append(
                    {
                        "kind": "link",
                        "table_id": schema.id,
                        "record_id": rid,
                        "field_id": f.id,
                        "old": a,
                        "new": b,
                    }
                )
    add(conn, aid, rows)


# --- schema changes ---------------------------------------------------------------------------------
def meta_state(conn: Connection, base_id: int) -> dict[tuple[str, int], dict[str, Any]]:
    """Every table and field metadata row of a base, as JSON."""
    t, f = meta.tables, meta.fields
    state: dict[tuple[str, int], dict[str, Any]] = {}
    for r in conn.execute(select(t).where(t.c.base_id == base_id)):
        state[("table", r.id)] = row_json(r._mapping)
    table_ids = select(t.c.id).where(t.c.base_id == base_id).scalar_subquery()
    for r in conn.execute(select(f).where(f.c.table_id.in_(table_ids))):
        state[("field", r.id)] = row_json(r._mapping)
    return state


def column_values(conn: Connection, table_id: int, field_id: int) -> dict[int, Any]:
    """The stored values (JSON) of one field's column, by record id; {} if it has none."""
    table = full_table(conn, table_id)
    from .names import column_name

    name = column_name(field_id)
    if name not in table.c:
        return {}
    col = table.c[name]
    return {rid: enc(v) for rid, v in conn.execute(select(table.c.id, col).where(col.is_not(None)))}


def tracked(
    conn: Connection,
    fn: Callable[[Connection], T],
    *,
    user_id: int | None,
    base_id: int,
    table_id: int | None,
    kind: str,
    values_of: int | None = None,
    whole_column: bool = False,
    detail: Mapping[str, Any] | None = None,
) -> T:
    """Run schema change `fn` and record it: the metadata rows of the base that it changed, and
    (`values_of`: a field id) the stored values of that field it rewrote — every value when
    `whole_column` (a type change rebuilds the column), else only those that changed. The
    change also goes to the audit log."""
    from . import audit

    if paused(conn):
        return fn(conn)
    before = meta_state(conn, base_id)
    values = column_values(conn, table_id, values_of) if values_of and table_id else None
    result = fn(conn)
    after = meta_state(conn, base_id)
    rows: list[dict[str, Any]] = []
    undoable = True
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if new is None:
            undoable = False  # deleted for good (a purge, or a link's inverse dropped)
        elif (
            old is not None
            and old.get("type") != new.get("type")
            and "link"
            in (
                old.get("type"),
                new.get("type"),
            )
        ):
            undoable = False  # a link made from or into values: junctions come and go
        what, oid = key
        rows.append(
            {
                "kind": what,
                "table_id": oid if what == "table" else (new or old or {}).get("table_id"),
                "field_id": oid if what == "field" else None,
                "old": old,
                "new": new,
            }
        )
    if values is not None and values_of is not None:
        now = column_values(conn, table_id or 0, values_of)
        if whole_column:
            olds, news = sorted(values.items()), sorted(now.items())
        else:
            keys = sorted(k for k in set(values) | set(now) if values.get(k) != now.get(k))
            olds = [(k, values.get(k)) for k in keys]
            news = [(k, now.get(k)) for k in keys]
        for col_kind, pairs in (("col_old", olds), ("col_new", news)):
            for k in range(0, len(pairs), CHUNK):
                rows.append(
                    {
                        "kind": col_kind,
                        "table_id": table_id,
                        "field_id": values_of,
                        "old": [list(p) for p in pairs[k : k + CHUNK]],
                        "new": {"whole": whole_column},
                    }
                )
    summary = {"detail": dict(detail or {})}
    if not undoable:
        summary["undoable"] = False  # type: ignore[assignment]
    aid = action(
        conn, user_id=user_id, base_id=base_id, table_id=table_id, kind=kind, summary=summary
    )
    if aid is not None:
        add(conn, aid, rows)
    objects = [
        {"kind": r["kind"], "name": (r["new"] or r["old"] or {}).get("name")}
        for r in rows
        if r["kind"] in ("table", "field")
    ]
    audit.log(
        conn,
        f"schema.{kind}",
        user_id=user_id,
        base_id=base_id,
        detail={"table_id": table_id, **dict(detail or {}), "objects": objects[:20]},
    )
    return result


def record_view(
    conn: Connection,
    *,
    user_id: int | None,
    base_id: int,
    table_id: int,
    kind: str,
    view_id: int,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
) -> None:
    """A view's metadata row before and after (its deletion to the trash, its restore)."""
    from . import audit

    aid = action(conn, user_id=user_id, base_id=base_id, table_id=table_id, kind=kind)
    if aid is not None:
        add(
            conn,
            aid,
            [
                {
                    "kind": "view",
                    "table_id": table_id,
                    "field_id": view_id,
                    "old": row_json(old) if old is not None else None,
                    "new": row_json(new) if new is not None else None,
                }
            ],
        )
    audit.log(
        conn,
        f"schema.{kind}",
        user_id=user_id,
        base_id=base_id,
        detail={"table_id": table_id, "view_id": view_id},
    )


def view_row(conn: Connection, view_id: int) -> dict[str, Any] | None:
    v = meta.views
    row = conn.execute(select(v).where(v.c.id == view_id)).first()
    return dict(row._mapping) if row is not None else None


def later_changes(conn: Connection, action_id: int, table_id: int, ids: Sequence[int]) -> Any:
    """Change rows of later, not undone actions touching records `ids` of a table."""
    c, a = meta.changes, meta.actions
    out: list[Any] = []
    for k in range(0, len(ids), CHUNK):
        part = list(ids[k : k + CHUNK])
        out += conn.execute(
            select(c.c.record_id, c.c.field_id, c.c.kind, a.c.user_id, a.c.at)
            .join(a, a.c.id == c.c.action_id)
            .where(
                a.c.id > action_id,
                a.c.undone_at.is_(None),
                c.c.table_id == table_id,
                c.c.record_id.in_(part),
            )
        ).all()
    return out
