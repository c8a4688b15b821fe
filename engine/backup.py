"""Backups: the whole database and its attachments in one archive, and back.

The archive is a tar file: `manifest.json` (backend, migration revision, time), the database —
`database.sqlite`, made with SQLite's online backup API (a consistent copy of a live database,
writers carry on), or `database.dump`, made by `pg_dump --format=custom` (a consistent snapshot;
any pg_dump-compatible tool reads it) — and the attachment files under `files/`.

Restoring replaces the target database's contents and attachments with the archive's: on SQLite
page by page through the backup API; on PostgreSQL every table of the target schema is dropped,
then `pg_restore` recreates them in one transaction (into the schema they were dumped from). The
target must be of the same backend. Nobody should be using the database while it is restored.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from .errors import TesseraError

FORMAT = 1


class BackupError(TesseraError):
    """A backup or restore that cannot be done (wrong file, wrong backend, a tool failing)."""


@dataclass
class Manifest:
    backend: str
    revision: str | None
    created_at: str
    files: int
    format: int = FORMAT


def _url(url: str) -> URL:
    parsed = make_url(url)
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise BackupError(
            f"Cannot back up a {parsed.get_backend_name()} database",
            f"无法备份 {parsed.get_backend_name()} 数据库",
        )
    return parsed


def _sqlite_path(parsed: URL) -> Path:
    if parsed.database in (None, "", ":memory:"):
        raise BackupError(
            "An in-memory SQLite database cannot be backed up or restored",
            "内存中的 SQLite 数据库无法备份或恢复",
        )
    return Path(str(parsed.database))


def _revision(url: str) -> str | None:
    engine = create_engine(_url(url).set(drivername=_driver(_url(url))))
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def _driver(parsed: URL) -> str:
    return "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql+psycopg"


# --- PostgreSQL tools --------------------------------------------------------------------------------
def _pg_args(parsed: URL) -> tuple[str, dict[str, str], str | None]:
    """A libpq URI without the password, the environment carrying it, and the schema named
    by a `-csearch_path=…` option (None: the database's default)."""
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    options = str(parsed.query.get("options", "") or "")
    schema = None
    for part in unquote(options).split():
        if part.startswith("-csearch_path="):
            schema = part.split("=", 1)[1].split(",")[0].strip('"')
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env, schema


def _run(args: list[str], env: dict[str, str]) -> None:
    tool = args[0]
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} was not found; install the PostgreSQL client tools",
            f"未找到 {tool}；请安装 PostgreSQL 客户端工具",
        )
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-2000:]
        raise BackupError(f"{tool} failed: {detail}", f"{tool} 执行失败：{detail}")


# --- backup ------------------------------------------------------------------------------------------
def backup(url: str, out: str | Path, data_dir: str | Path | None = None) -> Manifest:
    """Write the database at `url` and the attachments in `data_dir` to archive `out`."""
    parsed = _url(url)
    out = Path(out)
    backend = parsed.get_backend_name()
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            db_file = Path(tmp) / "database.sqlite"
            src = sqlite3.connect(_sqlite_path(parsed))
            dst = sqlite3.connect(db_file)
            try:
                src.backup(dst)  # the online backup API: consistent while others write
            finally:
                dst.close()
                src.close()
        else:
            db_file = Path(tmp) / "database.dump"
            uri, env, schema = _pg_args(parsed)
            args = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges"]
            if schema:
                args.append(f"--schema={schema}")
            _run([*args, f"--file={db_file}", uri], env)
        files = sorted(p for p in Path(data_dir).rglob("*") if p.is_file()) if data_dir else []
        manifest = Manifest(
            backend=backend,
            revision=_revision(url),
            created_at=dt.datetime.now(dt.UTC).isoformat(),
            files=len(files),
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest.__dict__, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(db_file, arcname=db_file.name)
            for p in files:
                tar.add(p, arcname=f"files/{p.relative_to(Path(str(data_dir))).as_posix()}")
        partial.replace(out)  # a half-written archive never has the final name
    return manifest


# --- restore -----------------------------------------------------------------------------------------
def read_manifest(archive: str | Path) -> Manifest:
    try:
        with tarfile.open(archive, "r") as tar:
            member = tar.extractfile("manifest.json")
            raw: dict[str, Any] = json.loads(member.read()) if member else {}
    except (tarfile.TarError, KeyError, OSError, ValueError) as e:
        raise BackupError(
            f"{str(archive)!r} is not a Tessera backup ({e})",
            f"{str(archive)!r} 不是 Tessera 备份文件（{e}）",
        ) from None
    return Manifest(**raw)


def restore(archive: str | Path, url: str, data_dir: str | Path | None = None) -> Manifest:
    """Replace the database at `url` (and the attachments in `data_dir`) with the archive's."""
    parsed = _url(url)
    manifest = read_manifest(archive)
    backend = parsed.get_backend_name()
    if manifest.backend != backend:
        raise BackupError(
            f"This backup is of a {manifest.backend} database; it cannot be restored into "
            f"{backend}",
            f"此备份来自 {manifest.backend} 数据库，不能恢复到 {backend}",
        )
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive, "r") as tar:
        tar.extractall(tmp, filter="data")
        root = Path(tmp)
        if backend == "sqlite":
            src = sqlite3.connect(root / "database.sqlite")
            dst = sqlite3.connect(_sqlite_path(parsed))
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
        else:
            _restore_pg(parsed, root / "database.dump")
        if data_dir is not None:
            target = Path(data_dir)
            if target.exists():
                shutil.rmtree(target)
            if (root / "files").exists():
                shutil.copytree(root / "files", target)
            else:
                target.mkdir(parents=True)
    return manifest


def _restore_pg(parsed: URL, dump: Path) -> None:
    uri, env, _ = _pg_args(parsed)
    engine = create_engine(parsed.set(drivername="postgresql+psycopg"))
    try:
        with engine.begin() as conn:
            quote = conn.dialect.identifier_preparer.quote
            for name in inspect(conn).get_table_names():
                conn.execute(text(f"DROP TABLE IF EXISTS {quote(name)} CASCADE"))
    finally:
        engine.dispose()
    listing = subprocess.run(
        ["pg_restore", "--list", str(dump)], env=env, capture_output=True, text=True, check=False
    )
    if listing.returncode != 0:
        raise BackupError(
            f"pg_restore cannot read the dump: {listing.stderr.strip()}",
            f"pg_restore 无法读取备份：{listing.stderr.strip()}",
        )
    # the schema itself exists already (it is where the tables were just dropped)
    keep = [line for line in listing.stdout.splitlines() if " SCHEMA - " not in line]
    toc = dump.with_suffix(".list")
    toc.write_text("\n".join(keep) + "\n")
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--use-list={toc}",
            f"--dbname={uri}",
            str(dump),
        ],
        env,
    )
