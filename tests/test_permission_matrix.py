"""The permission matrix: for each role and each surface (HTML pages and partials, search,
kanban counts, the record panel, cells, exports), what is visible and writable. A hidden field's
name and values, and rows outside a user's row rule, never appear anywhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

import engine
from engine import exports, members, permission_rules, roles
from server.app import create_app
from tests.ui_helpers import sign_in
from views.api import Views

PHONES = ["13800000001", "13900000002", "13700000003"]
SECRET_NOTE = "机密备注-只给经理"


@pytest.fixture
def world(app_db: engine.Database) -> dict[str, Any]:
    db = app_db
    base = db.create_base("CRM")
    rep = db.create_user("rep@example.com", "小李")
    other_rep = db.create_user("rep2@example.com", "小王")
    table = base.create_table(
        "客户",
        [
            {"name": "姓名", "type": "text"},
            {"name": "手机", "type": "phone"},
            {"name": "等级", "type": "single_select", "options": {"choices": ["VIP", "普通"]}},
            {"name": "负责人", "type": "user"},
            {"name": "备注", "type": "long_text"},
            {"name": "尾号", "type": "formula", "options": {"formula": "RIGHT({手机}, 4)"}},
        ],
    )
    ids = [
        r.id
        for r in table.create_many(
            [
                {"姓名": "张三", "手机": PHONES[0], "等级": "VIP", "负责人": rep},
                {"姓名": "李四", "手机": PHONES[1], "等级": "普通", "负责人": rep},
                {
                    "姓名": "王五",
                    "手机": PHONES[2],
                    "等级": "VIP",
                    "负责人": other_rep,
                    "备注": SECRET_NOTE,
                },
            ]
        )
    ]
    views = Views(table)
    grid = views.create("全部", "grid")
    board = views.create("看板", "kanban", config={"stack_field": "等级"})
    mine = views.create_filter(
        "我的客户", {"items": [{"field": "负责人", "op": "is", "value": "me"}]}
    )
    agent = db.create_user("agent@example.com", "客服小陈")
    with db.write() as conn:
        service = roles.create_role(conn, base.id, "客服", level="viewer")
        sales = roles.create_role(conn, base.id, "销售", level="editor")
        roles.set_table_access(conn, table.id, service.key, "read")
        roles.set_table_access(conn, table.id, sales.key, "edit")
        for key in (service.key, sales.key):
            permission_rules.set_field_permission(conn, table.id, "手机", key, "hidden", actor=None)
        permission_rules.set_field_permission(
            conn, table.id, "备注", service.key, "edit", actor=None
        )
        permission_rules.add_row_permission(conn, table.id, mine.id, role=sales.key, actor=None)
        members.add_member(conn, base.id, agent, service.key, actor=None)
        members.add_member(conn, base.id, rep, sales.key, actor=None)
    return {
        "db": db,
        "table": table,
        "ids": ids,
        "grid": grid,
        "board": board,
        "users": {"agent@example.com": agent, "rep@example.com": rep},
    }


def client_for(world: dict[str, Any], email: str) -> TestClient:
    client = TestClient(create_app(world["db"]))
    client.__enter__()
    sign_in(client, world["db"], email, admin=False)
    client.headers["HX-Request"] = "true"
    return client


def surfaces(world: dict[str, Any], client: TestClient) -> dict[str, str]:
    """Every page and partial a user reaches for the table, as text."""
    t, grid, board = world["table"].id, world["grid"].id, world["board"].id
    pages = {
        "table page": client.get(f"/t/{t}", follow_redirects=True),
        "grid rows": client.get(f"/t/{t}/v/{grid}/rows"),
        "search by phone": client.get(f"/t/{t}/v/{grid}", params={"s": "1380000"}),
        "kanban": client.get(f"/t/{t}/v/{board}"),
        "filter panel": client.get(f"/t/{t}/v/{grid}/panel/filter"),
        "fields panel": client.get(f"/t/{t}/v/{grid}/panel/fields"),
        "record panel": client.get(f"/t/{t}/r/{world['ids'][0]}"),
    }
    for name, r in pages.items():
        assert r.status_code in (200, 404), (name, r.status_code, r.text[:300])
    return {name: r.text for name, r in pages.items()}


@pytest.mark.parametrize("email", ["agent@example.com", "rep@example.com"])
def test_a_hidden_field_appears_on_no_surface(world: dict[str, Any], email: str, tmp_path: Path):
    t, rid = world["table"], world["ids"][0]
    t.update(rid, {"手机": "13811112222", "姓名": "张三"})  # history now holds phone numbers
    t.update(rid, {"手机": PHONES[0]})
    client = client_for(world, email)
    user = world["users"][email]
    history = engine.Table(world["db"].acting_as(user), t.id).history(rid)
    assert all(e.field_name != "手机" for e in history)
    for name, text in surfaces(world, client).items():
        for phone in [*PHONES, "13811112222"]:
            assert phone not in text, f"{phone} shown on {name}"
            assert phone[-4:] not in text, f"the formula over the phone shown on {name}"
        assert not re.search(r">\s*手机\s*<", text), f"the hidden field's name on {name}"
        assert "尾号" not in text, name
    # its cell is not there to read or write
    phone_id = t.field("手机").id
    assert client.get(f"/t/{t.id}/cell/{rid}/{phone_id}").status_code == 404
    r = client.post(f"/t/{t.id}/cell/{rid}/{phone_id}", data={"value": "1"})
    assert r.status_code in (400, 404)
    assert t.get(rid)["手机"] == PHONES[0]
    # nor in an export
    out = exports.export(engine.Table(world["db"].acting_as(user), t.id), tmp_path / "out.csv")
    text = out.path.read_text("utf-8-sig")
    assert "手机" not in text and not any(p in text for p in PHONES)


def test_rows_outside_a_row_rule_appear_on_no_surface(world: dict[str, Any], tmp_path: Path):
    client = client_for(world, "rep@example.com")
    for name, text in surfaces(world, client).items():
        assert "王五" not in text and SECRET_NOTE not in text, name
    t = world["table"]
    other = world["ids"][2]
    assert client.get(f"/t/{t.id}/r/{other}").status_code == 404
    rep = engine.Table(world["db"].acting_as(world["users"]["rep@example.com"]), t.id)
    with pytest.raises(engine.NotFound):
        rep.history(other)
    name_id = t.field("姓名").id
    assert client.get(f"/t/{t.id}/cell/{other}/{name_id}").status_code == 404
    assert client.post(f"/t/{t.id}/cell/{other}/{name_id}", data={"value": "x"}).status_code == 404
    assert t.get(other)["姓名"] == "王五"
    kanban = client.get(f"/t/{t.id}/v/{world['board'].id}").text
    assert "王五" not in kanban
    user = world["users"]["rep@example.com"]
    out = exports.export(engine.Table(world["db"].acting_as(user), t.id), tmp_path / "mine.csv")
    assert out.rows == 2 and "王五" not in out.path.read_text("utf-8-sig")


def test_what_each_role_may_write(world: dict[str, Any]) -> None:
    t, rid = world["table"], world["ids"][0]
    note, name = t.field("备注").id, t.field("姓名").id
    agent = client_for(world, "agent@example.com")
    assert agent.post(f"/t/{t.id}/cell/{rid}/{note}", data={"value": "回访过"}).status_code == 200
    assert t.get(rid)["备注"] == "回访过"
    refused = agent.post(f"/t/{t.id}/cell/{rid}/{name}", data={"value": "改"})
    assert refused.status_code == 422 and "您的角色不能修改字段" in refused.text
    assert t.get(rid)["姓名"] == "张三"
    grid = agent.get(f"/t/{t.id}/v/{world['grid'].id}").text  # shown read-only, 备注 editable
    assert re.search(rf'class="cell[^"]* ro"[^>]*data-fid="{name}"', grid)
    assert not re.search(rf'class="cell[^"]* ro"[^>]*data-fid="{note}"', grid)
    rep = client_for(world, "rep@example.com")
    assert rep.post(f"/t/{t.id}/cell/{rid}/{name}", data={"value": "张三丰"}).status_code == 200
    assert t.get(rid)["姓名"] == "张三丰"
    # buttons that would only be refused are not offered: the agent may not add or delete
    page = agent.get(f"/t/{t.id}/v/{world['grid'].id}", headers={"HX-Request": ""}).text
    assert 'id="selection-bar"' in page and 'id="clear-selection"' in page  # the page is whole
    for control in ('id="add-record"', 'id="grid-end"', 'id="delete-selected"', 'id="merge-selected"'):
        assert control not in page, control
    owner = TestClient(create_app(world["db"]))
    owner.__enter__()
    sign_in(owner, world["db"], "admin@example.com", admin=True)
    page = owner.get(f"/t/{t.id}/v/{world['grid'].id}", headers={"HX-Request": ""}).text
    assert 'id="add-record"' in page and 'id="delete-selected"' in page
    # neither changes the schema
    for client in (agent, rep):
        r = client.post(f"/t/{t.id}/fields", data={"name": "新字段", "type": "text"})
        assert r.status_code in (403, 422) and "创建者" in r.text
    assert "新字段" not in [f.name for f in t.fields]
