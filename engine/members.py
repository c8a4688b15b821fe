"""Who belongs to a base, in which role, and invitations by email.

Roles (`meta.ROLES`): owner, creator (changes the schema), editor (changes records), commenter,
viewer. A workspace admin acts as an owner of every base without being a member. Only owners and
admins manage members; a base always keeps at least one owner.

An invitation is a random token (stored as its SHA-256) for one email and role, valid for
`INVITATION_TTL`. Accepting it adds that person — creating their account if they have none — to
the base.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from . import audit, meta, users
from .errors import Conflict, Forbidden, NotFound, SchemaError
from .permissions import role_of
from .sessions import digest, new_secret, now

INVITATION_TTL = dt.timedelta(days=7)
ROLE_NAMES_ZH = {
    "owner": "所有者",
    "creator": "创建者",
    "editor": "编辑者",
    "commenter": "评论者",
    "viewer": "只读者",
}


@dataclass(frozen=True)
class Member:
    user_id: int
    email: str
    name: str
    role: str
    since: dt.datetime


@dataclass(frozen=True)
class Invitation:
    id: int
    base_id: int
    email: str
    role: str
    invited_by: int | None
    created_at: dt.datetime
    accepted_at: dt.datetime | None

    @property
    def expires_at(self) -> dt.datetime:
        return self.created_at + INVITATION_TTL

    @property
    def pending(self) -> bool:
        return self.accepted_at is None and self.expires_at > now()


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str  # for the link; shown once, never stored


def check_role(role: str) -> str:
    if role.startswith("role:") and role[5:].isdecimal():  # a base's own role (engine.roles)
        return role
    if role not in meta.ROLES:
        raise SchemaError(
            f"Unknown role {role!r}; the roles are {', '.join(meta.ROLES)}",
            f"未知角色 {role!r}；角色有：{'、'.join(ROLE_NAMES_ZH.values())}",
        )
    return role


def require_owner(conn: Connection, actor: int | None, base_id: int) -> None:
    """Forbidden unless `actor` is an owner of the base, an admin or the system (None)."""
    _base(conn, base_id)
    if role_of(conn, actor, base_id) != "owner":
        raise Forbidden(
            "Only the base's owners and admins can manage members and permissions",
            "只有数据库的所有者和管理员可以管理成员和权限",
        )


def _base(conn: Connection, base_id: int) -> None:
    b = meta.bases
    if conn.execute(select(b.c.id).where(b.c.id == base_id)).first() is None:
        raise NotFound(f"No base with id {base_id}", f"没有 ID 为 {base_id} 的库")


# --- members --------------------------------------------------------------------------------------
def list_members(conn: Connection, base_id: int) -> list[Member]:
    m, u = meta.members, meta.users
    rows = conn.execute(
        select(m.c.user_id, u.c.email, u.c.name, m.c.role, m.c.created_at)
        .join(u, u.c.id == m.c.user_id)
        .where(m.c.base_id == base_id)
        .order_by(m.c.created_at, m.c.id)
    ).all()
    return [Member(r.user_id, r.email, r.name, r.role, r.created_at) for r in rows]


def member_role(conn: Connection, base_id: int, user_id: int) -> str | None:
    m = meta.members
    role = conn.execute(
        select(m.c.role).where(m.c.base_id == base_id, m.c.user_id == user_id)
    ).scalar()
    return None if role is None else str(role)


def add_member(
    conn: Connection, base_id: int, user_id: int, role: str, *, actor: int | None
) -> None:
    """Make `user_id` a member in `role` (Conflict if they already are one)."""
    require_owner(conn, actor, base_id)
    _add(conn, base_id, user_id, check_role(role), actor=actor)


def _add(conn: Connection, base_id: int, user_id: int, role: str, *, actor: int | None) -> None:
    users.get_user(conn, user_id)
    if member_role(conn, base_id, user_id) is not None:
        raise Conflict("This person is already a member of the base", "此用户已是该数据库的成员")
    conn.execute(
        insert(meta.members).values(base_id=base_id, user_id=user_id, role=role, created_at=now())
    )
    audit.log(
        conn,
        "member_added",
        user_id=actor,
        base_id=base_id,
        detail={"member": user_id, "role": role},
    )


def _owners(conn: Connection, base_id: int) -> int:
    m = meta.members
    return int(
        conn.execute(
            select(func.count()).where(m.c.base_id == base_id, m.c.role == "owner")
        ).scalar_one()
    )


def _last_owner() -> Conflict:
    return Conflict(
        "A base must keep at least one owner; make someone else an owner first",
        "数据库至少要保留一位所有者；请先将其他成员设为所有者",
    )


def set_role(conn: Connection, base_id: int, user_id: int, role: str, *, actor: int | None) -> None:
    require_owner(conn, actor, base_id)
    check_role(role)
    old = member_role(conn, base_id, user_id)
    if old is None:
        raise NotFound("This person is not a member of the base", "此用户不是该数据库的成员")
    if old == role:
        return
    if old == "owner" and _owners(conn, base_id) <= 1:
        raise _last_owner()
    m = meta.members
    conn.execute(update(m).where(m.c.base_id == base_id, m.c.user_id == user_id).values(role=role))
    audit.log(
        conn,
        "member_role_changed",
        user_id=actor,
        base_id=base_id,
        detail={"member": user_id, "old": old, "new": role},
    )


def remove_member(conn: Connection, base_id: int, user_id: int, *, actor: int | None) -> None:
    """Remove a member (an owner may remove anyone; anyone may leave, but not the last owner)."""
    if actor is None or actor != user_id:
        require_owner(conn, actor, base_id)
    old = member_role(conn, base_id, user_id)
    if old is None:
        raise NotFound("This person is not a member of the base", "此用户不是该数据库的成员")
    if old == "owner" and _owners(conn, base_id) <= 1:
        raise _last_owner()
    m = meta.members
    conn.execute(delete(m).where(m.c.base_id == base_id, m.c.user_id == user_id))
    rp = meta.row_permissions
    tables = select(meta.tables.c.id).where(meta.tables.c.base_id == base_id)
    conn.execute(delete(rp).where(rp.c.user_id == user_id, rp.c.table_id.in_(tables)))
    audit.log(
        conn,
        "member_removed",
        user_id=actor,
        base_id=base_id,
        detail={"member": user_id, "role": old},
    )


# --- invitations ----------------------------------------------------------------------------------
def _invitation(r: Row[Any]) -> Invitation:
    return Invitation(r.id, r.base_id, r.email, r.role, r.invited_by, r.created_at, r.accepted_at)


def invite(
    conn: Connection, base_id: int, email: str, role: str, *, actor: int | None
) -> NewInvitation:
    """A new invitation for `email` (an earlier pending one for the same email is replaced)."""
    require_owner(conn, actor, base_id)
    key = users.normalise_email(email)
    check_role(role)
    existing = users.find_user(conn, key)
    if existing is not None and member_role(conn, base_id, existing.id) is not None:
        raise Conflict(f"{key} is already a member of the base", f"{key} 已是该数据库的成员")
    i = meta.invitations
    conn.execute(
        delete(i).where(i.c.base_id == base_id, i.c.email == key, i.c.accepted_at.is_(None))
    )
    token = new_secret()
    row = conn.execute(
        insert(i)
        .values(
            base_id=base_id,
            email=key,
            role=role,
            token_hash=digest(token),
            invited_by=actor,
            created_at=now(),
        )
        .returning(*i.c)
    ).one()
    audit.log(
        conn, "member_invited", user_id=actor, base_id=base_id, detail={"email": key, "role": role}
    )
    return NewInvitation(_invitation(row), token)


def list_invitations(conn: Connection, base_id: int) -> list[Invitation]:
    i = meta.invitations
    rows = conn.execute(
        select(i).where(i.c.base_id == base_id, i.c.accepted_at.is_(None)).order_by(i.c.id)
    ).all()
    return [inv for inv in (_invitation(r) for r in rows) if inv.pending]


def revoke_invitation(
    conn: Connection, base_id: int, invitation_id: int, *, actor: int | None
) -> None:
    require_owner(conn, actor, base_id)
    i = meta.invitations
    result = conn.execute(
        delete(i).where(i.c.id == invitation_id, i.c.base_id == base_id, i.c.accepted_at.is_(None))
    )
    if not result.rowcount:
        raise NotFound("No such invitation", "没有这个邀请")
    audit.log(
        conn,
        "invitation_revoked",
        user_id=actor,
        base_id=base_id,
        detail={"invitation": invitation_id},
    )


def find_invitation(conn: Connection, token: str) -> Invitation:
    """The pending invitation of a link's token; NotFound when it is unknown, used or expired."""
    i = meta.invitations
    row = conn.execute(select(i).where(i.c.token_hash == digest(token))).first()
    inv = None if row is None else _invitation(row)
    if inv is None or not inv.pending:
        raise NotFound(
            "This invitation is not valid: it was used, withdrawn or has expired",
            "此邀请无效：已被使用、已撤回或已过期",
        )
    return inv


def accept(
    conn: Connection,
    token: str,
    *,
    user_id: int | None = None,
    name: str | None = None,
    password: str | None = None,
) -> int:
    """Accept an invitation: as the signed-in `user_id` (whose email must be the invited one), or
    by creating the invited person's account with `name` and `password`. Returns the user id."""
    inv = find_invitation(conn, token)
    existing = users.find_user(conn, inv.email)
    if user_id is not None:
        if existing is None or existing.id != user_id:
            raise Forbidden(
                f"This invitation is for {inv.email}; sign in with that account to accept it",
                f"此邀请发给 {inv.email}，请用该账号登录后接受",
            )
    elif existing is not None:
        raise Conflict(
            f"{inv.email} already has an account; sign in to accept the invitation",
            f"{inv.email} 已有账号，请登录后接受邀请",
        )
    else:
        if password is None:
            raise SchemaError("Choose a password", "请设置密码")
        user_id = users.create_user(conn, inv.email, name, password=password)
    if member_role(conn, inv.base_id, user_id) is None:
        _add(conn, inv.base_id, user_id, inv.role, actor=user_id)
    i = meta.invitations
    conn.execute(update(i).where(i.c.id == inv.id).values(accepted_at=now()))
    audit.log(
        conn,
        "invitation_accepted",
        user_id=user_id,
        base_id=inv.base_id,
        detail={"invitation": inv.id, "role": inv.role},
    )
    return user_id
