"""The Python API: use Tessera without a server.

import engine
db = engine.connect("sqlite:///crm.db")
customers = db.create_base("CRM").create_table("客户", fields=[
    {"name": "姓名", "type": "text", "rules": {"required": True}},
    {"name": "手机", "type": "phone", "rules": {"unique": True}},
])
rec = customers.create({"姓名": "张三", "手机": "13800138000"})
customers.update(rec.id, {"手机": "13900139000"})
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Connection, Engine, select
from sqlalchemy.engine import make_url

from schemas.field import FieldSpec

from . import convert, history, merge, meta, permissions, records, schema, schema_trash
from . import options as options_
from .api_automations import BaseAutomations, DatabaseAutomations
from .api_history import BaseHistory, DatabaseHistory, TableHistory
from .api_people import BasePeople, DatabasePeople, TablePermissions
from .attachments import AttachmentStore
from .db import (
    deferred_mark,
    drop_deferred,
    migrate,
    open_engine,
    read_transaction,
    write_transaction,
)
from .errors import NotFound, QueryError, SchemaError
from .model import FieldDef, TableSchema, load_table
from .names import name_key
from .record import Record
from .rules import Rules

if TYPE_CHECKING:
    from .dashboards import Dashboards

T = TypeVar("T")
FieldLike = FieldSpec | Mapping[str, Any]


def _spec(f: FieldLike) -> FieldSpec:
    """A field definition, checked; a SchemaError (not Pydantic's error) when it is wrong."""
    if isinstance(f, FieldSpec):
        return f
    try:
        return FieldSpec.model_validate(dict(f))
    except PydanticValidationError as e:
        name = f.get("name") if isinstance(f, Mapping) else None
        detail = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'field'}: {err['msg']}" for err in e.errors()
        )
        raise SchemaError(
            f"Invalid definition of field {name!r}: {detail}",
            f"字段 {name!r} 的定义无效：{detail}",
        ) from None


def default_data_dir(url: str) -> Path:
    """Where attachments live: TESSERA_DATA_DIR, or beside a SQLite file, or ./data."""
    env = os.environ.get("TESSERA_DATA_DIR")
    if env:
        return Path(env)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        db_path = Path(str(parsed.database))
        return db_path.with_name(db_path.name + ".files")
    return Path("data")


def connect(
    url: str = "sqlite:///tessera.db",
    *,
    user: int | None = None,
    data_dir: str | Path | None = None,
) -> Database:
    """Open (and, if new, create) a Tessera database. Migrations are applied on open, and
    what has been in the trash longer than TESSERA_TRASH_DAYS (30) days is purged."""
    engine = open_engine(url)
    migrate(engine)
    with write_transaction(engine) as conn:
        schema_trash.purge_expired(conn)
    store = AttachmentStore(data_dir if data_dir is not None else default_data_dir(url))
    return Database(engine, store, user)


class Database(DatabasePeople, DatabaseHistory, DatabaseAutomations):
    """A Tessera database. Calls act as `user` (recorded as created-by / modified-by)."""

    def __init__(
        self,
        engine: Engine,
        attachments: AttachmentStore,
        user: int | None,
        *,
        conn: Connection | None = None,
    ) -> None:
        self.engine = engine
        self.attachments = attachments
        self.user = user
        self._conn = conn  # set inside `transaction()`: every call joins that transaction

    def acting_as(self, user: int | None) -> Database:
        """The same database, with writes recorded as made by `user`."""
        return Database(self.engine, self.attachments, user, conn=self._conn)

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction for many calls: every call made through the database it gives
        (and its bases and tables) joins it, and everything is kept or nothing is. A call that
        fails is undone on its own (a savepoint), so the caller may go on or give up."""
        if self._conn is not None:
            yield self
            return
        with self.write() as conn:
            yield Database(self.engine, self.attachments, self.user, conn=conn)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        if self._conn is not None:
            mark = deferred_mark(self._conn)
            try:
                with self._conn.begin_nested():
                    yield self._conn
            except BaseException:
                drop_deferred(self._conn, mark)  # what the failed call left is undone too
                raise
            return
        with write_transaction(self.engine) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        if self._conn is not None:
            yield self._conn
            return
        with read_transaction(self.engine) as conn:
            yield conn

    def _write(self, fn: Callable[[Connection], T]) -> T:
        with self.write() as conn:
            return fn(conn)

    def _read(self, fn: Callable[[Connection], T]) -> T:
        with self.read() as conn:
            return fn(conn)

    # --- users ---------------------------------------------------------------------------------
    def create_user(
        self,
        email: str,
        name: str | None = None,
        *,
        admin: bool = False,
        password: str | None = None,
    ) -> int:
        """A new user; with `password` (checked against the password rules) they can sign in."""
        from .users import create_user

        return self._write(lambda c: create_user(c, email, name, admin=admin, password=password))

    # --- bases ---------------------------------------------------------------------------------
    def create_base(self, name: str, *, workspace_id: int | None = None) -> Base:
        """A new base (in the default workspace unless another is given); the acting user
        becomes its owner."""

        def run(conn: Connection) -> int:
            base_id = schema.create_base(conn, name, workspace_id)
            if self.user is not None:
                conn.execute(
                    meta.members.insert().values(
                        base_id=base_id, user_id=self.user, role="owner", created_at=schema.now()
                    )
                )
            return base_id

        return Base(self, self._write(run))

    def _visible_bases(self, conn: Connection, ids: Sequence[int]) -> list[int]:
        return [i for i in ids if permissions.role_of(conn, self.user, i) is not None]

    def bases(self) -> list[Base]:
        b = meta.bases
        ids = self._read(
            lambda c: self._visible_bases(
                c,
                list(
                    c.execute(
                        select(b.c.id)
                        .where(b.c.trashed_at.is_(None))
                        .order_by(b.c.position, b.c.id)
                    ).scalars()
                ),
            )
        )
        return [Base(self, i) for i in ids]

    def base(self, ref: str | int) -> Base:
        """A base by id or name (case-insensitive)."""
        b = meta.bases
        cond = b.c.id == ref if isinstance(ref, int) else b.c.name_key == name_key(ref.strip())
        found = self._read(
            lambda c: self._visible_bases(c, list(c.execute(select(b.c.id).where(cond)).scalars()))
        )
        if not found:
            raise NotFound(f"No base {ref!r}", f"没有库 {ref!r}")
        return Base(self, int(found[0]))


class Base(BasePeople, BaseHistory, BaseAutomations):
    def __init__(self, db: Database, base_id: int) -> None:
        self.db = db
        self.id = base_id

    def __repr__(self) -> str:
        return f"<Base {self.id} {self.name!r}>"

    @property
    def name(self) -> str:
        b = meta.bases
        return str(
            self.db._read(
                lambda c: c.execute(select(b.c.name).where(b.c.id == self.id)).scalar_one()
            )
        )

    def _require(self, conn: Connection, role: str, what_en: str, what_zh: str) -> None:
        permissions.require(conn, self.db.user, self.id, role, what_en, what_zh)

    @property
    def dashboards(self) -> Dashboards:
        """The base's dashboards (engine.dashboards)."""
        from .dashboards import Dashboards

        return Dashboards(self)

    @property
    def role(self) -> str | None:
        """The acting user's role in this base."""
        return self.db._read(lambda c: permissions.role_of(c, self.db.user, self.id))

    def rename(self, name: str) -> None:
        def run(conn: Connection) -> None:
            self._require(conn, "creator", "rename the base", "重命名库")
            schema.rename_base(conn, self.id, name)

        self.db._write(run)

    def delete(self) -> None:
        def run(conn: Connection) -> None:
            self._require(conn, "owner", "delete the base", "删除库")
            schema.delete_base(conn, self.id)

        self.db._write(run)

    def create_table(
        self,
        name: str,
        fields: Sequence[FieldLike] = (),
        *,
        primary: str | None = None,
        description: str = "",
    ) -> Table:
        specs = [_spec(f) for f in fields]

        def run(conn: Connection) -> int:
            self._require(conn, "creator", "create tables", "创建表")
            return history.tracked(
                conn,
                lambda c: schema.create_table(
                    c, self.id, name, specs, primary=primary, description=description
                ),
                user_id=self.db.user,
                base_id=self.id,
                table_id=None,
                kind="table_create",
                detail={"name": name},
            )

        return Table(self.db, self.db._write(run))

    def tables(self) -> list[Table]:
        t = meta.tables

        def run(conn: Connection) -> list[int]:
            access = permissions.visible_base(conn, self.db.user, self.id)
            ids = conn.execute(
                select(t.c.id)
                .where(t.c.base_id == self.id, t.c.trashed_at.is_(None))
                .order_by(t.c.position, t.c.id)
            ).scalars()
            return [i for i in ids if permissions.table_access(conn, access, i) != "none"]

        return [Table(self.db, i) for i in self.db._read(run)]

    def table(self, ref: str | int) -> Table:
        t = meta.tables
        cond = t.c.id == ref if isinstance(ref, int) else t.c.name_key == name_key(ref.strip())

        def run(conn: Connection) -> Any:
            access = permissions.visible_base(conn, self.db.user, self.id)
            found = conn.execute(select(t.c.id).where(t.c.base_id == self.id, cond)).scalar()
            if found is None or permissions.table_access(conn, access, found) == "none":
                return None
            return found

        found = self.db._read(run)
        if found is None:
            raise NotFound(f"No table {ref!r} in this base", f"此库中没有表 {ref!r}")
        return Table(self.db, int(found))


class Table(TablePermissions, TableHistory):
    """A user table: its schema and its records."""

    def __init__(self, db: Database, table_id: int) -> None:
        self.db = db
        self.id = table_id

    def __repr__(self) -> str:
        return f"<Table {self.id} {self.name!r}>"

    def _schema(self, conn: Connection) -> TableSchema:
        """The table as the acting user may see it (see engine.permissions)."""
        return permissions.schema_for(conn, self.id, self.db.user)

    def _alter(
        self,
        fn: Callable[[Connection], T],
        kind: str = "schema",
        *,
        values_of: str | int | None = None,
        whole_column: bool = False,
    ) -> T:
        """Run a schema change, which needs the creator role or above; it is recorded in the
        history (`kind`; `values_of`: a field whose stored values it may rewrite) and the audit
        log."""

        def run(conn: Connection) -> T:
            base_id = load_table(conn, self.id).base_id
            permissions.require(
                conn, self.db.user, base_id, "creator", "change the schema", "修改表结构"
            )
            field_id = load_table(conn, self.id).field(values_of).id if values_of else None
            return history.tracked(
                conn,
                fn,
                user_id=self.db.user,
                base_id=base_id,
                table_id=self.id,
                kind=kind,
                values_of=field_id,
                whole_column=whole_column,
            )

        return self.db._write(run)

    def schema(self) -> TableSchema:
        return self.db._read(self._schema)

    @property
    def name(self) -> str:
        return self.schema().name

    @property
    def fields(self) -> list[FieldDef]:
        return self.schema().fields

    def field(self, ref: str | int) -> FieldDef:
        return self.schema().field(ref)

    # --- schema --------------------------------------------------------------------------------
    def rename(self, name: str) -> None:
        self._alter(lambda c: schema.rename_table(c, self.id, name), "table_rename")

    def drop(self) -> None:
        """Move the table, with all its records, to the trash (see `Base.restore_table`)."""
        self._alter(lambda c: schema.delete_table(c, self.id), "table_delete")

    def add_field(
        self,
        name: str,
        type: str = "text",
        *,
        options: Mapping[str, Any] | None = None,
        rules: Mapping[str, Any] | None = None,
        description: str = "",
    ) -> FieldDef:
        spec = _spec(
            {
                "name": name,
                "type": type,
                "options": dict(options or {}),
                "rules": dict(rules or {}),
                "description": description,
            }
        )
        field_id = self._alter(lambda c: schema.add_field(c, self.id, spec), "field_create")
        return self.field(field_id)

    def set_description(self, text: str) -> None:
        """The table's description."""

        def run(c: Connection) -> None:
            c.execute(
                meta.tables.update().where(meta.tables.c.id == self.id).values(description=text)
            )

        self._alter(run, "table_description")

    def set_field_description(self, ref: str | int, text: str) -> None:
        self._alter(lambda c: schema.set_description(c, self.id, ref, text), "field_description")

    def rename_field(self, ref: str | int, name: str) -> None:
        self._alter(lambda c: schema.rename_field(c, self.id, ref, name), "field_rename")

    def delete_field(self, ref: str | int) -> None:
        """Move a field to the trash, with its values (see `restore_field`)."""
        self._alter(lambda c: schema.delete_field(c, self.id, ref), "field_delete")

    def set_primary(self, ref: str | int) -> None:
        self._alter(lambda c: schema.set_primary(c, self.id, ref), "field_primary")

    def set_rules(self, ref: str | int, rules: Mapping[str, Any] | Rules) -> None:
        value = rules if isinstance(rules, Rules) else dict(rules)
        self._alter(lambda c: schema.set_rules(c, self.id, ref, value), "field_rules")

    def set_options(self, ref: str | int, options: Mapping[str, Any]) -> None:
        """Change a field's options; renaming or removing a select option rewrites the rows."""
        self._alter(
            lambda c: options_.set_options(c, self.id, ref, dict(options)),
            "field_options",
            values_of=ref,
        )

    def preview_type_change(
        self, ref: str | int, type: str, options: Mapping[str, Any] | None = None
    ) -> convert.ConversionPreview:
        """What changing the field's type would do to its values, without changing anything."""
        return self.db._read(lambda c: convert.preview(c, self.id, ref, type, dict(options or {})))

    def change_type(
        self,
        ref: str | int,
        type: str,
        options: Mapping[str, Any] | None = None,
        *,
        keep_unconverted: bool = True,
    ) -> convert.ConversionResult:
        """Convert the field to another type. Values that do not convert are kept in a new text
        field beside it unless `keep_unconverted=False` says to drop them."""
        return self._alter(
            lambda c: convert.change_type(
                c, self.id, ref, type, dict(options or {}), keep_unconverted=keep_unconverted
            ),
            "field_type",
            values_of=ref,
            whole_column=True,
        )

    # --- records -------------------------------------------------------------------------------
    def _ctx(self, conn: Connection) -> records.WriteContext:
        return records.context(conn, self.db.user, self.db.attachments)

    def create(self, fields: Mapping[Any, Any]) -> Record:
        return self.create_many([fields])[0]

    def create_many(self, rows: Sequence[Mapping[Any, Any]]) -> list[Record]:
        """Create records in one transaction: all of them, or none and a ValidationError."""

        def run(conn: Connection) -> list[Record]:
            s = self._schema(conn)
            ids = records.create(self._ctx(conn), s, rows)
            return records.read(conn, s, ids)

        return self.db._write(run)

    def insert_many(self, rows: Sequence[Mapping[Any, Any]]) -> list[int]:
        """Like create_many but returns only the new ids (the fast path for large batches)."""
        return self.db._write(lambda c: records.create(self._ctx(c), self._schema(c), rows))

    def insert_columns(self, columns: Mapping[Any, Sequence[Any]]) -> list[int]:
        """Like insert_many, given column by column: {field name or id: values}, each list as
        long as the others (no dict is made per record)."""
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            shown = ", ".join(f"{k}: {len(v)}" for k, v in columns.items())
            raise QueryError(
                f"Every column given to insert_columns must be as long as the others ({shown})",
                f"insert_columns 的每一列长度必须相同（{shown}）",
            )
        n = lengths.pop() if lengths else 0
        given = {k: list(v) for k, v in columns.items()}
        return self.db._write(
            lambda c: records.create_columns(self._ctx(c), self._schema(c), given, n)
        )

    def get(self, record_id: int) -> Record:
        return self.db._read(lambda c: records.read(c, self._schema(c), [record_id])[0])

    def get_many(self, ids: Sequence[int]) -> list[Record]:
        return self.db._read(lambda c: records.read(c, self._schema(c), ids))

    def update(
        self, record_id: int, fields: Mapping[Any, Any], *, expected_version: int | None = None
    ) -> Record:
        """Change only the given fields. With `expected_version`, fail with Conflict if the
        record changed since it was read."""
        versions = {record_id: expected_version} if expected_version is not None else None
        return self.update_many([(record_id, fields)], expected_versions=versions)[0]

    def update_many(
        self,
        changes: Sequence[tuple[int, Mapping[Any, Any]]],
        *,
        expected_versions: Mapping[int, int] | None = None,
    ) -> list[Record]:
        def run(conn: Connection) -> list[Record]:
            s = self._schema(conn)
            records.update_many(self._ctx(conn), s, changes, expected_versions=expected_versions)
            return records.read(conn, s, [rid for rid, _ in changes])

        return self.db._write(run)

    def delete(self, *ids: int) -> None:
        """Move records to the trash (see `restore` and `purge`)."""
        self.db._write(lambda c: records.trash(self._ctx(c), self._schema(c), list(ids)))

    def restore(self, *ids: int) -> None:
        self.db._write(lambda c: records.restore(self._ctx(c), self._schema(c), list(ids)))

    def purge(self, *ids: int) -> None:
        self.db._write(lambda c: records.purge(self._ctx(c), self._schema(c), list(ids)))

    def merge(self, keep: int, others: Sequence[int]) -> Record:
        """Merge duplicate records into `keep`: it fills its empty fields from them and gathers
        their links, and they go to the trash, in one transaction (see engine/merge.py)."""

        def run(conn: Connection) -> Record:
            s = self._schema(conn)
            merge.merge(self._ctx(conn), s, keep, others)
            return records.read(conn, s, [keep])[0]

        return self.db._write(run)

    def move(self, record_id: int, *, before: int | None = None, after: int | None = None) -> None:
        self.db._write(
            lambda c: records.move(
                self._ctx(c), self._schema(c), record_id, before=before, after=after
            )
        )

    def all(self, *, limit: int = 100, offset: int = 0, trashed: bool = False) -> list[Record]:
        """A page of records in manual order."""
        return self.db._read(
            lambda c: records.page(c, self._schema(c), limit=limit, offset=offset, trashed=trashed)
        )

    def count(self, *, trashed: bool = False) -> int:
        return self.db._read(lambda c: records.count(c, self._schema(c), trashed=trashed))
