"""What every record write shares: its context, its problems, and the check that records exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from .attachments import AttachmentStore
from .errors import NotFound, Problem, ValidationError, ValueProblem
from .model import FieldDef, TableSchema
from .sqltypes import UTC


@dataclass
class WriteContext:
    conn: Connection
    actor: int | None
    store: AttachmentStore | None
    now: dt.datetime

    def attachment_exists(self, digest: str) -> bool:
        return self.store is not None and self.store.exists(digest)


def context(conn: Connection, actor: int | None, store: AttachmentStore | None) -> WriteContext:
    return WriteContext(conn, actor, store, dt.datetime.now(UTC))


def problem(f: FieldDef | None, p: ValueProblem, row: int | None, key: Any = None) -> Problem:
    """The Problem of value problem `p` in field `f` (or unknown key `key`) at batch row `row`."""
    return Problem(
        code=p.code,
        message_en=p.message_en,
        message_zh=p.message_zh,
        field_id=f.id if f else None,
        field_name=f.name if f else (str(key) if key is not None else None),
        row=row,
    )


def raise_problems(problems: list[Problem]) -> None:
    """Raise a ValidationError listing `problems` (by row, then field), if there are any."""
    if problems:
        problems.sort(key=lambda p: (p.row if p.row is not None else -1, p.field_id or 0))
        raise ValidationError(problems)


def require_live(conn: Connection, schema: TableSchema, ids: Sequence[int]) -> None:
    """NotFound unless every id is a live (untrashed) record of the table."""
    table = schema.sql
    found: set[int] = set()
    for k in range(0, len(ids), 1000):
        part = list(ids[k : k + 1000])
        found.update(
            conn.execute(
                select(table.c.id).where(table.c.id.in_(part), table.c.trashed_at.is_(None))
            ).scalars()
        )
    missing = [i for i in ids if i not in found]
    if missing:
        shown = ", ".join(str(m) for m in missing[:10])
        raise NotFound(
            f"No record with id {shown} in table {schema.name!r}",
            f"表 {schema.name!r} 中没有 ID 为 {shown} 的记录",
        )
