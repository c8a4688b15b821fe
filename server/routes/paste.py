"""Pasting a block of cells (from Excel or the grid itself): what fits is written, what does
not keeps the pasted text and says why; rows beyond the grid's end become new records."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import engine
from engine.model import FieldDef

from .. import adapters, cells
from ..context import RequestContext, context
from ._util import int_param


def _pasted_value(
    f: FieldDef, text: str, users: list[adapters.User], titles: dict[str, int]
) -> tuple[Any, str | None]:
    """The value to write for pasted text, or a problem (en|zh) the engine cannot see."""
    k = cells.editor_kind(f)
    if k is None:
        return None, "read_only"
    if k == "attachment":
        return None, "no_files"
    if k in ("user", "users"):
        found: list[int] = []
        for part in [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]:
            match = [
                u.id for u in users if part.casefold() in (u.name.casefold(), u.email.casefold())
            ]
            if match:
                found.append(match[0])
            elif part.isdecimal():
                found.append(int(part))
            else:
                return None, "unknown_user"
        if k == "user":
            return (found[0] if found else None), None
        return (found or None), None
    if k == "link":
        ids = []
        for part in [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]:
            if part in titles:
                ids.append(titles[part])
            else:
                return None, "unknown_record"
        return (ids or None), None
    return text, None


async def paste(request: Request) -> Response:
    """Write a block of pasted cells: `cells` are {record (id, or null for a new row), row (for
    new rows: which one), field, text}. Cells that are refused keep the pasted text and say why;
    the others are written."""
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    data = await request.json()
    schema = table.schema()
    users = ctx.users()
    items = data.get("cells", []) if isinstance(data, dict) else []
    errors: list[dict[str, Any]] = []
    changes: dict[int, dict[int, Any]] = {}
    new_rows: dict[int, dict[int, Any]] = {}
    link_titles: dict[int, dict[str, int]] = {}
    for f in schema.fields:
        if cells.editor_kind(f) == "link":
            texts = [
                part.strip()
                for item in items
                if str(item.get("field")) == str(f.id)
                for part in str(item.get("text", "")).replace("，", ",").split(",")
            ]
            linked = engine.Table(ctx.db, f.type.options.table_id)
            link_titles[f.id] = adapters.ids_by_title(linked, texts)
    for item in items:
        try:
            f = schema.field(int(item["field"]))
        except (KeyError, ValueError, TypeError, engine.NotFound):
            continue
        text = str(item.get("text", ""))
        value, problem = _pasted_value(f, text, users, link_titles.get(f.id, {}))
        rid = item.get("record")
        if problem:
            errors.append({**item, "message": ctx.tr("paste_" + problem)})
            continue
        if isinstance(rid, int):
            changes.setdefault(rid, {})[f.id] = value
        else:
            new_rows.setdefault(int(item.get("row", 0)), {})[f.id] = value
    written, errors = _write_changes(ctx, table, changes, items, errors)
    created: list[int] = []
    if new_rows:
        rows = [new_rows[k] for k in sorted(new_rows)]
        try:
            created = [r.id for r in table.create_many(rows)]
        except engine.ValidationError as err:
            errors.append(
                {"record": None, "message": "；".join(ctx.tr.message(p) for p in err.problems)}
            )
    return JSONResponse({"written": written, "created": created, "errors": errors})


def _write_changes(
    ctx: RequestContext,
    table: engine.Table,
    changes: dict[int, dict[int, Any]],
    items: list[dict[str, Any]],
    errors: list[dict[str, Any]],
) -> tuple[list[int], list[dict[str, Any]]]:
    """Write what can be written: a batch the engine refuses is written again without the
    refused cells, which are reported with the engine's message."""
    pending = {rid: dict(vals) for rid, vals in changes.items() if vals}
    for _ in range(3):
        if not pending:
            return [], errors
        batch = list(pending.items())
        try:
            table.update_many(batch)
            return [rid for rid, _ in batch], errors
        except engine.ValidationError as err:
            for p in err.problems:
                if p.row is None or p.row >= len(batch):
                    continue
                rid, vals = batch[p.row]
                fid = p.field_id
                text = next(
                    (
                        str(i.get("text", ""))
                        for i in items
                        if i.get("record") == rid and str(i.get("field")) == str(fid)
                    ),
                    "",
                )
                errors.append(
                    {"record": rid, "field": fid, "text": text, "message": ctx.tr.message(p)}
                )
                if fid in vals:
                    del vals[fid]
                else:
                    vals.clear()
            pending = {rid: vals for rid, vals in pending.items() if vals}
        except engine.NotFound:
            return [], [*errors, {"record": None, "message": ctx.tr("paste_missing_rows")}]
    return [], errors


routes = [Route("/t/{table_id:int}/paste", paste, methods=["POST"])]
