"""The OpenAPI 3.1 document of `/api/`, made from the endpoints' Pydantic models, and a plain
HTML page that lists it (no script from elsewhere)."""

from __future__ import annotations

import html
import json
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from . import models as m
from .endpoints import ENDPOINTS

REF = "#/components/schemas/{model}"
ERRORS = {
    "401": "No valid access token or session",
    "403": "Not allowed (role, read-only token or field)",
    "404": "Not found (or not visible to you)",
    "409": "Conflict: a name taken, a record changed since it was read, a unique value repeated",
    "413": "Request body too large",
    "422": "Invalid request or values: every problem listed",
    "429": "Rate limit reached (see Retry-After)",
}


def _schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=REF)
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    components: dict[str, Any] = {}
    error_ref = _schema(m.ErrorOut, components)
    paths: dict[str, Any] = {}
    for ep in ENDPOINTS:
        params: list[dict[str, Any]] = [
            {"name": part[1:-1], "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 1, "maximum": 2**53}}
            for part in ep.path.split("/") if part.startswith("{")
        ]  # fmt: skip
        params += [
            {"name": name, "in": "query", "required": False, "description": desc,
             "schema": {"type": kind}}
            for name, kind, desc in ep.query
        ]  # fmt: skip
        op: dict[str, Any] = {
            "summary": ep.summary,
            "operationId": ep.run.__name__,
            "tags": [ep.tag],
            "parameters": params,
            "responses": {
                str(ep.status): {
                    "description": "OK",
                    "content": (
                        {"application/json": {"schema": _schema(ep.response, components)}}
                        if ep.response is not None
                        else {
                            "application/octet-stream": {
                                "schema": {"type": "string", "format": "binary"}
                            }
                        }
                    ),
                },
                **{
                    code: {
                        "description": text,
                        "content": {"application/json": {"schema": error_ref}},
                    }
                    for code, text in ERRORS.items()
                },
            },
        }
        if ep.raw_body:
            op["requestBody"] = {
                "required": True,
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        elif ep.request is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _schema(ep.request, components)}},
            }
        paths.setdefault(ep.path, {})[ep.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tessera API",
            "version": "1",
            "description": "Bases, tables, fields, records, views and saved filters. "
            "Authenticate with `Authorization: Bearer <personal access token>` "
            "(`tessera token create --user EMAIL`). Every call acts as the token's user.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"token": []}],
    }


async def spec(request: Request) -> Response:
    return JSONResponse(document())


async def docs(request: Request) -> Response:
    doc = document()
    rows = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            body = (
                op.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
            )
            name = body.get("$ref", "").rsplit("/", 1)[-1]
            schema = (
                json.dumps(doc["components"]["schemas"].get(name, {}), indent=1, ensure_ascii=False)
                if name
                else ""
            )
            rows.append(
                f"<section><h3><code>{method.upper()} {html.escape(path)}</code></h3>"
                f"<p>{html.escape(op['summary'])}</p>"
                + (
                    f"<details><summary>Body: {html.escape(name)}</summary><pre>{html.escape(schema)}</pre></details>"
                    if name
                    else ""
                )
                + "</section>"
            )
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Tessera API</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "section{border-top:1px solid #ddd;padding:.5rem 0}pre{background:#f6f6f6;padding:.5rem;overflow:auto}"
        "</style></head><body><h1>Tessera API</h1>"
        f"<p>{html.escape(doc['info']['description'])} The machine-readable document: "
        "<a href='/api/openapi.json'>/api/openapi.json</a>. The Airtable-compatible API is under "
        "<code>/v0/</code>.</p>" + "".join(rows) + "</body></html>"
    )
    return HTMLResponse(page)


routes = [Route("/api/openapi.json", spec), Route("/api/docs", docs)]
