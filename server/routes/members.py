"""A base's members: invite by email with a role, change roles, remove; accepting an invitation
(a plain form: the invited person may have no account, hence no session, yet)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

import engine
from engine import roles
from engine.meta import ROLES

from .. import auth
from ..context import RequestContext, context
from ._util import form_text, go, int_param


def role_labels(
    ctx: RequestContext, base_id: int | None = None, db: engine.Database | None = None
) -> dict[str, str]:
    """Role key -> its name in the user's language: the built-in roles, then the base's own."""
    labels = {r: ctx.tr("role_" + r) for r in ROLES}
    if base_id is not None:
        with (db or ctx.db).read() as conn:
            for role in roles.list_roles(conn, base_id):
                labels[role.key] = role.name
    return labels


def _message(ctx: RequestContext, e: engine.TesseraError) -> str:
    if isinstance(e, engine.ValidationError):
        return "；".join(ctx.tr.message(p) for p in e.problems) or ctx.tr.message(e)
    return ctx.tr.message(e)


def _values(ctx: RequestContext, base: engine.Base) -> dict[str, Any]:
    can_manage = base.role == "owner"
    labels = role_labels(ctx, base.id)
    return {
        "base": base,
        "can_manage": can_manage,
        "members": base.members(),
        "invitations": base.invitations() if can_manage else [],
        "roles": list(labels),
        "role_labels": labels,
    }


def _area(ctx: RequestContext, base: engine.Base, *, status: int = 200, **extra: Any) -> Response:
    values = {"error": None, "notice": None, "invite_url": None, **_values(ctx, base), **extra}
    return ctx.render("_members.html", status=status, **values)


async def members_page(request: Request) -> Response:
    ctx = context(request)
    base = ctx.base(int_param(request, "base_id"))
    values = _values(ctx, base)
    return ctx.render(
        "members.html",
        title=ctx.tr("members"),
        tables=base.tables() if values["can_manage"] else [],
        error=None,
        notice=None,
        invite_url=None,
        **values,
    )


async def invite(request: Request) -> Response:
    ctx = context(request)
    base = ctx.base(int_param(request, "base_id"))
    form = await request.form()
    email, role = form_text(form, "email"), form_text(form, "role")
    try:
        if ctx.db.find_user(email) is not None:
            base.add_member(email, role)
            return _area(ctx, base, notice=ctx.tr("member_added", email=email.lower()))
        made = base.invite(email, role)
    except engine.TesseraError as e:
        return _area(ctx, base, status=400, error=_message(ctx, e))
    url = str(request.base_url).rstrip("/") + f"/invite/{made.token}"
    return _area(ctx, base, invite_url=url)


async def set_role(request: Request) -> Response:
    ctx = context(request)
    base = ctx.base(int_param(request, "base_id"))
    form = await request.form()
    try:
        base.set_role(int_param(request, "user_id"), form_text(form, "role"))
    except engine.TesseraError as e:
        return _area(ctx, base, status=400, error=_message(ctx, e))
    return _area(ctx, base, notice=ctx.tr("saved"))


async def remove(request: Request) -> Response:
    ctx = context(request)
    base = ctx.base(int_param(request, "base_id"))
    user_id = int_param(request, "user_id")
    try:
        base.remove_member(user_id)
    except engine.TesseraError as e:
        return _area(ctx, base, status=400, error=_message(ctx, e))
    if user_id == ctx.user_id and base.role is None:
        return go("/", request)
    return _area(ctx, base)


async def revoke_invitation(request: Request) -> Response:
    ctx = context(request)
    base = ctx.base(int_param(request, "base_id"))
    try:
        base.revoke_invitation(int_param(request, "invitation_id"))
    except engine.TesseraError as e:
        return _area(ctx, base, status=400, error=_message(ctx, e))
    return _area(ctx, base)


# --- accepting an invitation ------------------------------------------------------------------
def _invite_page(
    ctx: RequestContext, token: str, *, status: int = 200, error: str | None = None, name: str = ""
) -> Response:
    system: engine.Database = ctx.request.app.state.db
    inv = system.invitation(token)  # NotFound: used, withdrawn or expired
    cookies: dict[str, str] = {}
    csrf = ctx.csrf or auth.form_token(ctx.request, cookies)
    response = ctx.render(
        "invite.html",
        status=status,
        token=token,
        invitation=inv,
        base_name=system.base(inv.base_id).name,
        role_label=role_labels(ctx, inv.base_id, system).get(inv.role, inv.role),
        has_account=system.find_user(inv.email) is not None,
        csrf_token=csrf,
        error=error,
        name=name,
    )
    auth.set_form_cookies(response, ctx.request, cookies)
    return response


async def invitation_page(request: Request) -> Response:
    ctx = context(request)
    return _invite_page(ctx, request.path_params["token"])


async def accept(request: Request) -> Response:
    ctx = context(request)
    token = request.path_params["token"]
    form = await request.form()
    if not auth.form_token_ok(request, form.get(auth.CSRF_FIELD)):
        return _invite_page(ctx, token, status=403, error=ctx.tr("form_expired"))
    system: engine.Database = request.app.state.db
    name = form_text(form, "name")
    try:
        base_id = system.invitation(token).base_id
        if ctx.user_id is not None:
            ctx.db.accept_invitation(token)
            return RedirectResponse(f"/b/{base_id}", 303)
        password = form.get("password")
        user_id = system.accept_invitation(
            token, name=name, password=password if isinstance(password, str) else ""
        )
    except engine.NotFound:
        raise
    except engine.TesseraError as e:
        return _invite_page(ctx, token, status=400, error=_message(ctx, e), name=name)
    response = RedirectResponse(f"/b/{base_id}", 303)
    auth.set_session(response, request, system.create_session(user_id, ip=auth.client_ip(request)))
    return response


routes = [
    Route("/b/{base_id:int}/members", members_page, methods=["GET"]),
    Route("/b/{base_id:int}/members", invite, methods=["POST"]),
    Route("/b/{base_id:int}/members/{user_id:int}/role", set_role, methods=["POST"]),
    Route("/b/{base_id:int}/members/{user_id:int}/remove", remove, methods=["POST"]),
    Route(
        "/b/{base_id:int}/invitations/{invitation_id:int}/revoke",
        revoke_invitation,
        methods=["POST"],
    ),
    Route("/invite/{token}", invitation_page, methods=["GET"]),
    Route("/invite/{token}", accept, methods=["POST"]),
]
