"""Users: the people who create and change records (sign-in comes with the users issue)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, insert, select

from . import meta
from .errors import Conflict, SchemaError
from .sqltypes import UTC


def create_user(
    conn: Connection, email: str, name: str | None = None, *, admin: bool = False
) -> int:
    email = email.strip()
    if email.count("@") != 1 or "." not in email.split("@")[1]:
        raise SchemaError(f"{email!r} is not an email address", f"{email!r} 不是有效的邮箱地址")
    u = meta.users
    key = email.lower()
    if conn.execute(select(u.c.id).where(u.c.email == key)).first():
        raise Conflict(f"A user with email {email!r} exists", f"邮箱为 {email!r} 的用户已存在")
    return int(
        conn.execute(
            insert(u)
            .values(
                email=key,
                name=name or email.split("@")[0],
                is_admin=admin,
                locale="zh-CN",
                timezone="Asia/Shanghai",
                disabled=False,
                created_at=dt.datetime.now(UTC),
            )
            .returning(u.c.id)
        ).scalar_one()
    )
