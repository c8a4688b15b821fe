"""The Python API of history: record history, undo and redo, the trash of fields, views and
tables, and the audit log. Mixed into `engine.Database`, `engine.Base` and `engine.Table`; each
call is one transaction and acts as `db.user`.

    customers.history(rec.id)          # who changed what, newest first, values as text
    base.undo(); base.redo()           # the acting user's last action in the base
    base.trash()                       # tables, fields, views and records in the trash
    customers.restore_field("手机")      # a deleted field back, with its values
    db.audit_log(kind="schema.")       # owners and admins
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, select

from . import audit, history, meta, permissions, schema_trash
from . import undo as undo_
from .errors import NotFound
from .model import FieldDef, TableSchema, field_from_row, load_table
from .undo import Done

if TYPE_CHECKING:
    from .api import Database

T = TypeVar("T")


@dataclass
class HistoryEntry:
    """One change of a record, as its history shows it."""

    action_id: int
    at: dt.datetime
    user_id: int | None
    user_name: str | None
    kind: str  # create, update, link, trash, restore, move
    field_id: int | None
    field_name: str | None
    old: str
    new: str


class DatabaseHistory:
    if TYPE_CHECKING:
        user: int | None

        def _write(self, fn: Callable[[Connection], T]) -> T: ...
        def _read(self, fn: Callable[[Connection], T]) -> T: ...

    def undo(self) -> Done:
        """Undo the acting user's most recent action (in any base)."""
        return self._write(lambda c: undo_.undo(c, self.user))

    def redo(self) -> Done:
        return self._write(lambda c: undo_.redo(c, self.user))

    def audit_log(
        self,
        *,
        kind: str | None = None,
        user_id: int | None = None,
        base_id: int | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> list[audit.Entry]:
        """Audit events, newest first: an owner sees their bases', an admin everything."""

        def run(c: Connection) -> list[audit.Entry]:
            scope = audit.readable_bases(c, self.user, base_id)
            return audit.entries(
                c,
                kind=kind,
                user_id=user_id,
                base_ids=scope,
                since=since,
                until=until,
                limit=limit,
                offset=offset,
            )

        return self._read(run)

    def export_audit_log(self, path: str | Path, **filters: Any) -> int:
        """Write the audit events (filters as for `audit_log`, without paging) to a .csv or
        .xlsx file; returns how many. The export is itself an audit event."""

        def run(c: Connection) -> int:
            scope = audit.readable_bases(c, self.user, filters.pop("base_id", None))
            found = audit.entries(c, base_ids=scope, limit=None, **filters)
            audit.export(c, found, Path(path))
            audit.log(c, "export.audit_log", user_id=self.user, detail={"rows": len(found)})
            return len(found)

        return self._write(run)


class BaseHistory:
    if TYPE_CHECKING:
        db: Database
        id: int

    def _need(self, conn: Connection, role: str, what_en: str, what_zh: str) -> None:
        permissions.require(conn, self.db.user, self.id, role, what_en, what_zh)

    def undo(self) -> Done:
        """Undo the acting user's most recent action in this base (one transaction)."""

        def run(c: Connection) -> Done:
            self._need(c, "editor", "undo changes", "撤销修改")
            return undo_.undo(c, self.db.user, self.id)

        return self.db._write(run)

    def redo(self) -> Done:
        def run(c: Connection) -> Done:
            self._need(c, "editor", "redo changes", "重做修改")
            return undo_.redo(c, self.db.user, self.id)

        return self.db._write(run)

    def can_undo(self) -> tuple[bool, bool]:
        """Whether the acting user has something to undo, and to redo, in this base."""
        return self.db._read(
            lambda c: (
                undo_.next_undo(c, self.db.user, self.id) is not None,
                undo_.next_redo(c, self.db.user, self.id) is not None,
            )
        )

    def trash(self) -> schema_trash.TrashContents:
        """What the base has in its trash: tables, fields, views and records."""

        def run(c: Connection) -> schema_trash.TrashContents:
            self._need(c, "editor", "see the trash", "查看回收站")
            return schema_trash.contents(c, self.id)

        return self.db._read(run)

    def _tracked(self, kind: str, fn: Callable[[Connection], None], table_id: int) -> None:
        def run(c: Connection) -> None:
            self._need(c, "creator", "change the schema", "修改表结构")
            history.tracked(
                c, fn, user_id=self.db.user, base_id=self.id, table_id=table_id, kind=kind
            )

        self.db._write(run)

    def restore_table(self, table_id: int) -> None:
        self._tracked("table_restore", lambda c: schema_trash.restore_table(c, table_id), table_id)

    def purge_table(self, table_id: int) -> None:
        """Delete a table in the trash for good (not undoable)."""

        def run(c: Connection) -> None:
            self._need(c, "creator", "change the schema", "修改表结构")
            row = c.execute(
                select(meta.tables.c.trashed_at).where(
                    meta.tables.c.id == table_id, meta.tables.c.base_id == self.id
                )
            ).first()
            if row is None or row.trashed_at is None:
                raise NotFound(f"No table {table_id} in the trash", f"回收站中没有表 {table_id}")
            schema_trash.purge_table(c, table_id)
            audit.log(
                c,
                "schema.table_purge",
                user_id=self.db.user,
                base_id=self.id,
                detail={"table_id": table_id},
            )

        self.db._write(run)

    def restore_view(self, view_id: int) -> None:
        def run(c: Connection) -> None:
            self._need(c, "editor", "restore views", "恢复视图")
            old = history.view_row(c, view_id)
            if old is None:
                raise NotFound(f"No view {view_id}", f"没有视图 {view_id}")
            schema_trash.restore_view(c, view_id)
            history.record_view(
                c,
                user_id=self.db.user,
                base_id=self.id,
                table_id=int(old["table_id"]),
                kind="view_restore",
                view_id=view_id,
                old=old,
                new=history.view_row(c, view_id),
            )

        self.db._write(run)


class TableHistory:
    if TYPE_CHECKING:
        db: Database
        id: int

        def _schema(self, conn: Connection) -> TableSchema: ...
        def _alter(self, fn: Callable[[Connection], T], kind: str = ...) -> T: ...

    def history(self, record_id: int, *, limit: int = 200) -> list[HistoryEntry]:
        """The changes of one record, newest first: who, when, which field, old and new value
        as text (fields hidden from the acting user are left out)."""
        return self.db._read(lambda c: _record_history(c, self._schema(c), record_id, limit))

    def restore_field(self, field_id: int) -> None:
        """Bring a field back from the trash, with its values (and a link with its inverse)."""
        self._alter(lambda c: schema_trash.restore_field(c, field_id), "field_restore")

    def purge_field(self, field_id: int) -> None:
        """Delete a field in the trash for good: its column is dropped (not undoable)."""

        def run(c: Connection) -> None:
            row = c.execute(
                select(meta.fields).where(
                    meta.fields.c.id == field_id, meta.fields.c.table_id == self.id
                )
            ).first()
            if row is None or row.trashed_at is None:
                raise NotFound(f"No field {field_id} in the trash", f"回收站中没有字段 {field_id}")
            schema_trash.purge_field(c, field_id)

        self._alter(run, "field_purge")


def _text(f: FieldDef, raw: Any) -> str:
    if raw is None:
        return ""
    try:
        return str(f.type.to_text(f.type.from_db(history.dec(raw))))
    except Exception:  # a value stored under an older type of the field
        return str(raw)


def _titles(conn: Connection, f: FieldDef, ids: Sequence[int]) -> str:
    if not ids:
        return ""
    try:
        target = load_table(conn, f.type.options.table_id)
    except NotFound:
        return ", ".join(f"#{i}" for i in ids)
    primary = target.primary
    if primary is None or not primary.type.stored:
        return ", ".join(f"#{i}" for i in ids)
    t = history.full_table(conn, target.id)
    found = dict(
        conn.execute(select(t.c.id, t.c[primary.column]).where(t.c.id.in_(list(ids)))).all()
    )
    return ", ".join(
        _text(primary, history.enc(found[i])) if found.get(i) is not None else f"#{i}" for i in ids
    )


def _record_history(
    conn: Connection, schema: TableSchema, record_id: int, limit: int
) -> list[HistoryEntry]:
    from . import records

    record = records.read(conn, schema, [record_id], include_trashed=True)[0]
    visible = {f.id for f in schema.fields}
    f = meta.fields
    defs = {
        r.id: field_from_row(r)
        for r in conn.execute(select(f).where(f.c.table_id == schema.id, f.c.id.in_(visible)))
    }
    c, a, u = meta.changes, meta.actions, meta.users
    rows = conn.execute(
        select(c, a.c.user_id, a.c.at, u.c.name.label("user_name"))
        .join(a, a.c.id == c.c.action_id)
        .outerjoin(u, u.c.id == a.c.user_id)
        .where(
            c.c.table_id == schema.id,
            c.c.record_id == record_id,
            c.c.kind.in_(("update", "link", "trash", "restore", "move")),
            a.c.undone_at.is_(None),
        )
        .order_by(c.c.id.desc())
        .limit(limit)
    ).all()
    out: list[HistoryEntry] = []
    for r in rows:
        fdef = defs.get(r.field_id) if r.field_id is not None else None
        if r.field_id is not None and fdef is None:
            continue  # hidden from the acting user
        if r.kind == "update" and fdef is not None:
            old, new = _text(fdef, r.old), _text(fdef, r.new)
        elif r.kind == "link" and fdef is not None:
            old, new = _titles(conn, fdef, r.old or []), _titles(conn, fdef, r.new or [])
        else:
            old, new = "", ""
        out.append(
            HistoryEntry(
                r.action_id,
                r.at,
                r.user_id,
                r.user_name,
                r.kind,
                r.field_id,
                fdef.name if fdef is not None else None,
                old,
                new,
            )
        )
    if len(out) < limit:
        name = None
        if record.created_by is not None:
            name = conn.execute(select(u.c.name).where(u.c.id == record.created_by)).scalar()
        out.append(
            HistoryEntry(
                0, record.created_at, record.created_by, name, "create", None, None, "", ""
            )
        )
    return out
