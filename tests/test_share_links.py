"""Share links: a read-only view link shows only the view's visible fields and rows; passwords,
expiry, revocation, export and public form links."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from starlette.testclient import TestClient

import engine
from engine import share_links
from server.app import create_app
from views.api import Views


def share(db: engine.Database, view_id: int, actor: int | None = None, **kw: Any) -> str:
    with db.write() as conn:
        return share_links.create(conn, view_id, actor=actor, **kw).token


@pytest.fixture
def shared(app_db: engine.Database, customers: engine.Table) -> dict[str, Any]:
    views = Views(customers)
    vip = views.create(
        "VIP",
        "grid",
        query={"filter": {"items": [{"field": "等级", "op": "is", "value": "VIP"}]}},
        config={"hidden": [customers.field("邮箱").id, customers.field("消费").id]},
    )
    return {"db": app_db, "table": customers, "view": vip, "views": views}


@pytest.fixture
def visitor(app_db: engine.Database) -> Any:
    with TestClient(create_app(app_db)) as client:  # nobody signed in
        yield client


def test_a_view_link_shows_only_the_view(shared: dict[str, Any], visitor: TestClient) -> None:
    token = share(shared["db"], shared["view"].id)
    r = visitor.get(f"/s/{token}")
    assert r.status_code == 200
    assert "张三" in r.text and "李四" not in r.text  # the view's filter holds
    assert "zhang@example.com" not in r.text and "1,299" not in r.text  # hidden fields
    assert "邮箱" not in r.text
    # searching cannot reach a hidden field or a filtered-out row
    assert "data-id=" not in visitor.get(f"/s/{token}", params={"q": "zhang@"}).text
    assert "data-id=" not in visitor.get(f"/s/{token}", params={"q": "李四"}).text
    assert "data-id=" in visitor.get(f"/s/{token}", params={"q": "张"}).text
    # a link is not a way into the rest of the app
    assert visitor.get(f"/t/{shared['table'].id}", follow_redirects=False).status_code in (
        302,
        303,
        307,
    )


def test_unknown_revoked_and_expired_links_are_not_found(
    shared: dict[str, Any], visitor: TestClient
) -> None:
    db = shared["db"]
    assert visitor.get("/s/not-a-token").status_code == 404
    token = share(db, shared["view"].id)
    with db.write() as conn:
        link = share_links.resolve(conn, token)
        share_links.revoke(conn, link.id, actor=None)
    assert visitor.get(f"/s/{token}").status_code == 404
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    old = share(db, shared["view"].id, expires_at=past)
    assert visitor.get(f"/s/{old}").status_code == 404
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert visitor.get(f"/s/{share(db, shared['view'].id, expires_at=future)}").status_code == 200
    # only the digest is stored
    with db.read() as conn:
        stored = conn.execute(engine.meta.share_links.select()).all()
    assert all(token not in (r.token_hash or "") for r in stored)


def test_a_password_link_asks_first(shared: dict[str, Any], visitor: TestClient) -> None:
    token = share(shared["db"], shared["view"].id, password="long enough pass 1")
    r = visitor.get(f"/s/{token}")
    assert r.status_code == 200 and "张三" not in r.text and 'type="password"' in r.text
    bad = visitor.post(f"/s/{token}/password", data={"password": "wrong"})
    assert bad.status_code == 403 and "张三" not in bad.text
    ok = visitor.post(f"/s/{token}/password", data={"password": "long enough pass 1"})
    assert ok.status_code == 200 and "张三" in ok.text  # followed the redirect, with the cookie


def test_export_only_when_allowed(shared: dict[str, Any], visitor: TestClient) -> None:
    plain = share(shared["db"], shared["view"].id)
    assert visitor.get(f"/s/{plain}/export.csv").status_code == 404
    token = share(shared["db"], shared["view"].id, allow_export=True)
    r = visitor.get(f"/s/{token}/export.csv")
    assert r.status_code == 200
    text = r.content.decode("utf-8-sig")
    assert "张三" in text and "李四" not in text and "zhang@example.com" not in text
    assert visitor.get(f"/s/{token}/export.xlsx").status_code == 200


def test_a_form_link_creates_a_record(shared: dict[str, Any], visitor: TestClient) -> None:
    table = shared["table"]
    form = shared["views"].create("报名", "form")
    token = share(shared["db"], form.id)
    page = visitor.get(f"/s/{token}")
    assert page.status_code == 200 and f"/s/{token}" in page.text
    name = table.field("姓名").id
    r = visitor.post(f"/s/{token}", data={f"f{name}.value": "赵六"}, headers={"HX-Request": "true"})
    assert r.status_code == 200, r.text[:500]
    assert table.count() == 4


def test_who_may_share(app_db: engine.Database, customers: engine.Table) -> None:
    view = Views(customers).create("全部", "grid")
    viewer = app_db.create_user("viewer@example.com")
    from engine import members

    with app_db.write() as conn:
        members.add_member(conn, customers.schema().base_id, viewer, "viewer", actor=None)
    with pytest.raises(engine.Forbidden), app_db.write() as conn:
        share_links.create(conn, view.id, actor=viewer)
    mine = engine.Table(app_db.acting_as(viewer), customers.id)
    personal = Views(mine).create("我的", "grid", visibility="personal")
    with pytest.raises(engine.Forbidden), app_db.write() as conn:
        share_links.create(conn, personal.id, actor=None)


def test_sharing_from_the_toolbar(ui: Any, shared: dict[str, Any], visitor: TestClient) -> None:
    table, view = shared["table"], shared["view"]
    page = ui.get(f"/t/{table.id}/v/{view.id}").text
    assert f"/t/{table.id}/v/{view.id}/share" in page
    panel = ui.post(f"/t/{table.id}/v/{view.id}/share", data={"days": "7", "export": "1"})
    assert panel.status_code == 200
    url = panel.text.split('id="share-url"')[0].rsplit('value="', 1)[1].split('"', 1)[0]
    path = url.split("://", 1)[1].split("/", 1)[1]
    assert visitor.get("/" + path).status_code == 200
    link_id = int(panel.text.split('data-link="', 1)[1].split('"', 1)[0])
    ui.post(f"/t/{table.id}/v/{view.id}/share/{link_id}/revoke")
    assert visitor.get("/" + path).status_code == 404
