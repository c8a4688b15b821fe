"""Tessera's own JSON API under `/api/`: bases, tables and fields, and the shapes records and
schemas take in its answers. Records, views, imports and exports are in the sibling modules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import engine
from engine.model import FieldDef, TableSchema
from schemas.field import FieldSpec

from . import models as m
from .endpoints import Call, endpoint
from .errors import ApiError


# --- shapes -------------------------------------------------------------------------------------
def plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def record_out(r: engine.Record) -> m.RecordOut:
    return m.RecordOut(
        id=r.id, version=r.version, created_at=r.created_at, updated_at=r.updated_at,
        created_by=r.created_by, updated_by=r.updated_by, fields=plain(dict(r.fields)),
    )  # fmt: skip


def field_out(f: FieldDef) -> m.FieldOut:
    d = f.describe()
    return m.FieldOut(**d, read_only=bool(f.type.read_only or f.locked))


def table_out(s: TableSchema) -> m.TableOut:
    return m.TableOut(
        id=s.id, base_id=s.base_id, name=s.name, primary_field_id=s.primary_field_id,
        fields=[field_out(f) for f in s.fields],
    )  # fmt: skip


def base_out(b: engine.Base) -> m.BaseOut:
    return m.BaseOut(id=b.id, name=b.name, role=b.role)


def field_keys(fields: dict[str, Any]) -> dict[Any, Any]:
    """Field keys are names, or ids written as numbers."""
    return {int(k) if k.isdecimal() else k: v for k, v in fields.items()}


def table_of(c: Call) -> engine.Table:
    return c.who.table(c.path["table_id"])


# --- bases --------------------------------------------------------------------------------------
@endpoint("GET", "/api/bases", "List the bases you can see", response=m.BaseList, tag="bases")
def list_bases(c: Call) -> m.BaseList:
    return m.BaseList(bases=[base_out(b) for b in c.who.db.bases() if c.who.may_reach(b.id)])


@endpoint(
    "POST",
    "/api/bases",
    "Create a base (you own it)",
    request=m.BaseIn,
    response=m.BaseOut,
    status=201,
    tag="bases",
)
def create_base(c: Call) -> m.BaseOut:
    c.who.write()
    if c.who.grant is not None and c.who.grant.bases is not None:
        raise ApiError(
            403,
            "forbidden",
            "A token limited to some bases cannot create bases",
            "仅限部分库的令牌不能创建库",
        )
    return base_out(c.who.db.create_base(c.body.name))


@endpoint("GET", "/api/bases/{base_id}", "Get a base", response=m.BaseOut, tag="bases")
def get_base(c: Call) -> m.BaseOut:
    return base_out(c.who.base(c.path["base_id"]))


@endpoint(
    "PATCH",
    "/api/bases/{base_id}",
    "Rename a base",
    request=m.BaseIn,
    response=m.BaseOut,
    tag="bases",
)
def rename_base(c: Call) -> m.BaseOut:
    c.who.write()
    base = c.who.base(c.path["base_id"])
    base.rename(c.body.name)
    return base_out(base)


@endpoint("DELETE", "/api/bases/{base_id}", "Delete a base (owners)", response=m.Done, tag="bases")
def delete_base(c: Call) -> m.Done:
    c.who.write()
    c.who.base(c.path["base_id"]).delete()
    return m.Done(ids=[c.path["base_id"]])


# --- tables and fields --------------------------------------------------------------------------
@endpoint(
    "GET", "/api/bases/{base_id}/tables", "List a base's tables", response=m.TableList, tag="tables"
)
def list_tables(c: Call) -> m.TableList:
    return m.TableList(
        tables=[table_out(t.schema()) for t in c.who.base(c.path["base_id"]).tables()]
    )


@endpoint(
    "POST",
    "/api/bases/{base_id}/tables",
    "Create a table with its fields",
    request=m.TableIn,
    response=m.TableOut,
    status=201,
    tag="tables",
)
def create_table(c: Call) -> m.TableOut:
    c.who.write()
    b: m.TableIn = c.body
    table = c.who.base(c.path["base_id"]).create_table(
        b.name, b.fields, primary=b.primary, description=b.description
    )
    return table_out(table.schema())


@endpoint(
    "GET",
    "/api/tables/{table_id}",
    "Get a table and its fields (as you may see them)",
    response=m.TableOut,
    tag="tables",
)
def get_table(c: Call) -> m.TableOut:
    return table_out(table_of(c).schema())


@endpoint(
    "PATCH",
    "/api/tables/{table_id}",
    "Rename a table or change its description",
    request=m.TablePatch,
    response=m.TableOut,
    tag="tables",
)
def patch_table(c: Call) -> m.TableOut:
    c.who.write()
    table, b = table_of(c), c.body
    with c.who.db.transaction() as tx:
        t = engine.Table(tx, table.id)
        if b.name is not None:
            t.rename(b.name)
        if b.description is not None:
            t.set_description(b.description)
    return table_out(table.schema())


@endpoint(
    "DELETE", "/api/tables/{table_id}", "Move a table to the trash", response=m.Done, tag="tables"
)
def delete_table(c: Call) -> m.Done:
    c.who.write()
    table_of(c).drop()
    return m.Done(ids=[c.path["table_id"]])


@endpoint(
    "POST",
    "/api/tables/{table_id}/fields",
    "Add a field (type, options, validation rules)",
    request=FieldSpec,
    response=m.FieldOut,
    status=201,
    tag="tables",
)
def add_field(c: Call) -> m.FieldOut:
    c.who.write()
    b = c.body
    f = table_of(c).add_field(
        b.name, b.type, options=b.options, rules=b.rules, description=b.description
    )
    return field_out(f)


@endpoint(
    "PATCH",
    "/api/tables/{table_id}/fields/{field_id}",
    "Change a field: name, description, options, rules or type",
    request=m.FieldPatch,
    response=m.FieldOut,
    tag="tables",
)
def patch_field(c: Call) -> m.FieldOut:
    c.who.write()
    table, b, fid = table_of(c), c.body, c.path["field_id"]
    table.field(fid)
    with c.who.db.transaction() as tx:
        t = engine.Table(tx, table.id)
        if b.type is not None:
            t.change_type(fid, b.type, b.options)
        elif b.options is not None:
            t.set_options(fid, b.options)
        if b.rules is not None:
            t.set_rules(fid, b.rules)
        if b.name is not None:
            t.rename_field(fid, b.name)
        if b.description is not None:
            t.set_field_description(fid, b.description)
    return field_out(table.field(fid))


@endpoint(
    "DELETE",
    "/api/tables/{table_id}/fields/{field_id}",
    "Move a field to the trash",
    response=m.Done,
    tag="tables",
)
def delete_field(c: Call) -> m.Done:
    c.who.write()
    table = table_of(c)
    table.field(c.path["field_id"])
    table.delete_field(c.path["field_id"])
    return m.Done(ids=[c.path["field_id"]])
