"""Share links, opened without signing in: `/s/<token>` shows a view read-only (its visible
fields and the rows its filter keeps, nothing else) or a form that creates a record; a password
link first asks for its password; an export link offers .xlsx and .csv of what it shows."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

import engine
from engine import exports, share_links
from engine.model import TableSchema, load_table
from engine.query import QueryContext, QueryResult, run
from schemas.query import Page
from views import store
from views.api import Views
from views.model import View

from ..auth import client_ip
from ..context import RequestContext, context
from ._util import int_param
from .forms import _submit, form_values

COOKIE = "tshare_{}"


def _link(ctx: RequestContext, token: str) -> share_links.ShareLink:
    with ctx.db.engine.connect() as conn:
        return share_links.resolve(conn, token)


def _system(ctx: RequestContext) -> engine.Database:
    """The database as the link shows it: not as any user (the link limits what is shown)."""
    return ctx.db.acting_as(None)


def _shown(conn: Connection, link: share_links.ShareLink) -> tuple[View, TableSchema, list[int]]:
    """The link's view, the table as the link shows it, and the fields it shows in order."""
    view = store.get_view(conn, link.view_id)
    visible = store.visible_field_ids(view, load_table(conn, link.table_id))
    return view, share_links.shared_schema(conn, link, visible), visible


def _page(
    ctx: RequestContext, link: share_links.ShareLink, search: str | None, after: str | None
) -> tuple[View, TableSchema, QueryResult]:
    with _system(ctx).read() as conn:
        view, schema, visible = _shown(conn, link)
        spec = store.query_spec(view, schema, page=Page(size=100, after=after), search=search)
        spec.fields = visible
        result = run(conn, schema, spec, QueryContext())
    return view, schema, result


async def open_link(request: Request) -> Response:
    ctx = context(request)
    token = request.path_params["token"]
    link = _link(ctx, token)
    if link.kind == "form":
        return _form_page(ctx, link, token)
    if not share_links.pass_ok(token, link, request.cookies.get(COOKIE.format(link.id))):
        return ctx.render("share_password.html", token=token, wrong=False)
    search = request.query_params.get("q") or None
    after = request.query_params.get("after") or None
    view, schema, result = _page(ctx, link, search, after)
    with ctx.db.write() as conn:
        share_links.used(conn, link, "open", client_ip(request))
    template = "share_rows.html" if ctx.htmx and after else "share_view.html"
    return ctx.render(
        template,
        token=token,
        link=link,
        view=view,
        fields=schema.fields,
        result=result,
        search=search or "",
        users=ctx.user_names(),
    )


async def password(request: Request) -> Response:
    ctx = context(request)
    token = request.path_params["token"]
    link = _link(ctx, token)
    async with request.form() as form:
        given = str(form.get("password") or "")
    if not share_links.check_password(link, given):
        return ctx.render("share_password.html", status=403, token=token, wrong=True)
    response = RedirectResponse(f"/s/{token}", status_code=303)
    response.set_cookie(
        COOKIE.format(link.id),
        share_links.pass_key(token, link),
        max_age=12 * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path=f"/s/{token}",
    )
    return response


async def export(request: Request) -> Response:
    ctx = context(request)
    token, fmt = request.path_params["token"], request.path_params["fmt"]
    link = _link(ctx, token)
    if not link.allow_export or fmt not in ("xlsx", "csv"):
        raise engine.NotFound("This link does not offer a download", "此链接不提供下载")
    if not share_links.pass_ok(token, link, request.cookies.get(COOKIE.format(link.id))):
        raise engine.Forbidden("Enter the link's password first", "请先输入链接密码")
    with _system(ctx).read() as conn:
        view, schema, visible = _shown(conn, link)
        spec = store.query_spec(view, schema, count=False)
        spec.fields = visible
        records = []
        after: str | None = None
        while True:
            page = spec.model_copy(update={"page": Page(size=1000, after=after)})
            result = run(conn, schema, page, QueryContext())
            records.extend(result.records)
            if result.next is None:
                break
            after = result.next
    folder = Path(tempfile.mkdtemp(prefix="tessera-share-"))
    path = folder / f"{view.name}.{fmt}"
    if fmt == "csv":
        exports.write_csv(path, schema.fields, iter(records))
    else:
        exports.write_xlsx(path, schema.name, schema.fields, iter(records))
    with ctx.db.write() as conn:
        share_links.used(conn, link, "export", client_ip(request))
    return FileResponse(path, filename=path.name, background=BackgroundTask(_remove, folder, path))


def _remove(folder: Path, path: Path) -> None:
    path.unlink(missing_ok=True)
    folder.rmdir()


def _form_page(ctx: RequestContext, link: share_links.ShareLink, token: str) -> Response:
    table = engine.Table(_system(ctx), link.table_id)
    view = Views(table).get(link.view_id)
    values: dict[str, Any] = form_values(ctx, table, view)
    values.update(action=f"/s/{token}", share_url=f"/s/{token}")
    return ctx.render("form_page.html", **values)


async def submit(request: Request) -> Response:
    ctx = context(request)
    token = request.path_params["token"]
    link = _link(ctx, token)
    if link.kind != "form":
        raise engine.NotFound("This link is not a form", "此链接不是表单")
    table = engine.Table(_system(ctx), link.table_id)
    view = Views(table).get(link.view_id)
    async with request.form() as form:
        response = await _submit(ctx, table, view, form, action=f"/s/{token}")
    with ctx.db.write() as conn:
        share_links.used(conn, link, "submit", client_ip(request))
    return response


# --- managing a view's links (signed in) ----------------------------------------------------------
def _panel(
    ctx: RequestContext, table_id: int, view_id: int, new_url: str | None = None
) -> Response:
    table = ctx.table(table_id)
    view = ctx.views(table).get(view_id)
    with ctx.db.read() as conn:
        links = [x for x in share_links.list_links(conn, view.id) if x.active]
    return ctx.render(
        "share_panel.html",
        table=table,
        view=view,
        links=links,
        new_url=new_url,
        base_url=str(ctx.request.base_url).rstrip("/"),
    )


async def share_panel(request: Request) -> Response:
    ctx = context(request)
    return _panel(ctx, int_param(request, "table_id"), int_param(request, "view_id"))


async def create_link(request: Request) -> Response:
    ctx = context(request)
    table_id, view_id = int_param(request, "table_id"), int_param(request, "view_id")
    ctx.views(ctx.table(table_id)).get(view_id)  # NotFound unless the user sees the view
    async with request.form() as form:
        password_ = str(form.get("password") or "") or None
        days = str(form.get("days") or "").strip()
        allow_export = bool(form.get("export"))
    expires = None
    if days:
        if not days.isdecimal() or not 0 < int(days) <= 3650:
            raise engine.SchemaError(
                "The expiry is a number of days from 1 to 3650", "有效期应为 1 到 3650 天"
            )
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=int(days))
    with ctx.db.write() as conn:
        made = share_links.create(
            conn,
            view_id,
            actor=ctx.user_id,
            password=password_,
            expires_at=expires,
            allow_export=allow_export,
        )
    url = f"{str(request.base_url).rstrip('/')}/s/{made.token}"
    return _panel(ctx, table_id, view_id, new_url=url)


async def revoke_link(request: Request) -> Response:
    ctx = context(request)
    table_id, view_id = int_param(request, "table_id"), int_param(request, "view_id")
    link_id = int_param(request, "link_id")
    with ctx.db.write() as conn:
        link = share_links.get(conn, link_id)
        if link.view_id != view_id:
            raise engine.NotFound(f"No share link {link_id}", f"没有分享链接 {link_id}")
        share_links.revoke(conn, link_id, actor=ctx.user_id)
    return _panel(ctx, table_id, view_id)


routes = [
    Route("/t/{table_id:int}/v/{view_id:int}/share", share_panel),
    Route("/t/{table_id:int}/v/{view_id:int}/share", create_link, methods=["POST"]),
    Route(
        "/t/{table_id:int}/v/{view_id:int}/share/{link_id:int}/revoke",
        revoke_link,
        methods=["POST"],
    ),
    Route("/s/{token}", open_link),
    Route("/s/{token}", submit, methods=["POST"]),
    Route("/s/{token}/password", password, methods=["POST"]),
    Route("/s/{token}/export.{fmt}", export),
]
