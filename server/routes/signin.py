"""Signing in and out (a plain form: it works before there is a session or a CSRF header)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

import engine

from .. import auth
from ..context import RequestContext, context
from ._util import form_text, go


def _page(
    ctx: RequestContext,
    *,
    next_url: str,
    email: str = "",
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    cookies: dict[str, str] = {}
    token = auth.form_token(ctx.request, cookies)
    response = ctx.render(
        "signin.html",
        status=status,
        headers=headers,
        csrf_token=token,
        next=next_url,
        email=email,
        error=error,
    )
    auth.set_form_cookies(response, ctx.request, cookies)
    return response


async def signin_page(request: Request) -> Response:
    ctx = context(request)
    next_url = auth.safe_next(request.query_params.get("next"))
    if ctx.user_id is not None:
        return RedirectResponse(next_url, 303)
    return _page(ctx, next_url=next_url)


async def signin(request: Request) -> Response:
    ctx = context(request)
    form = await request.form()
    next_url = auth.safe_next(form_text(form, "next"))
    email = form_text(form, "email")
    password = form.get("password")
    if not auth.form_token_ok(request, form.get(auth.CSRF_FIELD)):
        return _page(ctx, next_url=next_url, email=email, error=ctx.tr("form_expired"), status=403)
    if not email or not isinstance(password, str) or not password:
        return _page(
            ctx, next_url=next_url, email=email, error=ctx.tr("signin_missing"), status=400
        )
    db: engine.Database = request.app.state.db
    try:
        token = db.sign_in(
            email,
            password,
            ip=auth.client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
    except engine.RateLimited as e:
        return _page(
            ctx,
            next_url=next_url,
            email=email,
            error=ctx.tr.message(e),
            status=429,
            headers={"Retry-After": str(e.retry_after)},
        )
    except engine.Unauthorized as e:
        return _page(ctx, next_url=next_url, email=email, error=ctx.tr.message(e), status=401)
    previous = auth.auth_of(request).session
    if previous:  # signing in as someone else ends the session that was open
        db.sign_out(previous)
    response = RedirectResponse(next_url, 303)
    auth.set_session(response, request, token)
    return response


async def signout(request: Request) -> Response:
    session = auth.auth_of(request).session
    db: engine.Database = request.app.state.db
    if session:
        db.sign_out(session, ip=auth.client_ip(request))
    response = go("/signin", request)
    auth.clear_session(response, request)
    return response


routes = [
    Route("/signin", signin_page, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
]
