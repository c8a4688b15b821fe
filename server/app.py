"""The Starlette application: the web interface (Jinja2 + htmx), its static files and checks."""

from __future__ import annotations

import hashlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

import engine

from . import api, auth, cells, scheduler_loop
from .context import context
from .routes import (
    account,
    automations,
    bases,
    calendar,
    fields,
    files,
    filter_builder,
    forms,
    grid,
    history,
    imports,
    kanban,
    members,
    panel,
    paste,
    permissions,
    records,
    shares,
    signin,
    toolbar,
    views,
)
from .routes import dashboards as dashboard_pages

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class RequireHtmx:
    """Cross-site request forgery guard: a state-changing request must carry the `HX-Request`
    header (htmx sends it; a cross-site form cannot, and a cross-site script may not without a
    CORS preflight this server never grants) and, when the browser says where it comes from, come
    from this site."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            path = scope["path"]
            if not (
                _same_site(headers)
                or auth.plain_form_same_site(path, headers)
                or auth.api_with_token(path, headers)
            ):
                response = Response("Forbidden: cross-site request", 403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _same_site(headers: dict[str, str]) -> bool:
    if headers.get("hx-request") != "true":
        return False
    site = headers.get("sec-fetch-site")
    if site is not None:  # what the browser says itself; true behind proxies too
        return site in ("same-origin", "none")
    origin = headers.get("origin")
    if origin and origin != "null":
        return origin.split("://", 1)[-1] == headers.get("host")
    return True


def _static_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC.glob("*")):
        digest.update(path.name.encode())
        digest.update(str(path.stat().st_mtime_ns).encode())
    return digest.hexdigest()[:10]


def make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    version = _static_version()
    env.globals["static"] = lambda name: f"/static/{name}?v={version}"
    env.globals["cells"] = cells
    return env


async def error(request: Request, exc: Exception) -> Response:
    """An engine error as the user should see it: a message in their language, where they
    are (a toast for htmx requests, a page otherwise)."""
    assert isinstance(exc, engine.TesseraError)
    ctx = context(request)
    status = (
        404
        if isinstance(exc, engine.NotFound)
        else 403
        if isinstance(exc, engine.Forbidden)
        else 401
        if isinstance(exc, engine.Unauthorized)
        else 429
        if isinstance(exc, engine.RateLimited)
        else 400
    )
    message = ctx.tr.message(exc)
    if isinstance(exc, engine.ValidationError):
        message = "；".join(ctx.tr.message(p) for p in exc.problems) or message
    if ctx.htmx:
        return ctx.render(
            "toast.html",
            status=status,
            headers={"HX-Retarget": "#toasts", "HX-Reswap": "beforeend"},
            message=message,
            kind="error",
        )
    return ctx.render("error.html", status=status, message=message)


def create_app(
    db: engine.Database, *, secret: str | None = None, scheduler: bool = False
) -> Starlette:
    """The web application over `db`; `secret` signs cookies (default: `auth.load_secret`);
    with `scheduler`, due scheduled automations run in the background while it serves."""
    keys = auth.Keys(secret or auth.load_secret(db))

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    routes: list[BaseRoute] = [
        Route("/healthz", health),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    for module in (
        bases,
        views,
        toolbar,
        grid,
        records,
        paste,
        panel,
        fields,
        files,
        kanban,
        calendar,
        forms,
        signin,
        account,
        members,
        permissions,
        shares,
        imports,
        history,
        dashboard_pages,
        automations,
        filter_builder,
    ):
        routes.extend(module.routes)
    routes.extend(api.routes())
    app = Starlette(
        routes=routes,
        exception_handlers={engine.TesseraError: error},
        lifespan=scheduler_loop.lifespan(db) if scheduler else None,
    )
    app.add_middleware(auth.Authenticate, db=db, keys=keys)
    app.add_middleware(RequireHtmx)
    app.state.db = db
    app.state.env = make_env()
    app.state.keys = keys
    return app
