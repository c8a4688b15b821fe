"""Who is asking: sessions in a signed cookie, access tokens for the APIs, and CSRF tokens.

`Authenticate` runs before every route. It finds the acting user — from the session cookie, or
for the APIs (`/api/`, `/v0/`) from `Authorization: Bearer <personal access token>` — and leaves
an `AuthInfo` in the request scope, which `server.context` turns into `db.acting_as(user)`. A
request that needs a user and has none is sent to the sign-in page (htmx requests with
`HX-Redirect`; API requests get 401).

Cross-site request forgery: besides `RequireHtmx`'s same-site check, every state-changing request
of a session must carry the session's CSRF token in the `X-CSRF-Token` header (htmx sends it from
`hx-headers` on <body>). Plain forms made before there is a session (sign-in, accepting an
invitation) carry a token in a hidden field that must match a signed cookie (double submit).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature, TimestampSigner
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

import engine
from engine.sessions import SESSION_TTL
from engine.tokens import Grant

SESSION_COOKIE = "tessera_session"
CSRF_COOKIE = "tessera_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SCOPE_KEY = "tessera.auth"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
API_PREFIXES = ("/api/", "/v0/")
# reachable without signing in
PUBLIC_PREFIXES = ("/static/", "/invite/", "/s/")  # /s/: share links (routes/shares.py)
PUBLIC_PATHS = {"/signin", "/healthz", "/lang"}
# plain (non-htmx) form posts; each checks its own double-submit token
PLAIN_FORM_PREFIXES = ("/signin", "/invite/", "/s/")


@dataclass(frozen=True)
class AuthInfo:
    user_id: int | None = None
    session: str | None = None  # the session token, when signed in through the browser
    csrf: str | None = None
    grant: Grant | None = None  # when signed in with an access token


def auth_of(conn: HTTPConnection) -> AuthInfo:
    found = conn.scope.get(SCOPE_KEY)
    return found if isinstance(found, AuthInfo) else AuthInfo()


# --- the secret ---------------------------------------------------------------------------------
def load_secret(db: engine.Database) -> str:
    """$TESSERA_SECRET_KEY, else a random key kept beside the attachments (made on first use).
    Every worker serving one database must share it."""
    env = os.environ.get("TESSERA_SECRET_KEY")
    if env:
        return env
    path = Path(db.attachments.root) / ".secret_key"
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            draft = path.with_name(f".secret_key.{secrets.token_hex(8)}")
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
            try:  # whole or not at all; the first worker to get there wins
                os.link(draft, path)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        key = path.read_text().strip()
    except OSError as e:
        raise RuntimeError(f"cannot keep the secret key in {path}: {e}") from e
    if not key:
        raise RuntimeError(f"the secret key file {path} is empty")
    return key


class Keys:
    """What the secret signs: session cookies, CSRF tokens, double-submit cookies."""

    def __init__(self, secret: str) -> None:
        self.secret = secret.encode()
        self.session = TimestampSigner(secret, salt="tessera.session")
        self.form = TimestampSigner(secret, salt="tessera.form")

    def session_cookie(self, token: str) -> str:
        return self.session.sign(token).decode()

    def session_token(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            max_age = int(SESSION_TTL.total_seconds())
            return self.session.unsign(cookie, max_age=max_age).decode()
        except BadSignature:
            return None

    def csrf(self, session_token: str) -> str:
        return hmac.new(self.secret, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()

    def form_cookie(self, value: str) -> str:
        return self.form.sign(value).decode()

    def form_value(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            return self.form.unsign(cookie, max_age=86400).decode()
        except BadSignature:
            return None


def keys(conn: HTTPConnection) -> Keys:
    found: Keys = conn.app.state.keys
    return found


# --- the middleware -----------------------------------------------------------------------------
def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def is_api(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def bearer(headers: dict[str, str]) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class Authenticate:
    def __init__(self, app: ASGIApp, db: engine.Database, keys: Keys) -> None:
        self.app = app
        self.db = db
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith("/static/") or path == "/healthz":  # no one needs to be known
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        token = bearer(headers) if is_api(path) else None
        if token is not None:
            try:
                grant = self.db.verify_token(token)
            except engine.Unauthorized as e:
                await _api_401(e)(scope, receive, send)
                return
            scope[SCOPE_KEY] = AuthInfo(user_id=grant.user_id, grant=grant)
            await self.app(scope, receive, send)
            return
        session = self.keys.session_token(request.cookies.get(SESSION_COOKIE))
        user_id = self.db.session_user(session) if session else None
        info = (
            AuthInfo(user_id, session, self.keys.csrf(session))
            if user_id is not None and session
            else AuthInfo()
        )
        scope[SCOPE_KEY] = info
        if info.user_id is None and not is_public(path):
            await _sign_in_first(request, headers)(scope, receive, send)
            return
        if (
            info.session is not None
            and scope["method"] not in SAFE_METHODS
            and not path.startswith(PLAIN_FORM_PREFIXES)
            and not hmac.compare_digest(headers.get(CSRF_HEADER, ""), info.csrf or "")
        ):
            await Response("Forbidden: missing or wrong CSRF token", 403)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _api_401(e: engine.TesseraError | None = None) -> Response:
    en = e.message_en if e else "Sign in with a personal access token (Authorization: Bearer …)"
    zh = e.message_zh if e else "请使用个人访问令牌登录（Authorization: Bearer …）"
    body = {"error": {"type": "AUTHENTICATION_REQUIRED", "message": en, "message_zh": zh}}
    return JSONResponse(body, 401, headers={"WWW-Authenticate": "Bearer"})


def _sign_in_first(request: Request, headers: dict[str, str]) -> Response:
    if is_api(request.url.path):
        return _api_401()
    if headers.get("hx-request") == "true":
        current = headers.get("hx-current-url", "")
        here = current.split("://", 1)[-1].partition("/")[2] if current else ""
        target = "/signin?next=" + quote("/" + here, safe="") if here else "/signin"
        return Response(status_code=401, headers={"HX-Redirect": target})
    if request.method in SAFE_METHODS:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target = "/signin" if here == "/" else "/signin?next=" + quote(here, safe="")
        return RedirectResponse(target, 303)
    return Response("Sign in first", 401)


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another host)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    return value


# --- cookies ------------------------------------------------------------------------------------
def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        keys(request).session_cookie(token),
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )


def clear_session(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=_secure(request), path="/"
    )


def form_token(request: Request, response_cookies: dict[str, str]) -> str:
    """The double-submit token of a plain form: the one in the visitor's cookie, or a new one
    (put in `response_cookies` to be set with the page)."""
    current = keys(request).form_value(request.cookies.get(CSRF_COOKIE))
    if current:
        return current
    value = secrets.token_urlsafe(24)
    response_cookies[CSRF_COOKIE] = keys(request).form_cookie(value)
    return value


def set_form_cookies(response: Response, request: Request, cookies: dict[str, str]) -> None:
    for name, value in cookies.items():
        response.set_cookie(
            name, value, max_age=86400, httponly=True, samesite="lax", secure=_secure(request)
        )


def form_token_ok(request: Request, submitted: Any) -> bool:
    expected = keys(request).form_value(request.cookies.get(CSRF_COOKIE))
    info = auth_of(request)
    candidates = [c for c in (expected, info.csrf) if c]
    return isinstance(submitted, str) and any(hmac.compare_digest(submitted, c) for c in candidates)


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def plain_form_same_site(path: str, headers: dict[str, str]) -> bool:
    """A plain form post to one of the pages that take them, from this site."""
    if not path.startswith(PLAIN_FORM_PREFIXES):
        return False
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = headers.get("origin")
    if origin and origin != "null":
        return origin.split("://", 1)[-1] == headers.get("host")
    return True


def api_with_token(path: str, headers: dict[str, str]) -> bool:
    """An API call authenticated by a bearer token (no cookies: nothing to forge)."""
    return is_api(path) and bearer(headers) is not None


def csrf_json(info: AuthInfo) -> str:
    return json.dumps({"X-CSRF-Token": info.csrf or ""})
