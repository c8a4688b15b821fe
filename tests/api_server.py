"""A live `tessera serve` for API tests: a subprocess on a free loopback port, with a user and a
personal access token made through the `tessera` command line."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

TESSERA = [sys.executable, "-c", "import sys; from server.cli import main; sys.exit(main())"]
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Server:
    url: str
    db_url: str
    token: str
    email: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(db_url: str, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [*TESSERA, "--db", db_url, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=True,
    )
    return done.stdout


def make_token(db_url: str, email: str, *extra: str) -> str:
    out = cli(db_url, "token", "create", "--user", email, *extra)
    found = re.search(r"tsr_[A-Za-z0-9_\-]+", out)
    assert found, out
    return found.group(0)


@contextmanager
def serve(db_url: str, data_dir: Path, *, env: dict[str, str] | None = None) -> Iterator[Server]:
    email = "api@example.com"
    extra_env = {"TESSERA_DATA_DIR": str(data_dir), "TESSERA_SECRET_KEY": "test", **(env or {})}
    cli(
        db_url,
        "user",
        "create",
        "--email",
        email,
        "--name",
        "Api",
        "--password",
        "password123",
        env=extra_env,
    )
    token = make_token(db_url, email)
    port = free_port()
    proc = subprocess.Popen(
        [*TESSERA, "--db", db_url, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, **extra_env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"tessera serve did not start: {err}")
            time.sleep(0.1)
        yield Server(url, db_url, token, email)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
