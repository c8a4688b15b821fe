"""Imports started from the web interface: the uploaded file kept in a folder of its own under
the data directory, the plan the person adjusts in the preview, and the import itself, run in a
background thread (as the signed-in user) while the page polls its progress.

A job lives in this process's memory from the upload to the result; its folder is removed when
the import ends, when the person cancels, or (for a preview left open) after a day."""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

import engine
from engine.imports import (
    ImportPlan,
    ImportRefused,
    ImportResult,
    Limits,
    Source,
    map_to_table,
    plan_source,
    run_import,
)

SUFFIXES = (".xlsx", ".xlsm", ".csv", ".tsv", ".txt")
CHUNK = 1 << 20
STALE_SECONDS = 24 * 3600
log = logging.getLogger(__name__)

State = Literal["preview", "running", "done", "failed"]


@dataclass
class Job:
    token: str
    user_id: int | None
    base_id: int
    into: int | None  # the existing table to fill, if any
    folder: Path
    name: str  # the file's name as uploaded ('' for a pasted table)
    pasted: bool
    plan: ImportPlan
    guessed: ImportPlan  # the plan before any mapping to an existing table
    limits: Limits
    state: State = "preview"
    done: int = 0
    total: int = 0
    result: ImportResult | None = None
    error: engine.TesseraError | None = None
    created: float = field(default_factory=time.time)
    sheet_done: dict[str, int] = field(default_factory=dict)

    @property
    def source_path(self) -> Path:
        return self.folder / ("pasted.txt" if self.pasted else self.name)

    @contextmanager
    def source(self) -> Iterator[Source]:
        if self.pasted:
            text = self.source_path.read_text(encoding="utf-8")
            with Source(text=text, name=self.name or "Pasted", limits=self.limits) as s:
                yield s
        else:
            with Source(self.source_path, limits=self.limits) as s:
                yield s

    def advance(self, sheet: str, done: int, _total: int | None) -> None:
        self.sheet_done[sheet] = done
        self.done = min(sum(self.sheet_done.values()), self.total)

    @property
    def percent(self) -> int:
        return 100 if self.state == "done" else int(100 * self.done / max(self.total, 1))


_jobs: dict[str, Job] = {}
_lock = threading.Lock()


def folder_root(db: engine.Database) -> Path:
    return Path(db.attachments.root) / "imports"


def get(token: str, user_id: int | None) -> Job:
    """The job `token` of this user; NotFound for anyone else's or a finished-and-gone one."""
    with _lock:
        job = _jobs.get(token)
    if job is None or job.user_id != user_id:
        raise engine.NotFound("This import no longer exists", "此导入已不存在")
    return job


def save_upload(root: Path, stream: BinaryIO, name: str, limits: Limits) -> Path:
    """Copy an uploaded file into a new folder under `root`, refusing it past the size limit."""
    clean = Path(name.replace("\\", "/")).name.strip() or "upload"
    if not clean.lower().endswith(SUFFIXES):
        raise ImportRefused(
            f"{clean}: Tessera imports .xlsx, .csv and .tsv files",
            f"{clean}：只能导入 .xlsx、.csv 和 .tsv 文件",
        )
    folder = _new_folder(root)
    target = folder / clean
    size = 0
    with target.open("wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limits.max_file_bytes:
                shutil.rmtree(folder, ignore_errors=True)
                mb = limits.max_file_bytes / (1024 * 1024)
                raise ImportRefused(
                    f"{clean} is larger than {mb:.0f} MB, the most an import takes",
                    f"{clean} 超过了导入文件的大小上限 {mb:.0f} MB",
                )
            out.write(chunk)
    return target


def save_text(root: Path, text: str) -> Path:
    folder = _new_folder(root)
    target = folder / "pasted.txt"
    target.write_text(text, encoding="utf-8")
    return target


def _new_folder(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    sweep(root)
    folder = root / secrets.token_urlsafe(16)
    folder.mkdir()
    return folder


def sweep(root: Path) -> None:
    """Remove the folders of previews nobody went on with."""
    cutoff = time.time() - STALE_SECONDS
    with _lock:
        stale = [t for t, j in _jobs.items() if j.created < cutoff and j.state != "running"]
        for t in stale:
            _jobs.pop(t)
        live = {j.folder.name for j in _jobs.values()}
    for folder in root.iterdir():
        if folder.is_dir() and folder.name not in live and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def start(
    db: engine.Database,
    base: engine.Base,
    path: Path,
    *,
    name: str,
    pasted: bool,
    into: engine.Table | None,
    limits: Limits,
) -> Job:
    """Plan the import of the file saved at `path` (its folder is the job's) and keep the job."""
    folder = path.parent
    job: Job | None = None
    try:
        if pasted:
            text = path.read_text(encoding="utf-8")
            opened = Source(text=text, name=name or "Pasted", limits=limits)
        else:
            opened = Source(path, limits=limits)
        with opened as source:
            guessed = plan_source(source)
        plan = guessed.model_copy(deep=True)
        if into is not None:
            plan.sheets = [map_to_table(plan.sheets[0], into)]
            guessed.sheets = guessed.sheets[:1]
        job = Job(
            token=folder.name,
            user_id=db.user,
            base_id=base.id,
            into=into.id if into is not None else None,
            folder=folder,
            name=name,
            pasted=pasted,
            plan=plan,
            guessed=guessed,
            limits=limits,
        )
    finally:
        if job is None:
            shutil.rmtree(folder, ignore_errors=True)
    with _lock:
        _jobs[job.token] = job
    return job


def cancel(job: Job) -> None:
    with _lock:
        _jobs.pop(job.token, None)
    shutil.rmtree(job.folder, ignore_errors=True)


def launch(db: engine.Database, job: Job, plan: ImportPlan) -> None:
    """Run the import of `plan` in a background thread, as the user `db` acts for."""
    job.plan = plan
    job.state = "running"
    job.total = sum(s.rows for s in plan.sheets if not s.skip)
    job.done = 0
    job.sheet_done = {}
    thread = threading.Thread(target=_run, args=(db, job), name=f"import-{job.token[:8]}")
    thread.daemon = True
    thread.start()


def _run(db: engine.Database, job: Job) -> None:
    try:
        with job.source() as source:
            base = db.base(job.base_id)
            job.result = run_import(db, base, source, job.plan, progress=job.advance)
        job.state = "done"
    except engine.TesseraError as e:
        job.error = e
        job.state = "failed"
    except Exception:
        log.exception("import %s failed", job.token)
        job.error = engine.TesseraError(
            "The import failed on the server; nothing was imported",
            "导入在服务器上出错，没有导入任何数据",
        )
        job.state = "failed"
    finally:
        shutil.rmtree(job.folder, ignore_errors=True)


def report_bytes(job: Job, root: Path) -> bytes:
    """The job's import report as an .xlsx file's bytes."""
    assert job.result is not None
    root.mkdir(parents=True, exist_ok=True)
    target = root / f".report-{secrets.token_hex(8)}.xlsx"
    try:
        job.result.report.write_xlsx(target)
        return target.read_bytes()
    finally:
        target.unlink(missing_ok=True)


def forget(job: Job) -> None:
    with _lock:
        _jobs.pop(job.token, None)
