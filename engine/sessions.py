"""Server-side sessions and signing in.

A session is a random token handed to the browser (in a signed cookie); only its SHA-256 is
stored, so a copy of the database cannot be used to sign in. A session ends when it expires, when
the user signs out, and — every session of the user — when their password changes.

Signing in is rate-limited through `meta_login_attempts`: after `EMAIL_LIMIT` failures for one
email (since its last success) or `IP_LIMIT` failures from one address within `WINDOW`, further
attempts are refused without checking the password, with the time to wait.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select, update

from . import audit, meta, passwords
from .errors import RateLimited, TesseraError, Unauthorized
from .sqltypes import UTC

SESSION_TTL = dt.timedelta(days=14)
WINDOW = dt.timedelta(minutes=15)
EMAIL_LIMIT = 5
IP_LIMIT = 20
TOUCH_EVERY = dt.timedelta(minutes=5)
KEEP_ATTEMPTS = dt.timedelta(
    days=1
)  # sign-in attempts and ended sessions are forgotten after  # how stale last_seen_at may get before it is written


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(token: str) -> str:
    """What is stored of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


# --- sessions -------------------------------------------------------------------------------------
def create(
    conn: Connection,
    user_id: int,
    *,
    ip: str | None = None,
    user_agent: str | None = None,
    ttl: dt.timedelta = SESSION_TTL,
) -> str:
    """A new session of the user; returns its token (shown to no one but the browser)."""
    token = new_secret()
    at = now()
    conn.execute(
        insert(meta.sessions).values(
            user_id=user_id,
            token_hash=digest(token),
            created_at=at,
            expires_at=at + ttl,
            last_seen_at=at,
            ip=ip,
            user_agent=(user_agent or "")[:255] or None,
        )
    )
    return token


def lookup(conn: Connection, token: str) -> tuple[int, bool] | None:
    """The user of a live session (not expired, not revoked, user not disabled) and whether its
    last use is stale enough to note; None for any other token."""
    s, u = meta.sessions, meta.users
    row = conn.execute(
        select(s.c.user_id, s.c.last_seen_at)
        .join(u, u.c.id == s.c.user_id)
        .where(
            s.c.token_hash == digest(token),
            s.c.revoked_at.is_(None),
            s.c.expires_at > now(),
            u.c.disabled.is_(False),
        )
    ).first()
    if row is None:
        return None
    stale = row.last_seen_at is None or now() - row.last_seen_at > TOUCH_EVERY
    return int(row.user_id), stale


def touch(conn: Connection, token: str) -> None:
    s = meta.sessions
    conn.execute(update(s).where(s.c.token_hash == digest(token)).values(last_seen_at=now()))


def resolve(conn: Connection, token: str) -> int | None:
    """The user of a live session, else None; notes its use every few minutes."""
    found = lookup(conn, token)
    if found is None:
        return None
    if found[1]:
        touch(conn, token)
    return found[0]


def revoke(conn: Connection, token: str) -> int | None:
    """End one session (signing out); returns its user, if it was live."""
    s = meta.sessions
    user_id = conn.execute(
        select(s.c.user_id).where(s.c.token_hash == digest(token), s.c.revoked_at.is_(None))
    ).scalar()
    conn.execute(
        update(s)
        .where(s.c.token_hash == digest(token), s.c.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    return None if user_id is None else int(user_id)


def revoke_all(conn: Connection, user_id: int) -> int:
    """End every session of the user; returns how many there were."""
    s = meta.sessions
    result = conn.execute(
        update(s)
        .where(s.c.user_id == user_id, s.c.revoked_at.is_(None), s.c.expires_at > now())
        .values(revoked_at=now())
    )
    return int(result.rowcount)


# --- signing in -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignIn:
    """The outcome of one attempt: a session token and user, or the error to show. It is returned,
    not raised, so that the attempt and its audit entry are committed either way."""

    token: str | None = None
    user_id: int | None = None
    error: TesseraError | None = None


def _wait(conn: Connection, key: str, limit: int, *, reset_by_success: bool) -> int:
    """Seconds until `key` may try again (0: now)."""
    a = meta.login_attempts
    since = now() - WINDOW
    if reset_by_success:
        last_ok = conn.execute(
            select(func.max(a.c.at)).where(a.c.key == key, a.c.success.is_(True))
        ).scalar()
        if last_ok is not None and last_ok > since:
            since = last_ok
    failures = list(
        conn.execute(
            select(a.c.at)
            .where(a.c.key == key, a.c.success.is_(False), a.c.at > since)
            .order_by(a.c.at.desc())
            .limit(limit)
        ).scalars()
    )
    if len(failures) < limit:
        return 0
    # free again when the oldest of the last `limit` failures leaves the window
    oldest: dt.datetime = failures[-1]
    return max(1, math.ceil((oldest + WINDOW - now()).total_seconds()))


def _refusal(seconds: int) -> RateLimited:
    minutes = max(1, math.ceil(seconds / 60))
    return RateLimited(
        f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
        f"登录失败次数过多，请在 {minutes} 分钟后重试。",
        retry_after=seconds,
    )


def sign_in(
    conn: Connection,
    email: str,
    password: str,
    *,
    ip: str | None = None,
    user_agent: str | None = None,
) -> SignIn:
    key = email.strip().lower()
    email_key, ip_key = ("email:" + key)[:320], ("ip:" + ip)[:320] if ip else None
    wait = max(
        _wait(conn, email_key, EMAIL_LIMIT, reset_by_success=True),
        _wait(conn, ip_key, IP_LIMIT, reset_by_success=False) if ip_key else 0,
    )
    u = meta.users
    user = conn.execute(
        select(u.c.id, u.c.password_hash, u.c.disabled).where(u.c.email == key)
    ).first()
    user_id = None if user is None else int(user.id)
    if wait:
        audit.log(
            conn,
            "signin_refused",
            user_id=user_id,
            detail={"email": key, "reason": "rate_limited"},
            ip=ip,
        )
        return SignIn(error=_refusal(wait))
    ok = passwords.verify(user.password_hash if user else None, password)
    ok = ok and user is not None and not user.disabled
    at = now()
    rows = [{"key": email_key, "at": at, "success": ok}]
    if ip_key:
        rows.append({"key": ip_key, "at": at, "success": ok})
    a = meta.login_attempts
    conn.execute(  # what no limit looks at any more
        delete(a).where(a.c.key.in_([r["key"] for r in rows]), a.c.at < at - KEEP_ATTEMPTS)
    )
    conn.execute(insert(a), rows)
    if not ok or user is None:
        audit.log(conn, "signin_failed", user_id=user_id, detail={"email": key}, ip=ip)
        return SignIn(
            error=Unauthorized("The email or the password is not right", "邮箱或密码不正确")
        )
    if passwords.needs_rehash(user.password_hash):
        conn.execute(
            update(u)
            .where(u.c.id == user.id)
            .values(password_hash=passwords.hash_password(password))
        )
    s = meta.sessions
    conn.execute(delete(s).where(s.c.user_id == user.id, s.c.expires_at < at - KEEP_ATTEMPTS))
    token = create(conn, int(user.id), ip=ip, user_agent=user_agent)
    audit.log(conn, "signin", user_id=int(user.id), ip=ip)
    return SignIn(token=token, user_id=int(user.id))
