"""Records through the Airtable-compatible API: `/v0/{baseId}/{tableIdOrName}[/{recordId}]`.

Every call acts as the token's user on the engine facade (`engine.Table`, `views.api.Views`) or
on `permissions.schema_for`, so hidden fields, read-only fields and row rules apply as anywhere.
Lists page by the engine's keyset tokens, wrapped in an opaque `offset` that also counts what was
delivered (for `maxRecords`) and names the query it belongs to: a page never repeats or skips a
record because others were added, changed or deleted meanwhile.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, select

import engine
from engine import meta, permissions
from engine.dates import Clock
from engine.errors import NotFound, Problem, ValidationError
from engine.model import FieldDef, TableSchema
from engine.query import QueryContext, QueryResult, run
from schemas.query import Page, QuerySpec, Sort
from views import store
from views.api import Views

from . import ids
from .access import Caller
from .airtable_values import (
    CellFormat,
    field_of,
    fields_in,
    load_users,
    record_out,
    user_ids,
    zone_of,
)
from .errors import ApiError, bad_request
from .formula_filter import condition

MAX_PAGE = 100
MAX_BATCH = 10


# --- options ------------------------------------------------------------------------------------
@dataclass
class ListOptions:
    page_size: int = MAX_PAGE
    max_records: int | None = None
    offset: str | None = None
    view: str | None = None
    fields: list[str] | None = None
    sort: list[tuple[str, str]] = field(default_factory=list)
    formula: str | None = None
    cell_format: str = "json"
    time_zone: str | None = None
    user_locale: str | None = None
    by_field_id: bool = False


def _int(name: str, raw: Any, low: int, high: int | None = None) -> int:
    try:
        value = int(raw)
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValueError
    except (TypeError, ValueError):
        raise bad_request(f"{name} must be a whole number", f"{name} 必须是整数") from None
    if value < low or (high is not None and value > high):
        limit = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise bad_request(f"{name} must be {limit}", f"{name} 必须在 {low} 到 {high or '∞'} 之间")
    return value


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in ("1", "true", "yes", "on")


def _direction(raw: Any) -> str:
    d = str(raw or "asc").lower()
    if d not in ("asc", "desc"):
        raise bad_request(
            f"Sort direction must be asc or desc, not {raw!r}",
            f"排序方向必须是 asc 或 desc，而不是 {raw!r}",
        )
    return d


def options_from_query(params: Sequence[tuple[str, str]]) -> ListOptions:
    opts = ListOptions()
    sorts: dict[int, dict[str, str]] = {}
    fields: list[str] = []
    for key, value in params:
        if key == "pageSize":
            opts.page_size = _int("pageSize", value, 1, MAX_PAGE)
        elif key == "maxRecords":
            opts.max_records = _int("maxRecords", value, 1)
        elif key == "offset":
            opts.offset = value
        elif key == "view":
            opts.view = value
        elif key in ("fields[]", "fields"):
            fields.append(value)
        elif key == "filterByFormula":
            opts.formula = value
        elif key == "cellFormat":
            opts.cell_format = value
        elif key == "timeZone":
            opts.time_zone = value
        elif key == "userLocale":
            opts.user_locale = value
        elif key == "returnFieldsByFieldId":
            opts.by_field_id = _bool(value)
        elif key.startswith("sort["):
            parts = key[5:].rstrip("]").split("][")
            if len(parts) != 2 or not parts[0].isdigit() or parts[1] not in ("field", "direction"):
                raise bad_request(f"Unknown parameter {key!r}", f"未知参数 {key!r}")
            sorts.setdefault(int(parts[0]), {})[parts[1]] = value
    if fields:
        opts.fields = fields
    for i in sorted(sorts):
        if "field" not in sorts[i]:
            raise bad_request(f"sort[{i}] needs a field", f"sort[{i}] 需要指定字段")
        opts.sort.append((sorts[i]["field"], _direction(sorts[i].get("direction"))))
    _check_format(opts)
    return opts


def options_from_body(data: Any, params: Sequence[tuple[str, str]]) -> ListOptions:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise bad_request("The body must be a JSON object", "请求体必须是 JSON 对象")
    # timeZone and userLocale may come in the query string, as pyairtable sends them
    opts = options_from_query([(k, v) for k, v in params if k in ("timeZone", "userLocale")])
    if "pageSize" in data:
        opts.page_size = _int("pageSize", data["pageSize"], 1, MAX_PAGE)
    if data.get("maxRecords") is not None:
        opts.max_records = _int("maxRecords", data["maxRecords"], 1)
    for key, attr in (("offset", "offset"), ("view", "view"), ("filterByFormula", "formula"),
                      ("cellFormat", "cell_format"), ("timeZone", "time_zone"),
                      ("userLocale", "user_locale")):  # fmt: skip
        if data.get(key) is not None:
            if not isinstance(data[key], str):
                raise bad_request(f"{key} must be text", f"{key} 必须是文本")
            setattr(opts, attr, data[key])
    if data.get("fields") is not None:
        if not isinstance(data["fields"], list) or not all(
            isinstance(f, str) for f in data["fields"]
        ):
            raise bad_request(
                "fields must be a list of field names or ids", "fields 必须是字段名或 ID 的列表"
            )
        opts.fields = data["fields"]
    for i, s in enumerate(data.get("sort") or []):
        if not isinstance(s, dict) or not isinstance(s.get("field"), str):
            raise bad_request(f"sort[{i}] needs a field", f"sort[{i}] 需要指定字段")
        opts.sort.append((s["field"], _direction(s.get("direction"))))
    if "returnFieldsByFieldId" in data:
        opts.by_field_id = _bool(data["returnFieldsByFieldId"])
    _check_format(opts)
    return opts


def _check_format(opts: ListOptions) -> None:
    if opts.cell_format not in ("json", "string"):
        raise bad_request(
            f"cellFormat must be json or string, not {opts.cell_format!r}",
            "cellFormat 必须是 json 或 string",
        )
    if opts.cell_format == "string" and (not opts.time_zone or not opts.user_locale):
        raise bad_request(
            "cellFormat=string needs timeZone and userLocale",
            "cellFormat=string 需要同时提供 timeZone 和 userLocale",
        )


def cell_format(
    opts: ListOptions, db: engine.Database, schema: TableSchema, records: Sequence[engine.Record]
) -> CellFormat:
    return CellFormat(
        string=opts.cell_format == "string",
        zone=zone_of(opts.time_zone),
        locale=opts.user_locale or "en-us",
        users=load_users(db, user_ids(schema, records)),
    )


# --- tables -------------------------------------------------------------------------------------
def base_of(caller: Caller, ref: str) -> engine.Base:
    return caller.base(ids.require("app", ref))


def table_of(caller: Caller, base_ref: str, ref: str) -> engine.Table:
    base = base_of(caller, base_ref)
    if ids.is_id("tbl", ref):
        return base.table(ids.require("tbl", ref))
    return base.table(ref)


def _clock(conn: Connection, user_id: int) -> Clock:
    zone = conn.execute(select(meta.users.c.timezone).where(meta.users.c.id == user_id)).scalar()
    return Clock(timezone=zone or "UTC")


# --- offsets ------------------------------------------------------------------------------------
def _fingerprint(table_id: int, opts: ListOptions) -> str:
    data = json.dumps([table_id, opts.view, opts.sort, opts.formula], ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()[:12]


def _offset_out(after: str, delivered: int, fp: str) -> str:
    raw = json.dumps({"a": after, "n": delivered, "f": fp}).encode()
    return "itr" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _offset_in(token: str, fp: str) -> tuple[str, int]:
    try:
        if not token.startswith("itr"):
            raise ValueError
        body = token[3:]
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if data["f"] != fp or not isinstance(data["a"], str) or not isinstance(data["n"], int):
            raise ValueError
        return data["a"], data["n"]
    except (ValueError, KeyError, TypeError):
        raise ApiError(
            422,
            "invalid_offset",
            "The offset is not valid for this list (it belongs to another query, or is damaged)",
            "offset 对此列表无效（属于其他查询或已损坏）",
            airtable_type="LIST_RECORDS_ITERATOR_NOT_AVAILABLE",
        ) from None


# --- listing ------------------------------------------------------------------------------------
def list_records(
    caller: Caller, base_ref: str, table_ref: str, opts: ListOptions
) -> dict[str, Any]:
    table = table_of(caller, base_ref, table_ref)
    view = Views(table).get(_view_ref(opts.view)) if opts.view else None
    fp = _fingerprint(table.id, opts)
    after, delivered = _offset_in(opts.offset, fp) if opts.offset else (None, 0)
    size = opts.page_size
    if opts.max_records is not None:
        size = min(size, opts.max_records - delivered)
        if size <= 0:
            return {"records": []}
    db = caller.db
    with db.read() as conn:
        schema = permissions.schema_for(conn, table.id, db.user)
        ctx = QueryContext(user_id=db.user, clock=_clock(conn, caller.user_id))
        sorts = [Sort(field=field_of(schema, f).id, direction=d) for f, d in opts.sort]
        only = {field_of(schema, f).id for f in opts.fields} if opts.fields is not None else None
        page = Page(size=size, after=after)
        if view is not None:
            spec = store.query_spec(view, schema, page=page, count=False)
            keys = [Sort(field=g.field, direction=g.direction) for g in spec.groups]
            spec = spec.model_copy(
                update={
                    "sorts": sorts or keys + spec.sorts,
                    "groups": [],
                    "aggregates": [],
                    "fields": None,
                }
            )
        else:
            spec = QuerySpec(sorts=sorts, page=page, count=False)
        where: list[ColumnElement[bool]] = []
        if opts.formula is not None and opts.formula.strip():
            where.append(condition(conn, schema, opts.formula, ctx))
        result: QueryResult = run(conn, schema, spec, ctx, where=where)
    fmt = cell_format(opts, db, schema, result.records)
    out: dict[str, Any] = {
        "records": [
            record_out(schema, r, fmt, by_id=opts.by_field_id, only=only) for r in result.records
        ]
    }
    delivered += len(result.records)
    more = opts.max_records is None or delivered < opts.max_records
    if result.next is not None and more:
        out["offset"] = _offset_out(result.next, delivered, fp)
    return out


def _view_ref(ref: str) -> int | str:
    return ids.require("viw", ref) if ids.is_id("viw", ref) else ref


def get_record(
    caller: Caller, base_ref: str, table_ref: str, record_ref: str, opts: ListOptions
) -> dict[str, Any]:
    table = table_of(caller, base_ref, table_ref)
    rid = ids.require("rec", record_ref)
    db = caller.db
    with db.read() as conn:
        schema = permissions.schema_for(conn, table.id, db.user)
    record = table.get(rid)
    return record_out(
        schema, record, cell_format(opts, db, schema, [record]), by_id=opts.by_field_id
    )


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


__all__ = [
    "NotFound",
    "create_records",
    "delete_records",
    "get_record",
    "list_records",
    "update_records",
]
