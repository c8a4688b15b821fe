"""When scheduled automations are due, which period a run belongs to, and claiming a due run so
that of several schedulers (workers, hosts, a cron job) exactly one runs it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, select, update

from .. import meta
from ..dates import Clock
from ..sqltypes import UTC

EPOCH = dt.datetime(2000, 1, 3, tzinfo=UTC)  # a Monday at midnight: hour windows count from it


def zone_of(conn: Connection, trigger: dict[str, Any], owner: int | None) -> str:
    """The time zone a trigger's times and days are in: its own, else its owner's, else UTC."""
    if trigger.get("timezone"):
        return str(trigger["timezone"])
    if owner is not None:
        u = meta.users
        zone = conn.execute(select(u.c.timezone).where(u.c.id == owner)).scalar()
        if zone:
            return str(zone)
    return "UTC"


def next_due(trigger: dict[str, Any], after: dt.datetime, zone: str) -> dt.datetime | None:
    """The first moment after `after` at which a scheduled trigger is due (None: not scheduled)."""
    if trigger.get("kind") != "scheduled":
        return None
    if trigger.get("every_hours"):
        step = dt.timedelta(hours=int(trigger["every_hours"]))
        return EPOCH + ((after - EPOCH) // step + 1) * step
    hour, minute = (int(x) for x in str(trigger["at"]).split(":"))
    tz = Clock(timezone=zone).zone
    local = after.astimezone(tz)
    day = local.date()
    for _ in range(3):  # today, or tomorrow (a day without that wall-clock time: the day after)
        moment = dt.datetime.combine(day, dt.time(hour, minute), tz).astimezone(UTC)
        if moment > after:
            return moment
        day += dt.timedelta(days=1)
    raise AssertionError("unreachable")  # pragma: no cover


def period_of(trigger: dict[str, Any], moment: dt.datetime, zone: str) -> str:
    """The period `moment` falls in: the local day of a daily trigger, the hours window of an
    every-N-hours one. A record is run for at most once per period."""
    if trigger.get("every_hours"):
        step = dt.timedelta(hours=int(trigger["every_hours"]))
        start = EPOCH + ((moment - EPOCH) // step) * step
        return start.strftime("%Y-%m-%dT%H")
    return moment.astimezone(Clock(timezone=zone).zone).date().isoformat()


def due(conn: Connection, now: dt.datetime, base_id: int | None = None) -> list[tuple[int, Any]]:
    """(id, next_run_at) of the enabled scheduled automations due at `now`."""
    a = meta.automations
    stmt = select(a.c.id, a.c.next_run_at).where(
        a.c.enabled.is_(True),
        a.c.trigger_kind == "scheduled",
        a.c.next_run_at.is_not(None),
        a.c.next_run_at <= now,
    )
    if base_id is not None:
        stmt = stmt.where(a.c.base_id == base_id)
    return [(int(r.id), r.next_run_at) for r in conn.execute(stmt.order_by(a.c.next_run_at))]


def claim(
    conn: Connection, automation_id: int, was_due: dt.datetime, next_at: dt.datetime | None
) -> bool:
    """Move a due automation's next run on, if no one else has: True for the one who did."""
    a = meta.automations
    done = conn.execute(
        update(a)
        .where(a.c.id == automation_id, a.c.next_run_at == was_due, a.c.enabled.is_(True))
        .values(next_run_at=next_at)
    )
    return done.rowcount == 1
