"""Users: the people who sign in, create and change records. Emails are kept lower-cased;
passwords only as argon2 hashes (`engine.passwords`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from . import audit, meta, passwords, sessions
from .errors import Conflict, Forbidden, NotFound, SchemaError, Unauthorized
from .sqltypes import UTC


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    is_admin: bool
    disabled: bool
    has_password: bool
    locale: str
    timezone: str


def normalise_email(email: str) -> str:
    """The stored form of an email (trimmed, lower-cased); SchemaError if it is not one."""
    email = email.strip()
    local, _, domain = email.partition("@")
    if email.count("@") != 1 or not local or "." not in domain or any(c.isspace() for c in email):
        raise SchemaError(f"{email!r} is not an email address", f"{email!r} 不是有效的邮箱地址")
    return email.lower()


def create_user(
    conn: Connection,
    email: str,
    name: str | None = None,
    *,
    admin: bool = False,
    password: str | None = None,
) -> int:
    key = normalise_email(email)
    if password is not None:
        passwords.check(password, email=key)
    u = meta.users
    if conn.execute(select(u.c.id).where(u.c.email == key)).first():
        raise Conflict(f"A user with email {key!r} exists", f"邮箱为 {key!r} 的用户已存在")
    return int(
        conn.execute(
            insert(u)
            .values(
                email=key,
                name=(name or "").strip() or key.split("@")[0],
                password_hash=passwords.hash_password(password) if password is not None else None,
                is_admin=admin,
                locale="",  # not chosen yet: the browser's language until they choose
                timezone="Asia/Shanghai",
                disabled=False,
                created_at=dt.datetime.now(UTC),
            )
            .returning(u.c.id)
        ).scalar_one()
    )


def _user(r: Row[Any]) -> User:
    return User(
        r.id,
        r.email,
        r.name,
        bool(r.is_admin),
        bool(r.disabled),
        r.password_hash is not None,
        r.locale,
        r.timezone,
    )


LOCALES = ("zh-CN", "en")


def set_locale(conn: Connection, user_id: int, locale: str) -> None:
    """The language the user chose for the interface (kept across devices)."""
    if locale not in LOCALES:
        raise SchemaError(
            f"Unknown language {locale!r}; use zh-CN or en",
            f"未知语言 {locale!r}；可用 zh-CN 或 en",
        )
    conn.execute(update(meta.users).where(meta.users.c.id == user_id).values(locale=locale))


def get_user(conn: Connection, user_id: int) -> User:
    row = conn.execute(select(meta.users).where(meta.users.c.id == user_id)).first()
    if row is None:
        raise NotFound(f"No user with id {user_id}", f"没有 ID 为 {user_id} 的用户")
    return _user(row)


def find_user(conn: Connection, email: str) -> User | None:
    key = email.strip().lower()
    row = conn.execute(select(meta.users).where(meta.users.c.email == key)).first()
    return None if row is None else _user(row)


def user_by_email(conn: Connection, email: str) -> User:
    found = find_user(conn, email)
    if found is None:
        raise NotFound(f"No user with email {email!r}", f"没有邮箱为 {email!r} 的用户")
    return found


def set_password(
    conn: Connection,
    user_id: int,
    password: str,
    *,
    actor: int | None = None,
    ip: str | None = None,
) -> None:
    """Give the user a new password and end every session they have (their other devices are
    signed out). Checks the password rules."""
    user = get_user(conn, user_id)
    if actor is not None and actor != user_id and not get_user(conn, actor).is_admin:
        raise Forbidden(
            "Only an admin can set another user's password", "只有管理员可以设置其他用户的密码"
        )
    passwords.check(password, email=user.email)
    conn.execute(
        update(meta.users)
        .where(meta.users.c.id == user_id)
        .values(password_hash=passwords.hash_password(password))
    )
    sessions.revoke_all(conn, user_id)
    detail = {"user": user_id} if actor != user_id else None
    audit.log(conn, "password_changed", user_id=actor, detail=detail, ip=ip)


def change_password(
    conn: Connection, user_id: int, current: str, new: str, *, ip: str | None = None
) -> None:
    """A user changing their own password: the current one must be right."""
    stored = conn.execute(
        select(meta.users.c.password_hash).where(meta.users.c.id == user_id)
    ).scalar()
    if not passwords.verify(stored, current):
        raise Unauthorized("The current password is not right", "当前密码不正确")
    if current == new:
        raise SchemaError(
            "The new password must differ from the current one", "新密码不能与当前密码相同"
        )
    set_password(conn, user_id, new, actor=user_id, ip=ip)
