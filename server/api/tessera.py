"""Tessera's own JSON API under `/api/`: bases, tables, fields, records (queries with the full
query spec, batches that are all-or-nothing, conditional updates, restore from the trash,
history), views and saved filters, exports. Each endpoint is declared once — method, path,
request and response models — and both the routes and the OpenAPI document come from that list.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.exc import DataError, IntegrityError
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

import engine
from engine import exports
from engine.errors import NotFound, TesseraError
from engine.model import FieldDef, TableSchema
from engine.query import QueryContext, run
from schemas.field import FieldSpec
from schemas.query import Page, QuerySpec
from views.api import Views

from . import models as m
from .access import Caller, caller
from .errors import ApiError, bad_request, from_pydantic, tessera_response
from .http import body, off_loop

MAX_ID = 2**53


@dataclass
class Call:
    who: Caller
    path: dict[str, int]
    query: dict[str, str]
    body: Any


@dataclass
class Endpoint:
    method: str
    path: str  # with {name} for integer ids
    summary: str
    run: Callable[[Call], Any]
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    query: list[tuple[str, str, str]] = field(default_factory=list)  # (name, type, description)
    tag: str = "records"


ENDPOINTS: list[Endpoint] = []


def endpoint(
    method: str, path: str, summary: str, **kw: Any
) -> Callable[[Callable[[Call], Any]], Callable[[Call], Any]]:
    def register(fn: Callable[[Call], Any]) -> Callable[[Call], Any]:
        ENDPOINTS.append(Endpoint(method, path, summary, fn, **kw))
        return fn

    return register


# --- shapes -------------------------------------------------------------------------------------
def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    return value


def record_out(r: engine.Record) -> m.RecordOut:
    return m.RecordOut(
        id=r.id, version=r.version, created_at=r.created_at, updated_at=r.updated_at,
        created_by=r.created_by, updated_by=r.updated_by, fields=_json(dict(r.fields)),
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


def _fields_in(fields: dict[str, Any]) -> dict[Any, Any]:
    """Field keys are names, or ids written as numbers."""
    return {int(k) if k.isdigit() else k: v for k, v in fields.items()}


def _table(c: Call) -> engine.Table:
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
    return table_out(_table(c).schema())


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
    table, b = _table(c), c.body
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
    _table(c).drop()
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
    f = _table(c).add_field(
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
    table, b, fid = _table(c), c.body, c.path["field_id"]
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
    table = _table(c)
    table.field(c.path["field_id"])
    table.delete_field(c.path["field_id"])
    return m.Done(ids=[c.path["field_id"]])


# --- records ------------------------------------------------------------------------------------
def _page(result: Any) -> m.RecordPage:
    groups = None
    if result.groups is not None:
        groups = [
            m.GroupOut(
                level=g.level, key=_json(list(g.key)), count=g.count, aggregates=_json(g.aggregates)
            )
            for g in result.groups
        ]
    return m.RecordPage(
        records=[record_out(r) for r in result.records], next=result.next, total=result.total,
        groups=groups, aggregates=_json(result.aggregates),
    )  # fmt: skip


def _query(c: Call, spec: QuerySpec) -> m.RecordPage:
    table = _table(c)
    db = c.who.db
    from engine import permissions

    with db.read() as conn:
        schema = permissions.schema_for(conn, table.id, db.user)
        return _page(run(conn, schema, spec, QueryContext(user_id=db.user)))


def _size(q: dict[str, str]) -> Page:
    raw = q.get("page_size", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise bad_request(
            "page_size must be a whole number from 1 to 1000", "page_size 必须是 1 到 1000 的整数"
        )
    return Page(size=int(raw), after=q.get("after") or None)


PAGE_QUERY = [
    ("page_size", "integer", "records per page (1-1000)"),
    ("after", "string", "the previous page's next token"),
    ("search", "string", "quick search"),
]


@endpoint(
    "GET",
    "/api/tables/{table_id}/records",
    "A page of records in the table's order",
    response=m.RecordPage,
    query=PAGE_QUERY,
)
def list_records(c: Call) -> m.RecordPage:
    return _query(c, QuerySpec(page=_size(c.query), search=c.query.get("search") or None))


@endpoint(
    "POST",
    "/api/tables/{table_id}/query",
    "Query records: nested filters, sorts, groups, search, keyset pages, aggregates",
    request=QuerySpec,
    response=m.RecordPage,
)
def query_records(c: Call) -> m.RecordPage:
    return _query(c, c.body)


@endpoint(
    "POST",
    "/api/tables/{table_id}/records",
    "Create records (all or none)",
    request=m.RecordsIn,
    response=m.RecordList,
    status=201,
)
def create_records(c: Call) -> m.RecordList:
    c.who.write()
    made = _table(c).create_many([_fields_in(r.fields) for r in c.body.records])
    return m.RecordList(records=[record_out(r) for r in made])


@endpoint(
    "PATCH",
    "/api/tables/{table_id}/records",
    "Update records (merge; all or none; version: only if unchanged)",
    request=m.RecordsPatch,
    response=m.RecordList,
)
def update_records(c: Call) -> m.RecordList:
    c.who.write()
    changes = [(r.id, _fields_in(r.fields)) for r in c.body.records]
    versions = {r.id: r.version for r in c.body.records if r.version is not None}
    done = _table(c).update_many(changes, expected_versions=versions or None)
    return m.RecordList(records=[record_out(r) for r in done])


@endpoint(
    "POST",
    "/api/tables/{table_id}/records/delete",
    "Move records to the trash (all or none)",
    request=m.RecordIds,
    response=m.Done,
)
def delete_records(c: Call) -> m.Done:
    c.who.write()
    _table(c).delete(*c.body.ids)
    return m.Done(ids=c.body.ids)


@endpoint(
    "POST",
    "/api/tables/{table_id}/records/restore",
    "Restore records from the trash",
    request=m.RecordIds,
    response=m.Done,
)
def restore_records(c: Call) -> m.Done:
    c.who.write()
    _table(c).restore(*c.body.ids)
    return m.Done(ids=c.body.ids)


@endpoint("GET", "/api/tables/{table_id}/records/{record_id}", "Get a record", response=m.RecordOut)
def get_record(c: Call) -> m.RecordOut:
    return record_out(_table(c).get(c.path["record_id"]))


@endpoint(
    "PATCH",
    "/api/tables/{table_id}/records/{record_id}",
    "Update a record (merge; version: only if unchanged, else 409)",
    request=m.RecordPatch,
    response=m.RecordOut,
)
def update_record(c: Call) -> m.RecordOut:
    c.who.write()
    done = _table(c).update(
        c.path["record_id"], _fields_in(c.body.fields), expected_version=c.body.version
    )
    return record_out(done)


@endpoint(
    "DELETE",
    "/api/tables/{table_id}/records/{record_id}",
    "Move a record to the trash",
    response=m.Done,
)
def delete_record(c: Call) -> m.Done:
    c.who.write()
    _table(c).delete(c.path["record_id"])
    return m.Done(ids=[c.path["record_id"]])


@endpoint(
    "GET",
    "/api/tables/{table_id}/records/{record_id}/history",
    "A record's changes, newest first",
    response=m.HistoryList,
)
def record_history(c: Call) -> m.HistoryList:
    table = _table(c)
    table.get(c.path["record_id"])  # NotFound outside the user's rows
    entries = table.history(c.path["record_id"])
    return m.HistoryList(history=[m.HistoryOut(**e.__dict__) for e in entries])


@endpoint(
    "GET",
    "/api/tables/{table_id}/export",
    "Export the table (format=csv or xlsx)",
    query=[("format", "string", "csv (default) or xlsx")],
    tag="imports and exports",
)
def export_table(c: Call) -> Response:
    table = _table(c)
    kind = c.query.get("format", "csv")
    if kind not in ("csv", "xlsx"):
        raise bad_request("format must be csv or xlsx", "format 必须是 csv 或 xlsx")
    folder = Path(tempfile.mkdtemp(prefix="tessera-export-"))
    path = folder / f"export.{kind}"
    exports.export(table, path)

    def clean() -> None:
        path.unlink(missing_ok=True)
        folder.rmdir()

    media = (
        "text/csv"
        if kind == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return FileResponse(
        path, media_type=media, filename=f"{table.name}.{kind}", background=BackgroundTask(clean)
    )


# --- views and saved filters --------------------------------------------------------------------
def view_out(v: Any) -> m.ViewOut:
    config = (
        v.config.model_dump(mode="json")
        if isinstance(v.config, BaseModel)
        else dict(v.config or {})
    )
    return m.ViewOut(id=v.id, table_id=v.table_id, name=v.name, kind=v.kind, visibility=v.visibility,
                     query=v.query.model_dump(mode="json"), config=config)  # fmt: skip


@endpoint(
    "GET",
    "/api/tables/{table_id}/views",
    "List the views you can see",
    response=m.ViewList,
    tag="views",
)
def list_views(c: Call) -> m.ViewList:
    return m.ViewList(views=[view_out(v) for v in Views(_table(c)).list()])


@endpoint(
    "POST",
    "/api/tables/{table_id}/views",
    "Create a view",
    request=m.ViewIn,
    response=m.ViewOut,
    status=201,
    tag="views",
)
def create_view(c: Call) -> m.ViewOut:
    c.who.write()
    b = c.body
    return view_out(
        Views(_table(c)).create(
            b.name, b.kind, query=b.query, config=b.config, visibility=b.visibility
        )
    )


@endpoint(
    "GET", "/api/tables/{table_id}/views/{view_id}", "Get a view", response=m.ViewOut, tag="views"
)
def get_view(c: Call) -> m.ViewOut:
    return view_out(Views(_table(c)).get(c.path["view_id"]))


@endpoint(
    "PATCH",
    "/api/tables/{table_id}/views/{view_id}",
    "Change a view",
    request=m.ViewPatch,
    response=m.ViewOut,
    tag="views",
)
def patch_view(c: Call) -> m.ViewOut:
    c.who.write()
    views, b, vid = Views(_table(c)), c.body, c.path["view_id"]
    view = views.get(vid)
    if b.query is not None or b.config is not None or b.visibility is not None:
        view = views.update(vid, query=b.query, config=b.config, visibility=b.visibility)
    if b.name is not None:
        view = views.rename(vid, b.name)
    return view_out(view)


@endpoint(
    "DELETE",
    "/api/tables/{table_id}/views/{view_id}",
    "Delete a view",
    response=m.Done,
    tag="views",
)
def delete_view(c: Call) -> m.Done:
    c.who.write()
    Views(_table(c)).delete(c.path["view_id"])
    return m.Done(ids=[c.path["view_id"]])


@endpoint(
    "GET",
    "/api/tables/{table_id}/views/{view_id}/records",
    "A page of a view's records",
    response=m.RecordPage,
    query=PAGE_QUERY,
    tag="views",
)
def view_records(c: Call) -> m.RecordPage:
    result = Views(_table(c)).rows(
        c.path["view_id"], page=_size(c.query), search=c.query.get("search") or None
    )
    return _page(result)


def filter_out(f: Any) -> m.FilterOut:
    return m.FilterOut(
        id=f.id, table_id=f.table_id, name=f.name, filter=f.filter.model_dump(mode="json")
    )


@endpoint(
    "GET",
    "/api/tables/{table_id}/filters",
    "List the table's saved filters",
    response=m.FilterList,
    tag="views",
)
def list_filters(c: Call) -> m.FilterList:
    return m.FilterList(filters=[filter_out(f) for f in Views(_table(c)).filters()])


@endpoint(
    "POST",
    "/api/tables/{table_id}/filters",
    "Create a saved filter",
    request=m.FilterIn,
    response=m.FilterOut,
    status=201,
    tag="views",
)
def create_filter(c: Call) -> m.FilterOut:
    c.who.write()
    return filter_out(Views(_table(c)).create_filter(c.body.name, c.body.filter))


@endpoint(
    "PATCH",
    "/api/tables/{table_id}/filters/{filter_id}",
    "Rename or redefine a saved filter",
    request=m.FilterPatch,
    response=m.FilterOut,
    tag="views",
)
def patch_filter(c: Call) -> m.FilterOut:
    c.who.write()
    return filter_out(
        Views(_table(c)).update_filter(c.path["filter_id"], name=c.body.name, filter=c.body.filter)
    )


@endpoint(
    "DELETE",
    "/api/tables/{table_id}/filters/{filter_id}",
    "Delete a saved filter (refused while in use)",
    response=m.Done,
    tag="views",
)
def delete_filter(c: Call) -> m.Done:
    c.who.write()
    Views(_table(c)).delete_filter(c.path["filter_id"])
    return m.Done(ids=[c.path["filter_id"]])


# --- plumbing -----------------------------------------------------------------------------------
def _route_path(path: str) -> str:
    return path.replace("_id}", "_id:int}")


def _handler(ep: Endpoint) -> Callable[[Request], Any]:
    async def handle(request: Request) -> Response:
        try:
            ids = {k: int(v) for k, v in request.path_params.items()}
            if any(v > MAX_ID for v in ids.values()):
                raise NotFound("No such object", "没有这个对象")
            data = None
            if ep.request is not None:
                raw = await body(request)
                data = ep.request.model_validate(raw if raw is not None else {})
            call = Call(caller(request), ids, dict(request.query_params), data)
            result = await off_loop(lambda: ep.run(call))
        except PydanticValidationError as e:
            return tessera_response(from_pydantic(e))
        except TesseraError as e:
            return tessera_response(e)
        except IntegrityError:
            return tessera_response(
                ApiError(
                    409, "conflict", "The change conflicts with another", "此修改与其他修改冲突"
                )
            )
        except DataError:
            return tessera_response(
                ApiError(422, "invalid_value", "A value cannot be stored", "有值无法存储")
            )
        if isinstance(result, Response):
            return result
        return JSONResponse(result.model_dump(mode="json"), ep.status)

    return handle


def routes() -> list[Route]:
    by_path: dict[str, dict[str, Endpoint]] = {}
    for ep in ENDPOINTS:
        by_path.setdefault(ep.path, {})[ep.method] = ep
    out: list[Route] = []
    for path, methods in by_path.items():
        handlers = {meth: _handler(ep) for meth, ep in methods.items()}

        async def dispatch(request: Request, handlers: dict[str, Any] = handlers) -> Response:
            response: Response = await handlers[request.method](request)
            return response

        out.append(Route(_route_path(path), dispatch, methods=list(methods)))
    return out
