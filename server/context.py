"""The one place that says who acts, on which database, in which language, for each request.

Until sign-in exists (a later issue) every request acts as the default user; the permission
layer will wrap what `RequestContext` hands out (the database, tables, views) in the same place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse

import engine
from views.api import Views

from . import adapters
from .i18n import COOKIE, Translator, negotiate


@dataclass
class RequestContext:
    request: Request
    db: engine.Database  # acting as the request's user
    tr: Translator
    env: Environment

    @property
    def user_id(self) -> int | None:
        return self.db.user

    @property
    def htmx(self) -> bool:
        return self.request.headers.get("HX-Request") == "true"

    def base(self, base_id: int) -> engine.Base:
        return self.db.base(base_id)

    def table(self, table_id: int) -> engine.Table:
        table = engine.Table(self.db, table_id)
        table.schema()  # NotFound unless it exists
        return table

    def views(self, table: engine.Table) -> Views:
        return Views(table)

    def users(self) -> list[adapters.User]:
        return adapters.users(self.db)

    def user_names(self) -> dict[int, str]:
        return {u.id: u.name for u in self.users()}

    def render_text(self, template: str, **values: Any) -> str:
        return self.env.get_template(template).render(t=self.tr, ctx=self, **values)

    def render(
        self,
        template: str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        **values: Any,
    ) -> HTMLResponse:
        return HTMLResponse(self.render_text(template, **values), status, headers)


def context(request: Request) -> RequestContext:
    state = request.app.state
    db: engine.Database = state.db
    lang = negotiate(request.cookies.get(COOKIE), request.headers.get("accept-language"))
    acting = db.acting_as(state.user_id)
    with acting.read() as conn:
        zone = adapters.user_timezone(conn, state.user_id)
    return RequestContext(request, acting, Translator(lang, zone), state.env)
