"""Merging duplicate records from the grid's selection: a panel that shows the chosen records
side by side and asks which one to keep, then the merge (engine/merge.py), after which the panel
shows the kept record and the grid drops the others."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

import engine

from ..context import context
from ._util import form_text, int_param, record_ids
from .panel import record_panel

MOST = 10  # records merged at once
COLUMNS = 8  # fields shown side by side


async def merge_preview(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    ids = record_ids(await request.form())
    if not 2 <= len(ids) <= MOST:
        raise engine.ValidationError(
            [
                engine.Problem(
                    "merge_count",
                    f"Select 2 to {MOST} records to merge",
                    f"请选择 2 至 {MOST} 条记录进行合并",
                )
            ]
        )
    schema = table.schema()
    shown = [f for f in schema.fields if f.type.stored][:COLUMNS]
    return ctx.render(
        "merge_panel.html",
        table=table,
        records=table.get_many(ids),
        fields=shown,
        users=ctx.user_names(),
    )


async def merge_records(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    form = await request.form()
    ids = record_ids(form)
    keep = form_text(form, "keep")
    if not keep.isdecimal() or int(keep) not in ids:
        raise engine.ValidationError(
            [engine.Problem("merge_keep", "Choose the record to keep", "请选择要保留的记录")]
        )
    others = [i for i in ids if i != int(keep)]
    table.merge(int(keep), others)
    response = record_panel(ctx, table, int(keep))
    trigger = {
        "recordsDeleted": {"table": table.id, "records": others},
        "viewChanged": {"table": table.id},  # the kept record may leave a duplicates view
    }
    response.headers["HX-Trigger"] = json.dumps(trigger)
    return response
