"""The run log: every run of an automation, newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from .. import meta


@dataclass(frozen=True)
class Run:
    id: int
    automation_id: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    trigger: str
    record_ids: list[int]
    actions: list[dict[str, Any]]
    status: str
    error: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "automation_id": self.automation_id,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "trigger": self.trigger,
            "record_ids": self.record_ids,
            "actions": self.actions,
            "status": self.status,
            "error": self.error,
        }


def list_runs(conn: Connection, automation_id: int, *, limit: int = 50) -> list[Run]:
    r = meta.automation_runs
    rows = conn.execute(
        select(r).where(r.c.automation_id == automation_id).order_by(r.c.id.desc()).limit(limit)
    ).all()
    return [
        Run(
            int(x.id),
            int(x.automation_id),
            x.started_at,
            x.finished_at,
            str(x.trigger),
            list(x.record_ids or []),
            list(x.actions or []),
            str(x.status),
            x.error,
        )
        for x in rows
    ]
