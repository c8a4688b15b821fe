"""What both APIs share at the HTTP level: path segments as sent (percent-decoded one by one,
so a name may hold a slash), JSON bodies with a size limit, and running engine calls off the
event loop."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import unquote

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from .errors import ApiError

T = TypeVar("T")
MAX_BODY = int(os.environ.get("TESSERA_API_MAX_BODY", str(5 * 1024 * 1024)))
MAX_UPLOAD = int(os.environ.get("TESSERA_API_MAX_UPLOAD", str(100 * 1024 * 1024)))  # imports


def segments(request: Request, prefix: str) -> list[str]:
    """The path after `prefix`, split at the slashes that were sent as slashes."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path
    path = path.split("?", 1)[0]
    rest = path[len(prefix) :] if path.startswith(prefix) else path
    return [unquote(p, encoding="utf-8", errors="replace") for p in rest.split("/") if p != ""]


async def body(request: Request) -> Any:
    """The JSON body (None when there is none); 413 above the limit, 400 if it is not JSON."""
    length = request.headers.get("content-length")
    if length and length.isdecimal() and int(length) > MAX_BODY:
        raise too_large()
    data = await request.body()
    if len(data) > MAX_BODY:
        raise too_large()
    if not data.strip():
        return None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        raise ApiError(
            400,
            "invalid_json",
            "The request body is not valid JSON",
            "请求体不是有效的 JSON",
            airtable_type="INVALID_REQUEST_BODY",
        ) from None


def too_large(limit: int = MAX_BODY) -> ApiError:
    return ApiError(
        413,
        "body_too_large",
        f"The request body is larger than {limit} bytes",
        f"请求体超过 {limit} 字节",
        airtable_type="REQUEST_TOO_LARGE",
    )


async def off_loop(fn: Callable[[], T]) -> T:
    return await run_in_threadpool(fn)
