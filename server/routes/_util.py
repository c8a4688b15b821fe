"""Small helpers shared by the route modules: reading forms, answering htmx."""

from __future__ import annotations

from urllib.parse import unquote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response


def prompt(request: Request) -> str:
    """The text typed into an `hx-prompt` dialog (htmx URI-encodes what a header cannot carry,
    such as Chinese, and says so)."""
    raw = request.headers.get("HX-Prompt", "")
    if request.headers.get("HX-Prompt-URI-AutoEncoded") == "true":
        raw = unquote(raw)
    return raw.strip()


def int_param(request: Request, name: str) -> int:
    value = request.path_params[name]
    return int(value)


def go(url: str, request: Request) -> Response:
    """Send the browser to `url`: a full navigation for htmx requests, a redirect otherwise."""
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, 303)


def refresh() -> Response:
    return Response(status_code=204, headers={"HX-Refresh": "true"})


def form_text(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name, default)
    return value.strip() if isinstance(value, str) else default


def form_int(form: FormData, name: str) -> int | None:
    value = form_text(form, name)
    try:
        return int(value)
    except ValueError:
        return None


def record_ids(form: FormData) -> list[int]:
    """The records a form names (`record`, once or more), each once, in order."""
    return list(dict.fromkeys(int(str(v)) for v in form.getlist("record") if str(v).isdecimal()))
