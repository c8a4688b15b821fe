"""Errors of the two APIs, each in its own shape, from the engine's typed errors.

Tessera's API (`/api/`): one shape for every error,
`{"error": {"code", "status", "message": {"en", "zh"}, "problems": [...]}}`, where a rejected write
lists every problem (code, field, message in en and zh, row of a batch).

The Airtable-compatible API (`/v0/`): Airtable's shapes — `{"error": "NOT_FOUND"}` for what does
not exist (or may not be seen), `{"error": {"type": "INVALID_VALUE_FOR_COLUMN", "message": …}}`
for the rest — with the same HTTP statuses Airtable uses.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as PydanticValidationError
from starlette.responses import JSONResponse

from engine.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    QueryError,
    RateLimited,
    SchemaError,
    TesseraError,
    Unauthorized,
    ValidationError,
)
from engine.formula import FormulaError


class ApiError(TesseraError):
    """An error of the HTTP layer itself: a bad request (400), a body too large (413), an
    unsupported option (422), a token that may not do this (403)."""

    def __init__(
        self,
        status: int,
        code: str,
        message_en: str,
        message_zh: str,
        *,
        airtable_type: str | None = None,
        problems: list[Problem] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message_en, message_zh)
        self.status = status
        self.code = code
        self.airtable_type = airtable_type or code.upper()
        self.problems = problems or []
        self.headers = headers or {}


def bad_request(en: str, zh: str, *, airtable_type: str = "INVALID_REQUEST_UNKNOWN") -> ApiError:
    return ApiError(422, "invalid_request", en, zh, airtable_type=airtable_type)


def from_pydantic(e: PydanticValidationError) -> ApiError:
    """A request body that does not fit its model: every problem, each naming where it is."""
    problems = []
    for err in e.errors():
        where = ".".join(str(p) for p in err["loc"]) or "body"
        problems.append(
            Problem(
                code=str(err["type"]),
                message_en=f"{where}: {err['msg']}",
                message_zh=f"{where}：{err['msg']}",
                field_name=where,
            )
        )
    first = problems[0].message_en if problems else "invalid request body"
    return ApiError(
        422,
        "invalid_request",
        f"Invalid request: {first}",
        f"请求无效：{problems[0].message_zh if problems else '请求体无效'}",
        airtable_type="INVALID_REQUEST_UNKNOWN",
        problems=problems,
    )


def status_of(e: TesseraError) -> int:
    if isinstance(e, ApiError):
        return e.status
    if isinstance(e, NotFound):
        return 404
    if isinstance(e, Forbidden):
        return 403
    if isinstance(e, Unauthorized):
        return 401
    if isinstance(e, RateLimited):
        return 429
    if isinstance(e, Conflict):
        return 409
    return 422  # validation, schema, query and formula errors: the request cannot be done


def _headers(e: TesseraError) -> dict[str, str]:
    if isinstance(e, ApiError):
        return e.headers
    if isinstance(e, RateLimited):
        return {"Retry-After": str(e.retry_after)}
    return {}


def _problems(e: TesseraError) -> list[dict[str, Any]]:
    found = e.problems if isinstance(e, ValidationError | ApiError) else []
    return [
        {
            "code": p.code,
            "field": p.field_name,
            "field_id": p.field_id,
            "row": p.row,
            "message": {"en": p.message_en, "zh": p.message_zh},
        }
        for p in found
    ]


def tessera_response(e: TesseraError) -> JSONResponse:
    status = status_of(e)
    body: dict[str, Any] = {
        "code": e.code,
        "status": status,
        "message": {"en": e.message_en, "zh": e.message_zh},
        "problems": _problems(e),
    }
    if isinstance(e, FormulaError):
        body["position"] = e.position
    return JSONResponse({"error": body}, status, headers=_headers(e))


def airtable_type(e: TesseraError) -> str:
    if isinstance(e, ApiError):
        return e.airtable_type
    if isinstance(e, ValidationError):
        return "INVALID_VALUE_FOR_COLUMN"
    if isinstance(e, FormulaError):
        return "INVALID_FILTER_BY_FORMULA"
    if isinstance(e, Forbidden):
        return "INVALID_PERMISSIONS"
    if isinstance(e, Unauthorized):
        return "AUTHENTICATION_REQUIRED"
    if isinstance(e, RateLimited):
        return "RATE_LIMIT_REACHED"
    if isinstance(e, Conflict):
        return "DUPLICATE_OR_CONFLICT"
    if isinstance(e, SchemaError):
        return "INVALID_FIELD_TYPE_OPTIONS"
    if isinstance(e, QueryError):
        return "INVALID_REQUEST_UNKNOWN"
    return "INVALID_REQUEST_UNKNOWN"


def airtable_response(e: TesseraError) -> JSONResponse:
    status = status_of(e)
    if status == 404:
        return JSONResponse({"error": "NOT_FOUND"}, 404)
    message = e.message_en
    if isinstance(e, ValidationError) and e.problems:
        message = "; ".join(
            p.message_en
            if not p.field_name or p.field_name in p.message_en
            else f"Field {p.field_name!r}: {p.message_en}"
            for p in e.problems
        )
    error: dict[str, Any] = {"type": airtable_type(e), "message": message}
    error["message_zh"] = e.message_zh
    return JSONResponse({"error": error}, status, headers=_headers(e))
