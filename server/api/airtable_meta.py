"""The metadata endpoints of the Airtable-compatible API (`/v0/meta/…`): who am I, bases
(list, create with tables), tables (list, create, update) and fields (create, update), with
field types and options in Airtable's names (`airtable_types`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

import engine
from engine import meta, permissions
from engine import schema as engine_schema
from engine.model import TableSchema
from views.api import Views

from . import ids
from .access import Caller
from .airtable_records import base_of, table_of
from .airtable_types import field_model, field_spec
from .errors import bad_request

PERMISSION_LEVELS = {
    "owner": "owner",
    "creator": "create",
    "editor": "edit",
    "commenter": "comment",
    "viewer": "read",
}
VIEW_TYPES = {
    "grid": "grid",
    "card": "gallery",
    "kanban": "kanban",
    "form": "form",
    "calendar": "calendar",
}


def whoami(caller: Caller) -> dict[str, Any]:
    user = caller.db.get_user(caller.user_id)
    with caller.db.write() as conn:
        workspace = engine_schema.default_workspace(conn)
    scopes = ["data.records:read", "schema.bases:read"]
    if caller.grant is None or caller.grant.can_write:
        scopes += ["data.records:write", "schema.bases:write"]
    return {
        "id": ids.encode("usr", user.id),
        "email": user.email,
        "name": user.name,
        "scopes": scopes,
        "workspaceId": ids.encode("wsp", workspace),
    }


def list_bases(caller: Caller) -> dict[str, Any]:
    out = []
    for base in caller.db.bases():
        if not caller.may_reach(base.id):
            continue
        role = base.role or "viewer"
        out.append(
            {
                "id": ids.encode("app", base.id),
                "name": base.name,
                "permissionLevel": PERMISSION_LEVELS.get(role, "read"),
            }
        )
    return {"bases": out}


def _schema(db: engine.Database, table_id: int) -> TableSchema:
    with db.read() as conn:
        return permissions.schema_for(conn, table_id, db.user)


def table_model(table: engine.Table) -> dict[str, Any]:
    schema = _schema(table.db, table.id)
    names = {f.id: f.name for f in schema.fields}
    views = [
        {"id": ids.encode("viw", v.id), "name": v.name, "type": VIEW_TYPES.get(v.kind, v.kind)}
        for v in Views(table).list()
    ]
    primary = schema.primary_field_id or (schema.fields[0].id if schema.fields else 0)
    return {
        "id": ids.encode("tbl", schema.id),
        "name": schema.name,
        "primaryFieldId": ids.encode("fld", primary),
        "description": _description(table.db, schema.id) or None,
        "fields": [field_model(schema, f, names.get) for f in schema.fields],
        "views": views,
    }


def _description(db: engine.Database, table_id: int) -> str:
    t = meta.tables
    with db.read() as conn:
        return str(conn.execute(select(t.c.description).where(t.c.id == table_id)).scalar() or "")


def list_tables(caller: Caller, base_ref: str) -> dict[str, Any]:
    base = base_of(caller, base_ref)
    return {"tables": [table_model(t) for t in base.tables()]}


def _table_spec(data: Any) -> tuple[str, list[dict[str, Any]], str]:
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("name"), str)
        or not data["name"].strip()
    ):
        raise bad_request(
            "A table needs a name", "表需要名称", airtable_type="INVALID_REQUEST_UNKNOWN"
        )
    fields = data.get("fields")
    if not isinstance(fields, list) or not fields or not all(isinstance(f, dict) for f in fields):
        raise bad_request(
            f"Table {data['name']!r} needs a list of fields (the first is its primary field)",
            f"表 {data['name']!r} 需要字段列表（第一个为主字段）",
            airtable_type="INVALID_REQUEST_UNKNOWN",
        )
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise bad_request("description must be text", "description 必须是文本")
    return data["name"], [field_spec(f) for f in fields], description


def _create_table(base: engine.Base, data: Any) -> engine.Table:
    name, specs, description = _table_spec(data)
    return base.create_table(name, specs, primary=specs[0]["name"], description=description)


def create_base(caller: Caller, data: Any) -> dict[str, Any]:
    caller.write()
    if caller.grant is not None and caller.grant.bases is not None:
        raise bad_request(
            "A token limited to some bases cannot create bases",
            "仅限部分库的令牌不能创建库",
            airtable_type="INVALID_PERMISSIONS",
        )
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise bad_request("A base needs a name", "库需要名称")
    workspace_ref = data.get("workspaceId")
    workspace: int | None = None
    if workspace_ref is not None:
        workspace = ids.require("wsp", str(workspace_ref))
        with caller.db.read() as conn:
            w = meta.workspaces
            if conn.execute(select(w.c.id).where(w.c.id == workspace)).first() is None:
                raise engine.NotFound(
                    f"No workspace {workspace_ref!r}", f"没有工作区 {workspace_ref!r}"
                )
    tables = data.get("tables")
    if not isinstance(tables, list) or not tables:
        raise bad_request("A base needs at least one table", "库至少需要一张表")
    with caller.db.transaction() as tx:
        base = tx.create_base(data["name"], workspace_id=workspace)
        made = [_create_table(base, t) for t in tables]
    return {
        "id": ids.encode("app", base.id),
        "tables": [table_model(engine.Table(caller.db, t.id)) for t in made],
    }


def create_table(caller: Caller, base_ref: str, data: Any) -> dict[str, Any]:
    caller.write()
    base = base_of(caller, base_ref)
    return table_model(_create_table(base, data))


def update_table(caller: Caller, base_ref: str, table_ref: str, data: Any) -> dict[str, Any]:
    caller.write()
    table = table_of(caller, base_ref, table_ref)
    if not isinstance(data, dict) or not ({"name", "description"} & set(data)):
        raise bad_request("Give a name or a description", "请提供名称或描述")
    with caller.db.transaction() as tx:
        t = engine.Table(tx, table.id)
        if isinstance(data.get("name"), str):
            t.rename(data["name"])
        if "description" in data:
            t.set_description(str(data["description"] or ""))
    return table_model(table)


def _field_out(table: engine.Table, field_id: int) -> dict[str, Any]:
    schema = _schema(table.db, table.id)
    names = {f.id: f.name for f in schema.fields}
    return field_model(schema, schema.field(field_id), names.get)


def create_field(caller: Caller, base_ref: str, table_ref: str, data: Any) -> dict[str, Any]:
    caller.write()
    table = table_of(caller, base_ref, table_ref)
    if not isinstance(data, dict):
        raise bad_request("The body must be a JSON object", "请求体必须是 JSON 对象")
    spec = field_spec(data)
    made = table.add_field(
        spec["name"], spec["type"], options=spec["options"], description=spec.get("description", "")
    )
    return _field_out(table, made.id)


def update_field(
    caller: Caller, base_ref: str, table_ref: str, field_ref: str, data: Any
) -> dict[str, Any]:
    caller.write()
    table = table_of(caller, base_ref, table_ref)
    fid = ids.require("fld", field_ref)
    table.field(fid)  # NotFound for a field the user cannot see
    if not isinstance(data, dict) or not ({"name", "description"} & set(data)):
        raise bad_request("Give a name or a description", "请提供名称或描述")
    with caller.db.transaction() as tx:
        t = engine.Table(tx, table.id)
        if isinstance(data.get("name"), str):
            t.rename_field(fid, data["name"])
        if "description" in data:
            t.set_field_description(fid, str(data["description"] or ""))
    return _field_out(table, fid)
