"""The endpoints of `/api/`: each declared once — method, path, request and response models —
so that both the routes and the OpenAPI document come from the one list (`ENDPOINTS`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.exc import DataError, IntegrityError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.errors import NotFound, TesseraError

from .access import Caller, caller
from .errors import ApiError, from_pydantic, tessera_response
from .http import MAX_UPLOAD, body, off_loop, too_large

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
    raw_body: bool = False  # the body is a file (application/octet-stream), given as bytes


ENDPOINTS: list[Endpoint] = []


def endpoint(
    method: str, path: str, summary: str, **kw: Any
) -> Callable[[Callable[[Call], Any]], Callable[[Call], Any]]:
    def register(fn: Callable[[Call], Any]) -> Callable[[Call], Any]:
        ENDPOINTS.append(Endpoint(method, path, summary, fn, **kw))
        return fn

    return register


# --- plumbing -----------------------------------------------------------------------------------
def _route_path(path: str) -> str:
    return path.replace("_id}", "_id:int}")


def _handler(ep: Endpoint) -> Callable[[Request], Any]:
    async def handle(request: Request) -> Response:
        try:
            ids = {k: int(v) for k, v in request.path_params.items()}
            if any(v > MAX_ID for v in ids.values()):
                raise NotFound("No such object", "没有这个对象")
            data: Any = None
            if ep.raw_body:
                data = await request.body()
                if len(data) > MAX_UPLOAD:
                    raise too_large(MAX_UPLOAD)
            elif ep.request is not None:
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
