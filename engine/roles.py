"""A base's own roles (销售, 客服 …) beside the built-in ones, and what each role may do per table.

A custom role acts as a built-in role (its `level`: viewer, commenter, editor or creator) for what
lies outside table permissions (changing the schema, shared views) and sees only the tables it is
given: per table "read", "edit" (change records) or "full" (also create and delete them). Field
and row permissions (`engine.permission_rules`) then narrow a table down, for custom and built-in
roles alike. Members hold a role by its key: a built-in role's name, or "role:<id>".

Only the base's owners and admins change roles; every change is in the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from . import audit, meta
from .errors import Conflict, NotFound, SchemaError
from .model import load_table
from .names import clean_name, name_key
from .permissions import CUSTOM, RANK, TABLE_ACCESS
from .sqltypes import UTC

LEVELS = tuple(r for r in RANK if r != "owner")


@dataclass(frozen=True)
class Role:
    id: int
    base_id: int
    name: str
    level: str
    description: str

    @property
    def key(self) -> str:
        return f"{CUSTOM}{self.id}"


def _role(r: Row[Any]) -> Role:
    return Role(int(r.id), int(r.base_id), str(r.name), str(r.level), str(r.description))


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise SchemaError(
            f"A role acts as one of {', '.join(LEVELS)}, not {level!r}",
            f"角色的基础权限须为 {'、'.join(LEVELS)} 之一，而不是 {level!r}",
        )
    return level


def _owner_check(conn: Connection, actor: int | None, base_id: int) -> None:
    from .members import require_owner

    require_owner(conn, actor, base_id)


def create_role(
    conn: Connection,
    base_id: int,
    name: str,
    *,
    level: str = "editor",
    description: str = "",
    actor: int | None = None,
) -> Role:
    _owner_check(conn, actor, base_id)
    name = clean_name(name, "role name")
    _check_level(level)
    if name_key(name) in {name_key(n) for n in meta.ROLES}:
        raise Conflict(f"{name!r} is a built-in role", f"{name!r} 是内置角色")
    r = meta.roles
    if conn.execute(
        select(r.c.id).where(r.c.base_id == base_id, r.c.name_key == name_key(name))
    ).first():
        raise Conflict(f"A role named {name!r} exists", f"已有名为 {name!r} 的角色")
    role_id = conn.execute(
        insert(r)
        .values(
            base_id=base_id,
            name=name,
            name_key=name_key(name),
            level=level,
            description=description,
            created_at=dt.datetime.now(UTC),
        )
        .returning(r.c.id)
    ).scalar_one()
    audit.log(
        conn, "role.create", user_id=actor, base_id=base_id, detail={"role": name, "level": level}
    )
    return get_role(conn, int(role_id))


def get_role(conn: Connection, role_id: int) -> Role:
    r = meta.roles
    row = conn.execute(select(r).where(r.c.id == role_id)).first()
    if row is None:
        raise NotFound(f"No role with id {role_id}", f"没有 ID 为 {role_id} 的角色")
    return _role(row)


def list_roles(conn: Connection, base_id: int) -> list[Role]:
    r = meta.roles
    rows = conn.execute(select(r).where(r.c.base_id == base_id).order_by(r.c.id)).all()
    return [_role(row) for row in rows]


def find_role(conn: Connection, base_id: int, ref: str) -> str:
    """The key of a role named by key, built-in name or custom name (case-insensitive)."""
    if ref in meta.ROLES:
        return ref
    for role in list_roles(conn, base_id):
        if ref == role.key or name_key(ref.strip()) == name_key(role.name):
            return role.key
    raise NotFound(f"No role {ref!r} in this base", f"此库中没有角色 {ref!r}")


def is_role_of_base(conn: Connection, base_id: int, key: str) -> bool:
    if key in meta.ROLES:
        return True
    if not key.startswith(CUSTOM) or not key[len(CUSTOM) :].isdecimal():
        return False
    r = meta.roles
    found = conn.execute(
        select(r.c.id).where(r.c.id == int(key[len(CUSTOM) :]), r.c.base_id == base_id)
    ).first()
    return found is not None


def update_role(
    conn: Connection,
    role_id: int,
    *,
    name: str | None = None,
    level: str | None = None,
    description: str | None = None,
    actor: int | None = None,
) -> Role:
    role = get_role(conn, role_id)
    _owner_check(conn, actor, role.base_id)
    values: dict[str, object] = {}
    if name is not None:
        name = clean_name(name, "role name")
        values |= {"name": name, "name_key": name_key(name)}
    if level is not None:
        values["level"] = _check_level(level)
    if description is not None:
        values["description"] = description
    if values:
        conn.execute(update(meta.roles).where(meta.roles.c.id == role_id).values(**values))
        audit.log(
            conn,
            "role.update",
            user_id=actor,
            base_id=role.base_id,
            detail={"role": role.name, **{k: v for k, v in values.items() if k != "name_key"}},
        )
    return get_role(conn, role_id)


def delete_role(conn: Connection, role_id: int, *, actor: int | None = None) -> None:
    """Delete a role no member holds, with its table, field and row permissions."""
    role = get_role(conn, role_id)
    _owner_check(conn, actor, role.base_id)
    m = meta.members
    if conn.execute(select(m.c.id).where(m.c.role == role.key)).first():
        raise Conflict(
            f"Members still hold role {role.name!r}; give them another role first",
            f"仍有成员是 {role.name!r} 角色，请先为他们更换角色",
        )
    for t in (meta.table_permissions, meta.field_permissions, meta.row_permissions):
        conn.execute(delete(t).where(t.c.role == role.key))
    conn.execute(delete(meta.roles).where(meta.roles.c.id == role_id))
    audit.log(conn, "role.delete", user_id=actor, base_id=role.base_id, detail={"role": role.name})


def table_permissions(conn: Connection, table_id: int) -> dict[str, str]:
    """{role key: access} of the roles whose access to the table is set."""
    tp = meta.table_permissions
    rows = conn.execute(select(tp.c.role, tp.c.access).where(tp.c.table_id == table_id)).all()
    return {str(r.role): str(r.access) for r in rows}


def set_table_access(
    conn: Connection, table_id: int, role: str, access: str | None, *, actor: int | None = None
) -> None:
    """Set a role's access to a table's records (None: back to the role's default)."""
    base_id = load_table(conn, table_id).base_id
    _owner_check(conn, actor, base_id)
    if role == "owner" or not is_role_of_base(conn, base_id, role):
        raise SchemaError(
            f"{role!r} is not a role whose access can be set in this base",
            f"{role!r} 不是此库中可以设置权限的角色",
        )
    if access is not None and access not in TABLE_ACCESS:
        raise SchemaError(
            f"Unknown table access {access!r}; use {', '.join(TABLE_ACCESS)}",
            f"未知的表权限 {access!r}；可用：{'、'.join(TABLE_ACCESS)}",
        )
    tp = meta.table_permissions
    conn.execute(delete(tp).where(tp.c.table_id == table_id, tp.c.role == role))
    if access is not None:
        conn.execute(insert(tp).values(table_id=table_id, role=role, access=access))
    audit.log(
        conn,
        "permission.table",
        user_id=actor,
        base_id=base_id,
        detail={"table_id": table_id, "role": role, "access": access},
    )
