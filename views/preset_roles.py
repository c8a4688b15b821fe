"""A preset's roles made real: each role becomes a role of the base with its table, field and row
permissions (engine.roles, engine.permission_rules), and its demo user a member in it.

A role marked `admin` is the workspace admin (the demo manager); every other role is a custom role
that acts as an editor outside its tables and sees only the tables it lists. A row rule that is
exactly one shared saved filter uses it; any other condition is saved as a filter of its own
("<role>：可见记录" / "Visible to <role>") so that the row permission can name it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from engine import Base, Database, members, meta, permission_rules, roles
from engine.saved_filters import create_filter
from schemas.preset import RoleSpec, SavedFilterName

from .preset_filters import filter_dict, name_key

FIELD_ACCESS = {"hidden": "hidden", "read": "read_only", "edit": "edit"}


def apply_roles(
    db: Database,
    base: Base,
    specs: Sequence[RoleSpec],
    filter_ids: Mapping[str, Mapping[str, int]],
    users: Mapping[str, int],
    locale: str,
) -> dict[str, str]:
    """Make the roles (role name -> key) and add each role's demo user (`users`: role name ->
    user id) as a member."""
    keys: dict[str, str] = {}
    with db.write() as conn:
        for spec in specs:
            if spec.admin:
                continue
            role = roles.create_role(
                conn, base.id, spec.name, description=spec.description, actor=db.user
            )
            keys[spec.name] = role.key
            for perm in spec.permissions:
                _table_rules(db, conn, base, spec, role.key, perm, filter_ids, locale)
        for name, user_id in users.items():
            key = keys.get(name)
            if key is not None and members.member_role(conn, base.id, user_id) is None:
                members.add_member(conn, base.id, user_id, key, actor=db.user)
    return keys


def _table_rules(
    db: Database,
    conn: Connection,
    base: Base,
    spec: RoleSpec,
    key: str,
    perm: Any,
    filter_ids: Mapping[str, Mapping[str, int]],
    locale: str,
) -> None:
    table = base.table(perm.table)
    roles.set_table_access(conn, table.id, key, perm.access, actor=db.user)
    for field, access in perm.fields.items():
        permission_rules.set_field_permission(
            conn, table.id, field, key, FIELD_ACCESS[access], actor=db.user
        )
    if perm.rows is None:
        return
    ids = filter_ids.get(perm.table, {})
    items = perm.rows.items
    if len(items) == 1 and isinstance(items[0], SavedFilterName):
        filter_id = ids[name_key(items[0].saved_filter)]
    else:
        name = f"{spec.name}：可见记录" if locale.startswith("zh") else f"Visible to {spec.name}"
        filter_id = create_filter(conn, table.id, name, filter_dict(perm.rows, ids), db.user)
    permission_rules.add_row_permission(conn, table.id, filter_id, role=key, actor=db.user)


def export_roles(
    conn: Connection, base_id: int, tables: Mapping[int, Any], filter_names: Mapping[int, str]
) -> list[RoleSpec]:
    """The base's own roles as preset roles (`tables`: table id -> schema; `filter_names`:
    saved filter id -> name). Built-in roles and admins are not part of a preset."""
    back = {v: k for k, v in FIELD_ACCESS.items()}
    out: list[RoleSpec] = []
    for role in roles.list_roles(conn, base_id):
        access = roles_access(conn, role.key)
        field_rules, row_rules = _rules(conn, role.key)
        perms: list[dict[str, Any]] = []
        for table_id, level in access.items():
            schema = tables.get(table_id)
            if schema is None or level == "none":
                continue
            names = {f.id: f.name for f in schema.fields}
            fields = {
                names[fid]: back[a] for fid, a in field_rules.items() if fid in names and a in back
            }
            perm: dict[str, Any] = {"table": schema.name, "access": level, "fields": fields}
            mine = [filter_names[f] for t, f in row_rules if t == table_id and f in filter_names]
            if mine:
                items = [{"saved_filter": name} for name in mine]
                perm["rows"] = {"conjunction": "or", "items": items}
            perms.append(perm)
        out.append(
            RoleSpec.model_validate(
                {"name": role.name, "description": role.description, "permissions": perms}
            )
        )
    return out


def roles_access(conn: Connection, key: str) -> dict[int, str]:
    """{table id: access} of one role."""
    tp = meta.table_permissions
    rows = conn.execute(select(tp.c.table_id, tp.c.access).where(tp.c.role == key)).all()
    return {int(r.table_id): str(r.access) for r in rows}


def _rules(conn: Connection, key: str) -> tuple[dict[int, str], list[tuple[int, int]]]:
    """A role's field rules {field id: access} and row rules [(table id, saved filter id)]."""
    fp, rp = meta.field_permissions, meta.row_permissions
    fields = conn.execute(select(fp.c.field_id, fp.c.access).where(fp.c.role == key)).all()
    rows = conn.execute(
        select(rp.c.table_id, rp.c.filter_id).where(rp.c.role == key).order_by(rp.c.id)
    ).all()
    return (
        {int(r.field_id): str(r.access) for r in fields},
        [(int(r.table_id), int(r.filter_id)) for r in rows],
    )
