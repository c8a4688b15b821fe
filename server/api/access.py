"""Who calls the APIs and what they may reach: the request's user (from an access token or a
session), as an engine database acting as them, limited further by the token's grant — the
bases it names and whether it may write."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

import engine
from engine.errors import NotFound, Unauthorized
from engine.tokens import Grant

from ..auth import auth_of
from .errors import ApiError
from .ratelimit import limiter


@dataclass(frozen=True)
class Caller:
    db: engine.Database  # acting as the user
    grant: Grant | None  # None for a browser session: everything the user may do

    @property
    def user_id(self) -> int:
        assert self.db.user is not None
        return self.db.user

    def may_reach(self, base_id: int) -> bool:
        return self.grant is None or self.grant.bases is None or base_id in self.grant.bases

    def reach(self, base_id: int) -> None:
        """NotFound for a base the token does not reach (as if it did not exist); counts the
        call against the base's rate limit."""
        if not self.may_reach(base_id):
            raise NotFound(f"No base with id {base_id}", f"没有 ID 为 {base_id} 的库")
        limiter().take(base_id)

    def write(self) -> None:
        """Forbidden for a read-only token."""
        if self.grant is not None and not self.grant.can_write:
            raise ApiError(
                403,
                "read_only_token",
                "This access token is read-only",
                "此访问令牌是只读的",
                airtable_type="INVALID_PERMISSIONS",
            )

    def base(self, base_id: int) -> engine.Base:
        self.reach(base_id)
        return self.db.base(base_id)

    def table(self, table_id: int) -> engine.Table:
        table = engine.Table(self.db, table_id)
        self.reach(table.schema().base_id)  # NotFound if the user may not see it
        return table


def caller(request: Request) -> Caller:
    info = auth_of(request)
    if info.user_id is None:
        raise Unauthorized(
            "Sign in with a personal access token (Authorization: Bearer …)",
            "请使用个人访问令牌登录（Authorization: Bearer …）",
        )
    db: engine.Database = request.app.state.db
    return Caller(db.acting_as(info.user_id), info.grant)
