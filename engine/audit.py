"""The audit log: sign-ins, permission and schema changes, exports and share-link use.

One row per event in `meta_audit_log`, written in the same transaction as what it records (so an
event that rolls back leaves no entry). Owners and admins read it; nobody edits it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert

from . import meta
from .sqltypes import UTC


def log(
    conn: Connection,
    kind: str,
    *,
    user_id: int | None,
    base_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    """Record one event, e.g. `log(conn, "signin", user_id=3, ip="127.0.0.1")`."""
    conn.execute(
        insert(meta.audit_log).values(
            at=dt.datetime.now(UTC),
            user_id=user_id,
            kind=kind,
            base_id=base_id,
            detail=dict(detail) if detail is not None else None,
            ip=ip,
        )
    )
