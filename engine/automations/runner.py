"""A run: one automation over the records that triggered it, in one transaction of its own,
as the automation's owner. One failing action fails the run and nothing of it is written; the
run is logged either way. Webhooks are sent after the run commits."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from schemas.query import Page, QuerySpec

from .. import meta, permissions, query
from ..dates import Clock
from ..db import AFTER_COMMIT, DEPTH, write_transaction
from ..errors import TesseraError
from ..model import TableSchema
from ..query import QueryContext
from ..record import Record
from ..sqltypes import UTC
from . import actions, schedule, webhook
from .hooks import Fired

PAGE = 1000  # trigger records read per query
MAX_DEPTH = 3  # an automation's writes trigger others at most this many levels deep
log = logging.getLogger("tessera.automations")


@dataclass(frozen=True)
class RunResult:
    run_id: int
    status: str  # "ok", "failed" or "skipped"
    record_ids: tuple[int, ...]
    error: str | None = None


def _message(e: BaseException) -> str:
    if isinstance(e, TesseraError):
        return str(e)
    return f"{type(e).__name__}: {e}"


def _log(
    conn: Connection,
    automation_id: int,
    trigger: str,
    ids: Sequence[int],
    started: dt.datetime,
    status: str,
    done: list[dict[str, Any]],
    error: str | None,
) -> int:
    new = conn.execute(
        insert(meta.automation_runs).values(
            automation_id=automation_id,
            started_at=started,
            finished_at=dt.datetime.now(UTC),
            trigger=trigger,
            record_ids=list(ids),
            actions=done,
            status=status,
            error=error,
        )
    ).inserted_primary_key
    assert new is not None
    return int(new[0])


def run(
    engine: Engine,
    automation_id: int,
    trigger: str,
    record_ids: Sequence[int],
    *,
    depth: int = 0,
    period: str | None = None,
    at: dt.datetime | None = None,
) -> RunResult | None:
    """Run the automation for `record_ids`; None when it is gone or disabled. A scheduled run
    names its `period` and the time `at` which it is due, kept in its records' run keys."""
    started = dt.datetime.now(UTC)
    hooks: list[tuple[dict[str, Any], dict[str, Any]]] = []
    done: list[dict[str, Any]] = []
    ids: tuple[int, ...] = tuple(record_ids)
    try:
        with write_transaction(engine) as conn:
            conn.info[DEPTH] = depth + 1
            a = meta.automations
            row = conn.execute(select(a).where(a.c.id == automation_id)).first()
            if row is None or not row.enabled:
                return None
            if depth >= MAX_DEPTH:
                run_id = _log(
                    conn,
                    automation_id,
                    trigger,
                    ids,
                    started,
                    "skipped",
                    [],
                    "Not run: triggered by automations more than "
                    f"{MAX_DEPTH} levels deep (a loop?) / 未运行：由自动化流程连续触发超过 "
                    f"{MAX_DEPTH} 层（可能是循环）",
                )
                return RunResult(run_id, "skipped", ids)
            ctx = _context(conn, row, ids, at)
            ids = tuple(r.id for r in ctx.records)
            if period is not None:
                _take_keys(conn, automation_id, ids, period, at or started)
            for action in row.actions:
                if action["kind"] == "webhook":
                    hooks.append((action, actions.webhook_payload(ctx, row.name, trigger)))
                    continue
                done.append(actions.DB_ACTIONS[action["kind"]](ctx, action))
            run_id = _log(conn, automation_id, trigger, ids, started, "ok", done, None)
            conn.execute(
                update(meta.notifications)
                .where(
                    meta.notifications.c.automation_id == automation_id,
                    meta.notifications.c.run_id.is_(None),
                )
                .values(run_id=run_id)
            )
    except Exception as e:  # every failure is logged, none reaches the writer
        return fail(engine, automation_id, trigger, _message(e), ids, started)
    if hooks and _background is not None:  # the writer does not wait for slow endpoints
        _background.submit(_send, engine, run_id, ids, done, hooks)
        return RunResult(run_id, "ok", ids)
    return _send(engine, run_id, ids, done, hooks)


_background: ThreadPoolExecutor | None = None


def webhooks_in_background(enabled: bool) -> None:
    """Send webhooks from a thread of their own (as the server does), or in the run's own
    thread once its writes are committed (the default: a script or a cron job waits for them).
    Turning it off waits for the webhooks under way."""
    global _background
    if enabled and _background is None:
        _background = ThreadPoolExecutor(max_workers=4, thread_name_prefix="tessera-webhooks")
    elif not enabled and _background is not None:
        _background.shutdown(wait=True)
        _background = None


def fail(
    engine: Engine,
    automation_id: int,
    trigger: str,
    error: str,
    ids: Sequence[int] = (),
    started: dt.datetime | None = None,
) -> RunResult:
    """Log a run that failed with `error`."""
    with write_transaction(engine) as conn:
        run_id = _log(
            conn, automation_id, trigger, ids, started or dt.datetime.now(UTC), "failed", [], error
        )
    return RunResult(run_id, "failed", tuple(ids), error)


def _read(
    conn: Connection, source: TableSchema, ids: Sequence[int], qctx: QueryContext
) -> list[Record]:
    """The trigger records as the owner sees them, in id order; volatile formulas (NOW(),
    TODAY()) computed at the run's clock, as a view would show them."""
    out: list[Record] = []
    t = source.sql
    for k in range(0, len(ids), PAGE):
        part = list(ids[k : k + PAGE])
        spec = QuerySpec(sorts=[], page=Page(size=PAGE), count=False)
        out += query.run(conn, source, spec, qctx, where=[t.c.id.in_(part)]).records
    return sorted(out, key=lambda r: r.id)


def _context(
    conn: Connection, row: Any, ids: Sequence[int], now: dt.datetime | None
) -> actions.RunContext:
    owner = row.owner_id
    source = permissions.schema_for(conn, int(row.table_id), owner)
    t = source.sql
    live = (
        set(
            conn.execute(
                select(t.c.id).where(t.c.id.in_(list(ids)), t.c.trashed_at.is_(None))
            ).scalars()
        )
        if ids
        else set()
    )
    zone = schedule.zone_of(conn, dict(row.trigger), owner)
    clock = Clock(timezone=zone) if now is None else Clock(now=now, timezone=zone)
    found = _read(conn, source, [i for i in ids if i in live], QueryContext(owner, clock))
    ctx = actions.RunContext(conn, int(row.id), int(row.base_id), owner, source, found, clock)
    actions.load_user_names(ctx)
    return ctx


def _take_keys(
    conn: Connection, automation_id: int, ids: Sequence[int], period: str, at: dt.datetime
) -> None:
    """Mark the records run for in this period; a record already marked fails the run (another
    scheduler ran it) and nothing of it is written."""
    if not ids:
        return
    try:
        with conn.begin_nested():
            conn.execute(
                insert(meta.automation_keys),
                [
                    {"automation_id": automation_id, "record_id": i, "period": period, "at": at}
                    for i in ids
                ],
            )
    except IntegrityError:
        raise TesseraError(
            f"Already run in period {period} for some of these records",
            f"这些记录中已有在周期 {period} 内运行过的",
        ) from None


def _send(
    engine: Engine,
    run_id: int,
    ids: tuple[int, ...],
    done: list[dict[str, Any]],
    hooks: list[tuple[dict[str, Any], dict[str, Any]]],
) -> RunResult:
    """Send the run's webhooks (its writes are committed); a failed one fails the run's log."""
    if not hooks:
        return RunResult(run_id, "ok", ids)
    errors = []
    for action, payload in hooks:
        sent = webhook.post(
            action["url"],
            payload,
            timeout=float(action.get("timeout", 5.0)),
            retries=int(action.get("retries", 2)),
        )
        done.append(
            {
                "kind": "webhook",
                "url": action["url"],
                "ok": sent.ok,
                "attempts": sent.attempts,
                "status": sent.status,
            }
        )
        if not sent.ok:
            errors.append(
                f"Webhook {action['url']} failed after {sent.attempts} attempts: {sent.error} / "
                f"Webhook {action['url']} 尝试 {sent.attempts} 次后失败：{sent.error}"
            )
    error = "; ".join(errors) or None
    status = "failed" if errors else "ok"
    r = meta.automation_runs
    with write_transaction(engine) as conn:
        conn.execute(
            update(r)
            .where(r.c.id == run_id)
            .values(actions=done, status=status, error=error, finished_at=dt.datetime.now(UTC))
        )
    return RunResult(run_id, status, ids, error)


def dispatch(engine: Engine, pending: list[Any]) -> None:
    """Run what the committed writes triggered (after-commit hook of `engine.db`)."""
    for item in pending:
        if isinstance(item, Fired):
            try:
                run(engine, item.automation_id, item.trigger, item.record_ids, depth=item.depth)
            except Exception:  # pragma: no cover - logging itself failed; the write stands
                log.exception("automation %s could not run", item.automation_id)


if dispatch not in AFTER_COMMIT:
    AFTER_COMMIT.append(dispatch)
