"""Undo and redo (toolbar buttons and Ctrl+Z / Ctrl+Shift+Z), a base's trash (tables, fields,
views and records, with restore and delete for good) and the audit log (owners and admins, with
filters and .csv / .xlsx export)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import engine
from engine import schema_trash
from engine.sqltypes import UTC

from ..context import context
from ._util import go, int_param

PAGE = 100


async def undo(request: Request) -> Response:
    ctx = context(request)
    ctx.base(int_param(request, "base_id")).undo()
    return Response(status_code=204, headers={"HX-Refresh": "true"})


async def redo(request: Request) -> Response:
    ctx = context(request)
    ctx.base(int_param(request, "base_id")).redo()
    return Response(status_code=204, headers={"HX-Refresh": "true"})


async def trash_page(request: Request) -> Response:
    ctx = context(request)
    base = ctx.base(int_param(request, "base_id"))
    return ctx.render(
        "trash.html",
        title=ctx.tr("trash"),
        base=base,
        trash=base.trash(),
        days=schema_trash.trash_days(),
    )


async def trash_action(request: Request) -> Response:
    """Restore (or delete for good) one item of the trash, then show the trash again."""
    ctx = context(request)
    base = ctx.base(int_param(request, "base_id"))
    kind, item = request.path_params["kind"], int_param(request, "item_id")
    restoring = request.path_params["action"] == "restore"
    form = await request.form()
    table_id = int(str(form.get("table_id") or 0))
    if kind == "table":
        (base.restore_table if restoring else base.purge_table)(item)
    elif kind == "view":
        if not restoring:
            raise engine.NotFound("Views are deleted for good with the trash", "视图随回收站清理")
        base.restore_view(item)
    elif kind == "field":
        table = ctx.table(table_id)
        (table.restore_field if restoring else table.purge_field)(item)
    elif kind == "record":
        table = ctx.table(table_id)
        (table.restore if restoring else table.purge)(item)
    else:
        raise engine.NotFound(f"No {kind!r} in the trash", f"回收站中没有 {kind!r}")
    return go(f"/b/{base.id}/trash", request)


def _filters(request: Request) -> dict[str, Any]:
    q = request.query_params
    out: dict[str, Any] = {}
    if q.get("kind"):
        out["kind"] = q["kind"].strip()
    for key in ("user_id", "base_id"):
        if (q.get(key) or "").strip().isdecimal():
            out[key] = int(q[key])
    for key, shift in (("since", 0), ("until", 1)):
        try:
            day = dt.date.fromisoformat((q.get(key) or "").strip())
        except ValueError:
            continue
        out[key] = dt.datetime.combine(day, dt.time(), UTC) + dt.timedelta(days=shift)
    return out


async def audit_page(request: Request) -> Response:
    ctx = context(request)
    filters = _filters(request)
    offset = int(request.query_params.get("offset", "0") or 0)
    entries = ctx.db.audit_log(limit=PAGE + 1, offset=offset, **filters)
    query = "&".join(f"{k}={v}" for k, v in request.query_params.items() if k != "offset")
    return ctx.render(
        "audit.html",
        title=ctx.tr("audit_log"),
        base=None,
        entries=entries[:PAGE],
        more=offset + PAGE if len(entries) > PAGE else None,
        query=query,
        q=request.query_params,
        users=ctx.user_names(),
    )


async def audit_export(request: Request) -> Response:
    ctx = context(request)
    fmt = "xlsx" if request.query_params.get("format") == "xlsx" else "csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"audit-log.{fmt}"
        ctx.db.export_audit_log(path, **_filters(request))
        data = path.read_bytes()
    media = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="audit-log.{fmt}"'},
    )


routes = [
    Route("/b/{base_id:int}/undo", undo, methods=["POST"]),
    Route("/b/{base_id:int}/redo", redo, methods=["POST"]),
    Route("/b/{base_id:int}/trash", trash_page),
    Route(
        "/b/{base_id:int}/trash/{kind}/{item_id:int}/{action:str}",
        trash_action,
        methods=["POST"],
    ),
    Route("/audit", audit_page),
    Route("/audit/export", audit_export),
]
