"""The permission layer: roles, hidden and read-only fields, row limits — through every engine
surface (schema, record reads and writes, queries, views, kanban counts, search, aggregates)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import engine
from engine import meta
from engine.query import QueryError
from views.api import Views


def member(db: engine.Database, base: engine.Base, user: int, role: str) -> None:
    with db.write() as conn:
        conn.execute(
            meta.members.insert().values(
                base_id=base.id, user_id=user, role=role, created_at=dt.datetime.now(dt.UTC)
            )
        )


def field_rule(db: engine.Database, field_id: int, role: str, access: str) -> None:
    with db.write() as conn:
        conn.execute(
            meta.field_permissions.insert().values(field_id=field_id, role=role, access=access)
        )


def row_rule(db: engine.Database, table: engine.Table, filter_id: int, **who: Any) -> None:
    with db.write() as conn:
        conn.execute(
            meta.row_permissions.insert().values(
                table_id=table.id, filter_id=filter_id, created_at=dt.datetime.now(dt.UTC), **who
            )
        )


@pytest.fixture
def crm(db: engine.Database) -> dict[str, Any]:
    users = {
        name: db.create_user(f"{name}@example.com", name)
        for name in ("owner", "creator", "editor", "viewer", "rep", "rep2", "stranger")
    }
    base = db.acting_as(users["owner"]).create_base("CRM")
    for name in ("creator", "editor", "viewer"):
        member(db, base, users[name], name)
    member(db, base, users["rep"], "editor")
    member(db, base, users["rep2"], "editor")
    customers = base.create_table(
        "客户",
        [
            {"name": "姓名", "type": "text"},
            {"name": "手机", "type": "phone"},
            {"name": "等级", "type": "single_select", "options": {"choices": ["VIP", "普通"]}},
            {"name": "消费", "type": "currency"},
            {"name": "负责人", "type": "user"},
            {"name": "尾号", "type": "formula", "options": {"formula": "RIGHT({手机}, 4)"}},
        ],
    )
    rows = [
        {"姓名": "张三", "手机": "13800000001", "等级": "VIP", "消费": 100, "负责人": users["rep"]},
        {"姓名": "李四", "手机": "13900000002", "等级": "普通", "消费": 20, "负责人": users["rep"]},
        {
            "姓名": "王五",
            "手机": "13700000003",
            "等级": "VIP",
            "消费": 300,
            "负责人": users["rep2"],
        },
    ]
    ids = [r.id for r in customers.create_many(rows)]
    return {"db": db, "users": users, "base": base, "table": customers, "ids": ids}


def as_user(crm: dict[str, Any], name: str) -> engine.Table:
    db = crm["db"].acting_as(crm["users"][name])
    return db.base("CRM").table("客户")


def test_a_stranger_sees_no_base(crm: dict[str, Any]) -> None:
    db = crm["db"].acting_as(crm["users"]["stranger"])
    assert db.bases() == []
    with pytest.raises(engine.NotFound):
        db.base("CRM")
    with pytest.raises(engine.NotFound):
        engine.Table(db, crm["table"].id).get(crm["ids"][0])
    with pytest.raises(engine.NotFound):
        engine.Table(db, crm["table"].id).schema()


def test_the_creator_of_a_base_is_its_owner_and_admins_own_every_base(crm: dict[str, Any]):
    db = crm["db"]
    assert db.acting_as(crm["users"]["owner"]).base("CRM").role == "owner"
    admin = db.create_user("admin@example.com", admin=True)
    assert db.acting_as(admin).base("CRM").role == "owner"
    assert [b.name for b in db.acting_as(admin).bases()] == ["CRM"]


@pytest.mark.parametrize(
    ("role", "records", "schema"),
    [
        ("viewer", False, False),
        ("editor", True, False),
        ("creator", True, True),
        ("owner", True, True),
    ],
)
def test_what_each_role_may_change(crm: dict[str, Any], role: str, records: bool, schema: bool):
    t = as_user(crm, role)
    rid = crm["ids"][0]
    writes = [
        lambda: t.create({"姓名": "新"}),
        lambda: t.update(rid, {"姓名": "改"}),
        lambda: t.move(rid, after=crm["ids"][2]),
        lambda: t.delete(rid),
        lambda: t.restore(rid),
    ]
    for write in writes:
        if records:
            write()
        else:
            with pytest.raises(engine.Forbidden) as e:
                write()
            assert "客户" in e.value.message_en and "权限" in e.value.message_zh
    alters = [lambda: t.add_field("备注", "long_text"), lambda: t.rename_field("姓名", "名字")]
    for alter in alters:
        if schema:
            alter()
        else:
            with pytest.raises(engine.Forbidden):
                alter()
    assert t.get(rid).id == rid  # everyone reads


def test_a_hidden_field_never_leaves_the_engine(crm: dict[str, Any]) -> None:
    table = crm["table"]
    field_rule(crm["db"], table.field("手机").id, "viewer", "hidden")
    t = as_user(crm, "viewer")
    names = [f.name for f in t.fields]
    assert "手机" not in names
    assert "尾号" not in names  # a formula over a hidden field would show it
    assert names == ["姓名", "等级", "消费", "负责人"]
    rec = t.get(crm["ids"][0])
    assert "手机" not in rec and "尾号" not in rec
    assert all(f.id in {x.id for x in t.fields} for f in t.fields)
    assert set(rec.by_id) == {f.id for f in t.fields}
    assert all("手机" not in r for r in t.all())
    views = Views(t)
    with pytest.raises(engine.Forbidden):
        views.create("共享", "grid")  # a viewer keeps personal views only
    grid = views.create("全部", "grid", visibility="personal")
    page = views.rows(grid)
    assert page.total == 3 and all("手机" not in r and "尾号" not in r for r in page.records)
    # the phone number is not searchable, filterable, sortable or summable by this user
    assert views.rows(grid, search="13800000001").total == 0
    with pytest.raises(QueryError):
        views.rows(grid, filter={"items": [{"field": "手机", "op": "contains", "value": "138"}]})
    with pytest.raises(engine.TesseraError):
        views.create("按手机", "grid", query={"sorts": [{"field": "手机"}]}, visibility="personal")
    # the owner still sees it all
    owner = as_user(crm, "owner")
    assert owner.get(crm["ids"][0])["手机"] == "13800000001"
    shared = Views(owner).create("共享", "grid")
    assert Views(owner).rows(shared, search="13800000001").total == 1


def test_a_view_filtering_on_a_hidden_field_still_filters(crm: dict[str, Any]) -> None:
    field_rule(crm["db"], crm["table"].field("手机").id, "viewer", "hidden")
    owner_views = Views(as_user(crm, "owner"))
    v = owner_views.create(
        "138 号段",
        "grid",
        query={
            "filter": {"items": [{"field": "手机", "op": "contains", "value": "138"}]},
            "sorts": [{"field": "手机", "direction": "desc"}],
        },
    )
    page = Views(as_user(crm, "viewer")).rows(v)
    assert [r["姓名"] for r in page.records] == ["张三"]
    assert "手机" not in page.records[0]


def test_read_only_fields_are_refused_by_name(crm: dict[str, Any]) -> None:
    field_rule(crm["db"], crm["table"].field("消费").id, "editor", "read_only")
    t = as_user(crm, "editor")
    assert "消费" in t.get(crm["ids"][0])  # visible
    with pytest.raises(engine.ValidationError) as e:
        t.update(crm["ids"][0], {"消费": 5, "姓名": "改名"})
    [p] = e.value.problems
    assert (p.code, p.field_name) == ("read_only", "消费")
    assert "消费" in p.message_zh
    assert t.get(crm["ids"][0])["姓名"] == "张三"  # nothing written
    with pytest.raises(engine.ValidationError):
        t.create({"姓名": "新", "消费": 1})
    t.update(crm["ids"][0], {"姓名": "改名"})
    assert t.get(crm["ids"][0])["姓名"] == "改名"


def test_writing_a_hidden_field_is_an_unknown_field(crm: dict[str, Any]) -> None:
    field_rule(crm["db"], crm["table"].field("手机").id, "editor", "hidden")
    t = as_user(crm, "editor")
    with pytest.raises(engine.ValidationError) as e:
        t.update(crm["ids"][0], {"手机": "13000000000"})
    assert e.value.problems[0].code == "unknown_field"
    assert crm["table"].get(crm["ids"][0])["手机"] == "13800000001"


def own_customers(crm: dict[str, Any]) -> int:
    views = Views(crm["table"])
    return views.create_filter(
        "我的客户", {"items": [{"field": "负责人", "op": "is", "value": "me"}]}
    ).id


def test_row_limits_hold_for_reads_queries_and_writes(crm: dict[str, Any]) -> None:
    row_rule(crm["db"], crm["table"], own_customers(crm), role="editor")
    rep, rep2 = as_user(crm, "rep"), as_user(crm, "rep2")
    mine, theirs = crm["ids"][:2], crm["ids"][2]
    assert rep.count() == 2 and rep2.count() == 1
    assert [r.id for r in rep.all()] == mine
    with pytest.raises(engine.NotFound):
        rep.get(theirs)
    for write in (
        lambda: rep.update(theirs, {"姓名": "x"}),
        lambda: rep.delete(theirs),
        lambda: rep.move(theirs, before=mine[0]),
        lambda: rep.purge(theirs),
    ):
        with pytest.raises(engine.NotFound):
            write()
    assert crm["table"].get(theirs)["姓名"] == "王五"
    views = Views(rep)
    grid = views.create("全部", "grid", query={"groups": [{"field": "等级"}]})
    page = views.rows(grid)
    assert page.total == 2 and {r.id for r in page.records} == set(mine)
    assert sum(g.count for g in page.groups or [] if g.level == 0) == 2
    assert views.rows(grid, search="王五").total == 0
    board = views.create("看板", "kanban", config={"stack_field": "等级"})
    assert {s.label: s.count for s in views.stacks(board)}.get("VIP") == 1
    # a new record must stay inside the rows the rep may see
    created = rep.create({"姓名": "赵六", "负责人": crm["users"]["rep"]})
    assert rep.count() == 3
    with pytest.raises(engine.Forbidden):
        rep.create({"姓名": "钱七", "负责人": crm["users"]["rep2"]})
    assert crm["table"].count() == 4
    # the owner is not limited; a rule for a user replaces the rule of their role
    assert as_user(crm, "owner").count() == 4
    everyone = Views(crm["table"]).create_filter("全部客户", {"items": []}).id
    row_rule(crm["db"], crm["table"], everyone, user_id=crm["users"]["rep"])
    assert rep.count() == 4 and rep2.count() == 1
    assert created.id in {r.id for r in rep.all()}


def test_a_sum_over_limited_rows_counts_only_them(crm: dict[str, Any]) -> None:
    row_rule(crm["db"], crm["table"], own_customers(crm), role="editor")
    views = Views(as_user(crm, "rep2"))
    grid = views.create("汇总", "grid", config={"summaries": {"消费": "sum"}})
    page = views.rows(grid)
    assert page.aggregates and list(page.aggregates.values()) == [300]


def test_custom_roles_see_only_the_tables_they_are_given(crm: dict[str, Any]) -> None:
    """客服: reads every customer, may change only 备注; no access to a second table."""
    from engine import roles

    db, base, table = crm["db"], crm["base"], crm["table"]
    table.add_field("备注", "long_text")
    secret = base.create_table("成本", [{"name": "商品", "type": "text"}])
    with db.write() as conn:
        service = roles.create_role(conn, base.id, "客服", level="editor")
        roles.set_table_access(conn, table.id, service.key, "read")
    field_rule(db, table.field("备注").id, service.key, "edit")
    agent = db.create_user("agent@example.com")
    member(db, base, agent, service.key)
    adb = db.acting_as(agent)
    assert [t.name for t in adb.base("CRM").tables()] == ["客户"]
    with pytest.raises(engine.NotFound):
        adb.base("CRM").table("成本")
    with pytest.raises(engine.NotFound):
        engine.Table(adb, secret.id).all()
    t = adb.base("CRM").table("客户")
    rid = crm["ids"][0]
    t.update(rid, {"备注": "已回访"})
    assert t.get(rid)["备注"] == "已回访"
    with pytest.raises(engine.ValidationError) as e:
        t.update(rid, {"姓名": "改名"})
    assert e.value.problems[0].code == "read_only"
    for write in (lambda: t.create({"备注": "x"}), lambda: t.delete(rid)):
        with pytest.raises(engine.Forbidden):
            write()
    # "full" lets the role create and delete; "none" closes the table again
    with db.write() as conn:
        roles.set_table_access(conn, table.id, service.key, "full")
    t.create({"姓名": "新客户"})
    with db.write() as conn:
        roles.set_table_access(conn, table.id, service.key, "none")
    assert adb.base("CRM").tables() == []
    with pytest.raises(engine.NotFound):
        t.get(rid)


def test_a_role_in_use_cannot_be_deleted(crm: dict[str, Any]) -> None:
    from engine import roles

    db, base = crm["db"], crm["base"]
    with db.write() as conn:
        sales = roles.create_role(conn, base.id, "销售")
    member(db, base, crm["users"]["stranger"], sales.key)
    with pytest.raises(engine.Conflict), db.write() as conn:
        roles.delete_role(conn, sales.id)
    with pytest.raises(engine.Forbidden), db.write() as conn:
        roles.create_role(conn, base.id, "运营", actor=crm["users"]["editor"])


def test_links_and_lookups_into_a_closed_table_are_hidden(crm: dict[str, Any]) -> None:
    from engine import roles

    db, base, table = crm["db"], crm["base"], crm["table"]
    costs = base.create_table(
        "成本", [{"name": "项目", "type": "text"}, {"name": "金额", "type": "number"}]
    )
    table.add_field("成本项", "link", options={"table": "成本"})
    table.add_field("成本金额", "lookup", options={"link_field": "成本项", "target_field": "金额"})
    table.add_field("成本数", "count", options={"link_field": "成本项"})
    item = costs.create({"项目": "广告", "金额": 999})
    table.update(crm["ids"][0], {"成本项": [item.id]})
    with db.write() as conn:
        service = roles.create_role(conn, base.id, "客服", level="viewer")
        roles.set_table_access(conn, table.id, service.key, "read")
    agent = db.create_user("agent@example.com")
    member(db, base, agent, service.key)
    t = engine.Table(db.acting_as(agent), table.id)
    names = [f.name for f in t.fields]
    assert "成本项" not in names and "成本金额" not in names and "成本数" not in names
    assert "姓名" in names
    assert 999 not in t.get(crm["ids"][0]).values()


def test_only_owners_change_a_filter_that_limits_rows(crm: dict[str, Any]) -> None:
    """An editor limited to "my customers" must not widen that filter (or one it uses)."""
    views = Views(crm["table"])
    inner = views.create_filter("VIP", {"items": [{"field": "等级", "op": "is", "value": "VIP"}]})
    outer = views.create_filter(
        "我的VIP",
        {"items": [{"field": "负责人", "op": "is", "value": "me"}, {"saved_filter": inner.id}]},
    )
    row_rule(crm["db"], crm["table"], outer.id, role="editor")
    rep = Views(as_user(crm, "rep"))
    for change in (
        lambda: rep.update_filter(outer.id, filter={"items": []}),
        lambda: rep.update_filter(inner.id, filter={"items": []}),
        lambda: rep.delete_filter(inner.id),
    ):
        with pytest.raises(engine.Forbidden):
            change()
    assert as_user(crm, "rep").count() == 1
    rep.create_filter("随便", {"items": []})  # other shared filters: editors may
    with pytest.raises(engine.Forbidden):
        Views(as_user(crm, "viewer")).create_filter("只读者的", {"items": []})
    Views(as_user(crm, "owner")).update_filter(inner.id, name="贵宾")
