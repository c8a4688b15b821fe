"""Opening a database: the SQLAlchemy engine, SQLite pragmas, transactions, migrations."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x7E55E2A  # the advisory lock key that serialises migrations on PostgreSQL


def _json_dumps(value: Any) -> str:
    # keep Chinese readable in storage so substring search over JSON text works
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_loads(text: str | bytes) -> Any:
    # orjson reads the JSON columns of a page several times faster than json.loads (a page of
    # links and lookups reads hundreds); what it refuses (NaN, integers beyond 64 bits) json reads
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def open_engine(url: str) -> Engine:
    """A SQLAlchemy engine for `url`, set up for Tessera (WAL and real transactions on SQLite)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    kwargs: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": json_loads}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    engine = create_engine(parsed, **kwargs)
    if engine.dialect.name == "sqlite":
        _setup_sqlite(engine, in_memory=parsed.database in (None, "", ":memory:"))
    return engine


def _setup_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        # let SQLAlchemy, not the driver, decide when transactions begin, so DDL is transactional
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=30000")
        if not in_memory:
            _set_wal(cur)
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
        # the formula functions SQLite lacks (regular expressions, date formatting, ...)
        from .formula import register_sqlite_functions

        register_sqlite_functions(dbapi_conn)

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        # writers take the lock up front: no deadlock between two deferred readers turned writers
        mode = conn.info.pop("begin_mode", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def _set_wal(cur: sqlite3.Cursor) -> None:
    """Switch a database file to WAL. A brand-new file that another process is creating the
    schema of at this moment answers "locked" at once (switching needs the file alone, and SQLite
    does not wait for it here): try again until the other process is done."""
    deadline = time.monotonic() + 30
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


DEFERRED = "tessera.after_commit"  # work a write leaves for after its commit (conn.info)
DEPTH = "tessera.automation_depth"  # how deep in automations' own writes this transaction is
# called with the engine and the deferred items of a transaction that committed
AFTER_COMMIT: list[Callable[[Engine, list[Any]], None]] = []


def defer(conn: Connection, item: Any) -> None:
    """Leave `item` for the after-commit hooks of this transaction."""
    conn.info.setdefault(DEFERRED, []).append(item)


def deferred_mark(conn: Connection) -> int:
    return len(conn.info.get(DEFERRED, ()))


def drop_deferred(conn: Connection, mark: int) -> None:
    """Forget what was deferred since `mark` (its savepoint was rolled back)."""
    del conn.info.get(DEFERRED, [])[mark:]


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction for a write: commits at the end, rolls back everything on any error.
    Once it has committed, the after-commit hooks get what its writes deferred."""
    with engine.connect() as conn:
        # the info dict lives with the pooled DBAPI connection: start clean
        conn.info.pop(DEFERRED, None)
        conn.info.pop(DEPTH, None)
        if engine.dialect.name == "sqlite":
            conn.info["begin_mode"] = "IMMEDIATE"
        try:
            with conn.begin():
                yield conn
        finally:
            pending = conn.info.pop(DEFERRED, None)
            conn.info.pop(DEPTH, None)
    if pending:
        for hook in AFTER_COMMIT:
            hook(engine, pending)


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A consistent snapshot for reading."""
    with engine.connect() as conn, conn.begin():
        yield conn


def _alembic_config(conn: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the metadata schema up to the newest migration (a no-op when it already is).
    Processes opening one database at once take turns: SQLite's write lock, PostgreSQL's
    transaction-scoped advisory lock."""
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        cfg = _alembic_config(conn)
        head = ScriptDirectory.from_config(cfg).get_current_head()
        current = MigrationContext.configure(conn).get_current_revision()
        if current != head:
            command.upgrade(cfg, "head")
