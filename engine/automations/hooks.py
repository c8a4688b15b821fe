"""What record writes tell automations. `engine.records` calls these inside the write's
transaction: one indexed query finds the enabled automations watching the table (none: nothing
more is done), then one set-based query per automation finds which records of the batch match
its filter. What fired is deferred, and run after the write commits (`runner.dispatch`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, select

from schemas.query import FilterGroup

from .. import meta, permissions
from ..dates import Clock
from ..db import DEPTH, defer
from ..model import TableSchema
from ..query import Compiler, QueryContext
from . import schedule

CHUNK = 1000


@dataclass(frozen=True)
class Fired:
    """An automation whose trigger fired for these records of one committed write."""

    automation_id: int
    trigger: str
    record_ids: tuple[int, ...]
    depth: int


@dataclass(frozen=True)
class Watcher:
    id: int
    kind: str
    trigger: dict[str, Any]
    owner_id: int | None


def watchers(conn: Connection, table_id: int, kinds: Iterable[str]) -> list[Watcher]:
    a = meta.automations
    rows = conn.execute(
        select(a.c.id, a.c.trigger_kind, a.c.trigger, a.c.owner_id).where(
            a.c.table_id == table_id, a.c.enabled.is_(True), a.c.trigger_kind.in_(list(kinds))
        )
    ).all()
    return [Watcher(int(r.id), str(r.trigger_kind), dict(r.trigger), r.owner_id) for r in rows]


def condition(
    conn: Connection,
    schema: TableSchema,
    trigger: dict[str, Any],
    owner: int | None,
    now: dt.datetime | None = None,
) -> list[ColumnElement[bool]]:
    """The trigger's filter on its table, compiled as its owner sees the table (with the owner's
    row rules), in the trigger's time zone, at `now` (relative dates: today, 30 days ago)."""
    view = permissions.schema_for(conn, schema.id, owner)
    zone = schedule.zone_of(conn, trigger, owner)
    clock = Clock(timezone=zone) if now is None else Clock(now=now, timezone=zone)
    qctx = QueryContext(user_id=owner, clock=clock)
    compiler = Compiler(conn, view, qctx)
    clauses = [view.sql.c.trashed_at.is_(None), *permissions.row_clauses(conn, view, qctx)]
    if trigger.get("filter"):
        clauses.append(compiler.group(FilterGroup.model_validate(trigger["filter"])))
    return clauses


def matching(conn: Connection, schema: TableSchema, w: Watcher, ids: Sequence[int]) -> set[int]:
    """The records of `ids` that match the watcher's filter now."""
    if not ids:
        return set()
    if not w.trigger.get("filter") and w.owner_id is None:
        return set(ids)
    where = condition(conn, schema, w.trigger, w.owner_id)
    t = schema.sql
    found: set[int] = set()
    if ids[-1] - ids[0] + 1 == len(ids) and len(set(ids)) == len(ids):
        # a batch of new records has consecutive ids: one range query, however large it is
        span = t.c.id.between(ids[0], ids[-1])
        return set(conn.execute(select(t.c.id).where(span, *where)).scalars())
    for k in range(0, len(ids), CHUNK):
        part = list(ids[k : k + CHUNK])
        found.update(conn.execute(select(t.c.id).where(t.c.id.in_(part), *where)).scalars())
    return found


def _fire(conn: Connection, w: Watcher, ids: Iterable[int]) -> None:
    chosen = tuple(sorted(ids))
    if chosen:
        defer(conn, Fired(w.id, w.kind, chosen, int(conn.info.get(DEPTH, 0))))


def _safe_matching(
    conn: Connection, schema: TableSchema, w: Watcher, ids: Sequence[int]
) -> set[int]:
    """Matching records; an automation whose filter no longer compiles (a field it names was
    deleted, its owner lost access) matches none rather than failing the user's write."""
    from ..errors import TesseraError

    try:
        with conn.begin_nested():
            return matching(conn, schema, w, ids)
    except TesseraError:
        return set()


def after_create(conn: Connection, schema: TableSchema, ids: Sequence[int]) -> None:
    for w in watchers(conn, schema.id, ("record_created", "record_matches")):
        _fire(conn, w, _safe_matching(conn, schema, w, ids))


@dataclass(frozen=True)
class Before:
    """What an update's watchers need from before the write."""

    watchers: list[Watcher]
    matching: dict[int, set[int]]  # "enters a condition" watcher -> records matching before
    values: dict[int, tuple[Any, ...]]  # record -> its stored values of the watched fields
    columns: tuple[str, ...]


def _watched_columns(schema: TableSchema, found: Sequence[Watcher]) -> tuple[str, ...]:
    ids = {int(f) for w in found if w.kind == "record_updated" for f in w.trigger.get("fields", [])}
    return tuple(f.column for f in schema.fields if f.id in ids and f.type.stored)


def _values(
    conn: Connection, schema: TableSchema, columns: tuple[str, ...], ids: Sequence[int]
) -> dict[int, tuple[Any, ...]]:
    if not columns:
        return {}
    t = schema.sql
    out: dict[int, tuple[Any, ...]] = {}
    for k in range(0, len(ids), CHUNK):
        part = list(ids[k : k + CHUNK])
        rows = conn.execute(select(t.c.id, *(t.c[c] for c in columns)).where(t.c.id.in_(part)))
        out.update({int(r[0]): tuple(r[1:]) for r in rows})
    return out


def before_update(conn: Connection, schema: TableSchema, ids: Sequence[int]) -> Before | None:
    """The watchers of an update, the records of the batch that match each "enters a condition"
    one before the write, and the watched fields' values before it; None when no automation
    watches the table."""
    found = watchers(conn, schema.id, ("record_updated", "record_matches"))
    if not found:
        return None
    matching_before = {
        w.id: _safe_matching(conn, schema, w, ids) for w in found if w.kind == "record_matches"
    }
    columns = _watched_columns(schema, found)
    return Before(found, matching_before, _values(conn, schema, columns, ids), columns)


def after_update(
    conn: Connection, schema: TableSchema, written: Mapping[int, set[int]], seen: Before | None
) -> None:
    """`written`: the ids of the fields written, per record. A "record updated" automation
    watching fields fires for the records in which one of them changed value (links and other
    fields kept outside the record's row: in which one was written)."""
    if seen is None:
        return
    ids = list(written)
    after = _values(conn, schema, seen.columns, ids)
    position = {c: i for i, c in enumerate(seen.columns)}
    for w in seen.watchers:
        if w.kind == "record_matches":
            now = _safe_matching(conn, schema, w, ids)
            _fire(conn, w, now - seen.matching.get(w.id, set()))
            continue
        watched = {int(f) for f in w.trigger.get("fields") or ()}
        if not watched:
            _fire(conn, w, _safe_matching(conn, schema, w, ids))
            continue
        stored = {f.id: position[f.column] for f in schema.fields if f.column in position}
        changed = []
        for r in ids:
            for fid in watched & written[r]:
                at = stored.get(fid)
                if at is None or seen.values.get(r, ())[at : at + 1] != after.get(r, ())[at : at + 1]:
                    changed.append(r)
                    break
        _fire(conn, w, _safe_matching(conn, schema, w, changed))
