"""Personal access tokens: made (shown once, stored hashed), scoped to bases and to reading or
reading and writing, listed, expired, revoked — through the Python API, the web page and the
command line. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

import engine
from engine import meta
from engine.tokens import PREFIX
from server.app import create_app
from server.cli import main
from tests.ui_helpers import sign_in


@pytest.fixture
def ann(db: engine.Database) -> int:
    return db.create_user("ann@example.com", "Ann")


@pytest.fixture
def crm(db: engine.Database, ann: int) -> engine.Base:
    return db.acting_as(ann).create_base("CRM")


def test_a_token_is_shown_once_and_stored_hashed(db, ann):
    made = db.acting_as(ann).create_token("shop sync")
    assert made.token.startswith(PREFIX) and len(made.token) > 40
    assert made.info.prefix == made.token[:12] and made.info.name == "shop sync"
    with db.read() as conn:
        row = conn.execute(select(meta.tokens)).one()
    assert row.token_hash == hashlib.sha256(made.token.encode()).hexdigest()
    assert made.token not in str(tuple(row))
    kinds = [k for (k,) in db._read(lambda c: c.execute(select(meta.audit_log.c.kind)).all())]
    assert kinds == ["token_created"]


def test_verify_gives_user_bases_and_write(db, ann, crm):
    me = db.acting_as(ann)
    other = me.create_base("Other")
    everything = me.create_token("all")
    only_crm = me.create_token("crm, read", bases=["CRM"], can_write=False)
    user_id, bases, can_write = db.verify_token(everything.token)
    assert (user_id, bases, can_write) == (ann, None, True)
    assert db.verify_token(only_crm.token) == (ann, [crm.id], False)
    assert other.id not in (db.verify_token(only_crm.token).bases or [])
    with db.read() as conn:
        used = conn.execute(select(meta.tokens.c.last_used_at).order_by(meta.tokens.c.id)).scalars()
        assert all(u is not None for u in used)


@pytest.mark.parametrize("bad", ["", "tsr_", "tsr_unknown", "pat123.abc", "Bearer x"])
def test_unknown_tokens_are_refused(db, ann, bad):
    with pytest.raises(engine.Unauthorized) as e:
        db.verify_token(bad)
    assert "invalid" in e.value.message_en or "not valid" in e.value.message_en
    assert e.value.message_zh.startswith("访问令牌无效")


def test_revoked_expired_and_disabled_tokens_are_refused(db, ann):
    me = db.acting_as(ann)
    revoked = me.create_token("a")
    expiring = me.create_token("b", expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    kept = me.create_token("c")
    me.revoke_token(revoked.info.id)
    with pytest.raises(engine.Unauthorized):
        db.verify_token(revoked.token)
    t = meta.tokens
    with db.write() as conn:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        conn.execute(update(t).where(t.c.id == expiring.info.id).values(expires_at=past))
    with pytest.raises(engine.Unauthorized):
        db.verify_token(expiring.token)
    assert db.verify_token(kept.token).user_id == ann
    assert [i.name for i in me.tokens()] == ["c"]
    assert [i.name for i in me.tokens(include_inactive=True)] == ["a", "b", "c"]
    with db.write() as conn:
        conn.execute(update(meta.users).values(disabled=True))
    with pytest.raises(engine.Unauthorized):
        db.verify_token(kept.token)


def test_a_token_is_scoped_only_to_bases_its_user_can_open(db, ann, crm):
    bob = db.create_user("bob@example.com")
    with pytest.raises(engine.NotFound):
        db.acting_as(bob).create_token("x", bases=[crm.id])
    with pytest.raises(engine.SchemaError):
        db.acting_as(ann).create_token("x", bases=[])
    with pytest.raises(engine.SchemaError):
        db.acting_as(ann).create_token("   ")
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    with pytest.raises(engine.SchemaError):
        db.acting_as(ann).create_token("x", expires_at=past)


def test_only_the_owner_or_an_admin_manage_a_token(db, ann):
    made = db.acting_as(ann).create_token("mine")
    bob = db.create_user("bob@example.com")
    with pytest.raises(engine.Forbidden):
        db.acting_as(bob).revoke_token(made.info.id)
    with pytest.raises(engine.Forbidden):
        db.acting_as(bob).create_token("for ann", user=ann)
    admin = db.create_user("root@example.com", admin=True)
    db.acting_as(admin).revoke_token(made.info.id)
    with pytest.raises(engine.Unauthorized):
        db.verify_token(made.token)


# --- the web page ---------------------------------------------------------------------------------
@pytest.fixture
def client(db: engine.Database, ann: int) -> Any:
    with TestClient(create_app(db, secret="s")) as c:
        sign_in(c, db, "ann@example.com")
        yield c


def test_tokens_page_creates_lists_and_revokes(client, db, ann, crm):
    page = client.get("/account/tokens")
    assert page.status_code == 200 and "CRM" in page.text and "还没有令牌" in page.text
    form = {"name": "ERP", "base": str(crm.id), "access": "read", "expires": "30"}
    r = client.post("/account/tokens", data=form, headers={"HX-Request": "true"})
    assert r.status_code == 200
    secret = re.search(r'id="new-token">([^<]+)<', r.text).group(1)
    assert db.verify_token(secret) == (ann, [crm.id], False)
    info = db.acting_as(ann).tokens()[0]
    assert info.expires_at is not None and 29 <= (info.expires_at - info.created_at).days <= 30
    listed = client.get("/account/tokens").text
    assert info.prefix in listed and secret not in listed  # shown once only
    r = client.post(f"/account/tokens/{info.id}/revoke", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "还没有令牌" in r.text
    with pytest.raises(engine.Unauthorized):
        db.verify_token(secret)


def test_tokens_page_refuses_bad_input_and_other_peoples_tokens(client, db):
    r = client.post("/account/tokens", data={"name": ""}, headers={"HX-Request": "true"})
    assert r.status_code == 400 and "不能为空" in r.text
    bob = db.create_user("bob@example.com")
    theirs = db.acting_as(bob).create_token("bob's")
    r = client.post(f"/account/tokens/{theirs.info.id}/revoke", headers={"HX-Request": "true"})
    assert r.status_code == 404
    assert db.verify_token(theirs.token).user_id == bob


# --- the command line -----------------------------------------------------------------------------
def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_token_commands(db_url, db, ann, crm, capsys):
    code, out, _ = run(
        capsys, "--db", db_url, "token", "create", "--user", "ANN@example.com", "--name", "sync",
        "--base", "CRM", "--read-only", "--expires-days", "7",
    )  # fmt: skip
    assert code == 0
    secret = out.strip().splitlines()[-1]
    assert db.verify_token(secret) == (ann, [crm.id], False)
    code, out, _ = run(capsys, "--db", db_url, "token", "list", "--user", "ann@example.com")
    token_id = int(out.split("\t")[0])
    assert code == 0 and "sync" in out and "CRM" in out and "active" in out and secret not in out
    assert run(capsys, "--db", db_url, "token", "revoke", str(token_id))[0] == 0
    with pytest.raises(engine.Unauthorized):
        db.verify_token(secret)
    code, out, _ = run(capsys, "--db", db_url, "token", "list", "--user", "ann@example.com")
    assert out.strip() == "No tokens / 没有令牌"
    code, _, err = run(capsys, "--db", db_url, "token", "create", "--user", "nobody@x.com")
    assert code == 2 and "nobody@x.com" in err


def test_user_commands(db_url, db, capsys):
    code, out, _ = run(
        capsys, "--db", db_url, "user", "create", "--email", "Li@Example.com", "--name", "李娜",
        "--admin", "--password", "a good password",
    )  # fmt: skip
    assert code == 0 and "li@example.com" in out and "Password" not in out
    assert db.session_user(db.sign_in("li@example.com", "a good password"))
    assert db.find_user("li@example.com").is_admin
    code, out, _ = run(capsys, "--db", db_url, "user", "create", "--email", "wu@example.com")
    made_up = out.strip().splitlines()[-1].split(": ")[1]
    assert code == 0 and db.sign_in("wu@example.com", made_up)
    code, _, err = run(
        capsys, "--db", db_url, "user", "create", "--email", "x@example.com", "--password", "short"
    )
    assert code == 2 and "at least 8 characters" in err
    code, _, _ = run(
        capsys, "--db", db_url, "user", "password", "--email", "wu@example.com",
        "--password", "another good one",
    )  # fmt: skip
    assert code == 0 and db.sign_in("wu@example.com", "another good one")
    code, out, _ = run(capsys, "--db", db_url, "user", "list")
    assert "li@example.com\t李娜  (admin)" in out and "x@example.com" not in out


def test_first_run_makes_a_demo_admin_once(db_url, db, capsys):
    db.create_user("sales@tessera-demo.example", "Sales")  # a preset's demo user, no password
    code, out, _ = run(capsys, "--db", db_url, "user", "demo")
    assert code == 0 and "admin@tessera.local" in out
    password = re.search(r"password / 密码:\s+(\S+)", out).group(1)
    assert db.session_user(db.sign_in("admin@tessera.local", password))
    assert db.find_user("admin@tessera.local").is_admin
    # the preset's demo members can sign in too, with the same password
    assert "sales@tessera-demo.example" in out
    assert db.session_user(db.sign_in("sales@tessera-demo.example", password))
    code, out, _ = run(capsys, "--db", db_url, "user", "demo")
    assert code == 0 and password not in out and "admin@tessera.local" in out
    assert db.sign_in("admin@tessera.local", password)  # unchanged
