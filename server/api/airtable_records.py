"""Reading records through the Airtable-compatible API: `/v0/{baseId}/{tableIdOrName}[/{recordId}]`.

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
from typing import Any

from sqlalchemy import ColumnElement, Connection, select

import engine
from engine import meta, permissions
from engine.dates import Clock
from engine.query import QueryContext, QueryResult, run
from schemas.query import Page, QuerySpec, Sort
from views import store
from views.api import Views

from . import ids
from .access import Caller
from .airtable_options import ListOptions, cell_format
from .airtable_values import (
    field_of,
    record_out,
)
from .errors import ApiError
from .formula_filter import condition


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
