"""Running scheduled automations: what is due is claimed in the database (so several workers,
hosts or a cron job never run one tick twice), then run over the records of its table that match
its filter and have not been run for in this period, found by one set-based query."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, or_, select

from .. import meta
from ..db import read_transaction, write_transaction
from ..errors import TesseraError
from ..model import load_table
from ..sqltypes import UTC
from . import hooks, runner, schedule

MAX_RECORDS = 1000  # per run; a tick runs again for the rest (they have no run key yet)
MAX_RUNS = 100  # runs of one automation in one tick


def eligible(conn: Connection, automation: Any, period: str, now: dt.datetime) -> list[int]:
    """The records a scheduled run is for: matching its filter (as its owner sees the table),
    with no run key in this period nor, with `once_per_days`, within so many days."""
    trigger = dict(automation.trigger)
    schema = load_table(conn, int(automation.table_id))
    where = hooks.condition(conn, schema, trigger, automation.owner_id, now)
    k = meta.automation_keys
    t = schema.sql
    recent = k.c.period == period
    if trigger.get("once_per_days"):
        recent = or_(recent, k.c.at > now - dt.timedelta(days=int(trigger["once_per_days"])))
    done = exists().where(and_(k.c.automation_id == automation.id, k.c.record_id == t.c.id, recent))
    stmt = select(t.c.id).where(*where, ~done).order_by(t.c.id).limit(MAX_RECORDS)
    return list(conn.execute(stmt).scalars())


def run_scheduled(
    engine: Engine,
    automation_id: int,
    *,
    now: dt.datetime | None = None,
    trigger: str = "scheduled",
) -> runner.RunResult | None:
    """One run of a scheduled automation now, over the records it is for in the current period
    (also what "run now" does)."""
    now = now or dt.datetime.now(UTC)
    with read_transaction(engine) as conn:
        a = meta.automations
        row = conn.execute(select(a).where(a.c.id == automation_id)).first()
        if row is None or not row.enabled or row.trigger_kind != "scheduled":
            return None
        zone = schedule.zone_of(conn, dict(row.trigger), row.owner_id)
        period = schedule.period_of(dict(row.trigger), now, zone)
        error: str | None = None
        try:
            ids = eligible(conn, row, period, now)
        except TesseraError as e:  # its filter no longer compiles, its owner lost the table
            error = str(e)
    if error is not None:
        return runner.fail(engine, automation_id, trigger, error)
    return runner.run(engine, automation_id, trigger, ids, period=period, at=now)


def run_due(
    engine: Engine, *, now: dt.datetime | None = None, base_id: int | None = None
) -> list[runner.RunResult]:
    """Claim and run every scheduled automation due at `now`."""
    now = now or dt.datetime.now(UTC)
    with read_transaction(engine) as conn:
        due = schedule.due(conn, now, base_id)
    results = []
    for automation_id, was_due in due:
        with write_transaction(engine) as conn:
            a = meta.automations
            row = conn.execute(select(a).where(a.c.id == automation_id)).first()
            if row is None:
                continue
            zone = schedule.zone_of(conn, dict(row.trigger), row.owner_id)
            following = schedule.next_due(dict(row.trigger), now, zone)
            claimed = schedule.claim(conn, automation_id, was_due, following)
        if claimed:
            for _ in range(MAX_RUNS):  # more records than one run takes: run again at once
                result = run_scheduled(engine, automation_id, now=now)
                if result is not None:
                    results.append(result)
                if result is None or result.status != "ok" or len(result.record_ids) < MAX_RECORDS:
                    break
    return results
