"""What each kind of action does, for all the trigger records of a run at once, as the
automation's owner: through the permission layer, in the run's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select

from .. import meta, permissions, records
from ..batch import WriteContext
from ..dates import Clock
from ..model import FieldDef, TableSchema
from ..record import Record
from . import templates

USER_TYPES = ("user", "created_by", "last_modified_by")


@dataclass
class RunContext:
    conn: Connection
    automation_id: int
    base_id: int
    owner: int | None
    source: TableSchema  # the trigger's table as the owner sees it
    records: list[Record]
    clock: Clock
    run_id: int | None = None
    user_names: dict[int, str] = field(default_factory=dict)

    @property
    def write(self) -> WriteContext:
        return WriteContext(self.conn, self.owner, None, self.clock.now)


def user_ids(value: Any) -> list[int]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("id")
        if isinstance(item, int) and not isinstance(item, bool):
            out.append(item)
    return out


def load_user_names(ctx: RunContext) -> None:
    wanted: set[int] = set()
    for f in ctx.source.fields:
        element = getattr(f.type.options, "element_type", None)
        if f.type.name in USER_TYPES or element in USER_TYPES:
            for r in ctx.records:
                wanted.update(user_ids(r.by_id.get(f.id)))
    if wanted:
        u = meta.users
        rows = ctx.conn.execute(select(u.c.id, u.c.name).where(u.c.id.in_(sorted(wanted))))
        ctx.user_names = {int(r.id): str(r.name) for r in rows}


def _copy(value: Any, target: FieldDef) -> Any:
    """A value of one field as another takes it: linked records by id, one item of a list for
    a field that holds one."""
    if isinstance(value, list):
        items = [v["id"] if isinstance(v, dict) and "id" in v else v for v in value]
        if not target.type.is_list:
            return items[0] if items else None
        return items
    return value


def value_for(ctx: RunContext, target: FieldDef, spec: dict[str, Any], record: Record) -> Any:
    if "template" in spec:
        return templates.render(spec["template"], ctx.source, record, ctx.user_names)
    if "copy" in spec:
        return _copy(record.by_id.get(int(spec["copy"])), target)
    if spec.get("trigger_record"):
        return [record.id]
    if "today" in spec:
        days = dt.timedelta(days=int(spec["today"]))
        if target.type.name == "datetime":
            return ctx.clock.now + days
        return ctx.clock.today() + days
    return spec.get("value")


def _row(
    ctx: RunContext, schema: TableSchema, values: Sequence[dict[str, Any]], record: Record
) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for spec in values:
        f = schema.field(int(spec["field"]))
        out[f.id] = value_for(ctx, f, spec, record)
    return out


def create_record(ctx: RunContext, action: dict[str, Any]) -> dict[str, Any]:
    target = permissions.schema_for(ctx.conn, int(action["table"]), ctx.owner)
    rows = [_row(ctx, target, action.get("values", []), r) for r in ctx.records]
    ids = records.create(ctx.write, target, rows)
    return {"kind": "create_record", "table": target.id, "created": ids}


def update_record(ctx: RunContext, action: dict[str, Any]) -> dict[str, Any]:
    link = action.get("link")
    if link is None:
        target = ctx.source
        changes = [(r.id, _row(ctx, target, action["values"], r)) for r in ctx.records]
    else:
        f = ctx.source.field(int(link))
        target = permissions.schema_for(ctx.conn, f.type.options.table_id, ctx.owner)
        seen: set[int] = set()
        changes = []
        for r in ctx.records:
            for rid in user_ids(r.by_id.get(f.id)):  # linked records' ids
                if rid not in seen:  # a record linked from two trigger records changes once
                    seen.add(rid)
                    changes.append((rid, _row(ctx, target, action["values"], r)))
    records.update_many(ctx.write, target, changes)
    return {"kind": "update_record", "table": target.id, "updated": [rid for rid, _ in changes]}


def _role_members(ctx: RunContext, keys: Sequence[str]) -> list[int]:
    if not keys:
        return []
    m = meta.members
    return list(
        ctx.conn.execute(
            select(m.c.user_id).where(m.c.base_id == ctx.base_id, m.c.role.in_(list(keys)))
        ).scalars()
    )


def _may_see(ctx: RunContext, user_id: int, cache: dict[int, bool]) -> bool:
    """Only members who may see the trigger's table are told about its records."""
    if user_id not in cache:
        try:
            permissions.schema_for(ctx.conn, ctx.source.id, user_id)
            cache[user_id] = permissions.role_of(ctx.conn, user_id, ctx.base_id) is not None
        except Exception:
            cache[user_id] = False
    return cache[user_id]


def notify(ctx: RunContext, action: dict[str, Any]) -> dict[str, Any]:
    fixed = list(action.get("users", [])) + _role_members(ctx, action.get("roles", []))
    fields = [ctx.source.field(int(fid)) for fid in action.get("user_fields", [])]
    allowed: dict[int, bool] = {}
    rows: list[dict[str, Any]] = []
    for r in ctx.records:
        who = list(fixed)
        for f in fields:
            who += user_ids(r.by_id.get(f.id))
        message = templates.render(action["message"], ctx.source, r, ctx.user_names)
        for uid in dict.fromkeys(who):
            if _may_see(ctx, uid, allowed):
                rows.append(
                    {
                        "user_id": uid,
                        "base_id": ctx.base_id,
                        "table_id": ctx.source.id,
                        "record_id": r.id,
                        "automation_id": ctx.automation_id,
                        "run_id": ctx.run_id,
                        "message": message,
                        "created_at": ctx.clock.now,
                    }
                )
    if rows:
        ctx.conn.execute(insert(meta.notifications), rows)
    return {"kind": "notify", "notified": sorted({row["user_id"] for row in rows})}


def webhook_payload(ctx: RunContext, automation_name: str, trigger: str) -> dict[str, Any]:
    return {
        "automation": {"id": ctx.automation_id, "name": automation_name},
        "trigger": trigger,
        "base_id": ctx.base_id,
        "table": {"id": ctx.source.id, "name": ctx.source.name},
        "records": [{"id": r.id, "fields": dict(r.fields)} for r in ctx.records],
    }


DB_ACTIONS = {"create_record": create_record, "update_record": update_record, "notify": notify}
