"""`tessera user` and `tessera token`: accounts and personal access tokens from the command line.

tessera user create --email E [--name N] [--admin] [--password P]
tessera user password --email E [--password P]
tessera user list
tessera user demo                      # first run: a demo admin, and how to sign in
tessera token create --user EMAIL [--name N] [--base NAME ...] [--read-only] [--expires-days N]
tessera token list --user EMAIL
tessera token revoke ID

The command line acts as the system: it may do what an admin may. A password not given is asked
for on a terminal, or else made up and printed once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import secrets
import sys
from typing import Any

import engine
from engine.users import User

DEMO_EMAIL = "admin@tessera.local"
DEMO_DOMAIN = "tessera-demo.example"  # the demo users of the CRM preset


def register(sub: Any) -> None:
    """Add the `user` and `token` commands to the `tessera` command line's subparsers."""
    u = sub.add_parser("user", help="create users, set passwords")
    us = u.add_subparsers(dest="user_command", required=True)
    c = us.add_parser("create", help="create a user who can sign in")
    c.add_argument("--email", required=True)
    c.add_argument("--name", help="shown name (default: the part of the email before @)")
    c.add_argument("--admin", action="store_true", help="a workspace admin (owner of every base)")
    c.add_argument("--password", help="the password (default: asked for, or made up and printed)")
    c.set_defaults(func=cmd_create)
    p = us.add_parser("password", help="set a user's password (ends their sessions)")
    p.add_argument("--email", required=True)
    p.add_argument("--password", help="the new password (default: asked for, or made up)")
    p.set_defaults(func=cmd_password)
    ls = us.add_parser("list", help="list users")
    ls.set_defaults(func=cmd_list)
    d = us.add_parser("demo", help="make a demo admin unless someone can sign in already")
    d.set_defaults(func=cmd_demo)

    t = sub.add_parser("token", help="personal access tokens for the APIs")
    ts = t.add_subparsers(dest="token_command", required=True)
    tc = ts.add_parser("create", help="create a token and print it (shown only once)")
    tc.add_argument("--user", required=True, metavar="EMAIL")
    tc.add_argument("--name", default="cli", help="what the token is for")
    tc.add_argument(
        "--base", action="append", metavar="NAME", help="limit to this base (repeatable)"
    )
    tc.add_argument("--read-only", action="store_true", help="read, never write")
    tc.add_argument("--expires-days", type=int, metavar="N", help="expire after N days")
    tc.set_defaults(func=cmd_token_create)
    tl = ts.add_parser("list", help="list a user's tokens")
    tl.add_argument("--user", required=True, metavar="EMAIL")
    tl.add_argument("--all", action="store_true", help="revoked and expired ones too")
    tl.set_defaults(func=cmd_token_list)
    tr = ts.add_parser("revoke", help="revoke a token")
    tr.add_argument("id", type=int)
    tr.set_defaults(func=cmd_token_revoke)


def _password(given: str | None) -> tuple[str, bool]:
    """The password to use, and whether it was made up (and so must be printed)."""
    if given is not None:
        return given, False
    if sys.stdin.isatty():
        first = getpass.getpass("Password (empty: make one up) / 密码（留空则自动生成）: ")
        if first:
            if getpass.getpass("Again / 再次输入: ") != first:
                raise engine.SchemaError("The passwords differ", "两次输入的密码不一致")
            return first, False
    return secrets.token_urlsafe(12), True


def _user(db: engine.Database, email: str) -> User:
    found = db.find_user(email)
    if found is None:
        raise engine.NotFound(f"No user with email {email!r}", f"没有邮箱为 {email!r} 的用户")
    return found


def cmd_create(args: argparse.Namespace) -> int:
    password, made_up = _password(args.password)
    with engine.connect(args.db) as db:
        user_id = db.create_user(args.email, args.name, admin=args.admin, password=password)
    kind = "admin " if args.admin else ""
    print(f"Created {kind}user {args.email.strip().lower()} (user {user_id})")
    if made_up:
        print(f"Password / 密码: {password}")
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    with engine.connect(args.db) as db:
        user = _user(db, args.email)
        password, made_up = _password(args.password)
        db.set_password(user.id, password)
    print(f"Password of {user.email} set; their sessions ended. / 已设置密码，其会话已全部退出。")
    if made_up:
        print(f"Password / 密码: {password}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from engine import meta

    u = meta.users
    with engine.connect(args.db) as db, db.read() as conn:
        rows = conn.execute(
            select(
                u.c.id, u.c.email, u.c.name, u.c.is_admin, u.c.disabled, u.c.password_hash
            ).order_by(u.c.id)
        ).all()
    for r in rows:
        marks = [m for m, on in (("admin", r.is_admin), ("disabled", r.disabled)) if on]
        if r.password_hash is None:
            marks.append("no password")
        extra = f"  ({', '.join(marks)})" if marks else ""
        print(f"{r.id}\t{r.email}\t{r.name}{extra}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """On a database where nobody can sign in yet: an admin with a new password, printed."""
    from sqlalchemy import select

    from engine import meta

    u = meta.users
    with engine.connect(args.db) as db:
        with db.read() as conn:
            can_sign_in = conn.execute(
                select(u.c.email).where(u.c.password_hash.is_not(None)).limit(1)
            ).first()
        if can_sign_in is not None:
            if db.find_user(DEMO_EMAIL) is not None:
                print(
                    f"Sign in as {DEMO_EMAIL} (new password: tessera user password "
                    f"--email {DEMO_EMAIL}) / 以 {DEMO_EMAIL} 登录"
                )
            return 0
        password = secrets.token_urlsafe(9)
        existing = db.find_user(DEMO_EMAIL)
        if existing is None:
            db.create_user(DEMO_EMAIL, "Admin", admin=True, password=password)
        else:
            db.set_password(existing.id, password)
        with db.read() as conn:  # the demo members of the CRM preset, one per role
            demo = conn.execute(
                select(u.c.id, u.c.email, u.c.name)
                .where(u.c.email.like(f"%@{DEMO_DOMAIN}"), u.c.password_hash.is_(None))
                .order_by(u.c.id)
            ).all()
        for row in demo:
            db.set_password(row.id, password)
    print("Demo sign-ins created / 已创建演示账号 (http://127.0.0.1:8000):")
    print(f"  password / 密码:  {password}   (all of them / 以下账号通用)")
    print(f"  {DEMO_EMAIL:<34} Admin / 管理员")
    for row in demo:
        print(f"  {row.email:<34} {row.name}")
    print("  (shown once; set another: tessera user password --email EMAIL)")
    return 0


# --- tokens ---------------------------------------------------------------------------------------
def cmd_token_create(args: argparse.Namespace) -> int:
    with engine.connect(args.db) as db:
        user = _user(db, args.user)
        expires = (
            dt.datetime.now(dt.UTC) + dt.timedelta(days=args.expires_days)
            if args.expires_days
            else None
        )
        made = db.create_token(
            args.name,
            user=user.id,
            bases=args.base,
            can_write=not args.read_only,
            expires_at=expires,
        )
    scope = ", ".join(args.base) if args.base else "all bases / 全部数据库"
    access = "read-only / 只读" if args.read_only else "read-write / 读写"
    print(f"Token {made.info.id} for {user.email} ({scope}; {access}), shown only now:")
    print(made.token)
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    with engine.connect(args.db) as db:
        user = _user(db, args.user)
        found = db.tokens(user.id, include_inactive=args.all)
        names = {b.id: b.name for b in db.bases()}
    if not found:
        print("No tokens / 没有令牌")
    for t in found:
        scope = "all" if t.bases is None else ",".join(names.get(b, f"#{b}") for b in t.bases)
        state = "active" if t.active else ("revoked" if t.revoked_at else "expired")
        used = t.last_used_at.isoformat(timespec="minutes") if t.last_used_at else "never"
        print(
            f"{t.id}\t{t.name}\t{t.prefix}…\t{scope}\t{'rw' if t.can_write else 'r'}\t"
            f"{state}\tlast used {used}"
        )
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    with engine.connect(args.db) as db:
        db.revoke_token(args.id)
    print(f"Token {args.id} revoked / 令牌已撤销")
    return 0
