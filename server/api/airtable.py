"""The Airtable-compatible API under `/v0/`: one route that reads the path segment by segment
(so table names with slashes, spaces or Chinese work when percent-encoded) and answers in
Airtable's shapes, errors included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.errors import NotFound, TesseraError

from . import airtable_meta as meta
from . import airtable_options as options
from . import airtable_records as records
from . import airtable_writes as writes
from . import ids
from .access import Caller, caller
from .errors import airtable_response, from_pydantic
from .http import body, off_loop, segments

METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]


def _not_found() -> NotFound:
    return NotFound("No such endpoint", "没有这个接口")


async def _meta(request: Request, who: Caller, path: list[str]) -> Any:
    method = request.method
    data = await body(request) if method in ("POST", "PATCH", "PUT") else None
    call: Callable[[], Any]
    match path, method:
        case ["whoami"], "GET":
            call = lambda: meta.whoami(who)  # noqa: E731
        case ["bases"], "GET":
            call = lambda: meta.list_bases(who)  # noqa: E731
        case ["bases"], "POST":
            call = lambda: meta.create_base(who, data)  # noqa: E731
        case ["bases", b, "tables"], "GET":
            call = lambda: meta.list_tables(who, b)  # noqa: E731
        case ["bases", b, "tables"], "POST":
            call = lambda: meta.create_table(who, b, data)  # noqa: E731
        case ["bases", b, "tables", t], "PATCH":
            call = lambda: meta.update_table(who, b, t, data)  # noqa: E731
        case ["bases", b, "tables", t, "fields"], "POST":
            call = lambda: meta.create_field(who, b, t, data)  # noqa: E731
        case ["bases", b, "tables", t, "fields", f], "PATCH":
            call = lambda: meta.update_field(who, b, t, f, data)  # noqa: E731
        case _:
            raise _not_found()
    return await off_loop(call)


async def _records(request: Request, who: Caller, path: list[str]) -> Any:
    method = request.method
    params = list(request.query_params.multi_items())
    if len(path) == 2:
        b, t = path
        if method == "GET":
            opts = options.options_from_query(params)
            return await off_loop(lambda: records.list_records(who, b, t, opts))
        if method == "DELETE":
            refs = [v for k, v in params if k in ("records[]", "records")]
            done = await off_loop(lambda: writes.delete_records(who, b, t, refs))
            return {"records": [{"id": ids.encode("rec", i), "deleted": True} for i in done]}
        data = await body(request)
        if method == "POST":
            return await off_loop(lambda: writes.create_records(who, b, t, data))
        replace = method == "PUT"
        return await off_loop(lambda: writes.update_records(who, b, t, data, replace=replace))
    if len(path) == 3:
        b, t, r = path
        if r == "listRecords" and method == "POST":
            opts = options.options_from_body(await body(request), params)
            return await off_loop(lambda: records.list_records(who, b, t, opts))
        if method == "GET":
            opts = options.options_from_query(params)
            return await off_loop(lambda: records.get_record(who, b, t, r, opts))
        if method == "DELETE":
            done = await off_loop(lambda: writes.delete_records(who, b, t, [r]))
            return {"id": ids.encode("rec", done[0]), "deleted": True}
        if method in ("PATCH", "PUT"):
            data = await body(request)
            replace = method == "PUT"
            return await off_loop(
                lambda: writes.update_records(who, b, t, data, replace=replace, record_ref=r)
            )
    raise _not_found()


async def dispatch(request: Request) -> Response:
    try:
        path = segments(request, "/v0/")
        who = caller(request)
        if path and path[0] == "meta":
            result = await _meta(request, who, path[1:])
        else:
            result = await _records(request, who, path)
        return JSONResponse(result)
    except PydanticValidationError as e:
        return airtable_response(from_pydantic(e))
    except TesseraError as e:
        return airtable_response(e)


routes = [Route("/v0/{rest:path}", dispatch, methods=METHODS)]
