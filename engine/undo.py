"""Undo and redo: a user's recent actions (`engine.history`), one transaction each.

`undo` takes back the acting user's most recent action that is not undone (in one base, or in
any); `redo` does again the action undone last, as long as the user has done nothing new since.
They put back exactly what the action's change rows say: cell values, records created (taken
away, and kept aside for redo), trashed, restored, purged (put back whole) and moved, links
(their junction rows with their order), and metadata of tables, fields and views (undoing a
creation moves the table, field or view to the trash), with the values of a column a schema
change rewrote. Computed fields follow as after any write.

The rule when others changed the same things since: nothing is overwritten. If a later action
that is not undone (by anyone) changed one of the cells, records, fields or tables the action
touched, undo (and redo) is refused with a Conflict naming what changed, who changed it and
when, in English and Chinese; nothing is written. (Airtable overwrites; Tessera prefers to say.)
The last-modified time, modifier and version of a record touched by undo move forward: undo is
a new write of the old values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from . import computed, history, links, meta, storage
from .computed import ROWS, Changes
from .errors import Conflict, NotFound
from .model import FieldDef, field_from_row, physical_table
from .names import column_name, table_name
from .sqltypes import UTC

CHUNK = 1000
RECORD_LEVEL = {"create", "trash", "restore", "purge"}
SCHEMA_KINDS = ("table", "field", "view")


@dataclass
class Done:
    """What undo or redo did: the action and its kind."""

    action_id: int
    kind: str
    redo: bool


def _now() -> dt.datetime:
    return dt.datetime.now(UTC)


def _mine(user_id: int | None, base_id: int | None) -> list[Any]:
    a = meta.actions
    cond = [a.c.user_id.is_(None) if user_id is None else a.c.user_id == user_id]
    if base_id is not None:
        cond.append(a.c.base_id == base_id)
    return cond


def next_undo(conn: Connection, user_id: int | None, base_id: int | None = None) -> Any:
    """The action undo would take back, or None."""
    a = meta.actions
    return conn.execute(
        select(a)
        .where(*_mine(user_id, base_id), a.c.undone_at.is_(None))
        .order_by(a.c.id.desc())
        .limit(1)
    ).first()


def next_redo(conn: Connection, user_id: int | None, base_id: int | None = None) -> Any:
    """The action redo would do again: the one undone last, unless the user made a new action
    since it was undone (which clears what there was to redo); or None."""
    a = meta.actions
    last = conn.execute(
        select(a)
        .where(*_mine(user_id, base_id), a.c.undone_at.is_not(None))
        .order_by(a.c.undone_at.desc(), a.c.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return None
    newer = conn.execute(
        select(a.c.id).where(*_mine(user_id, base_id), a.c.at > last.undone_at).limit(1)
    ).first()
    return None if newer is not None else last


def undo(conn: Connection, user_id: int | None, base_id: int | None = None) -> Done:
    act = next_undo(conn, user_id, base_id)
    if act is None:
        raise NotFound("Nothing to undo", "没有可撤销的操作")
    _apply(conn, act, forward=False)
    conn.execute(update(meta.actions).where(meta.actions.c.id == act.id).values(undone_at=_now()))
    return Done(act.id, act.kind, redo=False)


def redo(conn: Connection, user_id: int | None, base_id: int | None = None) -> Done:
    act = next_redo(conn, user_id, base_id)
    if act is None:
        raise NotFound("Nothing to redo", "没有可重做的操作")
    _apply(conn, act, forward=True)
    conn.execute(update(meta.actions).where(meta.actions.c.id == act.id).values(undone_at=None))
    return Done(act.id, act.kind, redo=True)


# --- applying an action ------------------------------------------------------------------------------
def _apply(conn: Connection, act: Any, *, forward: bool) -> None:
    history.pause(conn)
    c = meta.changes
    if (act.summary or {}).get("undoable") is False:
        raise Conflict(
            "This change deleted something for good and cannot be undone",
            "此操作已永久删除内容，无法撤销",
        )
    rows = conn.execute(
        select(c)
        .where(c.c.action_id == act.id, c.c.kind != "stash")
        .order_by(c.c.id if forward else c.c.id.desc())
    ).all()
    _refuse_conflicts(conn, act, rows)
    changes = Changes()
    schema_rows = [r for r in rows if r.kind in (*SCHEMA_KINDS, "col_old", "col_new")]
    if schema_rows:
        _apply_schema(conn, act, schema_rows, forward)
    run: list[Any] = []
    for r in rows:
        if r.kind in (*SCHEMA_KINDS, "col_old", "col_new", "link"):
            continue
        if run and (run[-1].kind, run[-1].table_id) != (r.kind, r.table_id):
            _apply_run(conn, act, run, forward, changes)
            run = []
        run.append(r)
    if run:
        _apply_run(conn, act, run, forward, changes)
    if act.base_id is not None and changes.by_table:
        from .link_writes import after_write

        after_write(conn, int(act.base_id), changes)


def _touched(rows: Sequence[Any]) -> dict[int, dict[int, set[int | None]]]:
    """table id -> record id -> field ids touched (None: the whole record)."""
    out: dict[int, dict[int, set[int | None]]] = {}
    for r in rows:
        if r.table_id is None:
            continue
        if r.kind == "create":
            ids = [i for a, b in r.new["ranges"] for i in range(a, b + 1)]
        elif r.record_id is not None:
            ids = [r.record_id]
        else:
            continue
        field = r.field_id if r.kind in ("update", "link") else None
        per = out.setdefault(r.table_id, {})
        for i in ids:
            per.setdefault(i, set()).add(field)
    return out


def _refuse_conflicts(conn: Connection, act: Any, rows: Sequence[Any]) -> None:
    for table_id, per in _touched(rows).items():
        for later in history.later_changes(conn, act.id, table_id, sorted(per)):
            mine = per.get(later.record_id, set())
            theirs = later.field_id if later.kind in ("update", "link") else None
            if theirs is None or None in mine or theirs in mine:
                _conflict(conn, table_id, later)
    fields = {r.field_id for r in rows if r.kind == "field"}
    tables = {r.table_id for r in rows if r.kind == "table"}
    if fields or tables:
        c, a = meta.changes, meta.actions
        later = conn.execute(
            select(c.c.kind, c.c.table_id, c.c.field_id, c.c.record_id, a.c.user_id, a.c.at)
            .join(a, a.c.id == c.c.action_id)
            .where(a.c.id > act.id, a.c.undone_at.is_(None), c.c.kind.in_(SCHEMA_KINDS))
        ).all()
        for x in later:
            if (x.kind == "field" and x.field_id in fields) or (
                x.kind == "table" and x.table_id in tables
            ):
                _conflict(conn, x.table_id, x)


def _conflict(conn: Connection, table_id: int, later: Any) -> None:
    u, f = meta.users, meta.fields
    who = (
        conn.execute(select(u.c.name).where(u.c.id == later.user_id)).scalar()
        if later.user_id is not None
        else None
    ) or "Tessera"
    when = later.at.strftime("%Y-%m-%d %H:%M:%S UTC") if later.at else ""
    if later.record_id is not None:
        what_en, what_zh = f"record {later.record_id}", f"记录 {later.record_id}"
        if later.field_id is not None and later.kind in ("update", "link"):
            name = conn.execute(select(f.c.name).where(f.c.id == later.field_id)).scalar()
            what_en += f" (field {name!r})"
            what_zh += f"（字段 {name!r}）"
    elif later.field_id is not None:
        name = conn.execute(select(f.c.name).where(f.c.id == later.field_id)).scalar()
        what_en, what_zh = f"field {name!r}", f"字段 {name!r}"
    else:
        what_en, what_zh = f"table {table_id}", f"表 {table_id}"
    raise Conflict(
        f"Cannot undo or redo: {what_en} was changed by {who} at {when} since; undo that change "
        "first or change it by hand",
        f"无法撤销或重做：{what_zh} 之后已被 {who} 于 {when} 修改；请先撤销该修改，或手动修改",
    )


def _unique_conflict(table_id: int) -> Conflict:
    return Conflict(
        f"Cannot undo or redo: a unique value of table {table_id} is now held by another record",
        f"无法撤销或重做：表 {table_id} 中的唯一值现已被其他记录占用",
    )


def _touch(conn: Connection, act: Any, table: Any, ids: Sequence[int]) -> None:
    """Records written by undo: last modified now, by the acting user, version moved on."""
    for k in range(0, len(ids), CHUNK):
        conn.execute(
            update(table)
            .where(table.c.id.in_(list(ids[k : k + CHUNK])))
            .values(updated_at=_now(), updated_by=act.user_id, version=table.c.version + 1)
        )


def _apply_run(
    conn: Connection, act: Any, run: Sequence[Any], forward: bool, changes: Changes
) -> None:
    kind, table_id = run[0].kind, int(run[0].table_id)
    table = history.full_table(conn, table_id)
    if kind == "update":
        by_field: dict[int, list[tuple[int, Any]]] = {}
        for r in run:
            by_field.setdefault(r.field_id, []).append(
                (r.record_id, history.dec(r.new if forward else r.old))
            )
        for field_id, pairs in by_field.items():
            name = column_name(field_id)
            if name not in table.c:
                raise Conflict(
                    f"Field {field_id} was deleted for good; its values cannot come back",
                    f"字段 {field_id} 已被永久删除，其值无法恢复",
                )
            stmt = (
                update(table)
                .where(table.c.id == bindparam("rid"))
                .values({name: bindparam("v", type_=table.c[name].type)})
            )
            ids = [rid for rid, _ in pairs]
            params = [{"rid": rid, "v": v} for rid, v in pairs]
            try:
                with conn.begin_nested():
                    conn.execute(stmt, params)
            except IntegrityError:
                try:  # records trading unique values among themselves: free them, then write
                    with conn.begin_nested():
                        for k in range(0, len(ids), CHUNK):
                            conn.execute(
                                update(table)
                                .where(table.c.id.in_(ids[k : k + CHUNK]))
                                .values({name: None})
                            )
                        conn.execute(stmt, params)
                except IntegrityError:
                    raise _unique_conflict(table_id) from None
            _touch(conn, act, table, ids)
            changes.add(table_id, field_id, ids)
    elif kind in ("trash", "restore"):
        groups: dict[Any, list[int]] = {}
        for r in run:
            value = r.new if forward else r.old
            groups.setdefault(history.dec(value) if value is not None else None, []).append(
                r.record_id
            )
        try:
            with conn.begin_nested():
                for when, ids in groups.items():
                    for k in range(0, len(ids), CHUNK):
                        conn.execute(
                            update(table)
                            .where(table.c.id.in_(ids[k : k + CHUNK]))
                            .values(trashed_at=when)
                        )
        except IntegrityError:
            raise _unique_conflict(table_id) from None
        ids = [r.record_id for r in run]
        _touch(conn, act, table, ids)
        changes.add(table_id, ROWS, ids)
    elif kind == "move":
        for r in run:
            conn.execute(
                update(table)
                .where(table.c.id == r.record_id)
                .values(position=r.new if forward else r.old)
            )
    elif kind == "purge":
        ids = [r.record_id for r in run]
        if forward:
            _delete_rows(conn, table, ids)
        else:
            _insert_rows(conn, table_id, table, [r.old for r in run])
        changes.add(table_id, ROWS, ids)
    elif kind == "create":
        for r in run:
            ids = [i for a, b in r.new["ranges"] for i in range(a, b + 1)]
            if forward:
                _put_back(conn, act, r, table)
            else:
                _take_away(conn, act, r, table, ids)
            changes.add(table_id, ROWS, ids)
    elif kind == "junction":
        for r in run:
            _junction(conn, r, forward, changes)


def _insert_rows(conn: Connection, table_id: int, table: Any, rows: Sequence[Any]) -> None:
    values = [history.row_value(r) for r in rows]
    try:
        with conn.begin_nested():
            for k in range(0, len(values), CHUNK):
                conn.execute(insert(table), values[k : k + CHUNK])
    except IntegrityError:
        raise _unique_conflict(table_id) from None


def _delete_rows(conn: Connection, table: Any, ids: Sequence[int]) -> None:
    for k in range(0, len(ids), CHUNK):
        conn.execute(delete(table).where(table.c.id.in_(list(ids[k : k + CHUNK]))))


def _link_defs(conn: Connection, table_id: int) -> list[FieldDef]:
    f = meta.fields
    rows = conn.execute(select(f).where(f.c.table_id == table_id, f.c.type == "link")).all()
    return [field_from_row(r) for r in rows if (r.options or {}).get("junction") != "pending"]


def _take_away(conn: Connection, act: Any, r: Any, table: Any, ids: Sequence[int]) -> None:
    """Undo a creation: the records (and their links) go, kept aside in `stash` rows for redo."""
    rows = history.read_rows(conn, table, ids)
    stash: list[dict[str, Any]] = [
        {"kind": "stash", "table_id": r.table_id, "record_id": r.id, "old": rows[k : k + CHUNK]}
        for k in range(0, len(rows), CHUNK)
    ]
    for f in _link_defs(conn, int(r.table_id)):
        found = history.junction_rows(conn, f, mine=ids)
        if found:
            stash.append({"kind": "stash", "table_id": r.table_id, "field_id": f.id, "new": found})
            j, mine, _, _, _ = links.sides(f)
            for k in range(0, len(ids), CHUNK):
                conn.execute(delete(j).where(mine.in_(list(ids[k : k + CHUNK]))))
    history.add(conn, act.id, stash)
    _delete_rows(conn, table, ids)


def _put_back(conn: Connection, act: Any, r: Any, table: Any) -> None:
    """Redo a creation undone: the records kept aside come back, with their links."""
    c = meta.changes
    stash = conn.execute(
        select(c).where(c.c.action_id == act.id, c.c.kind == "stash", c.c.table_id == r.table_id)
    ).all()
    for s in stash:
        if s.record_id == r.id:
            _insert_rows(conn, int(r.table_id), table, s.old)
    defs = {f.id: f for f in _link_defs(conn, int(r.table_id))}
    for s in stash:
        if s.field_id is not None and s.field_id in defs:
            _write_junction(conn, defs[s.field_id], [], s.new)
    conn.execute(
        delete(c).where(c.c.action_id == act.id, c.c.kind == "stash", c.c.table_id == r.table_id)
    )


def _write_junction(
    conn: Connection, f: FieldDef, other: Sequence[Any], target: Sequence[Any]
) -> None:
    """Make the junction rows of keys (a, b) in `other` and `target` exactly `target`."""
    j = links.junction_table(f.type.options.junction)
    keys = {(x[0], x[1]) for x in [*other, *target]}
    by_a: dict[int, list[int]] = {}
    for a, b in keys:
        by_a.setdefault(a, []).append(b)
    for a, bs in by_a.items():
        for k in range(0, len(bs), CHUNK):
            conn.execute(delete(j).where(j.c.a == a, j.c.b.in_(bs[k : k + CHUNK])))
    if target:
        conn.execute(
            insert(j), [{"a": x[0], "b": x[1], "a_pos": x[2], "b_pos": x[3]} for x in target]
        )


def _junction(conn: Connection, r: Any, forward: bool, changes: Changes) -> None:
    f = meta.fields
    row = conn.execute(select(f).where(f.c.id == r.field_id)).first()
    if row is None or not inspect(conn).has_table(str(row.options.get("junction"))):
        raise Conflict(
            "A link field of this change was deleted for good; its links cannot come back",
            "此操作涉及的关联字段已被永久删除，关联无法恢复",
        )
    fdef = field_from_row(row)
    old, new = (r.old, r.new) if forward else (r.new, r.old)
    _write_junction(conn, fdef, old, new)
    side = 0 if fdef.type.options.side == "a" else 1
    rows = [*old, *new]
    changes.add(fdef.table_id, fdef.id, {x[side] for x in rows})
    inverse = fdef.type.options.inverse_field_id
    if inverse is not None:
        changes.add(fdef.type.options.table_id, inverse, {x[1 - side] for x in rows})


# --- schema changes ----------------------------------------------------------------------------------
def _apply_schema(conn: Connection, act: Any, rows: Sequence[Any], forward: bool) -> None:
    now = _now()
    cols: dict[int, tuple[list[Any], bool]] = {}
    wanted = "col_new" if forward else "col_old"
    for r in sorted(rows, key=lambda r: r.id):
        if r.kind == wanted:
            pairs, _ = cols.setdefault(r.field_id, ([], bool(r.new.get("whole"))))
            pairs.extend(r.old)
    fields: list[tuple[Any, dict[str, Any]]] = []
    order = {"table": 0, "field": 1, "view": 2}
    for r in sorted((r for r in rows if r.kind in order), key=lambda r: order[r.kind]):
        mt = history.META_TABLES[r.kind]
        oid = r.table_id if r.kind == "table" else r.field_id
        current = conn.execute(select(mt).where(mt.c.id == oid)).first()
        if current is None:
            raise Conflict(
                f"The {r.kind} {oid} was deleted for good; this change cannot be undone",
                f"{ {'table': '表', 'field': '字段', 'view': '视图'}[r.kind] } {oid} 已被永久删除，"
                "无法撤销此操作",
            )
        target = r.new if forward else r.old
        if target is None:  # undoing a creation: to the trash
            values: dict[str, Any] = {"trashed_at": now}
            if "name_key" in mt.c:
                values["name_key"] = None
        else:
            values = {k: v for k, v in history.row_value(target).items() if k != "id"}
        try:
            with conn.begin_nested():
                conn.execute(update(mt).where(mt.c.id == oid).values(**values))
        except IntegrityError:
            name = (target or {}).get("name", oid)
            raise Conflict(
                f"Cannot undo or redo: the name {name!r} is taken now; rename the other first",
                f"无法撤销或重做：名称 {name!r} 现已被占用；请先修改另一个的名称",
            ) from None
        if r.kind == "field":
            fields.append((current, {**dict(current._mapping), **values}))
    for current, target_row in fields:
        _physical(conn, current, target_row, cols.pop(current.id, None))
    if act.base_id is not None:
        _recompute_base(conn, int(act.base_id))


def _def(row: Any) -> FieldDef:
    return field_from_row(SimpleNamespace(**(row if isinstance(row, dict) else row._mapping)))


def _physical(
    conn: Connection, current: Any, target: dict[str, Any], values: tuple[list[Any], bool] | None
) -> None:
    """Bring a field's column in line with its restored metadata (type, unique rule, values)."""
    if target.get("options", {}).get("junction") == "pending":
        return
    cur, new = _def(current), _def(target)
    table_id = int(current.table_id)
    name = column_name(cur.id)
    changed = repr(cur.type.column_type()) != repr(new.type.column_type()) or (
        cur.type.stored != new.type.stored
    )
    if changed or (values is not None and values[1]):
        existing = {c["name"] for c in inspect(conn).get_columns(table_name(table_id))}
        if name in existing:
            storage.drop_indexes_on(conn, table_id, name)
            storage.drop_raw_column(conn, table_id, name)
        if new.type.stored:
            storage.add_column(conn, table_id, new)
    elif new.type.stored and new.rules.unique != cur.rules.unique:
        if new.rules.unique:
            storage.add_unique(conn, table_id, new)
        else:
            storage.drop_unique(conn, table_id, new.id)
    if values is not None and values[0] and new.type.stored:
        table = physical_table(table_id, [new])
        stmt = (
            update(table)
            .where(table.c.id == bindparam("rid"))
            .values({name: bindparam("v", type_=table.c[name].type)})
        )
        try:
            with conn.begin_nested():
                conn.execute(stmt, [{"rid": rid, "v": history.dec(v)} for rid, v in values[0]])
        except IntegrityError:
            raise _unique_conflict(table_id) from None


def _recompute_base(conn: Connection, base_id: int) -> None:
    """Every computed value of the base, after its schema went back or forth."""
    from .link_writes import has_computed

    if not has_computed(conn, base_id):
        return
    graph = computed.load_graph(conn, base_id)
    for table, f in graph.order:
        if not computed.is_volatile(f):
            computed.refresh(conn, graph, table, [f], computed.ALL)
