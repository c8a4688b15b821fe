"""Members of a base: roles, the owner rules, invitations by email, and the field and row
permission settings — through the Python API and the web pages. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

import engine
from engine import meta
from server.app import create_app
from server.auth import SESSION_COOKIE
from tests.ui_helpers import sign_in
from views.api import Views


@pytest.fixture
def ann(db: engine.Database) -> int:
    return db.create_user("ann@example.com", "Ann")


@pytest.fixture
def bob(db: engine.Database) -> int:
    return db.create_user("bob@example.com", "Bob")


@pytest.fixture
def crm(db: engine.Database, ann: int) -> engine.Base:
    """A base Ann made (so she owns it)."""
    return db.acting_as(ann).create_base("CRM")


def audit(db: engine.Database) -> list[tuple[str, Any]]:
    a = meta.audit_log
    with db.read() as conn:
        return [(r.kind, r.detail) for r in conn.execute(select(a).order_by(a.c.id))]


def test_the_maker_of_a_base_owns_it(db, ann, crm):
    assert [(m.user_id, m.role) for m in crm.members()] == [(ann, "owner")]
    assert crm.role == "owner"


def test_owners_add_change_and_remove_members(db, ann, bob, crm):
    crm.add_member("BOB@example.com", "viewer")
    assert [(m.email, m.role) for m in crm.members()] == [
        ("ann@example.com", "owner"),
        ("bob@example.com", "viewer"),
    ]
    assert db.acting_as(bob).base(crm.id).role == "viewer"
    with pytest.raises(engine.Conflict):
        crm.add_member(bob, "editor")
    crm.set_role(bob, "editor")
    assert db.acting_as(bob).base(crm.id).role == "editor"
    with pytest.raises(engine.SchemaError) as e:
        crm.set_role(bob, "superuser")
    assert "superuser" in e.value.message_en and e.value.message_zh.startswith("未知角色")
    crm.remove_member(bob)
    assert [m.user_id for m in crm.members()] == [ann]
    with pytest.raises(engine.NotFound):
        db.acting_as(bob).base(crm.id)
    kinds = [k for k, _ in audit(db)]
    assert kinds[-3:] == ["member_added", "member_role_changed", "member_removed"]
    assert audit(db)[-2][1] == {"member": bob, "old": "viewer", "new": "editor"}


def test_a_base_always_keeps_an_owner(db, ann, bob, crm):
    with pytest.raises(engine.Conflict) as e:
        crm.remove_member(ann)
    assert (
        "at least one owner" in e.value.message_en and "至少要保留一位所有者" in e.value.message_zh
    )
    with pytest.raises(engine.Conflict):
        crm.set_role(ann, "editor")
    crm.add_member(bob, "owner")
    crm.set_role(ann, "editor")  # now Bob owns it
    as_bob = db.acting_as(bob).base(crm.id)
    with pytest.raises(engine.Conflict):
        as_bob.remove_member(bob)
    assert {m.user_id: m.role for m in crm.members()} == {ann: "editor", bob: "owner"}


def test_only_owners_and_admins_manage_members(db, ann, bob, crm):
    crm.add_member(bob, "creator")
    as_bob = db.acting_as(bob).base(crm.id)
    carol = db.create_user("carol@example.com")
    for attempt in (
        lambda: as_bob.add_member(carol, "viewer"),
        lambda: as_bob.set_role(ann, "viewer"),
        lambda: as_bob.remove_member(ann),
        lambda: as_bob.invite("dan@example.com", "viewer"),
    ):
        with pytest.raises(engine.Forbidden) as e:
            attempt()
        assert e.value.message_zh == "只有数据库的所有者和管理员可以管理成员和权限"
    as_bob.remove_member(bob)  # anyone may leave
    admin = db.create_user("root@example.com", admin=True)
    as_admin = db.acting_as(admin).base(crm.id)  # an admin is no member, yet an owner
    assert as_admin.role == "owner"
    as_admin.add_member(carol, "viewer")
    assert carol in [m.user_id for m in crm.members()]


# --- invitations ----------------------------------------------------------------------------------
def test_an_invitation_creates_the_account_and_the_membership(db, ann, crm):
    made = crm.invite(" Dan@Example.com ", "editor")
    assert made.invitation.email == "dan@example.com" and made.invitation.pending
    assert [i.email for i in crm.invitations()] == ["dan@example.com"]
    with db.read() as conn:
        stored = conn.execute(select(meta.invitations.c.token_hash)).scalar_one()
    assert made.token not in stored
    with pytest.raises(engine.ValidationError):
        db.accept_invitation(made.token, name="Dan", password="short")
    assert crm.invitations()  # a refused acceptance changes nothing
    dan = db.accept_invitation(made.token, name="Dan", password="dans password 1")
    assert {m.user_id: m.role for m in crm.members()}[dan] == "editor"
    assert db.session_user(db.sign_in("dan@example.com", "dans password 1")) == dan
    assert crm.invitations() == []
    with pytest.raises(engine.NotFound) as e:
        db.accept_invitation(made.token, name="Eve", password="eves password 1")
    assert "used, withdrawn or has expired" in e.value.message_en


def test_an_existing_user_accepts_while_signed_in_as_themself(db, ann, bob, crm):
    made = crm.invite("bob@example.com", "commenter")
    with pytest.raises(engine.Conflict):  # no new account for an existing email
        db.accept_invitation(made.token, name="B", password="whatever 123")
    carol = db.create_user("carol@example.com")
    with pytest.raises(engine.Forbidden) as e:
        db.acting_as(carol).accept_invitation(made.token)
    assert "bob@example.com" in e.value.message_en
    assert db.acting_as(bob).accept_invitation(made.token) == bob
    assert db.acting_as(bob).base(crm.id).role == "commenter"


def test_invitations_expire_are_replaced_and_withdrawn(db, ann, bob, crm):
    first = crm.invite("dan@example.com", "viewer")
    second = crm.invite("dan@example.com", "editor")  # replaces the first
    with pytest.raises(engine.NotFound):
        db.invitation(first.token)
    assert db.invitation(second.token).role == "editor"
    i = meta.invitations
    with db.write() as conn:
        week_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
        conn.execute(update(i).values(created_at=week_ago))
    with pytest.raises(engine.NotFound):
        db.accept_invitation(second.token, name="Dan", password="dans password 1")
    third = crm.invite("dan@example.com", "viewer")
    crm.revoke_invitation(third.invitation.id)
    with pytest.raises(engine.NotFound):
        db.invitation(third.token)
    crm.add_member(bob, "viewer")
    with pytest.raises(engine.Conflict):
        crm.invite("bob@example.com", "editor")  # already a member


# --- field and row permissions --------------------------------------------------------------------
@pytest.fixture
def customers(db: engine.Database, crm: engine.Base) -> engine.Table:
    return crm.create_table(
        "客户",
        [{"name": "姓名"}, {"name": "手机", "type": "phone"}, {"name": "负责人", "type": "user"}],
    )


def test_field_permission_setters(db, ann, bob, crm, customers):
    phone = customers.field("手机").id
    customers.set_field_permission("手机", "viewer", "hidden")
    customers.set_field_permission(phone, "editor", "read_only")
    assert customers.field_permissions() == {phone: {"viewer": "hidden", "editor": "read_only"}}
    customers.set_field_permission(phone, "editor", "normal")
    assert customers.field_permissions() == {phone: {"viewer": "hidden"}}
    with pytest.raises(engine.SchemaError) as e:
        customers.set_field_permission(phone, "owner", "hidden")
    assert "Owners" in e.value.message_en
    with pytest.raises(engine.SchemaError):
        customers.set_field_permission(phone, "viewer", "invisible")
    with pytest.raises(engine.NotFound):
        customers.set_field_permission("no such field", "viewer", "hidden")
    crm.add_member(bob, "creator")
    with pytest.raises(engine.Forbidden):
        engine.Table(db.acting_as(bob), customers.id).set_field_permission(
            phone, "viewer", "normal"
        )
    changes = [d for k, d in audit(db) if k == "field_permission_changed"]
    assert changes[0] == {
        "table": customers.id, "field": phone, "role": "viewer", "old": "normal", "new": "hidden"
    }  # fmt: skip


def test_row_permission_setters(db, ann, bob, crm, customers):
    views = Views(customers)
    mine = views.create_filter(
        "我负责的", {"items": [{"field": "负责人", "op": "is", "value": "me"}]}
    )
    other = crm.create_table("订单", [{"name": "单号"}])
    theirs = Views(other).create_filter("全部", {"items": []})
    crm.add_member(bob, "viewer")
    by_role = customers.add_row_permission(mine.id, role="viewer")
    by_user = customers.add_row_permission(mine.id, user="bob@example.com")
    rules = customers.row_permissions()
    assert [(r.id, r.role, r.user_id, r.filter_name) for r in rules] == [
        (by_role, "viewer", None, "我负责的"),
        (by_user, None, bob, "我负责的"),
    ]
    with pytest.raises(engine.Conflict):
        customers.add_row_permission(mine.id, role="viewer")
    with pytest.raises(engine.SchemaError):
        customers.add_row_permission(theirs.id, role="viewer")  # another table's filter
    with pytest.raises(engine.SchemaError):
        customers.add_row_permission(mine.id)  # for whom?
    with pytest.raises(engine.SchemaError):
        customers.add_row_permission(mine.id, role="owner")
    carol = db.create_user("carol@example.com")
    with pytest.raises(engine.NotFound):
        customers.add_row_permission(mine.id, user=carol)  # not a member
    # a filter a rule uses cannot be deleted (that would widen what the role sees)
    with pytest.raises(engine.Conflict) as e:
        views.delete_filter(mine)
    assert "row permission" in e.value.message_en
    customers.remove_row_permission(by_role)
    assert [r.id for r in customers.row_permissions()] == [by_user]
    # removing a member removes their own rules
    crm.remove_member(bob)
    assert customers.row_permissions() == []
    views.delete_filter(mine)


def test_an_owner_is_me_rule_limits_a_member_to_their_records(db, ann, bob, crm, customers):
    crm.add_member(bob, "viewer")
    customers.create_many(
        [
            {"姓名": "张三", "负责人": bob},
            {"姓名": "李四", "负责人": ann},
            {"姓名": "王五"},
        ]
    )
    mine = Views(customers).create_filter(
        "我负责的", {"items": [{"field": "负责人", "op": "is", "value": "me"}]}
    )
    customers.add_row_permission(mine.id, role="viewer")
    customers.set_field_permission("手机", "viewer", "hidden")
    as_bob = engine.Table(db.acting_as(bob), customers.id)
    assert [r["姓名"] for r in as_bob.all()] == ["张三"]
    assert as_bob.count() == 1
    assert "手机" not in [f.name for f in as_bob.fields]
    assert customers.count() == 3  # the owner is not limited


# --- the web pages --------------------------------------------------------------------------------
@pytest.fixture
def client(db: engine.Database, ann: int) -> Any:
    with TestClient(create_app(db, secret="s")) as c:
        sign_in(c, db, "ann@example.com")
        yield c


HX = {"HX-Request": "true"}


def test_members_page_invites_changes_roles_and_removes(client, db, ann, bob, crm):
    page = client.get(f"/b/{crm.id}/members")
    assert page.status_code == 200 and "ann@example.com" in page.text and "所有者" in page.text
    r = client.post(
        f"/b/{crm.id}/members", data={"email": "bob@example.com", "role": "viewer"}, headers=HX
    )
    assert r.status_code == 200 and "已将 bob@example.com 加入数据库" in r.text
    r = client.post(f"/b/{crm.id}/members/{bob}/role", data={"role": "editor"}, headers=HX)
    assert r.status_code == 200 and crm.members()[1].role == "editor"
    r = client.post(f"/b/{crm.id}/members/{ann}/remove", headers=HX)
    assert r.status_code == 400 and "至少要保留一位所有者" in r.text
    r = client.post(
        f"/b/{crm.id}/members", data={"email": "dan@example.com", "role": "editor"}, headers=HX
    )
    link = re.search(r'id="invite-link">([^<]+)<', r.text).group(1)
    assert link.startswith("http://testserver/invite/") and "dan@example.com" in r.text
    r = client.post(f"/b/{crm.id}/members/{bob}/remove", headers=HX)
    assert r.status_code == 200 and "bob@example.com" not in r.text


def test_a_member_who_is_not_an_owner_sees_but_cannot_manage(client, db, ann, bob, crm):
    crm.add_member(bob, "editor")
    with TestClient(client.app) as other:
        sign_in(other, db, "bob@example.com")
        page = other.get(f"/b/{crm.id}/members")
        assert page.status_code == 200 and "ann@example.com" in page.text
        assert f'hx-post="/b/{crm.id}/members"' not in page.text  # no invite form
        r = other.post(f"/b/{crm.id}/members/{ann}/role", data={"role": "viewer"}, headers=HX)
        assert r.status_code == 400 and "只有数据库的所有者和管理员" in r.text
        assert other.get(f"/t/{crm.create_table('T').id}/permissions").status_code == 403


def test_accepting_an_invitation_in_the_browser(client, db, ann, crm):
    made = crm.invite("dan@example.com", "viewer")
    with TestClient(client.app) as visitor:  # not signed in
        page = visitor.get(f"/invite/{made.token}")
        assert page.status_code == 200 and "加入“CRM”" in page.text and "只读者" in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        form = {"csrf_token": token, "name": "Dan", "password": "short"}
        r = visitor.post(f"/invite/{made.token}", data=form)
        assert r.status_code == 400 and "至少需要 8 个字符" in r.text
        r = visitor.post(f"/invite/{made.token}", data={**form, "csrf_token": "forged"})
        assert r.status_code == 403
        form["password"] = "dans password 1"
        r = visitor.post(f"/invite/{made.token}", data=form, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/b/{crm.id}"
        assert SESSION_COOKIE in r.headers["set-cookie"]
        assert visitor.get(f"/b/{crm.id}/members").status_code == 200  # signed in, a member
        assert visitor.get(f"/invite/{made.token}").status_code == 404  # used


def test_permissions_page_sets_field_access_and_row_rules(client, db, ann, bob, crm, customers):
    crm.add_member(bob, "viewer")
    mine = Views(customers).create_filter(
        "我负责的", {"items": [{"field": "负责人", "op": "is", "value": "me"}]}
    )
    page = client.get(f"/t/{customers.id}/permissions")
    assert page.status_code == 200 and "字段权限" in page.text and "我负责的" in page.text
    phone = customers.field("手机").id
    r = client.post(
        f"/t/{customers.id}/permissions/field",
        data={"field": str(phone), "role": "viewer", "access": "hidden"},
        headers=HX,
    )
    assert r.status_code == 200 and 'class="access-hidden"' in r.text
    assert customers.field_permissions() == {phone: {"viewer": "hidden"}}
    r = client.post(
        f"/t/{customers.id}/permissions/rows",
        data={"who": f"user:{bob}", "filter": str(mine.id)},
        headers=HX,
    )
    assert r.status_code == 200 and "Bob" in r.text
    rule = customers.row_permissions()[0]
    assert (rule.user_id, rule.filter_id) == (bob, mine.id)
    r = client.post(
        f"/t/{customers.id}/permissions/rows",
        data={"who": f"user:{bob}", "filter": str(mine.id)},
        headers=HX,
    )
    assert r.status_code == 400 and "此行权限已存在" in r.text
    r = client.post(f"/t/{customers.id}/permissions/rows/{rule.id}/remove", headers=HX)
    assert r.status_code == 200 and customers.row_permissions() == []
