"""Shared fixtures. Every engine test that takes `db` runs on SQLite and, when
TESSERA_TEST_PG_URL is set, on PostgreSQL too (each test in a schema of its own).

With TESSERA_STRICT=1 (as in CI) a missing component fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import engine

PG_URL = os.environ.get("TESSERA_TEST_PG_URL")
STRICT = os.environ.get("TESSERA_STRICT") == "1"

pytest_plugins = ["tests.ui_helpers", "tests.automation_helpers"]  # the web interface's fixtures (ui, customers, ...)


def require(component: str, available: bool) -> None:
    """Skip (or, in strict mode, fail) a test whose component is missing."""
    if available:
        return
    message = f"missing component: {component}"
    if STRICT:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Any]:
    require("PostgreSQL (set TESSERA_TEST_PG_URL)", bool(PG_URL))
    assert PG_URL is not None
    eng = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"))
    yield eng
    eng.dispose()


def _pg_url(admin: Any) -> Iterator[str]:
    schema = "t_" + uuid.uuid4().hex[:12]
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    assert PG_URL is not None
    url = make_url(PG_URL).set(drivername="postgresql+psycopg")
    url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(params=["sqlite", "pg"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
    else:
        admin = request.getfixturevalue("pg_admin")
        yield from _pg_url(admin)


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> Iterator[engine.Database]:
    database = engine.connect(db_url, data_dir=tmp_path / "files")
    yield database
    database.close()


@pytest.fixture
def base(db: engine.Database) -> engine.Base:
    return db.create_base("Test")


@pytest.fixture
def build_table(base: engine.Base) -> Any:
    """build_table([{"name": ..., "type": ...}, ...], rows=[...]) -> Table with those rows."""

    def build(
        fields: list[dict[str, Any]], rows: list[dict[str, Any]] | None = None, name: str = "T"
    ) -> engine.Table:
        table = base.create_table(name, fields)
        if rows:
            table.create_many(rows)
        return table

    return build
