"""The audit log: sign-ins, permission and schema changes, exports and share-link use.

One row per event in `meta_audit_log`, written in the same transaction as what it records (so an
event that rolls back leaves no entry). Owners and admins read it; nobody edits it.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from . import meta
from .errors import Forbidden, TesseraError
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


# --- reading ----------------------------------------------------------------------------------------
@dataclass
class Entry:
    id: int
    at: dt.datetime
    user_id: int | None
    user_email: str | None
    kind: str
    base_id: int | None
    detail: dict[str, Any]
    ip: str | None


def readable_bases(conn: Connection, user_id: int | None, base_id: int | None) -> list[int] | None:
    """The bases whose events `user_id` may read (None: every event, for the system and
    workspace admins); Forbidden for anyone else asking for a base they do not own."""
    from . import permissions

    if base_id is not None:
        permissions.require(conn, user_id, base_id, "owner", "read the audit log", "查看审计日志")
        return [base_id]
    if user_id is None:
        return None
    u = meta.users
    if conn.execute(select(u.c.is_admin).where(u.c.id == user_id)).scalar():
        return None
    m = meta.members
    owned = list(
        conn.execute(
            select(m.c.base_id).where(m.c.user_id == user_id, m.c.role == "owner")
        ).scalars()
    )
    if not owned:
        raise Forbidden(
            "Only owners and admins can read the audit log", "只有所有者和管理员可以查看审计日志"
        )
    return owned


def entries(
    conn: Connection,
    *,
    kind: str | None = None,
    user_id: int | None = None,
    base_ids: Sequence[int] | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int | None = 200,
    offset: int = 0,
) -> list[Entry]:
    """Events newest first. `kind` is a kind ("signin") or, ending in ".", a family of kinds
    ("schema."); `since` is inclusive, `until` exclusive; `base_ids` limits to those bases."""
    a, u = meta.audit_log, meta.users
    q = select(a, u.c.email).outerjoin(u, u.c.id == a.c.user_id)
    if kind:
        q = q.where(
            a.c.kind.startswith(kind, autoescape=True) if kind.endswith(".") else a.c.kind == kind
        )
    if user_id is not None:
        q = q.where(a.c.user_id == user_id)
    if base_ids is not None:
        q = q.where(a.c.base_id.in_(list(base_ids)))
    if since is not None:
        q = q.where(a.c.at >= since)
    if until is not None:
        q = q.where(a.c.at < until)
    q = q.order_by(a.c.at.desc(), a.c.id.desc()).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    return [
        Entry(r.id, r.at, r.user_id, r.email, r.kind, r.base_id, dict(r.detail or {}), r.ip)
        for r in conn.execute(q)
    ]


HEADERS = ("id", "time (UTC)", "user id", "user", "kind", "base id", "detail", "ip")


def rows(found: Sequence[Entry]) -> list[list[Any]]:
    return [
        [
            e.id,
            e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            e.user_id,
            e.user_email or "",
            e.kind,
            e.base_id,
            json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else "",
            e.ip or "",
        ]
        for e in found
    ]


def export(conn: Connection, found: Sequence[Entry], path: Path) -> None:
    """Write events to `path`: .csv (UTF-8 with a byte-order mark, for spreadsheets) or .xlsx."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADERS)
            writer.writerows(rows(found))
    elif suffix == ".xlsx":
        from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("audit")
        ws.append(list(HEADERS))
        for r in rows(found):
            ws.append(r)
        wb.save(path)
    else:
        raise TesseraError(
            f"Cannot export to {path.name!r}: use a .csv or .xlsx file",
            f"无法导出为 {path.name!r}：请使用 .csv 或 .xlsx 文件",
        )


def exported(
    conn: Connection, *, user_id: int | None, table_id: int, rows: int, path: Path
) -> None:
    """An export of a table's records (the file's name and format, how many rows)."""
    base_id = conn.execute(
        select(meta.tables.c.base_id).where(meta.tables.c.id == table_id)
    ).scalar()
    log(
        conn,
        "export.records",
        user_id=user_id,
        base_id=base_id,
        detail={"table_id": table_id, "rows": rows, "file": path.name, "format": path.suffix[1:]},
    )
