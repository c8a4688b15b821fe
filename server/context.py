"""The one place that says who acts, on which database, in which language, for each request.

The user is the one `server.auth.Authenticate` found for the request (signed in through the
session cookie or an access token); `ctx.db` acts as them, so the engine's permission layer
limits everything the routes read and write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse

import engine
from engine import users as engine_users
from views.api import Views

from . import adapters
from .auth import auth_of
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
    def csrf(self) -> str | None:
        """The session's CSRF token, which every state-changing request must carry."""
        return auth_of(self.request).csrf

    @property
    def me(self) -> engine_users.User | None:
        """The signed-in user (None on public pages)."""
        if self.user_id is None:
            return None
        if "me" not in self.request.scope:
            self.request.scope["me"] = self.db.get_user(self.user_id)
        found: engine_users.User = self.request.scope["me"]
        return found

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
    user_id = auth_of(request).user_id  # who signed in (server.auth)
    acting = db.acting_as(user_id)
    with acting.read() as conn:
        chosen, zone = adapters.user_settings(conn, user_id)
    # this device's choice, else the signed-in user's, else the browser's
    lang = negotiate(request.cookies.get(COOKIE) or chosen, request.headers.get("accept-language"))
    return RequestContext(request, acting, Translator(lang, zone), state.env)
