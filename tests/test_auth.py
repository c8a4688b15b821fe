"""Users and signing in: argon2 password hashes and rules, sessions (expiry, sign-out, password
change), sign-in rate limiting, the session cookie's flags, CSRF tokens, and where a visitor who
is not signed in is sent. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update
from starlette.testclient import TestClient

import engine
from engine import meta, passwords, sessions
from server.app import create_app
from server.auth import CSRF_COOKIE, SESSION_COOKIE
from tests.ui_helpers import sign_in

PASSWORD = "correct horse battery"


@pytest.fixture
def ann(db: engine.Database) -> int:
    return db.create_user("Ann@Example.com", "Ann", password=PASSWORD)


def audit_kinds(db: engine.Database) -> list[str]:
    a = meta.audit_log
    with db.read() as conn:
        return list(conn.execute(select(a.c.kind).order_by(a.c.id)).scalars())


# --- passwords ------------------------------------------------------------------------------------
def test_passwords_are_stored_as_argon2id_hashes(db, ann):
    with db.read() as conn:
        stored = conn.execute(select(meta.users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert passwords.verify(stored, PASSWORD)
    assert not passwords.verify(stored, PASSWORD + "x")
    assert not passwords.verify(None, PASSWORD)
    assert db.find_user("ann@example.com").has_password


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("short", ["password_too_short"]),
        ("ann@example.com", ["password_is_email"]),
        ("        ", ["password_blank"]),
        ("aaaaaaaaaa", ["password_repeated"]),
        ("x" * 300, ["password_too_long"]),
    ],
)
def test_password_rules_name_every_problem_in_both_languages(db, password, codes):
    with pytest.raises(engine.ValidationError) as e:
        db.create_user("ann@example.com", password=password)
    assert [p.code for p in e.value.problems] == codes
    for p in e.value.problems:
        assert p.field_name == "password" and p.message_en and p.message_zh != p.message_en
    assert db.find_user("ann@example.com") is None  # nothing half-written


def test_a_weak_old_hash_is_replaced_at_the_next_sign_in(db, ann):
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    u = meta.users
    with db.write() as conn:
        conn.execute(update(u).where(u.c.id == ann).values(password_hash=weak))
    db.sign_in("ann@example.com", PASSWORD)
    with db.read() as conn:
        stored = conn.execute(select(u.c.password_hash).where(u.c.id == ann)).scalar_one()
    assert stored != weak and not passwords.needs_rehash(stored)
    assert passwords.verify(stored, PASSWORD)


# --- signing in -----------------------------------------------------------------------------------
def test_sign_in_makes_a_session_stored_only_as_its_hash(db, ann):
    token = db.sign_in(" ANN@example.com ", PASSWORD, ip="10.0.0.1", user_agent="pytest")
    assert db.session_user(token) == ann
    with db.read() as conn:
        row = conn.execute(select(meta.sessions)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in str(row)
    assert row.ip == "10.0.0.1" and row.user_agent == "pytest"
    assert row.expires_at - row.created_at == sessions.SESSION_TTL
    assert audit_kinds(db) == ["signin"]


@pytest.mark.parametrize(
    ("email", "password"),
    [("ann@example.com", "wrong password"), ("nobody@example.com", PASSWORD), ("", "")],
)
def test_a_wrong_email_or_password_is_refused_the_same_way(db, ann, email, password):
    with pytest.raises(engine.Unauthorized) as e:
        db.sign_in(email, password, ip="10.0.0.1")
    assert e.value.message_en == "The email or the password is not right"
    assert e.value.message_zh == "邮箱或密码不正确"
    assert audit_kinds(db) == ["signin_failed"]  # recorded although the call failed


def test_a_disabled_user_cannot_sign_in_and_loses_their_sessions(db, ann):
    token = db.sign_in("ann@example.com", PASSWORD)
    with db.write() as conn:
        conn.execute(update(meta.users).where(meta.users.c.id == ann).values(disabled=True))
    assert db.session_user(token) is None
    with pytest.raises(engine.Unauthorized):
        db.sign_in("ann@example.com", PASSWORD)


def test_sessions_expire(db, ann):
    token = db.sign_in("ann@example.com", PASSWORD)
    with db.write() as conn:
        conn.execute(
            update(meta.sessions).values(
                expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            )
        )
    assert db.session_user(token) is None


def test_sign_out_ends_only_that_session(db, ann):
    laptop = db.sign_in("ann@example.com", PASSWORD)
    phone = db.sign_in("ann@example.com", PASSWORD)
    db.sign_out(laptop)
    assert db.session_user(laptop) is None and db.session_user(phone) == ann
    assert audit_kinds(db)[-1] == "signout"
    assert db.session_user("not a token") is None


def test_changing_the_password_ends_every_session(db, ann):
    laptop = db.sign_in("ann@example.com", PASSWORD)
    phone = db.sign_in("ann@example.com", PASSWORD)
    me = db.acting_as(ann)
    with pytest.raises(engine.Unauthorized):
        me.change_password("wrong", "a new password 1")
    with pytest.raises(engine.ValidationError):
        me.change_password(PASSWORD, "short")
    assert db.session_user(laptop) == ann  # a refused change changes nothing
    fresh = me.change_password(PASSWORD, "a new password 1")
    assert db.session_user(laptop) is None and db.session_user(phone) is None
    assert db.session_user(fresh) == ann
    with pytest.raises(engine.Unauthorized):
        db.sign_in("ann@example.com", PASSWORD)
    assert db.session_user(db.sign_in("ann@example.com", "a new password 1")) == ann
    assert "password_changed" in audit_kinds(db)


def test_only_an_admin_sets_another_users_password(db, ann):
    bob = db.create_user("bob@example.com", password="bobs password 1")
    with pytest.raises(engine.Forbidden):
        db.acting_as(bob).set_password(ann, "taken over 123")
    admin = db.create_user("root@example.com", admin=True)
    db.acting_as(admin).set_password(ann, "reset by admin 1")
    assert db.sign_in("ann@example.com", "reset by admin 1")


# --- rate limiting --------------------------------------------------------------------------------
def fail(db: engine.Database, email: str, ip: str, n: int) -> None:
    for _ in range(n):
        with pytest.raises(engine.Unauthorized):
            db.sign_in(email, "wrong password", ip=ip)


def test_five_failures_for_an_email_lock_it_for_fifteen_minutes(db, ann):
    fail(db, "ann@example.com", "10.0.0.1", sessions.EMAIL_LIMIT)
    with pytest.raises(engine.RateLimited) as e:
        db.sign_in("ann@example.com", PASSWORD, ip="10.0.0.2")  # the right password, refused
    assert 0 < e.value.retry_after <= 15 * 60
    assert "15 minutes" in e.value.message_en and "15 分钟后重试" in e.value.message_zh
    assert audit_kinds(db)[-1] == "signin_refused"
    # other accounts are not affected
    db.create_user("bob@example.com", password="bobs password 1")
    assert db.sign_in("bob@example.com", "bobs password 1", ip="10.0.0.3")
    # once the failures are older than the window, the account is open again
    with db.write() as conn:
        a = meta.login_attempts
        conn.execute(update(a).values(at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)))
    assert db.sign_in("ann@example.com", PASSWORD, ip="10.0.0.2")


def test_a_success_resets_the_count_for_the_email(db, ann):
    fail(db, "ann@example.com", "10.0.0.1", sessions.EMAIL_LIMIT - 1)
    db.sign_in("ann@example.com", PASSWORD, ip="10.0.0.1")
    fail(db, "ann@example.com", "10.0.0.1", sessions.EMAIL_LIMIT - 1)
    assert db.sign_in("ann@example.com", PASSWORD, ip="10.0.0.1")


def test_many_failures_from_one_address_lock_that_address(db, ann):
    for i in range(sessions.IP_LIMIT):
        fail(db, f"guess{i}@example.com", "10.9.9.9", 1)
    with pytest.raises(engine.RateLimited):
        db.sign_in("ann@example.com", PASSWORD, ip="10.9.9.9")
    assert db.sign_in("ann@example.com", PASSWORD, ip="10.0.0.1")


# --- the web: pages, cookies, CSRF ----------------------------------------------------------------
@pytest.fixture
def client(db: engine.Database) -> Any:
    with TestClient(create_app(db, secret="test secret")) as c:
        yield c


def signin_form(client: TestClient, next_url: str = "/") -> str:
    page = client.get(f"/signin?next={next_url}")
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def post_signin(client: TestClient, password: str = PASSWORD, **extra: str) -> Any:
    token = signin_form(client, extra.get("next", "/"))
    data = {"email": "ann@example.com", "password": password, "csrf_token": token, **extra}
    return client.post("/signin", data=data, follow_redirects=False)


def test_visitors_are_sent_to_sign_in_and_back(client, ann):
    r = client.get("/t/1?x=2", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin?next=%2Ft%2F1%3Fx%3D2"
    r = client.get("/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/b/3"})
    assert r.status_code == 401 and r.headers["HX-Redirect"] == "/signin?next=%2Fb%2F3"
    r = client.post("/bases", headers={"HX-Request": "true"})
    assert r.status_code == 401
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/tessera.css").status_code == 200
    r = post_signin(client, next="/account")
    assert r.status_code == 303 and r.headers["location"] == "/account"
    assert client.get("/account").status_code == 200
    # signed in, the sign-in page sends you on
    r = client.get("/signin?next=/account", follow_redirects=False)
    assert r.headers["location"] == "/account"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\\evil"])
def test_after_sign_in_only_pages_of_this_site(client, ann, target):
    r = post_signin(client, next=target)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_a_wrong_password_shows_the_form_again_with_the_error(client, ann):
    r = post_signin(client, password="wrong password")
    assert r.status_code == 401 and "邮箱或密码不正确" in r.text
    assert 'value="ann@example.com"' in r.text and SESSION_COOKIE not in client.cookies


def test_the_form_says_when_to_try_again(client, ann):
    for _ in range(sessions.EMAIL_LIMIT):
        assert post_signin(client, password="wrong password").status_code == 401
    r = post_signin(client)
    assert r.status_code == 429 and "请在 15 分钟后重试" in r.text
    assert 0 < int(r.headers["Retry-After"]) <= 900


def test_the_session_cookie_is_signed_httponly_and_samesite(client, ann):
    r = post_signin(client)
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(SESSION_COOKIE + "=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP (development)
    value = client.cookies[SESSION_COOKIE]
    with client.app.state.db.read() as conn:  # the cookie is not the stored hash
        stored = conn.execute(select(meta.sessions.c.token_hash)).scalar_one()
    assert stored not in value
    # a tampered cookie is no session
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, ("A" if value[0] != "A" else "B") + value[1:])
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_session_cookie_is_secure_over_https(db, ann):
    with TestClient(create_app(db, secret="s"), base_url="https://testserver") as client:
        r = post_signin(client)
        assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]


def test_state_changing_requests_need_the_sessions_csrf_token(client, ann):
    post_signin(client)
    page = client.get("/")
    csrf = re.search(r'data-csrf="([^"]+)"', page.text).group(1)
    assert f'hx-headers=\'{{"X-CSRF-Token": "{csrf}"}}\'' in page.text
    htmx = {"HX-Request": "true", "HX-Prompt": "B"}
    assert client.post("/bases", headers=htmx).status_code == 403
    assert client.post("/bases", headers={**htmx, "X-CSRF-Token": "0" * 64}).status_code == 403
    assert client.post("/bases", headers={**htmx, "X-CSRF-Token": csrf}).status_code == 204
    # the same-site check stays
    cross = {**htmx, "X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"}
    assert client.post("/bases", headers=cross).status_code == 403
    # another session has another token
    other = TestClient(client.app)
    sign_in(other, client.app.state.db, "ann@example.com")
    assert other.headers["X-CSRF-Token"] != csrf


def test_the_sign_in_form_needs_its_double_submit_token(client, ann):
    token = signin_form(client)
    data = {"email": "ann@example.com", "password": PASSWORD}
    assert client.post("/signin", data=data).status_code == 403
    assert client.post("/signin", data={**data, "csrf_token": "forged"}).status_code == 403
    client.cookies.delete(CSRF_COOKIE)  # a token without its cookie is no good either
    r = client.post("/signin", data={**data, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403
    cross = {"Origin": "https://evil.example"}
    r = client.post("/signin", data={**data, "csrf_token": token}, headers=cross)
    assert r.status_code == 403


def test_signing_out_ends_the_session(client, ann):
    post_signin(client)
    csrf = re.search(r'data-csrf="([^"]+)"', client.get("/").text).group(1)
    cookie = client.cookies[SESSION_COOKIE]
    r = client.post("/signout", headers={"HX-Request": "true", "X-CSRF-Token": csrf})
    assert r.status_code == 204 and r.headers["HX-Redirect"] == "/signin"
    assert 'tessera_session=""' in r.headers["set-cookie"]
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie)  # the old cookie, kept by an attacker
    assert client.get("/", follow_redirects=False).status_code == 303


def test_changing_the_password_in_the_page(client, db, ann):
    post_signin(client)
    elsewhere = TestClient(client.app)
    sign_in(elsewhere, db, "ann@example.com")
    csrf = re.search(r'data-csrf="([^"]+)"', client.get("/account").text).group(1)
    h = {"HX-Request": "true", "X-CSRF-Token": csrf}
    form = {"current": PASSWORD, "new": "a new password 1", "repeat": "another one 12"}
    r = client.post("/account/password", data=form, headers=h)
    assert r.status_code == 400 and "两次输入的新密码不一致" in r.text
    same = {"repeat": form["new"]}
    r = client.post("/account/password", data={**form, **same, "current": "nope"}, headers=h)
    assert r.status_code == 400 and "当前密码不正确" in r.text
    r = client.post("/account/password", data={**form, "repeat": form["new"]}, headers=h)
    assert r.status_code == 204 and r.headers["HX-Redirect"] == "/account?changed=1"
    page = client.get("/account?changed=1")  # still signed in, with a new session
    assert page.status_code == 200 and "密码已修改" in page.text
    assert elsewhere.get("/", follow_redirects=False).status_code == 303  # signed out


def test_the_signed_in_user_acts_in_the_pages(client, db, ann):
    post_signin(client)
    page = client.get("/", headers={"Accept-Language": "en"})
    assert "Ann" in page.text and "ann@example.com" in page.text and "Sign out" in page.text
    csrf = re.search(r'data-csrf="([^"]+)"', page.text).group(1)
    r = client.post(
        "/bases", headers={"HX-Request": "true", "HX-Prompt": "Mine", "X-CSRF-Token": csrf}
    )
    base_id = int(r.headers["HX-Redirect"].split("/")[-1])
    assert db.base(base_id).members()[0].user_id == ann  # who made it owns it


def test_api_paths_take_a_bearer_token(client, db, ann):
    made = db.create_token("script", user=ann)
    assert (
        client.get("/api/nothing", headers={"Authorization": "Bearer tsr_nope"}).status_code == 401
    )
    r = client.get("/v0/meta/whoami", headers={"Authorization": "Bearer tsr_nope"})
    assert r.status_code == 401 and r.json()["error"]["type"] == "AUTHENTICATION_REQUIRED"
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/api/nothing").status_code == 401  # no token, no cookie
    good = {"Authorization": f"Bearer {made.token}"}
    assert client.get("/api/nothing", headers=good).status_code != 401
    # a token is for the APIs: pages still want a session
    assert client.get("/", headers=good, follow_redirects=False).status_code == 303
