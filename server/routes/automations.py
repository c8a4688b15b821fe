"""The automations of a base (list, editor, on/off, delete, run now, run log), and the
notification bell (unread count, list, mark read, open the record). Managing automations needs
the owner or creator role; the engine checks it on every change."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

import engine
from engine import permissions, roles
from engine.automations.model import RECORD_TRIGGERS
from engine.model import TableSchema

from ..automation_form import ACTION_KINDS, TRIGGER_KINDS, Filled, fill, to_spec
from ..context import RequestContext, context
from ._util import form_text, go, int_param
from .filter_builder import builder_values, stored


def _may_manage(ctx: RequestContext, base: engine.Base) -> bool:
    with ctx.db.read() as conn:
        return permissions.base_access(conn, ctx.user_id, base.id).at_least("creator")


def _page(ctx: RequestContext, base: engine.Base, **values: Any) -> Response:
    a_tables = base.tables()
    schemas = {t.id: t.schema() for t in a_tables}
    with ctx.db.read() as conn:
        base_roles = roles.list_roles(conn, base.id)
    filled: Filled | None = values.get("filled")
    if filled is not None and a_tables:
        chosen = filled.values.get("table")
        table = next((t for t in a_tables if t.id == chosen), a_tables[0])
        tree, chosen = stored(filled.values.get("filter"))
        values.update(builder_values(ctx, table, tree, chosen, ctx.tr("trigger_filter")))
    return ctx.render(
        "automations.html",
        title=ctx.tr("automations"),
        base=base,
        automations=base.automations(),
        schemas=schemas,
        can_manage=_may_manage(ctx, base),
        people=_people(ctx, base),
        roles=base_roles,
        trigger_kinds=TRIGGER_KINDS,
        action_kinds=ACTION_KINDS,
        record_triggers=RECORD_TRIGGERS,
        filters={t.id: ctx.views(t).filters() for t in a_tables},
        **values,
    )


def _people(ctx: RequestContext, base: engine.Base) -> list[tuple[int, str]]:
    """Who may be notified by name: the members, and the signed-in user (an admin may not be a
    member, yet sees every base)."""
    out = [(m.user_id, m.name) for m in base.members()]
    me = ctx.me
    if me is not None and me.id not in {uid for uid, _ in out}:
        out.insert(0, (me.id, me.name))
    return out


async def list_page(request: Request) -> Response:
    ctx = context(request)
    base = ctx.base(int_param(request, "base_id"))
    return _page(ctx, base, editing=None, filled=None, runs=[])


async def edit_page(request: Request) -> Response:
    ctx = context(request)
    found = ctx.db.automation(int_param(request, "automation_id"))
    base = ctx.base(found.base_id)
    schemas = {t.id: t.schema() for t in base.tables()}
    return _page(
        ctx, base, editing=found, filled=fill(found, schemas),
        runs=ctx.db.automation_runs(found.id, limit=30),
    )  # fmt: skip


def _blank(schemas: dict[int, TableSchema]) -> Filled:
    first = next(iter(schemas), None)
    return Filled(values={"enabled": True, "kind": "record_created", "table": first, "at": "09:00"})


async def new_page(request: Request) -> Response:
    ctx = context(request)
    base = ctx.base(int_param(request, "base_id"))
    schemas = {t.id: t.schema() for t in base.tables()}
    return _page(ctx, base, editing=None, filled=_blank(schemas), runs=[], creating=True)


async def save(request: Request) -> Response:
    """Create (no id) or replace an automation from the editor; errors show above the form."""
    ctx = context(request)
    base = ctx.base(int_param(request, "base_id"))
    raw = request.path_params.get("automation_id")
    async with request.form() as form:
        count = int(str(form.get("actions_count") or 0))
        chosen = form_text(form, "table")
        tables = {t.id: t for t in base.tables()}
        table = tables.get(int(chosen)) if chosen.isdecimal() else None
        spec = to_spec(form, min(count, 20), table.schema() if table is not None else None)
    try:
        if raw is None:
            saved = base.create_automation(spec)
        else:
            saved = ctx.db.update_automation(int(raw), spec)
    except engine.TesseraError as e:
        return ctx.render("toast.html", status=422, message=ctx.tr.message(e), kind="error",
                          headers={"HX-Retarget": "#toasts", "HX-Reswap": "beforeend"})  # fmt: skip
    return go(f"/a/{saved.id}", request)


async def toggle(request: Request) -> Response:
    ctx = context(request)
    found = ctx.db.automation(int_param(request, "automation_id"))
    ctx.db.enable_automation(found.id, not found.enabled)
    return go(f"/b/{found.base_id}/automations", request)


async def delete(request: Request) -> Response:
    ctx = context(request)
    found = ctx.db.automation(int_param(request, "automation_id"))
    ctx.db.delete_automation(found.id)
    return go(f"/b/{found.base_id}/automations", request)


async def run_now(request: Request) -> Response:
    ctx = context(request)
    found = ctx.db.automation(int_param(request, "automation_id"))
    ctx.db.run_automation_now(found.id)
    return go(f"/a/{found.id}", request)


# --- the bell -------------------------------------------------------------------------------------
async def bell(request: Request) -> Response:
    ctx = context(request)
    return ctx.render("_bell_count.html", unread=ctx.db.unread_notifications())


async def bell_list(request: Request) -> Response:
    ctx = context(request)
    return ctx.render(
        "_bell_list.html", notifications=ctx.db.notifications(limit=30),
        unread=ctx.db.unread_notifications(),
    )  # fmt: skip


async def mark_all_read(request: Request) -> Response:
    ctx = context(request)
    ctx.db.mark_notifications_read()
    return ctx.render("_bell_count.html", unread=0)


async def open_notification(request: Request) -> Response:
    """Mark one notification read and open its record (in the table's first view)."""
    ctx = context(request)
    nid = int_param(request, "notification_id")
    ctx.db.mark_notifications_read([nid])
    found = ctx.db.notification(nid)
    if found.table_id is None:
        raise engine.NotFound("No such notification", "没有这条通知")
    table = ctx.table(found.table_id)
    view = ctx.views(table).list()[0]
    return RedirectResponse(f"/t/{table.id}/v/{view.id}?record={found.record_id}", 302)


routes = [
    Route("/b/{base_id:int}/automations", list_page),
    Route("/b/{base_id:int}/automations/new", new_page),
    Route("/b/{base_id:int}/automations", save, methods=["POST"]),
    Route("/b/{base_id:int}/automations/{automation_id:int}", save, methods=["POST"]),
    Route("/a/{automation_id:int}", edit_page),
    Route("/a/{automation_id:int}/toggle", toggle, methods=["POST"]),
    Route("/a/{automation_id:int}/delete", delete, methods=["POST"]),
    Route("/a/{automation_id:int}/run", run_now, methods=["POST"]),
    Route("/notifications/bell", bell),
    Route("/notifications", bell_list),
    Route("/notifications/read", mark_all_read, methods=["POST"]),
    Route("/n/{notification_id:int}", open_notification),
]
