"""The import wizard: upload an .xlsx / .csv / .tsv file or paste a table (into new tables of a
base, or into an existing table) → preview the plan, every guess overridable → import with a
progress bar → the result and its report (.xlsx).

Everything runs as the signed-in user (`ctx.db`), so the engine's permission layer decides
whether they may create the tables or records."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as PydanticValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import engine
from engine.fields import REGISTRY
from engine.imports import ImportPlan, Limits
from engine.imports.layout import unique_names
from engine.imports.plan import COMPUTED, READ_ONLY
from engine.imports.planner import check_types
from engine.imports.retype import retype

from .. import import_jobs
from ..context import RequestContext, context
from ._util import form_text, go, int_param

# types a column can be imported as (people and files cannot be read from a cell's text)
TYPES = [n for n in REGISTRY if n not in READ_ONLY | COMPUTED | {"link", "attachment", "user"}]
PASTE_MAX = 50 * 1024 * 1024
PREVIEW_ENTRIES = 50


def _limits() -> Limits:
    return Limits()


def _upload_page(
    ctx: RequestContext,
    base: engine.Base,
    into: engine.Table | None,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    values: dict[str, Any] = {"base": base, "into": into, "error": error}
    if ctx.htmx and error is not None:
        return ctx.render("_import_upload.html", status=status, **values)
    return ctx.render("import_upload.html", title=ctx.tr("import_title"), status=status, **values)


async def upload_page(request: Request) -> Response:
    ctx = context(request)
    return _upload_page(ctx, ctx.base(int_param(request, "base_id")), None)


async def upload_into_page(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    return _upload_page(ctx, ctx.base(table.schema().base_id), table)


async def upload(request: Request) -> Response:
    """A file or a pasted table in: saved under the data directory, planned, then previewed."""
    ctx = context(request)
    base = ctx.base(int_param(request, "base_id"))
    limits = _limits()
    async with request.form(max_part_size=PASTE_MAX) as form:
        into_id = form_text(form, "into")
        into = ctx.table(int(into_id)) if into_id.isdecimal() else None
        if into is not None and into.schema().base_id != base.id:
            raise engine.NotFound("No such table in this base", "此数据库中没有该数据表")
        item = form.get("file")
        text = form.get("text")
        root = import_jobs.folder_root(ctx.db)
        try:
            if isinstance(item, UploadFile) and item.filename:
                path = await run_in_threadpool(
                    import_jobs.save_upload, root, item.file, item.filename, limits
                )
                name, pasted = path.name, False
            elif isinstance(text, str) and text.strip():
                path = import_jobs.save_text(root, text)
                name, pasted = ctx.tr("import_pasted_name"), True
            else:
                return _upload_page(
                    ctx, base, into, error=ctx.tr("import_nothing_given"), status=400
                )
            job = await run_in_threadpool(
                import_jobs.start,
                ctx.db,
                base,
                path,
                name=name,
                pasted=pasted,
                into=into,
                limits=limits,
            )
        except engine.TesseraError as e:
            return _upload_page(ctx, base, into, error=ctx.tr.message(e), status=400)
    return go(f"/imports/{job.token}", request)


def _values(ctx: RequestContext, job: import_jobs.Job) -> dict[str, Any]:
    base = ctx.base(job.base_id)
    into = ctx.table(job.into) if job.into is not None else None
    fields: list[Any] = []
    if into is not None:
        fields = [
            f
            for f in into.schema().fields
            if not f.type.read_only and f.type.name not in COMPUTED | {"attachment", "user"}
        ]
    return {
        "job": job,
        "plan": job.plan,
        "base": base,
        "into": into,
        "fields": fields,
        "types": [(n, ctx.tr.label(REGISTRY[n])) for n in TYPES],
        "type_labels": {n: ctx.tr.label(t) for n, t in REGISTRY.items()},
        "entries": job.result.report.entries[:PREVIEW_ENTRIES] if job.result else [],
    }


async def job_page(request: Request) -> Response:
    ctx = context(request)
    job = import_jobs.get(request.path_params["token"], ctx.user_id)
    return ctx.render("import_job.html", title=ctx.tr("import_title"), **_values(ctx, job))


def apply(form: FormData, job: import_jobs.Job, source: Any, fields: dict[str, Any]) -> ImportPlan:
    """The job's plan with the person's choices from the preview form."""
    plan = job.plan.model_copy(deep=True)
    on_invalid = form_text(form, "on_invalid")
    if on_invalid in ("keep", "report"):
        plan.on_invalid = on_invalid  # type: ignore[assignment]
    several = len(plan.sheets) > 1
    for i, sp in enumerate(plan.sheets):
        p = f"s{i}."
        if several:
            sp.skip = form.get(p + "use") is None
        if not sp.existing:
            sp.table = form_text(form, p + "table") or sp.table
        primary = next((j for j, c in enumerate(sp.columns) if c.name == sp.primary), None)
        guessed = {c.source: c for c in job.guessed.sheets[i].columns}
        for j, c in enumerate(sp.columns):
            q = f"{p}c{j}."
            c.skip = form.get(q + "use") is None
            if sp.existing:
                target = fields.get(form_text(form, q + "field"))
                if target is not None:
                    c.name, c.type, c.options, c.existing, c.link = (
                        target.name,
                        target.type.name,
                        {},
                        True,
                        None,
                    )
                    c.pad, c.serial_dates = None, False
                    continue
                if c.existing:  # was mapped to a field; now a new one, as first guessed
                    first = guessed[c.source]
                    c.name, c.type, c.options, c.existing = (
                        first.name,
                        first.type,
                        first.options,
                        False,
                    )
                    c.pad, c.serial_dates = first.pad, first.serial_dates
            else:
                c.name = form_text(form, q + "name") or c.name
            kind = form_text(form, q + "type")
            if kind and kind != c.type:
                retype(source, sp, c, kind)
            if c.link is not None:
                c.link.use = form.get(q + "link") is not None
        if not sp.existing:
            names = unique_names([c.name for c in sp.columns])
            for c, name in zip(sp.columns, names, strict=True):
                c.name = name
            if primary is not None:
                sp.primary = sp.columns[primary].name
        key = form_text(form, p + "key")
        chosen = sp.columns[int(key)] if key.isdecimal() and int(key) < len(sp.columns) else None
        sp.key = chosen.name if chosen is not None and not chosen.skip else None
        if sp.existing:
            sp.mode = "upsert" if sp.key is not None else "append"
    plan = ImportPlan.model_validate(plan.model_dump())
    check_types(plan)
    return plan


async def run(request: Request) -> Response:
    """The preview's choices applied, and the import started in the background."""
    ctx = context(request)
    job = import_jobs.get(request.path_params["token"], ctx.user_id)
    if job.state != "preview":
        return ctx.render("_import_status.html", **_values(ctx, job))
    form = await request.form()
    into = ctx.table(job.into) if job.into is not None else None
    fields = {str(f.id): f for f in into.schema().fields} if into is not None else {}

    def applied() -> ImportPlan:
        with job.source() as source:
            return apply(form, job, source, fields)

    try:
        plan = await run_in_threadpool(applied)
    except engine.TesseraError as e:
        return ctx.render("_import_preview.html", error=ctx.tr.message(e), **_values(ctx, job))
    except PydanticValidationError as e:
        message = "; ".join(str(err["msg"]) for err in e.errors())
        return ctx.render("_import_preview.html", error=message, **_values(ctx, job))
    import_jobs.launch(ctx.db, job, plan)
    return ctx.render("_import_status.html", **_values(ctx, job))


async def progress(request: Request) -> Response:
    ctx = context(request)
    job = import_jobs.get(request.path_params["token"], ctx.user_id)
    return ctx.render("_import_status.html", **_values(ctx, job))


async def report(request: Request) -> Response:
    ctx = context(request)
    job = import_jobs.get(request.path_params["token"], ctx.user_id)
    if job.result is None:
        raise engine.NotFound("The import has no report yet", "此导入尚无报告")
    data = await run_in_threadpool(import_jobs.report_bytes, job, import_jobs.folder_root(ctx.db))
    stem = (job.name.rsplit(".", 1)[0] if job.name else "import") or "import"
    from urllib.parse import quote

    filename = quote(f"{stem} - import report.xlsx")
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"},
    )


async def cancel(request: Request) -> Response:
    ctx = context(request)
    job = import_jobs.get(request.path_params["token"], ctx.user_id)
    if job.state == "running":
        raise engine.TesseraError("The import is running", "导入正在进行")
    import_jobs.cancel(job)
    if job.into is not None:
        return go(f"/t/{job.into}", request)
    return go(f"/b/{job.base_id}", request)


routes = [
    Route("/b/{base_id:int}/import", upload_page),
    Route("/b/{base_id:int}/import", upload, methods=["POST"]),
    Route("/t/{table_id:int}/import", upload_into_page),
    Route("/imports/{token}", job_page),
    Route("/imports/{token}/run", run, methods=["POST"]),
    Route("/imports/{token}/progress", progress),
    Route("/imports/{token}/report.xlsx", report),
    Route("/imports/{token}/cancel", cancel, methods=["POST"]),
]
