"""Navigation: the list of bases, a base's tables (tabs), and the interface language."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from engine import users

from .. import adapters
from ..auth import auth_of
from ..context import context
from ..i18n import COOKIE, normalise
from ._util import form_text, go, int_param, prompt, refresh


async def home(request: Request) -> Response:
    ctx = context(request)
    bases = [(b, b.tables()) for b in ctx.db.bases()]
    return ctx.render("home.html", bases=bases)


async def create_base(request: Request) -> Response:
    ctx = context(request)
    form = await request.form()
    name = prompt(request) or form_text(form, "name")
    base = ctx.db.create_base(name or ctx.tr("untitled_base"))
    return go(f"/b/{base.id}", request)


async def base_page(request: Request) -> Response:
    ctx = context(request)
    base = ctx.base(int_param(request, "base_id"))
    tables = base.tables()
    if tables:
        return RedirectResponse(f"/t/{tables[0].id}", 302)
    return ctx.render("base_empty.html", base=base, tables=[])


async def rename_base(request: Request) -> Response:
    ctx = context(request)
    ctx.base(int_param(request, "base_id")).rename(prompt(request))
    return refresh()


async def delete_base(request: Request) -> Response:
    ctx = context(request)
    ctx.base(int_param(request, "base_id")).delete()
    return go("/", request)


async def create_table(request: Request) -> Response:
    ctx = context(request)
    base = ctx.base(int_param(request, "base_id"))
    form = await request.form()
    name = prompt(request) or form_text(form, "name") or ctx.tr("untitled_table")
    table = base.create_table(
        name, fields=[{"name": ctx.tr("default_primary_name"), "type": "text"}]
    )
    return go(f"/t/{table.id}", request)


async def table_page(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    view = ctx.views(table).list()[0]
    return RedirectResponse(f"/t/{table.id}/v/{view.id}", 302)


async def rename_table(request: Request) -> Response:
    ctx = context(request)
    ctx.table(int_param(request, "table_id")).rename(prompt(request))
    return refresh()


async def delete_table(request: Request) -> Response:
    ctx = context(request)
    table = ctx.table(int_param(request, "table_id"))
    base_id = table.schema().base_id
    table.drop()
    return go(f"/b/{base_id}", request)


async def order_tables(request: Request) -> Response:
    ctx = context(request)
    base = ctx.base(int_param(request, "base_id"))
    form = await request.form()
    ids = [int(str(v)) for v in form.getlist("table") if str(v).isdecimal()]
    adapters.order_tables(base, ids)
    return Response(status_code=204)


async def set_language(request: Request) -> Response:
    form = await request.form()
    lang = normalise(form_text(form, "lang")) or "zh-CN"
    user_id = auth_of(request).user_id
    if user_id is not None:  # signed in: remember it for every device
        with request.app.state.db.write() as conn:
            users.set_locale(conn, user_id, lang)
    response = refresh()
    response.set_cookie(COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


routes = [
    Route("/", home),
    Route("/bases", create_base, methods=["POST"]),
    Route("/b/{base_id:int}", base_page),
    Route("/b/{base_id:int}/rename", rename_base, methods=["POST"]),
    Route("/b/{base_id:int}/delete", delete_base, methods=["POST"]),
    Route("/b/{base_id:int}/tables", create_table, methods=["POST"]),
    Route("/b/{base_id:int}/tables/order", order_tables, methods=["POST"]),
    Route("/t/{table_id:int}", table_page),
    Route("/t/{table_id:int}/rename", rename_table, methods=["POST"]),
    Route("/t/{table_id:int}/delete", delete_table, methods=["POST"]),
    Route("/lang", set_language, methods=["POST"]),
]
