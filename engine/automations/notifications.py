"""The in-app inbox: notifications that automations leave for members, each linking to a record.
A user reads and marks only their own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, update

from .. import meta
from ..errors import NotFound
from ..sqltypes import UTC


@dataclass(frozen=True)
class Notification:
    id: int
    base_id: int
    table_id: int | None
    record_id: int | None
    automation_id: int | None
    message: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "base_id": self.base_id,
            "table_id": self.table_id,
            "record_id": self.record_id,
            "automation_id": self.automation_id,
            "message": self.message,
            "created_at": self.created_at.isoformat(),
            "read": self.read_at is not None,
        }


def _notification(r: Any) -> Notification:
    return Notification(
        int(r.id), int(r.base_id), r.table_id, r.record_id, r.automation_id, str(r.message),
        r.created_at, r.read_at,
    )


def one(conn: Connection, user_id: int, notification_id: int) -> Notification:
    """One of the user's notifications (NotFound for anyone else's)."""
    n = meta.notifications
    r = conn.execute(
        select(n).where(n.c.id == notification_id, n.c.user_id == user_id)
    ).first()
    if r is None:
        raise NotFound("No such notification", "没有这条通知")
    return _notification(r)


def for_user(
    conn: Connection, user_id: int, *, limit: int = 50, unread_only: bool = False
) -> list[Notification]:
    n = meta.notifications
    stmt = select(n).where(n.c.user_id == user_id)
    if unread_only:
        stmt = stmt.where(n.c.read_at.is_(None))
    rows = conn.execute(stmt.order_by(n.c.id.desc()).limit(limit)).all()
    return [
        Notification(
            int(r.id),
            int(r.base_id),
            r.table_id,
            r.record_id,
            r.automation_id,
            str(r.message),
            r.created_at,
            r.read_at,
        )
        for r in rows
    ]


def unread_count(conn: Connection, user_id: int) -> int:
    n = meta.notifications
    return int(
        conn.execute(
            select(func.count()).where(n.c.user_id == user_id, n.c.read_at.is_(None))
        ).scalar_one()
    )


def mark_read(conn: Connection, user_id: int, ids: list[int] | None = None) -> int:
    """Mark the user's notifications `ids` (None: all of them) read; how many were unread."""
    n = meta.notifications
    stmt = update(n).where(n.c.user_id == user_id, n.c.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(n.c.id.in_(ids))
    return int(conn.execute(stmt.values(read_at=dt.datetime.now(UTC))).rowcount)
