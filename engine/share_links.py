"""Share links: a read-only link to a view (optionally with a password, an expiry and export),
and a public link to a form view.

The token is random (32 bytes, URL-safe) and only its SHA-256 is stored, so the table of links
never gives a working link away. A link shows exactly its view: the view's visible fields and the
rows its filter keeps (`shared_schema`), nothing else, whoever made it. Links are revocable; every
creation, revocation and use is in the audit log. Editors and above share views.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from . import audit, meta, passwords, permissions
from .errors import Forbidden, NotFound, SchemaError
from .model import TableSchema, load_table
from .sqltypes import UTC

KINDS = ("view", "form")


@dataclass(frozen=True)
class ShareLink:
    id: int
    view_id: int
    table_id: int
    base_id: int
    kind: str
    has_password: bool
    allow_export: bool
    expires_at: dt.datetime | None
    created_by: int | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    password_hash: str | None = dataclasses.field(default=None, repr=False)

    @property
    def active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > dt.datetime.now(UTC)


@dataclass(frozen=True)
class NewShareLink:
    link: ShareLink
    token: str  # shown once; only its digest is kept


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _select() -> Any:
    s, v, t = meta.share_links, meta.views, meta.tables
    return (
        select(s, v.c.table_id, t.c.base_id)
        .join(v, v.c.id == s.c.view_id)
        .join(t, t.c.id == v.c.table_id)
    )


def _link(r: Row[Any]) -> ShareLink:
    return ShareLink(
        id=r.id,
        view_id=r.view_id,
        table_id=r.table_id,
        base_id=r.base_id,
        kind=r.kind,
        has_password=r.password_hash is not None,
        allow_export=bool(r.allow_export),
        expires_at=r.expires_at,
        created_by=r.created_by,
        created_at=r.created_at,
        revoked_at=r.revoked_at,
        password_hash=r.password_hash,
    )


def _view(conn: Connection, view_id: int) -> Row[Any]:
    v = meta.views
    row = conn.execute(select(v).where(v.c.id == view_id, v.c.trashed_at.is_(None))).first()
    if row is None:
        raise NotFound(f"No view with id {view_id}", f"没有 ID 为 {view_id} 的视图")
    return row


def create(
    conn: Connection,
    view_id: int,
    *,
    actor: int | None,
    kind: str | None = None,
    password: str | None = None,
    expires_at: dt.datetime | None = None,
    allow_export: bool = False,
) -> NewShareLink:
    """A new link to the view: a form view gets a form link, any other a read-only link."""
    view = _view(conn, view_id)
    schema = permissions.schema_for(conn, view.table_id, actor)  # NotFound unless they see it
    if schema.access is not None:
        schema.access.base.require("editor", "share views", "分享视图")
    if view.visibility == "personal":
        raise Forbidden(
            "A personal view cannot be shared; make it collaborative first",
            "个人视图不能分享，请先将其设为协作视图",
        )
    kind = kind or ("form" if view.kind == "form" else "view")
    if kind not in KINDS or (kind == "form") != (view.kind == "form"):
        raise SchemaError(
            f"A {view.kind} view cannot have a {kind} link", f"{view.kind} 视图不能生成 {kind} 链接"
        )
    if expires_at is not None and expires_at.tzinfo is None:
        raise SchemaError("The expiry needs a time zone", "过期时间需要带时区")
    if password:
        passwords.check(password, field="share link password")
    token = secrets.token_urlsafe(32)
    s = meta.share_links
    link_id = conn.execute(
        insert(s)
        .values(
            view_id=view_id,
            kind=kind,
            token_hash=digest(token),
            password_hash=passwords.hash_password(password) if password else None,
            allow_export=allow_export and kind == "view",
            expires_at=expires_at,
            created_by=actor,
            created_at=dt.datetime.now(UTC),
        )
        .returning(s.c.id)
    ).scalar_one()
    audit.log(
        conn,
        "share.create",
        user_id=actor,
        base_id=schema.base_id,
        detail={"view_id": view_id, "link_id": link_id, "kind": kind, "export": allow_export},
    )
    return NewShareLink(get(conn, int(link_id)), token)


def get(conn: Connection, link_id: int) -> ShareLink:
    row = conn.execute(_select().where(meta.share_links.c.id == link_id)).first()
    if row is None:
        raise NotFound(f"No share link with id {link_id}", f"没有 ID 为 {link_id} 的分享链接")
    return _link(row)


def list_links(conn: Connection, view_id: int) -> list[ShareLink]:
    s = meta.share_links
    rows = conn.execute(_select().where(s.c.view_id == view_id).order_by(s.c.id)).all()
    return [_link(r) for r in rows]


def revoke(conn: Connection, link_id: int, *, actor: int | None) -> None:
    link = get(conn, link_id)
    schema = permissions.schema_for(conn, link.table_id, actor)
    if schema.access is not None:
        schema.access.base.require("editor", "revoke share links", "撤销分享链接")
    s = meta.share_links
    conn.execute(update(s).where(s.c.id == link_id).values(revoked_at=dt.datetime.now(UTC)))
    audit.log(
        conn, "share.revoke", user_id=actor, base_id=link.base_id, detail={"link_id": link_id}
    )


def resolve(conn: Connection, token: str) -> ShareLink:
    """The live link of a token; NotFound (the same for unknown, revoked and expired links, and
    for a link whose view or table was deleted) otherwise."""
    row = conn.execute(_select().where(meta.share_links.c.token_hash == digest(token))).first()
    link = _link(row) if row is not None else None
    if link is None or not link.active or not _view_live(conn, link):
        raise NotFound("This link does not exist or has expired", "此链接不存在或已失效")
    return link


def _view_live(conn: Connection, link: ShareLink) -> bool:
    try:
        _view(conn, link.view_id)
        load_table(conn, link.table_id)
    except NotFound:
        return False
    return True


def check_password(link: ShareLink, password: str) -> bool:
    return link.password_hash is None or passwords.verify(link.password_hash, password)


def pass_key(token: str, link: ShareLink) -> str:
    """What a visitor who gave the right password keeps (in a cookie) to open the link again:
    derived from the token and the stored hash, so it dies with the link or a new password."""
    return hmac.new(token.encode(), (link.password_hash or "").encode(), "sha256").hexdigest()


def pass_ok(token: str, link: ShareLink, key: str | None) -> bool:
    return link.password_hash is None or (
        key is not None and hmac.compare_digest(key, pass_key(token, link))
    )


def used(conn: Connection, link: ShareLink, what: str, ip: str | None = None) -> None:
    audit.log(
        conn,
        f"share.{what}",
        user_id=None,
        base_id=link.base_id,
        detail={"link_id": link.id, "view_id": link.view_id},
        ip=ip,
    )


def shared_schema(conn: Connection, link: ShareLink, visible: list[int]) -> TableSchema:
    """The table as the link shows it: only `visible` (the view's visible fields), read-only."""
    schema = load_table(conn, link.table_id)
    keep = set(visible)
    hidden = frozenset(f.id for f in schema.fields if f.id not in keep)
    access = permissions.TableAccess(
        permissions.BaseAccess(None, schema.base_id, "viewer", "viewer"),
        schema,
        "read",
        hidden,
        frozenset(f.id for f in schema.fields if f.id in keep),
    )
    return dataclasses.replace(
        schema,
        fields=[f for f in schema.fields if f.id in keep],
        access=access,
        _table=schema.sql,
    )
