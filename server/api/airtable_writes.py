"""Writes through the Airtable-compatible API: create (one or up to 10, with typecast), update
and replace (PATCH / PUT, with performUpsert), delete (one or up to 10). Each call is one
transaction: all of it is written, or nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, bindparam

import engine
from engine import permissions
from engine.errors import Problem, ValidationError
from engine.model import FieldDef, TableSchema
from engine.query import QueryContext, run
from schemas.query import Page, QuerySpec

from . import ids
from .access import Caller
from .airtable_records import table_of
from .airtable_values import (
    CellFormat,
    field_of,
    fields_in,
    load_users,
    record_out,
    user_ids,
)
from .errors import ApiError, bad_request

MAX_BATCH = 10


# --- writing ------------------------------------------------------------------------------------
def _records_of(data: Any, *, need_id: bool) -> tuple[list[dict[str, Any]], bool]:
    """The records of a write body, and whether it was a batch (`records`) or one (`fields`)."""
    if not isinstance(data, dict):
        raise bad_request("The body must be a JSON object", "请求体必须是 JSON 对象")
    if "records" in data:
        items = data["records"]
        if not isinstance(items, list) or not items:
            raise bad_request(
                "records must be a non-empty list",
                "records 必须是非空列表",
                airtable_type="INVALID_RECORDS",
            )
        if len(items) > MAX_BATCH:
            raise bad_request(
                f"At most {MAX_BATCH} records per request, not {len(items)}",
                f"每次请求最多 {MAX_BATCH} 条记录，而不是 {len(items)} 条",
                airtable_type="INVALID_RECORDS",
            )
        for item in items:
            if not isinstance(item, dict) or ("fields" not in item and not need_id):
                raise bad_request(
                    "Each record needs fields",
                    "每条记录都需要 fields",
                    airtable_type="INVALID_RECORDS",
                )
        return items, True
    if "fields" in data:
        return [{"fields": data["fields"]}], False
    raise bad_request(
        "The body needs records or fields",
        "请求体需要 records 或 fields",
        airtable_type="INVALID_REQUEST_MISSING_FIELDS",
    )


def _add_missing_choices(
    table: engine.Table, schema: TableSchema, rows: Sequence[Mapping[int, Any]]
) -> bool:
    """With typecast, select options a write names that do not exist yet are added first."""
    added = False
    for f in schema.fields:
        if f.type.name not in ("single_select", "multiple_select"):
            continue
        have = {c.name.casefold() for c in f.type.options.choices}
        new: list[str] = []
        for row in rows:
            value = row.get(f.id)
            for name in value if isinstance(value, list) else [value]:
                if isinstance(name, str) and name.strip() and name.strip().casefold() not in have:
                    have.add(name.strip().casefold())
                    new.append(name.strip())
        if new:
            current = [c.model_dump() for c in f.type.options.choices]
            table.set_options(f.id, {"choices": current + new})
            added = True
    return added


def _schema(db: engine.Database, table_id: int) -> TableSchema:
    with db.read() as conn:
        return permissions.schema_for(conn, table_id, db.user)


def _respond(
    db: engine.Database,
    schema: TableSchema,
    records: Sequence[engine.Record],
    data: dict[str, Any],
    batch: bool,
) -> dict[str, Any]:
    fmt = CellFormat(users=load_users(db, user_ids(schema, records)))
    by_id = bool(data.get("returnFieldsByFieldId"))
    out = [record_out(schema, r, fmt, by_id=by_id) for r in records]
    return {"records": out} if batch else out[0]


def create_records(caller: Caller, base_ref: str, table_ref: str, data: Any) -> dict[str, Any]:
    caller.write()
    table = table_of(caller, base_ref, table_ref)
    items, batch = _records_of(data, need_id=False)
    typecast = bool(data.get("typecast"))
    with caller.db.transaction() as tx:
        t = engine.Table(tx, table.id)
        schema = _schema(tx, table.id)
        rows = [
            fields_in(tx, schema, item.get("fields"), typecast=typecast, row=i)
            for i, item in enumerate(items)
        ]
        if typecast and _add_missing_choices(t, schema, rows):
            schema = _schema(tx, table.id)
        created = t.create_many(rows)
    return _respond(caller.db, schema, created, data, batch)


def _replace(schema: TableSchema, values: dict[int, Any]) -> dict[int, Any]:
    """PUT: every field the user may write and did not give is cleared."""
    out = dict(values)
    for f in schema.fields:
        if (
            f.id not in out
            and not f.type.read_only
            and not f.locked
            and f.type.name not in ("lookup", "rollup", "count", "formula")
        ):
            out[f.id] = None
    return out


def update_records(
    caller: Caller,
    base_ref: str,
    table_ref: str,
    data: Any,
    *,
    replace: bool,
    record_ref: str | None = None,
) -> dict[str, Any]:
    caller.write()
    table = table_of(caller, base_ref, table_ref)
    if record_ref is not None:
        if not isinstance(data, dict):
            raise bad_request("The body must be a JSON object", "请求体必须是 JSON 对象")
        items, batch = [{"id": record_ref, "fields": data.get("fields", {})}], False
    else:
        items, batch = _records_of(data, need_id=True)
    typecast = bool(data.get("typecast"))
    upsert = data.get("performUpsert")
    merge_on: list[str] | None = None
    if upsert is not None:
        merge_on = upsert.get("fieldsToMergeOn") if isinstance(upsert, dict) else None
        if (
            not isinstance(merge_on, list)
            or not merge_on
            or not all(isinstance(m, str) for m in merge_on)
        ):
            raise bad_request(
                "performUpsert.fieldsToMergeOn must list one to three fields",
                "performUpsert.fieldsToMergeOn 必须列出一到三个字段",
                airtable_type="INVALID_REQUEST_UNKNOWN",
            )
    created_ids: list[int] = []
    updated_ids: list[int] = []
    with caller.db.transaction() as tx:
        t = engine.Table(tx, table.id)
        schema = _schema(tx, table.id)
        rows = [
            fields_in(tx, schema, item.get("fields", {}), typecast=typecast, row=i)
            for i, item in enumerate(items)
        ]
        if typecast and _add_missing_choices(t, schema, rows):
            schema = _schema(tx, table.id)
        targets: list[int | None] = []
        for i, item in enumerate(items):
            if item.get("id") is not None:
                if not isinstance(item["id"], str):
                    raise bad_request(
                        "A record id must be text (rec…)", "记录 ID 必须是文本（rec…）"
                    )
                targets.append(ids.require("rec", item["id"]))
            elif merge_on is not None:
                targets.append(_match(tx, schema, merge_on, rows[i], i))
            else:
                raise bad_request(
                    "Each record to update needs an id",
                    "每条要更新的记录都需要 id",
                    airtable_type="INVALID_RECORDS",
                )
        creates = [rows[i] for i, target in enumerate(targets) if target is None]
        changes = [
            (target, _replace(schema, rows[i]) if replace else rows[i])
            for i, target in enumerate(targets)
            if target is not None
        ]
        made = t.create_many(creates) if creates else []
        changed = t.update_many(changes) if changes else []
        created_ids = [r.id for r in made]
        updated_ids = [r.id for r in changed]
        by_id = {r.id: r for r in (*made, *changed)}
        made_iter = iter(created_ids)
        ordered = [by_id[target if target is not None else next(made_iter)] for target in targets]
    out = _respond(caller.db, schema, ordered, data, batch)
    if merge_on is not None:
        out["createdRecords"] = [ids.encode("rec", i) for i in created_ids]
        out["updatedRecords"] = [ids.encode("rec", i) for i in updated_ids]
    return out


def _match(
    db: engine.Database,
    schema: TableSchema,
    merge_on: list[str],
    row: Mapping[int, Any],
    index: int,
) -> int | None:
    """The record whose merge fields equal the row's: None if there is none; an error if the
    row lacks a merge field or more than one record matches."""
    fields: list[FieldDef] = [field_of(schema, name) for name in merge_on]
    where: list[ColumnElement[bool]] = []
    t = schema.sql
    for f in fields:
        if f.id not in row or row[f.id] is None:
            raise bad_request(
                f"Record {index} has no value for the merge field {f.name!r}",
                f"第 {index} 条记录缺少合并字段 {f.name!r} 的值",
                airtable_type="INVALID_VALUE_FOR_COLUMN",
            )
        if (
            f.type.is_list
            or not f.type.stored
            or f.type.name in ("lookup", "rollup", "count", "formula", "link")
        ):
            raise bad_request(
                f"{f.name!r} ({f.type.label_en}) cannot be a merge field",
                f"{f.name!r}（{f.type.label_zh}）不能作为合并字段",
                airtable_type="INVALID_REQUEST_UNKNOWN",
            )
        try:
            value = f.type.normalize(row[f.id])
        except engine.errors.ValueProblem as p:
            raise ValidationError(
                [
                    Problem(
                        p.code,
                        p.message_en,
                        p.message_zh,
                        field_id=f.id,
                        field_name=f.name,
                        row=index,
                    )
                ]
            ) from None
        col = t.c[f.column]
        where.append(col == bindparam(None, value, type_=col.type))
    with db.read() as conn:
        result = run(
            conn,
            schema,
            QuerySpec(page=Page(size=2), count=False, fields=[fields[0].id]),
            QueryContext(user_id=db.user),
            where=where,
        )
    if len(result.records) > 1:
        raise ApiError(
            422,
            "ambiguous_upsert",
            f"Record {index} matches more than one record on {', '.join(merge_on)}",
            f"第 {index} 条记录按 {', '.join(merge_on)} 匹配到多条记录",
            airtable_type="INVALID_VALUE_FOR_COLUMN",
        )
    return result.records[0].id if result.records else None


def delete_records(caller: Caller, base_ref: str, table_ref: str, refs: list[str]) -> list[int]:
    caller.write()
    table = table_of(caller, base_ref, table_ref)
    if not refs:
        raise bad_request(
            "Name the records to delete (records[]=rec…)",
            "请指定要删除的记录（records[]=rec…）",
            airtable_type="INVALID_RECORDS",
        )
    if len(refs) > MAX_BATCH:
        raise bad_request(
            f"At most {MAX_BATCH} records per request, not {len(refs)}",
            f"每次请求最多 {MAX_BATCH} 条记录，而不是 {len(refs)} 条",
            airtable_type="INVALID_RECORDS",
        )
    rids = [ids.require("rec", r) for r in refs]
    table.delete(*rids)
    return rids
