"""The Alembic migrations build exactly the metadata schema of engine/meta.py, on both databases."""

from __future__ import annotations

import threading
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, inspect, text

import engine
from engine import meta
from engine.db import MIGRATIONS, _alembic_config, migrate


def only_meta_tables(name: str | None, type_: str, parent: Any) -> bool:
    return type_ != "table" or bool(name and name.startswith("meta_"))


def differences(db: engine.Database) -> list[Any]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_name": only_meta_tables,
                "compare_type": True,
                "compare_server_default": True,
            },
        )
        return list(compare_metadata(context, meta.metadata))


def head() -> str | None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def test_migrations_build_the_schema_of_meta(db):
    # user tables live beside the metadata tables and are no concern of the migrations
    db.create_base("CRM").create_table(
        "客户", [{"name": "姓名"}, {"name": "标签", "type": "multiple_select"}]
    )
    assert differences(db) == []
    names = set(inspect(db.engine).get_table_names())
    assert {t for t in names if t.startswith("meta_")} == set(meta.metadata.tables)


def test_a_difference_would_be_seen(db):
    # the comparison is not blind: a column the migrations do not make shows up
    with db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE meta_bases ADD COLUMN color VARCHAR(20)"))
    diffs = differences(db)
    assert [(d[0], d[3].name) for d in diffs] == [("remove_column", "color")]


def test_the_database_is_at_head(db):
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
            head()
        ]
        assert MigrationContext.configure(conn).get_current_revision() == head()


def test_opening_twice_changes_nothing(db, db_url, tmp_path):
    db.create_base("Keep").create_table("T", [{"name": "Name"}]).create({"Name": "x"})
    statements: list[str] = []

    again = engine.connect(db_url, data_dir=tmp_path / "files")
    event.listen(again.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    try:
        migrate(again.engine)  # what connect does on every open
        assert [b.name for b in again.bases()] == ["Keep"]
        assert again.base("Keep").table("T").count() == 1
    finally:
        again.close()
    ddl = [
        s
        for s in statements
        if s.split()[0].upper() in ("CREATE", "ALTER", "DROP", "INSERT", "UPDATE")
    ]
    assert ddl == []
    assert differences(db) == []


def test_downgrade_and_upgrade_again(db):
    with db.engine.connect() as conn, conn.begin():
        cfg = _alembic_config(conn)
        command.downgrade(cfg, "base")
    assert not [t for t in inspect(db.engine).get_table_names() if t.startswith("meta_")]
    migrate(db.engine)
    assert differences(db) == []


def test_processes_opening_a_new_database_at_once_take_turns(db_url, tmp_path):
    opened: list[engine.Database] = []
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            opened.append(engine.connect(db_url, data_dir=tmp_path / "files"))
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert not any(t.is_alive() for t in threads)
        assert errors == [] and len(opened) == 4
        assert differences(opened[0]) == []
    finally:
        for d in opened:
            d.close()
