"""The signed-in user's own settings: their password and their personal access tokens."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import engine

from .. import auth
from ..context import RequestContext, context
from ._util import form_text, int_param


def _message(ctx: RequestContext, e: engine.TesseraError) -> str:
    if isinstance(e, engine.ValidationError):
        return "；".join(ctx.tr.message(p) for p in e.problems) or ctx.tr.message(e)
    return ctx.tr.message(e)


async def account_page(request: Request) -> Response:
    ctx = context(request)
    done = request.query_params.get("changed") == "1"
    return ctx.render("account.html", title=ctx.tr("account"), base=None, done=done)


async def change_password(request: Request) -> Response:
    ctx = context(request)
    form = await request.form()
    current, new, repeat = (str(form.get(k) or "") for k in ("current", "new", "repeat"))
    error, token = None, ""
    if new != repeat:
        error = ctx.tr("passwords_differ")
    else:
        try:
            token = ctx.db.change_password(
                current,
                new,
                ip=auth.client_ip(request),
                user_agent=request.headers.get("user-agent"),
            )
        except engine.TesseraError as e:
            error = _message(ctx, e)
    if error is not None:
        return ctx.render("_password_form.html", status=400, error=error)
    # every session ended, this one too: a new cookie, and a fresh page with its CSRF token
    response = Response(status_code=204, headers={"HX-Redirect": "/account?changed=1"})
    auth.set_session(response, request, token)
    return response


# --- access tokens --------------------------------------------------------------------------------
def _tokens(
    ctx: RequestContext,
    *,
    status: int = 200,
    new_token: str | None = None,
    error: str | None = None,
) -> Response:
    bases = ctx.db.bases()
    return ctx.render(
        "_tokens.html",
        status=status,
        tokens=ctx.db.tokens(),
        base_names={b.id: b.name for b in bases},
        new_token=new_token,
        error=error,
    )


async def tokens_page(request: Request) -> Response:
    ctx = context(request)
    bases = ctx.db.bases()
    return ctx.render(
        "tokens.html",
        title=ctx.tr("access_tokens"),
        base=None,
        bases=bases,
        tokens=ctx.db.tokens(),
        base_names={b.id: b.name for b in bases},
        new_token=None,
        error=None,
    )


async def create_token(request: Request) -> Response:
    ctx = context(request)
    form = await request.form()
    base_ids = [int(str(v)) for v in form.getlist("base") if str(v).isdecimal()]
    days = form_text(form, "expires")
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=int(days)) if days.isdecimal() else None
    try:
        made = ctx.db.create_token(
            form_text(form, "name"),
            bases=base_ids or None,
            can_write=form_text(form, "access") != "read",
            expires_at=expires,
        )
    except engine.TesseraError as e:
        return _tokens(ctx, status=400, error=_message(ctx, e))
    return _tokens(ctx, new_token=made.token)


async def revoke_token(request: Request) -> Response:
    ctx = context(request)
    token_id = int_param(request, "token_id")
    mine = {t.id for t in ctx.db.tokens(include_inactive=True)}
    if token_id not in mine:
        raise engine.NotFound(f"No token with id {token_id}", f"没有 ID 为 {token_id} 的令牌")
    ctx.db.revoke_token(token_id)
    return _tokens(ctx)


routes = [
    Route("/account", account_page),
    Route("/account/password", change_password, methods=["POST"]),
    Route("/account/tokens", tokens_page, methods=["GET"]),
    Route("/account/tokens", create_token, methods=["POST"]),
    Route("/account/tokens/{token_id:int}/revoke", revoke_token, methods=["POST"]),
]
