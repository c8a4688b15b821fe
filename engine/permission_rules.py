"""The settings the permission layer (`engine.permissions`) enforces, and who may change them.

- Field permissions: per field and role, "hidden" or "read_only"; "normal" (no row) is the role's
  ordinary access. Owners are never limited, so there is no setting for them.
- Row permissions: a role, or one member, limited to the records matching a shared saved filter
  of the table (which may say "me": "owner is me"). Several rules for the same role or user
  add up (a record matching any of them is visible); a rule for a user replaces their role's.

Only the base's owners and admins change them; every change is in the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from . import audit, meta, saved_filters
from .errors import Conflict, NotFound, SchemaError
from .members import check_role, member_role, require_owner
from .model import load_table
from .sessions import now

ACCESS = ("normal", "edit", "read_only", "hidden")  # edit: also where the table is read-only
LIMITED_ROLES = tuple(r for r in meta.ROLES if r != "owner")


@dataclass(frozen=True)
class RowRule:
    id: int
    table_id: int
    role: str | None
    user_id: int | None
    filter_id: int
    filter_name: str
    created_at: dt.datetime


def _limited_role(role: str) -> str:
    check_role(role)
    if role == "owner":
        raise SchemaError(
            "Owners see and change everything; limit another role",
            "所有者始终拥有全部权限，请为其他角色设置限制",
        )
    return role


def _base_of_table(conn: Connection, table_id: int) -> int:
    return load_table(conn, table_id).base_id


# --- field permissions ----------------------------------------------------------------------------
def field_permissions(conn: Connection, table_id: int) -> dict[int, dict[str, str]]:
    """{field id: {role: "hidden" | "read_only"}} for the table's fields that have any."""
    fp, f = meta.field_permissions, meta.fields
    rows = conn.execute(
        select(fp.c.field_id, fp.c.role, fp.c.access)
        .join(f, f.c.id == fp.c.field_id)
        .where(f.c.table_id == table_id)
    ).all()
    out: dict[int, dict[str, str]] = {}
    for r in rows:
        out.setdefault(int(r.field_id), {})[str(r.role)] = str(r.access)
    return out


def set_field_permission(
    conn: Connection,
    table_id: int,
    field: str | int,
    role: str,
    access: str,
    *,
    actor: int | None,
) -> None:
    schema = load_table(conn, table_id)
    require_owner(conn, actor, schema.base_id)
    f = schema.field(field)
    _limited_role(role)
    if access not in ACCESS:
        raise SchemaError(
            f"Unknown field access {access!r}; use normal, edit, read_only or hidden",
            f"未知的字段权限 {access!r}；可用：normal（正常）、edit（可编辑）、read_only（只读）、"
            "hidden（隐藏）",
        )
    fp = meta.field_permissions
    where = (fp.c.field_id == f.id) & (fp.c.role == role)
    old = conn.execute(select(fp.c.access).where(where)).scalar() or "normal"
    if old == access:
        return
    if access == "normal":
        conn.execute(delete(fp).where(where))
    elif old == "normal":
        conn.execute(insert(fp).values(field_id=f.id, role=role, access=access))
    else:
        conn.execute(update(fp).where(where).values(access=access))
    audit.log(
        conn,
        "field_permission_changed",
        user_id=actor,
        base_id=schema.base_id,
        detail={"table": table_id, "field": f.id, "role": role, "old": old, "new": access},
    )


# --- row permissions ------------------------------------------------------------------------------
def row_permissions(conn: Connection, table_id: int) -> list[RowRule]:
    rp, sf = meta.row_permissions, meta.saved_filters
    rows = conn.execute(
        select(rp, sf.c.name.label("filter_name"))
        .join(sf, sf.c.id == rp.c.filter_id)
        .where(rp.c.table_id == table_id)
        .order_by(rp.c.id)
    ).all()
    return [
        RowRule(r.id, r.table_id, r.role, r.user_id, r.filter_id, r.filter_name, r.created_at)
        for r in rows
    ]


def add_row_permission(
    conn: Connection,
    table_id: int,
    filter_id: int,
    *,
    role: str | None = None,
    user_id: int | None = None,
    actor: int | None,
) -> int:
    """Limit `role` (or the member `user_id`) to the records matching saved filter `filter_id`."""
    base_id = _base_of_table(conn, table_id)
    require_owner(conn, actor, base_id)
    if (role is None) == (user_id is None):
        raise SchemaError(
            "A row permission is for a role or for one member", "行权限需指定一个角色或一位成员"
        )
    if role is not None:
        _limited_role(role)
    if user_id is not None and member_role(conn, base_id, user_id) is None:
        raise NotFound("This person is not a member of the base", "此用户不是该数据库的成员")
    saved = saved_filters.require(conn, filter_id)
    if saved.table_id != table_id:
        raise SchemaError(
            f"The saved filter {saved.name!r} belongs to another table",
            f"已保存的筛选 {saved.name!r} 属于另一张表",
        )
    rp = meta.row_permissions
    same = select(rp.c.id).where(
        rp.c.table_id == table_id,
        rp.c.filter_id == filter_id,
        rp.c.role == role if role is not None else rp.c.role.is_(None),
        rp.c.user_id == user_id if user_id is not None else rp.c.user_id.is_(None),
    )
    if conn.execute(same).first():
        raise Conflict("This row permission exists already", "此行权限已存在")
    rule_id = int(
        conn.execute(
            insert(rp)
            .values(
                table_id=table_id,
                role=role,
                user_id=user_id,
                filter_id=filter_id,
                created_at=now(),
            )
            .returning(rp.c.id)
        ).scalar_one()
    )
    audit.log(
        conn,
        "row_permission_added",
        user_id=actor,
        base_id=base_id,
        detail={
            "table": table_id,
            "rule": rule_id,
            "role": role,
            "member": user_id,
            "filter": filter_id,
        },
    )
    return rule_id


def remove_row_permission(
    conn: Connection, table_id: int, rule_id: int, *, actor: int | None
) -> None:
    base_id = _base_of_table(conn, table_id)
    require_owner(conn, actor, base_id)
    rp = meta.row_permissions
    row = conn.execute(select(rp).where(rp.c.id == rule_id, rp.c.table_id == table_id)).first()
    if row is None:
        raise NotFound(f"No row permission with id {rule_id}", f"没有 ID 为 {rule_id} 的行权限")
    conn.execute(delete(rp).where(rp.c.id == rule_id))
    audit.log(
        conn,
        "row_permission_removed",
        user_id=actor,
        base_id=base_id,
        detail={
            "table": table_id,
            "rule": rule_id,
            "role": row.role,
            "member": row.user_id,
            "filter": row.filter_id,
        },
    )
