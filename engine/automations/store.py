"""Automations kept in `meta_automations`: create, change, enable, delete, list. Managing them
needs the creator role or above; each runs as its owner (who made it, or who last changed it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from .. import meta, permissions
from ..errors import NotFound
from ..sqltypes import UTC
from . import checks, schedule
from .model import AutomationSpec


@dataclass(frozen=True)
class Automation:
    id: int
    base_id: int
    table_id: int
    name: str
    enabled: bool
    trigger: dict[str, Any]
    actions: list[dict[str, Any]]
    owner_id: int | None
    next_run_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def kind(self) -> str:
        return str(self.trigger["kind"])

    def spec(self) -> AutomationSpec:
        return checks.parse(
            {
                "name": self.name,
                "enabled": self.enabled,
                "trigger": self.trigger,
                "actions": self.actions,
            }
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "base_id": self.base_id,
            "table_id": self.table_id,
            "name": self.name,
            "enabled": self.enabled,
            "trigger": self.trigger,
            "actions": self.actions,
            "owner_id": self.owner_id,
            "next_run_at": self.next_run_at.isoformat() if self.next_run_at else None,
        }


def _row(r: Row[Any]) -> Automation:
    return Automation(
        int(r.id),
        int(r.base_id),
        int(r.table_id),
        str(r.name),
        bool(r.enabled),
        dict(r.trigger),
        list(r.actions),
        r.owner_id,
        r.next_run_at,
        r.created_at,
        r.updated_at,
    )


def require_manager(conn: Connection, user: int | None, base_id: int) -> None:
    permissions.require(conn, user, base_id, "creator", "manage automations", "管理自动化流程")


def get(conn: Connection, automation_id: int) -> Automation:
    a = meta.automations
    r = conn.execute(select(a).where(a.c.id == automation_id)).first()
    if r is None:
        raise NotFound(f"No automation {automation_id}", f"没有自动化流程 {automation_id}")
    return _row(r)


def get_visible(conn: Connection, user: int | None, automation_id: int) -> Automation:
    """An automation of a base the user may see (NotFound otherwise)."""
    found = get(conn, automation_id)
    permissions.visible_base(conn, user, found.base_id)
    return found


def list_for_base(conn: Connection, base_id: int) -> list[Automation]:
    a = meta.automations
    rows = conn.execute(select(a).where(a.c.base_id == base_id).order_by(a.c.id)).all()
    return [_row(r) for r in rows]


def _values(
    conn: Connection, base_id: int, spec: AutomationSpec, owner: int | None, now: dt.datetime
) -> dict[str, Any]:
    table_id, trigger, actions = checks.check(conn, base_id, spec, owner)
    due = schedule.next_due(trigger, now, schedule.zone_of(conn, trigger, owner))
    return {
        "table_id": table_id,
        "name": spec.name.strip(),
        "enabled": spec.enabled,
        "trigger_kind": trigger["kind"],
        "trigger": trigger,
        "actions": actions,
        "owner_id": owner,
        "next_run_at": due,
        "updated_at": now,
    }


def create(
    conn: Connection, base_id: int, raw: AutomationSpec | dict[str, Any], *, actor: int | None
) -> Automation:
    require_manager(conn, actor, base_id)
    spec = checks.parse(raw)
    now = dt.datetime.now(UTC)
    values = _values(conn, base_id, spec, actor, now)
    new_id = conn.execute(
        insert(meta.automations).values(base_id=base_id, created_at=now, **values)
    ).inserted_primary_key
    assert new_id is not None
    return get(conn, int(new_id[0]))


def replace(
    conn: Connection,
    automation_id: int,
    raw: AutomationSpec | dict[str, Any],
    *,
    actor: int | None,
) -> Automation:
    """Change the whole definition; the one who changes it becomes its owner."""
    old = get_visible(conn, actor, automation_id)
    require_manager(conn, actor, old.base_id)
    spec = checks.parse(raw)
    values = _values(conn, old.base_id, spec, actor, dt.datetime.now(UTC))
    a = meta.automations
    conn.execute(update(a).where(a.c.id == automation_id).values(**values))
    return get(conn, automation_id)


def set_enabled(conn: Connection, automation_id: int, enabled: bool, *, actor: int | None) -> None:
    old = get_visible(conn, actor, automation_id)
    require_manager(conn, actor, old.base_id)
    now = dt.datetime.now(UTC)
    due = schedule.next_due(old.trigger, now, schedule.zone_of(conn, old.trigger, old.owner_id))
    a = meta.automations
    conn.execute(
        update(a)
        .where(a.c.id == automation_id)
        .values(enabled=enabled, updated_at=now, next_run_at=due)
    )


def remove(conn: Connection, automation_id: int, *, actor: int | None) -> None:
    old = get_visible(conn, actor, automation_id)
    require_manager(conn, actor, old.base_id)
    for t in (meta.automation_keys, meta.automation_runs):
        conn.execute(delete(t).where(t.c.automation_id == automation_id))
    conn.execute(delete(meta.automations).where(meta.automations.c.id == automation_id))
