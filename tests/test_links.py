"""Link fields: two-way links between tables (or within one), their junction tables, link order,
the trash, deleting links and tables, and sub-tables (parent -> children)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, inspect, select, table

import engine
from engine.errors import Conflict, NotFound, SchemaError, ValidationError


def titles(value: list[dict[str, Any]]) -> list[str]:
    return [v["title"] for v in value]


def codes(e: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {p.code for p in e.value.problems}


def junction_rows(db: engine.Database, name: str) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())


def table_names(db: engine.Database) -> set[str]:
    with db.read() as conn:
        return set(inspect(conn).get_table_names())


@pytest.fixture
def crm(base: engine.Base) -> tuple[engine.Table, engine.Table]:
    """Customers and orders; an order has one customer, a customer many orders (总消费 sums them)."""
    cust = base.create_table("客户", [{"name": "姓名", "type": "text"}])
    orders = base.create_table(
        "订单", [{"name": "单号", "type": "text"}, {"name": "金额", "type": "currency"}]
    )
    orders.add_field(
        "客户", "link", options={"table": "客户", "multiple": False, "inverse_name": "订单"}
    )
    cust.add_field(
        "总消费", "rollup", options={"link_field": "订单", "target_field": "金额", "fn": "sum"}
    )
    return cust, orders


# --- two-way links ----------------------------------------------------------------------------------
def test_a_link_appears_in_the_other_table_as_its_inverse(crm: Any) -> None:
    cust, orders = crm
    link, inverse = orders.field("客户"), cust.field("订单")
    assert inverse.type_name == "link"
    assert link.type.options.inverse_field_id == inverse.id
    assert inverse.type.options.inverse_field_id == link.id
    assert link.type.options.junction == inverse.type.options.junction
    assert (link.type.options.multiple, inverse.type.options.multiple) == (False, True)

    a = cust.create({"姓名": "张三"})
    o1 = orders.create({"单号": "X1", "金额": 10, "客户": [a.id]})
    assert orders.get(o1.id)["客户"] == [{"id": a.id, "title": "张三"}]
    assert cust.get(a.id)["订单"] == [{"id": o1.id, "title": "X1"}]
    o2 = orders.create({"单号": "X2", "金额": 5})
    cust.update(a.id, {"订单": [o1.id, o2.id]})  # written from the other side
    assert titles(cust.get(a.id)["订单"]) == ["X1", "X2"]
    assert orders.get(o2.id)["客户"] == [{"id": a.id, "title": "张三"}]
    assert cust.get(a.id)["总消费"] == 15


def test_the_inverse_is_named_after_the_table_unless_named(base: engine.Base) -> None:
    articles = base.create_table("文章", [{"name": "标题", "type": "text"}])
    tags = base.create_table("标签", [{"name": "名称", "type": "text"}, {"name": "文章"}])
    articles.add_field("标签", "link", options={"table": "标签"})
    assert tags.field("文章 2").type_name == "link"  # "文章" was taken
    articles.add_field("主标签", "link", options={"table": "标签", "inverse_name": "主文章"})
    assert tags.field("主文章").type.options.inverse_field_id == articles.field("主标签").id


def test_a_single_link_takes_one_record(crm: Any) -> None:
    cust, orders = crm
    a, b = cust.create({"姓名": "A"}), cust.create({"姓名": "B"})
    with pytest.raises(ValidationError) as e:
        orders.create({"单号": "X", "客户": [a.id, b.id]})
    assert codes(e) == {"too_many"}
    assert orders.count() == 0


def test_linking_a_single_link_steals_it_from_its_old_partner(crm: Any) -> None:
    cust, orders = crm
    a, b = cust.create({"姓名": "A"}), cust.create({"姓名": "B"})
    x = orders.create({"单号": "X", "金额": 7, "客户": [a.id]})
    y = orders.create({"单号": "Y", "金额": 3, "客户": [a.id]})
    assert cust.get(a.id)["总消费"] == 10

    cust.update(b.id, {"订单": [x.id]})  # X may have one customer: A loses it
    assert orders.get(x.id)["客户"] == [{"id": b.id, "title": "B"}]
    assert titles(cust.get(a.id)["订单"]) == ["Y"]
    assert (cust.get(a.id)["总消费"], cust.get(b.id)["总消费"]) == (3, 7)

    orders.update(y.id, {"客户": [b.id]})  # from the single side
    assert cust.get(a.id)["订单"] == [] and cust.get(a.id)["总消费"] == 0
    assert titles(cust.get(b.id)["订单"]) == ["X", "Y"]

    with pytest.raises(ValidationError) as e:  # one batch cannot give X to two customers
        cust.update_many([(a.id, {"订单": [x.id]}), (b.id, {"订单": [x.id, y.id]})])
    assert codes(e) == {"too_many"}
    assert titles(cust.get(b.id)["订单"]) == ["X", "Y"]


def test_self_links(base: engine.Base) -> None:
    staff = base.create_table("员工", [{"name": "姓名", "type": "text"}])
    staff.add_field(
        "上级", "link", options={"table": "员工", "multiple": False, "inverse_name": "下属"}
    )
    staff.add_field("下属人数", "count", options={"link_field": "下属"})
    boss = staff.create({"姓名": "老板"})
    a = staff.create({"姓名": "甲", "上级": [boss.id]})
    b = staff.create({"姓名": "乙", "上级": [boss.id]})
    c = staff.create({"姓名": "丙", "上级": [a.id]})
    assert titles(staff.get(boss.id)["下属"]) == ["甲", "乙"]
    assert staff.get(boss.id)["下属人数"] == 2
    assert staff.get(a.id)["上级"] == [{"id": boss.id, "title": "老板"}]
    assert titles(staff.get(a.id)["下属"]) == ["丙"]
    staff.update(c.id, {"上级": [b.id]})
    assert (staff.get(a.id)["下属人数"], staff.get(b.id)["下属人数"]) == (0, 1)
    staff.update(boss.id, {"姓名": "总经理"})
    assert staff.get(a.id)["上级"][0]["title"] == "总经理"
    staff.delete(boss.id)
    assert staff.get(a.id)["上级"] == []
    staff.restore(boss.id)
    assert staff.get(a.id)["上级"] == [{"id": boss.id, "title": "总经理"}]


def test_link_order_is_kept_on_both_sides(base: engine.Base) -> None:
    articles = base.create_table("文章", [{"name": "标题", "type": "text"}])
    tags = base.create_table("标签", [{"name": "名称", "type": "text"}])
    articles.add_field("标签", "link", options={"table": "标签"})
    t1, t2, t3 = (tags.create({"名称": n}) for n in ("t1", "t2", "t3"))
    x = articles.create({"标题": "X", "标签": [t2.id, t1.id, t3.id]})
    y = articles.create({"标题": "Y", "标签": [t1.id]})
    assert titles(articles.get(x.id)["标签"]) == ["t2", "t1", "t3"]
    assert titles(tags.get(t1.id)["文章"]) == ["X", "Y"]

    articles.update(x.id, {"标签": [t1.id, t3.id, t2.id]})  # reordered here ...
    assert titles(articles.get(x.id)["标签"]) == ["t1", "t3", "t2"]
    assert titles(tags.get(t1.id)["文章"]) == ["X", "Y"]  # ... not there
    tags.update(t1.id, {"文章": [y.id, x.id]})  # and the other way round
    assert titles(tags.get(t1.id)["文章"]) == ["Y", "X"]
    assert titles(articles.get(x.id)["标签"]) == ["t1", "t3", "t2"]
    z = articles.create({"标题": "Z", "标签": [t1.id]})  # a new link goes last
    assert titles(tags.get(t1.id)["文章"]) == ["Y", "X", "Z"]
    articles.update(z.id, {"标签": []})
    assert titles(tags.get(t1.id)["文章"]) == ["Y", "X"]


def test_unknown_and_trashed_records_are_refused(crm: Any) -> None:
    cust, orders = crm
    a = cust.create({"姓名": "A"})
    with pytest.raises(ValidationError) as e:
        orders.create({"单号": "X", "客户": [a.id + 1000]})
    assert codes(e) == {"unknown_record"}
    cust.delete(a.id)
    with pytest.raises(ValidationError) as e:
        orders.create({"单号": "X", "客户": [a.id]})
    assert codes(e) == {"unknown_record"}
    with pytest.raises(ValidationError) as e:
        orders.create({"单号": "X", "客户": ["abc"]})
    assert codes(e) == {"invalid_type"}
    assert orders.count() == 0


def test_the_trash_hides_linked_records_and_restoring_brings_them_back(crm: Any) -> None:
    cust, orders = crm
    a = cust.create({"姓名": "A"})
    x = orders.create({"单号": "X", "金额": 7, "客户": [a.id]})
    y = orders.create({"单号": "Y", "金额": 3, "客户": [a.id]})
    orders.delete(x.id)
    assert titles(cust.get(a.id)["订单"]) == ["Y"]
    assert cust.get(a.id)["总消费"] == 3
    z = orders.create({"单号": "Z", "金额": 1})
    # writing back what the customer shows keeps the link to the order in the trash
    cust.update(a.id, {"订单": [y.id, z.id]})
    assert cust.get(a.id)["总消费"] == 4
    orders.restore(x.id)
    assert titles(cust.get(a.id)["订单"]) == ["X", "Y", "Z"]
    assert cust.get(a.id)["总消费"] == 11
    assert orders.get(x.id)["客户"] == [{"id": a.id, "title": "A"}]

    cust.delete(a.id)  # the other way round: an order's customer in the trash
    assert orders.get(x.id)["客户"] == []
    cust.restore(a.id)
    assert orders.get(x.id)["客户"] == [{"id": a.id, "title": "A"}]


def test_purging_removes_junction_rows(db: engine.Database, crm: Any) -> None:
    cust, orders = crm
    junction = orders.field("客户").type.options.junction
    a, b = cust.create({"姓名": "A"}), cust.create({"姓名": "B"})
    x = orders.create({"单号": "X", "金额": 7, "客户": [a.id]})
    orders.create({"单号": "Y", "金额": 3, "客户": [a.id]})
    orders.create({"单号": "Z", "金额": 1, "客户": [b.id]})
    assert junction_rows(db, junction) == 3
    orders.delete(x.id)
    assert junction_rows(db, junction) == 3  # the trash keeps links
    orders.purge(x.id)
    assert junction_rows(db, junction) == 2
    assert cust.get(a.id)["总消费"] == 3
    cust.purge(a.id)  # never trashed: purged at once
    assert junction_rows(db, junction) == 1
    assert [r["客户"] for r in orders.all()] == [[], [{"id": b.id, "title": "B"}]]


def test_deleting_a_link_field_removes_its_inverse_and_junction(
    db: engine.Database, base: engine.Base
) -> None:
    articles = base.create_table("文章", [{"name": "标题", "type": "text"}])
    tags = base.create_table("标签", [{"name": "名称", "type": "text"}])
    articles.add_field("标签", "link", options={"table": "标签"})
    junction = articles.field("标签").type.options.junction
    t = tags.create({"名称": "t"})
    articles.create({"标题": "X", "标签": [t.id]})
    assert junction in table_names(db)
    inverse = tags.field("文章").id
    tags.delete_field("文章")  # the inverse side may delete it too
    assert [f.name for f in tags.fields] == ["名称"]
    assert [f.name for f in articles.fields] == ["标题"]
    assert junction in table_names(db)  # in the trash, restorable
    tags.purge_field(inverse)
    assert junction not in table_names(db)
    articles.create({"标题": "Y"})  # the tables keep working


def test_a_link_read_by_a_computed_field_is_not_deleted(crm: Any) -> None:
    cust, orders = crm
    for t, name in ((orders, "客户"), (cust, "订单")):
        with pytest.raises(SchemaError, match="总消费"):
            t.delete_field(name)
    cust.delete_field("总消费")
    orders.delete_field("客户")
    assert [f.name for f in cust.fields] == ["姓名"]


def test_deleting_a_table_removes_the_links_into_it(
    db: engine.Database, base: engine.Base, crm: Any
) -> None:
    cust, orders = crm
    junction = orders.field("客户").type.options.junction
    with pytest.raises(SchemaError, match="总消费"):
        orders.drop()  # the customers' rollup reads through the link
    cust.delete_field("总消费")
    orders.drop()
    assert [f.name for f in cust.fields] == ["姓名"]
    base.purge_table(orders.id)  # from the trash
    assert junction not in table_names(db)
    cust.create({"姓名": "A"})

    staff = base.create_table("员工", [{"name": "姓名", "type": "text"}])
    staff.add_field("上级", "link", options={"table": "员工", "inverse_name": "下属"})
    self_junction = staff.field("上级").type.options.junction
    boss = staff.create({"姓名": "老板"})
    staff.create({"姓名": "甲", "上级": [boss.id]})
    staff.drop()
    base.purge_table(staff.id)
    assert self_junction not in table_names(db)


def test_titles_follow_the_other_tables_primary_field(crm: Any) -> None:
    cust, orders = crm
    cust.add_field("手机", "phone")
    a = cust.create({"姓名": "张三", "手机": "13800138000"})
    x = orders.create({"单号": "X", "客户": [a.id]})
    cust.update(a.id, {"姓名": "张三丰"})
    assert orders.get(x.id)["客户"] == [{"id": a.id, "title": "张三丰"}]
    orders.update(x.id, {"单号": "X-1"})
    assert cust.get(a.id)["订单"] == [{"id": x.id, "title": "X-1"}]
    cust.set_primary("手机")
    assert orders.get(x.id)["客户"] == [{"id": a.id, "title": "13800138000"}]


def test_titles_of_numbers_and_dates_read_as_text(base: engine.Base) -> None:
    days = base.create_table("日期", [{"name": "日", "type": "date"}])
    nums = base.create_table(
        "编号", [{"name": "号", "type": "number", "options": {"precision": 1}}]
    )
    notes = base.create_table("记录", [{"name": "内容", "type": "text"}])
    notes.add_field("日", "link", options={"table": "日期"})
    notes.add_field("号", "link", options={"table": "编号"})
    d = days.create({"日": "2024-03-05"})
    n1, n2 = nums.create({"号": 12}), nums.create({"号": 2.5})
    r = notes.create({"内容": "x", "日": [d.id], "号": [n1.id, n2.id]})
    assert titles(notes.get(r.id)["日"]) == ["2024-03-05"]
    assert titles(notes.get(r.id)["号"]) == ["12", "2.5"]


# --- sub-tables -------------------------------------------------------------------------------------
@pytest.fixture
def orders_with_items(base: engine.Base) -> tuple[engine.Table, engine.Table]:
    orders = base.create_table("订单", [{"name": "单号", "type": "text"}])
    items = base.create_table("明细", [{"name": "商品", "type": "text"}])
    orders.add_field("明细", "link", options={"table": "明细", "role": "children"})
    return orders, items


def test_a_sub_table_has_exactly_one_parent(orders_with_items: Any) -> None:
    orders, items = orders_with_items
    parent = items.field("订单")
    assert parent.type.options.role == "parent"
    assert parent.type.options.multiple is False
    assert parent.rules.required is True
    assert orders.field("明细").type.options.role == "children"

    with pytest.raises(ValidationError) as e:
        items.create({"商品": "无主"})
    assert codes(e) == {"required"}
    o1, o2 = orders.create({"单号": "A"}), orders.create({"单号": "B"})
    i1 = items.create({"商品": "笔", "订单": [o1.id]})
    i2 = items.create({"商品": "纸", "订单": [o1.id]})
    assert titles(orders.get(o1.id)["明细"]) == ["笔", "纸"]
    orders.update(o2.id, {"明细": [i2.id]})  # moved to another parent
    assert titles(orders.get(o1.id)["明细"]) == ["笔"]
    assert items.get(i2.id)["订单"] == [{"id": o2.id, "title": "B"}]
    with pytest.raises(ValidationError) as e:  # a child cannot be left without a parent
        orders.update(o1.id, {"明细": []})
    assert codes(e) == {"required"}
    with pytest.raises(ValidationError) as e:
        items.update(i1.id, {"订单": []})
    assert codes(e) == {"required"}
    assert items.get(i1.id)["订单"] == [{"id": o1.id, "title": "A"}]


def test_a_sub_table_can_be_defined_from_the_child_side(base: engine.Base) -> None:
    orders = base.create_table("订单", [{"name": "单号", "type": "text"}])
    items = base.create_table("明细", [{"name": "商品", "type": "text"}])
    items.add_field("所属", "link", options={"table": "订单", "role": "parent", "multiple": True})
    parent, children = items.field("所属"), orders.field("明细")
    assert (parent.type.options.multiple, parent.rules.required) == (False, True)
    assert (children.type.options.role, children.type.options.multiple) == ("children", True)
    o = orders.create({"单号": "A"})
    items.create({"商品": "笔", "所属": [o.id]})
    orders.delete(o.id)
    assert items.count() == 0


def test_link_options_are_checked(base: engine.Base) -> None:
    a = base.create_table("甲", [{"name": "名称", "type": "text"}])
    b = base.create_table("乙", [{"name": "名称", "type": "text"}])
    with pytest.raises(SchemaError):
        a.add_field("乙", "link", options={"table": "乙", "mutiple": False})
    with pytest.raises(SchemaError):
        a.add_field("乙", "link", options={"table": "丙"})
    with pytest.raises(SchemaError):
        a.add_field("乙", "link", options={"table": "乙", "role": "boss"})
    with pytest.raises(Conflict):  # a name asked for is not changed behind one's back
        a.add_field("乙", "link", options={"table": "乙", "inverse_name": "名称"})
    assert [f.name for f in a.fields] == ["名称"] and [f.name for f in b.fields] == ["名称"]


def test_a_table_is_not_a_sub_table_of_itself(base: engine.Base) -> None:
    t = base.create_table("节点", [{"name": "名称", "type": "text"}])
    with pytest.raises(SchemaError):
        t.add_field("子节点", "link", options={"table": "节点", "role": "children"})
    assert [f.name for f in t.fields] == ["名称"]


def test_trashing_and_restoring_a_parent_takes_its_children_along(
    db: engine.Database, orders_with_items: Any
) -> None:
    orders, items = orders_with_items
    orders.add_field("件数", "count", options={"link_field": "明细"})
    o1, o2 = orders.create({"单号": "A"}), orders.create({"单号": "B"})
    i1, i2, i3 = (items.create({"商品": n, "订单": [o1.id]}) for n in ("笔", "纸", "墨"))
    i4 = items.create({"商品": "砚", "订单": [o2.id]})
    items.delete(i3.id)  # trashed on its own, earlier
    assert orders.get(o1.id)["件数"] == 2

    orders.delete(o1.id)
    assert {r.id for r in items.all()} == {i4.id}
    trashed = {r.id: r.trashed_at for r in items.all(trashed=True)}
    parent_at = orders.all(trashed=True)[0].trashed_at
    assert trashed[i1.id] == trashed[i2.id] == parent_at  # one write, one instant
    assert trashed[i3.id] != parent_at

    orders.restore(o1.id)
    assert {r.id for r in items.all()} == {i1.id, i2.id, i4.id}  # the earlier one stays
    assert [r.id for r in items.all(trashed=True)] == [i3.id]
    assert orders.get(o1.id)["件数"] == 2
    assert titles(orders.get(o1.id)["明细"]) == ["笔", "纸"]


def test_purging_a_parent_purges_its_children(orders_with_items: Any) -> None:
    orders, items = orders_with_items
    o1, o2 = orders.create({"单号": "A"}), orders.create({"单号": "B"})
    items.create({"商品": "笔", "订单": [o1.id]})
    i2 = items.create({"商品": "纸", "订单": [o1.id]})
    i3 = items.create({"商品": "墨", "订单": [o2.id]})
    items.delete(i2.id)
    orders.purge(o1.id)
    assert [r.id for r in items.all()] == [i3.id]
    assert items.all(trashed=True) == []
    with pytest.raises(NotFound):
        orders.get(o1.id)
