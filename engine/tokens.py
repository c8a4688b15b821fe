"""Personal access tokens for the APIs: `tsr_` and a random secret, shown once when made and
stored only as its SHA-256. A token acts as its user, limited to some bases (or all the user's
bases) and to reading, or reading and writing; it may expire and can be revoked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row, insert, select, update

from . import audit, meta
from .errors import Forbidden, NotFound, SchemaError, Unauthorized
from .names import clean_name
from .permissions import role_of
from .sessions import digest, new_secret, now

PREFIX = "tsr_"
SHOWN = 12  # characters of a token kept in clear to tell tokens apart in lists
TOUCH_EVERY = dt.timedelta(minutes=1)


class Grant(NamedTuple):
    """What a valid token allows: its user, its bases (None: every base of the user), writing."""

    user_id: int
    bases: list[int] | None
    can_write: bool


@dataclass(frozen=True)
class TokenInfo:
    id: int
    user_id: int
    name: str
    prefix: str
    bases: list[int] | None
    can_write: bool
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now())


@dataclass(frozen=True)
class NewToken:
    info: TokenInfo
    token: str  # the secret: shown once, never stored


def _info(r: Row[Any]) -> TokenInfo:
    return TokenInfo(
        r.id,
        r.user_id,
        r.name,
        r.prefix,
        None if r.bases is None else [int(b) for b in r.bases],
        bool(r.can_write),
        r.created_at,
        r.expires_at,
        r.last_used_at,
        r.revoked_at,
    )


def create(
    conn: Connection,
    user_id: int,
    name: str,
    *,
    bases: Sequence[int] | None = None,
    can_write: bool = True,
    expires_at: dt.datetime | None = None,
    actor: int | None = None,
) -> NewToken:
    """A new token of `user_id` (made by the user themself, an admin, or the system)."""
    _may_manage(conn, actor, user_id)
    name = clean_name(name, "token name")
    scope: list[int] | None = None
    if bases is not None:
        scope = sorted(set(bases))
        if not scope:
            raise SchemaError(
                "A token limited to bases needs at least one base", "限定数据库的令牌至少要选一个库"
            )
        for base_id in scope:
            if role_of(conn, user_id, base_id) is None or not _base_exists(conn, base_id):
                raise NotFound(
                    f"No base with id {base_id} for this user",
                    f"此用户没有 ID 为 {base_id} 的库",
                )
    if expires_at is not None and expires_at <= now():
        raise SchemaError("The expiry date must be in the future", "过期时间必须在将来")
    token = PREFIX + new_secret(30)
    t = meta.tokens
    row = conn.execute(
        insert(t)
        .values(
            user_id=user_id,
            name=name,
            token_hash=digest(token),
            prefix=token[:SHOWN],
            bases=scope,
            can_write=can_write,
            created_at=now(),
            expires_at=expires_at,
        )
        .returning(*t.c)
    ).one()
    audit.log(
        conn,
        "token_created",
        user_id=actor if actor is not None else user_id,
        detail={"token": int(row.id), "owner": user_id, "bases": scope, "can_write": can_write},
    )
    return NewToken(_info(row), token)


def _base_exists(conn: Connection, base_id: int) -> bool:
    b = meta.bases
    return (
        conn.execute(select(b.c.id).where(b.c.id == base_id, b.c.trashed_at.is_(None))).first()
        is not None
    )


def _may_manage(conn: Connection, actor: int | None, user_id: int) -> None:
    if actor is None or actor == user_id:
        return
    is_admin = conn.execute(select(meta.users.c.is_admin).where(meta.users.c.id == actor)).scalar()
    if not is_admin:
        raise Forbidden(
            "Only the user themself or an admin can manage their tokens",
            "只有用户本人或管理员可以管理其访问令牌",
        )


def list_tokens(
    conn: Connection, user_id: int, *, include_inactive: bool = False
) -> list[TokenInfo]:
    t = meta.tokens
    rows = conn.execute(select(t).where(t.c.user_id == user_id).order_by(t.c.id)).all()
    found = [_info(r) for r in rows]
    return found if include_inactive else [i for i in found if i.active]


def get(conn: Connection, token_id: int) -> TokenInfo:
    row = conn.execute(select(meta.tokens).where(meta.tokens.c.id == token_id)).first()
    if row is None:
        raise NotFound(f"No token with id {token_id}", f"没有 ID 为 {token_id} 的令牌")
    return _info(row)


def revoke(conn: Connection, token_id: int, *, actor: int | None = None) -> None:
    info = get(conn, token_id)
    _may_manage(conn, actor, info.user_id)
    if info.revoked_at is not None:
        return
    t = meta.tokens
    conn.execute(update(t).where(t.c.id == token_id).values(revoked_at=now()))
    audit.log(
        conn,
        "token_revoked",
        user_id=actor if actor is not None else info.user_id,
        detail={"token": token_id, "owner": info.user_id},
    )


def lookup(conn: Connection, token: str) -> tuple[Grant, bool]:
    """The grant of a valid token and whether its last use is stale enough to note; Unauthorized
    for an unknown, revoked or expired token, or one whose user is disabled."""
    t, u = meta.tokens, meta.users
    row = None
    if token.startswith(PREFIX):
        row = conn.execute(
            select(t.c.user_id, t.c.bases, t.c.can_write, t.c.last_used_at)
            .join(u, u.c.id == t.c.user_id)
            .where(
                t.c.token_hash == digest(token),
                t.c.revoked_at.is_(None),
                (t.c.expires_at.is_(None)) | (t.c.expires_at > now()),
                u.c.disabled.is_(False),
            )
        ).first()
    if row is None:
        raise Unauthorized(
            "The access token is not valid (unknown, revoked or expired)",
            "访问令牌无效（不存在、已撤销或已过期）",
        )
    bases = None if row.bases is None else [int(b) for b in row.bases]
    stale = row.last_used_at is None or now() - row.last_used_at > TOUCH_EVERY
    return Grant(int(row.user_id), bases, bool(row.can_write)), stale


def touch(conn: Connection, token: str) -> None:
    t = meta.tokens
    conn.execute(update(t).where(t.c.token_hash == digest(token)).values(last_used_at=now()))


def verify(conn: Connection, token: str) -> Grant:
    """`(user_id, bases, can_write)` of a valid token (see `lookup`); notes its use."""
    grant, stale = lookup(conn, token)
    if stale:
        touch(conn, token)
    return grant
