"""Browser tests: real Chromium (Debian's /usr/bin/chromium driven by Playwright) against a live
server — uvicorn in a thread on 127.0.0.1 and a free port, on a temporary SQLite database.

Without Chromium these tests skip locally and fail in CI (TESSERA_STRICT=1), through
`tests/conftest.py`'s `require`. Screenshots are kept in `artifacts/screenshots/` (or
$TESSERA_SCREENSHOTS) to be looked at."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

import engine
from server.app import create_app
from server.auth import SESSION_COOKIE, Keys
from tests.conftest import require
from tests.ui_helpers import OWNER_EMAIL
from views.api import Views

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOTS = Path(
    os.environ.get("TESSERA_SCREENSHOTS", Path(__file__).parents[2] / "artifacts" / "screenshots")
)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    require("Chromium (apt-get install chromium fonts-wqy-microhei)", Path(CHROMIUM).exists())
    return {"executable_path": CHROMIUM, "args": ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args() -> dict[str, Any]:
    return {
        "locale": "zh-CN",
        "viewport": {"width": 1280, "height": 800},
        "permissions": ["clipboard-read", "clipboard-write"],
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Live:
    def __init__(self, url: str, db: engine.Database, keys: Keys) -> None:
        self.url = url
        self.db = db
        self.keys = keys

    def base(self, name: str) -> engine.Base:
        return self.db.create_base(name)

    def sign_in(self, context: Any, email: str = OWNER_EMAIL, name: str = "Owner") -> int:
        """Give a browser context the session cookie of `email` (an admin, made if missing)."""
        found = self.db.find_user(email)
        user_id = found.id if found else self.db.create_user(email, name, admin=True)
        token = self.db.create_session(user_id)
        cookie = {"name": SESSION_COOKIE, "value": self.keys.session_cookie(token)}
        context.add_cookies([{**cookie, "url": self.url, "httpOnly": True, "sameSite": "Lax"}])
        return user_id


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    path = tmp_path_factory.mktemp("live")
    db = engine.connect(f"sqlite:///{path / 'live.db'}", data_dir=path / "files")
    port = _free_port()
    app = create_app(db)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield Live(f"http://127.0.0.1:{port}", db, app.state.keys)
    server.should_exit = True
    thread.join(timeout=10)
    db.close()


@pytest.fixture
def context(context: Any, live: Live) -> Any:
    """Every page of a test starts signed in as an admin ("Owner")."""
    live.sign_in(context)
    return context


@pytest.fixture
def base(live: Live, request: pytest.FixtureRequest) -> engine.Base:
    """A base of this test's own (all tests share one live server and database)."""
    return live.base(re.sub(r"\W+", "_", request.node.name)[:60])


@pytest.fixture(scope="session")
def shots() -> Path:
    """Where screenshots go (each run overwrites the same files)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def grid_cell(page: Any, record_id: int, field_id: int) -> Any:
    return page.locator(f'#grid tr[data-rid="{record_id}"] td.cell[data-fid="{field_id}"]')


def open_view(page: Any, live: Live, table: engine.Table, kind: str = "grid", **config: Any) -> str:
    views = Views(table)
    if kind == "grid":
        view = views.list()[0]
    else:
        view = views.create(kind.title(), kind, config=config or None)
    url = f"{live.url}/t/{table.id}/v/{view.id}"
    page.goto(url)
    return url


@pytest.fixture
def errors(page: Any) -> Iterator[list[str]]:
    """Script errors of the page; a test fails if it has any."""
    found: list[str] = []
    page.on("pageerror", lambda e: found.append(str(e)))
    yield found
    assert not found, found
