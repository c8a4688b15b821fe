"""Lookups, rollups, counts and formulas: materialized values, kept current across tables by every
write, with the right types; cycles refused; fields read by computed fields kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

import engine
from engine.errors import SchemaError, ValidationError
from engine.query import run
from schemas.query import QuerySpec

UTC = dt.UTC
PAID = {"items": [{"field": "状态", "op": "is", "value": "已付款"}]}


@pytest.fixture
def crm(base: engine.Base) -> tuple[engine.Table, engine.Table]:
    """Customers and their orders: amount, status, date, time, paid flag, tags."""
    cust = base.create_table("客户", [{"name": "姓名", "type": "text"}])
    orders = base.create_table(
        "订单",
        [
            {"name": "单号", "type": "text"},
            {"name": "金额", "type": "currency"},
            {"name": "状态", "type": "single_select", "options": {"choices": ["已付款", "未付款"]}},
            {"name": "日期", "type": "date"},
            {"name": "时间", "type": "datetime"},
            {"name": "加急", "type": "checkbox"},
            {"name": "标签", "type": "multiple_select", "options": {"choices": ["新", "旧", "赠"]}},
        ],
    )
    orders.add_field(
        "客户", "link", options={"table": "客户", "multiple": False, "inverse_name": "订单"}
    )
    return cust, orders


ORDERS = [
    {"单号": "X1", "金额": 10, "状态": "已付款", "日期": "2024-03-05", "时间": "2024-03-05 08:00",
     "加急": True, "标签": ["新", "赠"]},
    {"单号": "X2", "金额": 2.5, "状态": "未付款", "日期": "2024-01-20", "时间": "2024-01-20 20:30",
     "加急": False, "标签": ["旧"]},
    {"单号": "X3", "金额": 10, "状态": "已付款", "日期": "2024-02-01", "标签": ["新"]},
]  # fmt: skip


@pytest.fixture
def linked(crm: Any) -> tuple[engine.Table, engine.Table, int, int]:
    """A customer with the three ORDERS (in that order), and one without orders."""
    cust, orders = crm
    a, empty = cust.create({"姓名": "A"}), cust.create({"姓名": "空"})
    orders.create_many([{**o, "客户": [a.id]} for o in ORDERS])
    return cust, orders, a.id, empty.id


ROLLUPS = [
    # fn, target field, value for A's three orders, value with no orders
    ("sum", "金额", 22.5, 0),
    ("average", "金额", 7.5, None),
    ("min", "金额", 2.5, None),
    ("max", "金额", 10, None),
    ("min", "日期", dt.date(2024, 1, 20), None),
    ("max", "时间", dt.datetime(2024, 3, 5, 8, 0, tzinfo=UTC), None),
    ("count", "金额", 3, 0),
    ("count_filled", "时间", 2, 0),
    ("count_filled", "加急", 1, 0),
    ("count_unique", "金额", 2, 0),
    ("count_unique", "标签", 3, 0),
    ("earliest", "日期", dt.date(2024, 1, 20), None),
    ("latest", "日期", dt.date(2024, 3, 5), None),
    ("earliest", "时间", dt.datetime(2024, 1, 20, 20, 30, tzinfo=UTC), None),
    ("and", "加急", False, True),
    ("or", "加急", True, False),
    ("and", "单号", True, True),
    ("array_join", "单号", "X1, X2, X3", None),
    ("array_join", "金额", "10, 2.5, 10", None),
    ("array_join", "标签", "新, 赠, 旧, 新", None),
    ("array_join", "日期", "2024-03-05, 2024-01-20, 2024-02-01", None),
    ("array_unique", "金额", [10, 2.5], None),
    ("array_unique", "标签", ["新", "赠", "旧"], None),
    ("array_unique", "状态", ["已付款", "未付款"], None),
    ("most_frequent", "状态", "已付款", None),
    ("most_frequent", "金额", 10, None),
    ("most_frequent", "标签", "新", None),
]


@pytest.mark.parametrize(("fn", "target", "value", "empty"), ROLLUPS)
def test_every_rollup(linked: Any, fn: str, target: str, value: Any, empty: Any) -> None:
    cust, _, a, nobody = linked
    cust.add_field("R", "rollup", options={"link_field": "订单", "target_field": target, "fn": fn})
    got, none = cust.get(a)["R"], cust.get(nobody)["R"]
    assert got == value and type(got) is type(value)
    assert none == empty and type(none) is type(empty)


def test_rollup_result_types(linked: Any) -> None:
    cust, *_ = linked
    cases = {
        ("max", "日期"): "date",
        ("latest", "时间"): "datetime",
        ("sum", "金额"): "number",
        ("and", "加急"): "boolean",
        ("array_join", "标签"): "text",
        ("array_unique", "单号"): "array",
        ("most_frequent", "状态"): "text",
        ("most_frequent", "日期"): "date",
    }
    for i, ((fn, target), result) in enumerate(cases.items()):
        f = cust.add_field(
            f"R{i}", "rollup", options={"link_field": "订单", "target_field": target, "fn": fn}
        )
        assert f.type.options.result_type == result, (fn, target)
    for fn, target in (("sum", "单号"), ("average", "日期"), ("earliest", "金额"), ("max", "单号")):
        with pytest.raises(SchemaError):
            cust.add_field(
                "坏", "rollup", options={"link_field": "订单", "target_field": target, "fn": fn}
            )
    with pytest.raises(SchemaError):
        cust.add_field(
            "坏", "rollup", options={"link_field": "订单", "target_field": "金额", "fn": "median"}
        )


def test_lookups_in_link_order(linked: Any) -> None:
    cust, orders, a, nobody = linked
    for name in ("单号", "金额", "日期", "时间", "加急", "标签", "状态"):
        cust.add_field(f"L{name}", "lookup", options={"link_field": "订单", "target_field": name})
    got = cust.get(a)
    assert got["L单号"] == ["X1", "X2", "X3"]
    assert got["L金额"] == [10, 2.5, 10]
    assert got["L日期"] == [dt.date(2024, 3, 5), dt.date(2024, 1, 20), dt.date(2024, 2, 1)]
    assert got["L时间"] == [
        dt.datetime(2024, 3, 5, 8, 0, tzinfo=UTC),
        dt.datetime(2024, 1, 20, 20, 30, tzinfo=UTC),
    ]
    assert got["L加急"] == [True, False, False]
    assert got["L标签"] == ["新", "赠", "旧", "新"]  # a multiple select flattens
    assert got["L状态"] == ["已付款", "未付款", "已付款"]
    assert cust.get(nobody)["L单号"] == []
    x2 = orders.all()[1].id
    cust.update(a, {"订单": [x2, *(o.id for o in orders.all() if o.id != x2)]})
    assert cust.get(a)["L单号"] == ["X2", "X1", "X3"]


def test_lookup_of_a_link_gives_titles_and_lookups_of_lookups(base: engine.Base) -> None:
    regions = base.create_table("地区", [{"name": "名称", "type": "text"}])
    cust = base.create_table("客户", [{"name": "姓名", "type": "text"}])
    orders = base.create_table("订单", [{"name": "单号", "type": "text"}])
    cust.add_field("地区", "link", options={"table": "地区"})
    orders.add_field("客户", "link", options={"table": "客户", "multiple": False})
    orders.add_field("客户地区", "lookup", options={"link_field": "客户", "target_field": "地区"})
    regions.add_field("订单们", "lookup", options={"link_field": "客户", "target_field": "订单"})
    regions.add_field("订单地区", "lookup", options={"link_field": "客户", "target_field": "订单"})
    # a lookup of a lookup (of a link): through two links, as titles
    cust.add_field("单号们", "lookup", options={"link_field": "订单", "target_field": "单号"})
    regions.add_field("单号们", "lookup", options={"link_field": "客户", "target_field": "单号们"})

    n, s = regions.create({"名称": "华北"}), regions.create({"名称": "华南"})
    a = cust.create({"姓名": "A", "地区": [n.id, s.id]})
    b = cust.create({"姓名": "B", "地区": [s.id]})
    x = orders.create({"单号": "X", "客户": [a.id]})
    orders.create({"单号": "Y", "客户": [b.id]})
    orders.create({"单号": "Z", "客户": [a.id]})
    assert orders.get(x.id)["客户地区"] == ["华北", "华南"]
    assert regions.get(s.id)["单号们"] == ["X", "Z", "Y"]
    assert regions.get(n.id)["单号们"] == ["X", "Z"]
    regions.update(n.id, {"名称": "华北区"})
    assert orders.get(x.id)["客户地区"] == ["华北区", "华南"]
    orders.update(x.id, {"单号": "X0"})
    assert regions.get(s.id)["单号们"] == ["X0", "Z", "Y"]
    orders.update(x.id, {"客户": [b.id]})
    assert regions.get(n.id)["单号们"] == ["Z"]
    assert regions.get(s.id)["单号们"] == ["Z", "Y", "X0"]


def test_a_linked_record_without_a_title_is_left_out_of_lookups(base: engine.Base) -> None:
    """As every empty value is: a lookup of a link to a record with an empty primary field
    lists the other titles only, and an array join or count of filled values skips it."""
    cust = base.create_table("客户", [{"name": "姓名", "type": "text"}])
    orders = base.create_table("订单", [{"name": "单号", "type": "text"}])
    orders.add_field("客户", "link", options={"table": "客户", "inverse_name": "订单"})
    items = base.create_table("明细", [{"name": "商品", "type": "text"}])
    items.add_field("订单", "link", options={"table": "订单", "multiple": False})
    items.add_field("客户", "lookup", options={"link_field": "订单", "target_field": "客户"})
    orders.add_field(
        "客户名",
        "rollup",
        options={"link_field": "客户", "target_field": "姓名", "fn": "array_join"},
    )
    a, nameless = cust.create({"姓名": "张三"}), cust.create({})
    o = orders.create({"单号": "X", "客户": [nameless.id, a.id]})
    it = items.create({"商品": "笔", "订单": [o.id]})
    assert [v["title"] for v in orders.get(o.id)["客户"]] == [None, "张三"]  # the link shows it
    assert items.get(it.id)["客户"] == ["张三"]
    assert orders.get(o.id)["客户名"] == "张三"
    cust.update(a.id, {"姓名": None})
    assert items.get(it.id)["客户"] == [] and orders.get(o.id)["客户名"] is None
    cust.update(nameless.id, {"姓名": "李四"})
    assert items.get(it.id)["客户"] == ["李四"] and orders.get(o.id)["客户名"] == "李四"


def test_counts_and_conditions(linked: Any) -> None:
    cust, orders, a, nobody = linked
    cust.add_field("订单数", "count", options={"link_field": "订单"})
    cust.add_field("已付单数", "count", options={"link_field": "订单", "filter": PAID})
    cust.add_field(
        "已付金额",
        "rollup",
        options={"link_field": "订单", "target_field": "金额", "fn": "sum", "filter": PAID},
    )
    cust.add_field(
        "已付单号", "lookup", options={"link_field": "订单", "target_field": "单号", "filter": PAID}
    )
    big = {"conjunction": "or", "items": [{"field": "金额", "op": ">", "value": 5}, PAID]}
    cust.add_field("大单数", "count", options={"link_field": "订单", "filter": big})

    def values() -> tuple[Any, ...]:
        r = cust.get(a)
        return r["订单数"], r["已付单数"], r["已付金额"], r["已付单号"], r["大单数"]

    assert values() == (3, 2, 20, ["X1", "X3"], 2)
    assert cust.get(nobody)["已付单数"] == 0
    x1, x2, x3 = (r.id for r in orders.all())
    orders.update(x2, {"状态": "已付款"})  # the condition's field changes
    assert values() == (3, 3, 22.5, ["X1", "X2", "X3"], 3)
    orders.update(x1, {"状态": "未付款", "金额": 100})
    assert values() == (3, 2, 12.5, ["X2", "X3"], 3)
    orders.delete(x3)
    assert values() == (2, 1, 2.5, ["X2"], 2)
    # renaming the option the condition names keeps the condition working
    paid = orders.field("状态").type.options.choices[0].id
    orders.set_options("状态", {"choices": [{"id": paid, "name": "已支付"}, {"name": "未付款"}]})
    assert cust.field("已付金额").type.options.filter["items"][0]["value"] == "已支付"
    assert values() == (2, 1, 2.5, ["X2"], 2)
    orders.update(x1, {"状态": "已支付"})
    assert values() == (2, 2, 102.5, ["X1", "X2"], 2)
    with pytest.raises(SchemaError, match="已付"):  # removing it is refused while it is tested
        orders.set_options("状态", {"choices": [{"name": "未付款"}]})


def test_a_condition_must_fit_the_linked_table(crm: Any) -> None:
    cust, _ = crm
    for bad in (
        {"items": [{"field": "没有", "op": "is", "value": 1}]},
        {"items": [{"field": "金额", "op": "contains", "value": 1}]},
        {"items": [{"field": "状态", "op": "is", "value": "不存在"}]},
        {"items": [{"saved_filter": 1}]},
    ):
        with pytest.raises(SchemaError):
            cust.add_field("C", "count", options={"link_field": "订单", "filter": bad})
    assert [f.name for f in cust.fields] == ["姓名", "订单"]


def test_formulas_over_rollups(linked: Any) -> None:
    cust, orders, a, nobody = linked
    cust.add_field("总消费", "rollup", options={"link_field": "订单", "target_field": "金额"})
    cust.add_field("订单数", "count", options={"link_field": "订单"})
    cust.add_field(
        "最近", "rollup", options={"link_field": "订单", "target_field": "日期", "fn": "latest"}
    )
    cust.add_field(
        "客单价",
        "formula",
        options={"formula": "IF({订单数} > 0, ROUND({总消费} / {订单数}, 2), BLANK())"},
    )
    cust.add_field(
        "等级",
        "formula",
        options={
            "formula": "IF({总消费} >= 100, '高价值', IF(AND({订单数} >= 3, {总消费} >= 20), '忠诚', "
            "IF({订单数} = 0, '沉睡', '一般')))"
        },
    )
    assert cust.field("客单价").type.options.result_type == "number"
    r = cust.get(a)
    assert (r["客单价"], r["等级"]) == (7.5, "忠诚")
    assert (cust.get(nobody)["客单价"], cust.get(nobody)["等级"]) == (None, "沉睡")
    x1 = orders.all()[0].id
    orders.update(x1, {"金额": 200})
    assert (cust.get(a)["客单价"], cust.get(a)["等级"]) == (70.83, "高价值")
    orders.delete(x1)
    assert (cust.get(a)["总消费"], cust.get(a)["等级"]) == (12.5, "一般")
    orders.create({"单号": "X9", "金额": 1, "客户": [nobody]})
    assert cust.get(nobody)["等级"] == "一般"


def test_a_chain_across_three_tables(base: engine.Base) -> None:
    cust = base.create_table("客户", [{"name": "姓名", "type": "text"}])
    orders = base.create_table("订单", [{"name": "单号", "type": "text"}])
    items = base.create_table(
        "明细",
        [
            {"name": "商品", "type": "text"},
            {"name": "数量", "type": "number", "options": {"precision": 0}},
            {"name": "单价", "type": "currency"},
        ],
    )
    orders.add_field(
        "客户", "link", options={"table": "客户", "multiple": False, "inverse_name": "订单"}
    )
    orders.add_field("明细", "link", options={"table": "明细", "role": "children"})
    items.add_field("小计", "formula", options={"formula": "{数量} * {单价}"})
    orders.add_field("合计", "rollup", options={"link_field": "明细", "target_field": "小计"})
    cust.add_field("累计消费", "rollup", options={"link_field": "订单", "target_field": "合计"})
    cust.add_field("会员", "formula", options={"formula": "IF({累计消费} >= 100, 'VIP', '普通')"})

    a, b = cust.create({"姓名": "A"}), cust.create({"姓名": "B"})
    o1 = orders.create({"单号": "O1", "客户": [a.id]})
    o2 = orders.create({"单号": "O2", "客户": [a.id]})
    i1 = items.create({"商品": "笔", "数量": 2, "单价": 10, "订单": [o1.id]})
    items.create({"商品": "纸", "数量": 5, "单价": 3, "订单": [o1.id]})
    i3 = items.create({"商品": "墨", "数量": 1, "单价": 50, "订单": [o2.id]})

    def state() -> tuple[Any, ...]:
        ra, rb = cust.get(a.id), cust.get(b.id)
        return (orders.get(o1.id)["合计"], ra["累计消费"], ra["会员"], rb["累计消费"], rb["会员"])

    assert state() == (35, 85, "普通", 0, "普通")
    items.update(i1.id, {"数量": 4})  # item -> order -> customer -> formula, in one write
    assert state() == (55, 105, "VIP", 0, "普通")
    orders.update(o2.id, {"客户": [b.id]})
    assert state() == (55, 55, "普通", 50, "普通")
    items.update(i3.id, {"订单": [o1.id]})
    assert state() == (105, 105, "VIP", 0, "普通")
    orders.delete(o1.id)  # its items go to the trash with it
    assert (cust.get(a.id)["累计消费"], cust.get(a.id)["会员"]) == (0, "普通")
    assert items.count() == 0
    orders.restore(o1.id)
    assert state() == (105, 105, "VIP", 0, "普通")


def test_cycles_are_refused(linked: Any) -> None:
    cust, orders, a, _ = linked
    cust.add_field("A", "formula", options={"formula": "LEN({姓名})"})
    cust.add_field("B", "formula", options={"formula": "{A} + 1"})
    with pytest.raises(SchemaError, match="cycle"):
        cust.set_options("A", {"formula": "{B} * 2"})
    assert cust.get(a)["B"] == 2  # nothing changed

    # through a link: customer formula F -> order lookup L of F -> customer rollup R of L
    cust.add_field("F", "formula", options={"formula": "{A} * 10"})
    orders.add_field("L", "lookup", options={"link_field": "客户", "target_field": "F"})
    cust.add_field(
        "R", "rollup", options={"link_field": "订单", "target_field": "L", "fn": "count_unique"}
    )
    with pytest.raises(SchemaError, match="cycle"):
        cust.set_options("F", {"formula": "{R} + 1"})
    assert cust.field("F").type.options.formula == f"{{fld:{cust.field('A').id}}} * 10"
    cust.set_options("F", {"formula": "{A} * 100"})  # a redefinition that is not a cycle
    assert orders.all()[0]["L"] == [100]


def test_redefining_a_computed_field_recomputes_it(linked: Any) -> None:
    cust, _, a, _ = linked
    cust.add_field("R", "rollup", options={"link_field": "订单", "target_field": "金额"})
    cust.add_field("两倍", "formula", options={"formula": "{R} * 2"})
    assert cust.get(a)["两倍"] == 45
    cust.set_options("R", {"link_field": "订单", "target_field": "金额", "fn": "max"})
    assert (cust.get(a)["R"], cust.get(a)["两倍"]) == (10, 20)
    with pytest.raises(SchemaError, match="两倍"):  # its reader would change type
        cust.set_options("R", {"link_field": "订单", "target_field": "日期", "fn": "max"})
    cust.set_options("两倍", {"formula": "{R} & '!'"})
    cust.set_options("R", {"link_field": "订单", "target_field": "单号", "fn": "array_join"})
    assert cust.get(a)["两倍"] == "X1, X2, X3!"


def test_a_field_read_by_a_computed_field_is_kept(linked: Any) -> None:
    cust, orders, _, _ = linked
    cust.add_field("总消费", "rollup", options={"link_field": "订单", "target_field": "金额"})
    cust.add_field("已付", "count", options={"link_field": "订单", "filter": PAID})
    cust.add_field("翻倍", "formula", options={"formula": "{总消费} * 2"})
    with pytest.raises(SchemaError, match="总消费"):
        orders.delete_field("金额")
    with pytest.raises(SchemaError, match="已付"):
        orders.delete_field("状态")
    with pytest.raises(SchemaError, match="翻倍"):
        cust.delete_field("总消费")
    with pytest.raises(SchemaError, match="总消费"):  # a sum of text makes no sense
        orders.change_type("金额", "text")
    orders.change_type("金额", "number")  # still numbers: the rollup follows
    cust.delete_field("翻倍")
    cust.delete_field("总消费")
    orders.delete_field("金额")


def test_computed_fields_refuse_writes(linked: Any) -> None:
    cust, _, a, _ = linked
    cust.add_field("总消费", "rollup", options={"link_field": "订单", "target_field": "金额"})
    cust.add_field("名字长", "formula", options={"formula": "LEN({姓名})"})
    for fields in ({"总消费": 5}, {"名字长": 1}, {"姓名": "B", "总消费": None}):
        with pytest.raises(ValidationError) as e:
            cust.update(a, fields)
        assert {p.code for p in e.value.problems} == {"read_only"}
        with pytest.raises(ValidationError):
            cust.create(fields)
    assert cust.get(a)["姓名"] == "A"


def test_last_modified_time_in_a_formula_follows_every_write(base: engine.Base) -> None:
    t = base.create_table(
        "T", [{"name": "名称", "type": "text"}, {"name": "改于", "type": "last_modified_time"}]
    )
    t.add_field(
        "改于文本",
        "formula",
        options={"formula": "DATETIME_FORMAT({改于}, 'YYYY-MM-DD HH:mm:ss.SSS')"},
    )
    r = t.create({"名称": "a"})
    first = t.get(r.id)["改于文本"]
    assert first is not None
    t.update(r.id, {"名称": "b"})
    again = t.get(r.id)
    assert again["改于文本"] == again["改于"].strftime("%Y-%m-%d %H:%M:%S.%f")[:23]


def test_a_formula_of_today_is_computed_when_read(db: engine.Database, linked: Any) -> None:
    """Volatile formulas are never stored (they would go stale): the query engine computes them
    at its clock's now, and a formula reading one is volatile too."""
    cust, orders, a, nobody = linked
    f = orders.add_field(
        "天数", "formula", options={"formula": "DATETIME_DIFF(TODAY(), {日期}, 'days')"}
    )
    assert f.type.options.volatile is True
    cust.add_field(
        "最近", "rollup", options={"link_field": "订单", "target_field": "日期", "fn": "latest"}
    )
    g = cust.add_field(
        "距今", "formula", options={"formula": "DATETIME_DIFF(NOW(), {最近}, 'days')"}
    )
    assert g.type.options.volatile is True
    h = cust.add_field("距今周", "formula", options={"formula": "ROUND({距今} / 7, 0)"})
    assert h.type.options.volatile is True
    with pytest.raises(SchemaError, match="天数"):  # nothing stored can read it
        cust.add_field("天数们", "lookup", options={"link_field": "订单", "target_field": "天数"})
    with pytest.raises(SchemaError, match="天数"):
        late = {"items": [{"field": "天数", "op": ">", "value": 30}]}
        cust.add_field("久单", "count", options={"link_field": "订单", "filter": late})
    today = dt.datetime.now(UTC).date()
    with db.read() as conn:
        rows = run(conn, orders.schema(), QuerySpec()).records
        people = {r.id: r for r in run(conn, cust.schema(), QuerySpec()).records}
    assert [r["天数"] for r in rows] == [
        (today - dt.date.fromisoformat(o["日期"])).days for o in ORDERS
    ]
    days = (today - dt.date(2024, 3, 5)).days
    assert people[a]["距今"] == days and people[a]["距今周"] == round(days / 7)
    assert people[nobody]["距今"] is None
    assert cust.get(a)["距今"] == days  # read by id: computed, as in a page
    schema = cust.schema()
    with db.read() as conn:  # but never stored
        stored = conn.execute(select(schema.sql.c[g.column]).where(schema.sql.c.id == a))
        assert stored.scalar_one() is None
