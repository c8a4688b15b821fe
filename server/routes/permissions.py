"""A table's permission settings, for the base's owners: per field and role hidden or read-only,
and row rules (a role or a member sees only the records of a shared saved filter)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import engine
from engine.permission_rules import ACCESS

from ..context import RequestContext, context
from ._util import form_int, form_text, int_param
from .members import role_labels


def _owner_table(ctx: RequestContext, request: Request) -> tuple[engine.Table, engine.Base]:
    table = ctx.table(int_param(request, "table_id"))
    base = ctx.base(table.schema().base_id)
    if base.role != "owner":
        raise engine.Forbidden(
            "Only the base's owners and admins can manage permissions",
            "只有数据库的所有者和管理员可以管理权限",
        )
    return table, base


def _rules_values(ctx: RequestContext, table: engine.Table, base: engine.Base) -> dict[str, Any]:
    members = base.members()
    labels = role_labels(ctx, base.id)
    return {
        "schema": table.schema(),
        "rules": table.row_permissions(),
        "filters": ctx.views(table).filters(),
        "members": members,
        "member_names": {m.user_id: m.name for m in members},
        "roles": [r for r in labels if r != "owner"],
        "role_labels": labels,
        "accesses": ACCESS,
    }


async def permissions_page(request: Request) -> Response:
    ctx = context(request)
    table, base = _owner_table(ctx, request)
    values = _rules_values(ctx, table, base)
    return ctx.render(
        "permissions.html",
        title=ctx.tr("permissions"),
        base=base,
        field_perms=table.field_permissions(),
        error=None,
        **values,
    )


async def set_field(request: Request) -> Response:
    ctx = context(request)
    table, _ = _owner_table(ctx, request)
    form = await request.form()
    field_id, role, access = (
        form_int(form, "field"),
        form_text(form, "role"),
        form_text(form, "access"),
    )
    if field_id is None:
        raise engine.NotFound("No such field", "没有这个字段")
    table.set_field_permission(field_id, role, access)
    current = table.field_permissions().get(field_id, {}).get(role, "normal")
    return ctx.render(
        "_access_select.html",
        schema=table.schema(),
        field=table.field(field_id),
        role=role,
        current=current,
        accesses=ACCESS,
        role_labels=role_labels(ctx, table.schema().base_id),
    )


def _rules(
    ctx: RequestContext,
    table: engine.Table,
    base: engine.Base,
    *,
    status: int = 200,
    error: str | None = None,
) -> Response:
    return ctx.render(
        "_row_rules.html", status=status, error=error, **_rules_values(ctx, table, base)
    )


async def add_rule(request: Request) -> Response:
    ctx = context(request)
    table, base = _owner_table(ctx, request)
    form = await request.form()
    kind, _, who = form_text(form, "who").partition(":")
    filter_id = form_int(form, "filter")
    try:
        if filter_id is None or kind not in ("role", "user") or not who:
            raise engine.SchemaError(
                "Choose who is limited and a shared filter", "请选择受限对象和共享筛选"
            )
        if kind == "role":
            table.add_row_permission(filter_id, role=who)
        else:
            table.add_row_permission(filter_id, user=int(who) if who.isdecimal() else who)
    except engine.TesseraError as e:
        return _rules(ctx, table, base, status=400, error=ctx.tr.message(e))
    return _rules(ctx, table, base)


async def remove_rule(request: Request) -> Response:
    ctx = context(request)
    table, base = _owner_table(ctx, request)
    table.remove_row_permission(int_param(request, "rule_id"))
    return _rules(ctx, table, base)


routes = [
    Route("/t/{table_id:int}/permissions", permissions_page, methods=["GET"]),
    Route("/t/{table_id:int}/permissions/field", set_field, methods=["POST"]),
    Route("/t/{table_id:int}/permissions/rows", add_rule, methods=["POST"]),
    Route("/t/{table_id:int}/permissions/rows/{rule_id:int}/remove", remove_rule, methods=["POST"]),
]
