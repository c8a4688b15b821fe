"""Type changes with links: text -> link (matching the linked table's record titles, reporting and
keeping what matches nothing) and link -> text (the titles), and the computed types refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect

import engine
from engine.errors import SchemaError


def titles(value: list[dict[str, Any]]) -> list[str]:
    return [v["title"] for v in value]


@pytest.fixture
def crm(base: engine.Base) -> tuple[engine.Table, engine.Table]:
    cust = base.create_table("客户", [{"name": "姓名", "type": "text"}])
    cust.create_many([{"姓名": n} for n in ("张三", "李四", "Smith, John", "张三")])
    orders = base.create_table(
        "订单", [{"name": "单号", "type": "text"}, {"name": "客户名", "type": "text"}]
    )
    orders.create_many(
        [
            {"单号": "1", "客户名": "张三"},
            {"单号": "2", "客户名": " 张三, 李四 "},
            {"单号": "3", "客户名": "王五"},
            {"单号": "4", "客户名": "Smith, John"},
            {"单号": "5", "客户名": "李四，王五"},
            {"单号": "6"},
        ]
    )
    return cust, orders


def test_the_preview_reports_values_that_match_no_record(crm: Any) -> None:
    cust, orders = crm
    p = orders.preview_type_change("客户名", "link", {"table": "客户"})
    assert (p.total, p.converted, p.failed) == (5, 3, 2)
    assert [f.value for f in p.failures] == ["王五", "李四，王五"]
    assert "王五" in p.failures[0].message_en and "客户" in p.failures[0].message_zh
    assert ("张三, 李四", "张三, 李四") in p.examples
    assert orders.field("客户名").type_name == "text"  # nothing changed
    assert [f.name for f in cust.fields] == ["姓名"]


def test_text_becomes_a_link_to_the_records_it_names(db: engine.Database, crm: Any) -> None:
    cust, orders = crm
    result = orders.change_type("客户名", "link", {"table": "客户", "inverse_name": "订单"})
    assert (result.converted, result.failed) == (3, 2)
    link = orders.field("客户名")
    assert link.type_name == "link" and link.type.options.multiple is True
    rows = {r["单号"]: r for r in orders.all()}
    zhang, li, smith = (r.id for r in cust.all()[:3])
    assert rows["1"]["客户名"] == [{"id": zhang, "title": "张三"}]  # the first of two 张三
    assert titles(rows["2"]["客户名"]) == ["张三", "李四"]
    assert rows["4"]["客户名"] == [{"id": smith, "title": "Smith, John"}]  # whole title first
    assert titles(rows["5"]["客户名"]) == ["李四"]  # the part that matched is linked ...
    assert rows["3"]["客户名"] == [] and rows["6"]["客户名"] == []
    kept = orders.field(result.kept_in_field_id)  # ... and the value kept, as it was
    assert kept.name == "客户名 (original)"
    assert {r["单号"]: r[kept.name] for r in orders.all() if r[kept.name]} == {
        "3": "王五",
        "5": "李四，王五",
    }
    # the other side, its junction and the computed fields work as for any link
    assert titles(cust.get(zhang)["订单"]) == ["1", "2"]
    assert titles(cust.get(li)["订单"]) == ["2", "5"]
    with db.read() as conn:
        assert link.type.options.junction in inspect(conn).get_table_names()
    cust.add_field("单数", "count", options={"link_field": "订单"})
    assert cust.get(li)["单数"] == 2
    orders.update(rows["3"].id, {"客户名": [li]})
    assert cust.get(li)["单数"] == 3


def test_text_to_a_single_link_matches_whole_values_only(crm: Any) -> None:
    _cust, orders = crm
    result = orders.change_type(
        "客户名", "link", {"table": "客户", "multiple": False}, keep_unconverted=False
    )
    assert (result.converted, result.failed, result.kept_in_field_id) == (2, 3, None)
    assert orders.field("客户名").type.options.multiple is False
    rows = {r["单号"]: titles(r["客户名"]) for r in orders.all()}
    assert rows == {"1": ["张三"], "2": [], "3": [], "4": ["Smith, John"], "5": [], "6": []}
    assert [f.name for f in orders.fields] == ["单号", "客户名"]


def test_titles_are_matched_as_links_show_them(base: engine.Base) -> None:
    codes = base.create_table(
        "编码", [{"name": "号", "type": "number", "options": {"precision": 1}}]
    )
    codes.create_many([{"号": 7}, {"号": 2.5}])
    notes = base.create_table(
        "记录", [{"name": "内容", "type": "text"}, {"name": "号", "type": "text"}]
    )
    notes.create_many([{"号": "7"}, {"号": "2.5, 7"}, {"号": "7.0"}])
    result = notes.change_type("号", "link", {"table": "编码"})
    assert (result.converted, result.failed) == (2, 1)
    assert [titles(r["号"]) for r in notes.all()] == [["7"], ["2.5", "7"], []]


def test_a_trashed_record_is_not_matched(crm: Any) -> None:
    cust, orders = crm
    cust.delete(cust.all()[1].id)  # 李四
    p = orders.preview_type_change("客户名", "link", {"table": "客户"})
    assert [f.value for f in p.failures] == [" 张三, 李四 ".strip(), "王五", "李四，王五"]


def test_a_link_becomes_the_titles_it_shows(db: engine.Database, crm: Any) -> None:
    cust, orders = crm
    orders.change_type("客户名", "link", {"table": "客户", "inverse_name": "订单"})
    junction = orders.field("客户名").type.options.junction
    cust.update(cust.all()[0].id, {"姓名": "张三丰"})
    p = orders.preview_type_change("客户名", "text")
    assert (p.total, p.converted, p.failed) == (4, 4, 0)
    orders.change_type("客户名", "text")
    assert orders.field("客户名").type_name == "text"
    rows = {r["单号"]: r["客户名"] for r in orders.all()}
    assert rows == {
        "1": "张三丰",
        "2": "张三丰, 李四",
        "3": None,
        "4": "Smith, John",
        "5": "李四",
        "6": None,
    }
    assert [f.name for f in cust.fields] == ["姓名"]  # the inverse went
    with db.read() as conn:
        assert junction not in inspect(conn).get_table_names()
    orders.update(orders.all()[0].id, {"客户名": "随便"})


def test_a_link_read_by_a_computed_field_keeps_its_type(crm: Any) -> None:
    cust, orders = crm
    orders.change_type("客户名", "link", {"table": "客户", "inverse_name": "订单"})
    cust.add_field("单号们", "lookup", options={"link_field": "订单", "target_field": "单号"})
    for call in (orders.preview_type_change, orders.change_type):
        with pytest.raises(SchemaError, match="单号们"):
            call("客户名", "text")
    assert orders.field("客户名").type_name == "link"


def test_a_link_cannot_be_primary(crm: Any) -> None:
    _cust, orders = crm
    with pytest.raises(SchemaError):
        orders.change_type("单号", "link", {"table": "客户"})
    with pytest.raises(SchemaError):
        orders.change_type("客户名", "link", {"table": "没有这个表"})
    assert orders.field("单号").type_name == "text"


@pytest.mark.parametrize("kind", ["lookup", "rollup", "count", "formula"])
def test_changing_to_or_from_a_computed_type_is_refused(crm: Any, kind: str) -> None:
    cust, orders = crm
    orders.change_type("客户名", "link", {"table": "客户", "inverse_name": "订单"})
    opts = {
        "lookup": {"link_field": "订单", "target_field": "单号"},
        "rollup": {"link_field": "订单", "target_field": "单号", "fn": "array_join"},
        "count": {"link_field": "订单"},
        "formula": {"formula": "UPPER({姓名})"},
    }[kind]
    cust.add_field("算", "text")
    with pytest.raises(SchemaError):
        cust.change_type("算", kind, opts)
    with pytest.raises(SchemaError):
        cust.preview_type_change("算", kind, opts)
    cust.delete_field("算")
    cust.add_field("算", kind, options=opts)
    with pytest.raises(SchemaError):
        cust.change_type("算", "text")
    assert cust.field("算").type_name == kind


@pytest.mark.parametrize("multiple", [True, False])
def test_the_preview_says_what_the_change_does(crm: Any, multiple: bool) -> None:
    _cust, orders = crm
    options = {"table": "客户", "multiple": multiple}
    p = orders.preview_type_change("客户名", "link", options)
    expected = (5, 3, 2) if multiple else (5, 2, 3)
    assert (p.total, p.converted, p.failed) == expected
    assert orders.field("客户名").type_name == "text"
    result = orders.change_type("客户名", "link", options)
    assert (result.total, result.converted, result.failed) == expected
    assert [f.value for f in result.failures] == [f.value for f in p.failures]
    assert result.examples == p.examples


def test_every_separator_and_a_title_named_twice(base: engine.Base) -> None:
    tags = base.create_table("标签", [{"name": "名称"}])
    tags.create_many([{"名称": n} for n in ("红", "绿", "蓝", "黄 色")])
    items = base.create_table("商品", [{"name": "名"}, {"name": "标签", "type": "long_text"}])
    items.create_many(
        [
            {"名": "a", "标签": "红、绿"},
            {"名": "b", "标签": "红;蓝；绿"},
            {"名": "c", "标签": "蓝\n红"},
            {"名": "d", "标签": "红, 红，红"},  # one link, however often it is named
            {"名": "e", "标签": "黄 色"},  # a title with a space is one title
            {"名": "f", "标签": "紫、红"},
        ]
    )
    p = items.preview_type_change("标签", "link", {"table": "标签"})
    assert (p.total, p.converted, p.failed) == (6, 5, 1)
    assert "'紫'" in p.failures[0].message_en and "'紫'" in p.failures[0].message_zh
    result = items.change_type("标签", "link", {"table": "标签"})
    assert {r["名"]: titles(r["标签"]) for r in items.all()} == {
        "a": ["红", "绿"],
        "b": ["红", "蓝", "绿"],
        "c": ["蓝", "红"],
        "d": ["红"],
        "e": ["黄 色"],
        "f": ["红"],
    }
    kept = items.field(result.kept_in_field_id)
    assert [r[kept.name] for r in items.all()] == [None] * 5 + ["紫、红"]


def test_a_text_field_becomes_a_link_to_its_own_table(base: engine.Base) -> None:
    staff = base.create_table("员工", [{"name": "姓名"}, {"name": "上级"}])
    staff.create_many(
        [
            {"姓名": "王总"},
            {"姓名": "李经理", "上级": "王总"},
            {"姓名": "张三", "上级": "李经理"},
            {"姓名": "赵六", "上级": "不存在"},
        ]
    )
    p = staff.preview_type_change("上级", "link", {"table": "员工", "multiple": False})
    assert (p.total, p.converted, p.failed) == (3, 2, 1)
    staff.change_type("上级", "link", {"table": "员工", "multiple": False, "inverse_name": "下属"})
    rows = {r["姓名"]: r for r in staff.all()}
    assert titles(rows["张三"]["上级"]) == ["李经理"]
    assert titles(rows["李经理"]["上级"]) == ["王总"]
    assert titles(rows["王总"]["下属"]) == ["李经理"]
    assert rows["赵六"]["上级"] == [] and rows["赵六"]["上级 (original)"] == "不存在"
    staff.change_type("上级", "text")  # and back: the titles, the inverse gone
    assert {r["姓名"]: r["上级"] for r in staff.all()} == {
        "王总": None,
        "李经理": "王总",
        "张三": "李经理",
        "赵六": None,
    }
    assert [f.name for f in staff.fields] == ["姓名", "上级", "上级 (original)"]


def test_many_values_in_many_chunks(base: engine.Base) -> None:
    """More values and titles than one chunk (1,000): every one is matched or kept; the preview
    lists ten failures and counts them all."""
    n = 2_500
    cust = base.create_table("客户", [{"name": "姓名"}])
    cust.insert_many([{"姓名": f"客户{i}"} for i in range(n)])
    orders = base.create_table("订单", [{"name": "单号"}, {"name": "客户"}])
    orders.insert_many(
        [{"单号": str(i), "客户": f"客户{i}" if i % 100 else f"无名{i}"} for i in range(n)]
    )
    p = orders.preview_type_change("客户", "link", {"table": "客户"})
    assert (p.total, p.converted, p.failed) == (n, n - 25, 25)
    assert len(p.failures) == 10 and len(p.examples) == 10
    result = orders.change_type("客户", "link", {"table": "客户", "inverse_name": "订单"})
    assert (result.converted, result.failed) == (n - 25, 25)
    kept = orders.field(result.kept_in_field_id).name
    ids = {r["姓名"]: r.id for r in cust.all(limit=n)}
    for r in orders.all(limit=n):
        i = int(r["单号"])
        if i % 100:
            assert r["客户"] == [{"id": ids[f"客户{i}"], "title": f"客户{i}"}] and r[kept] is None
        else:
            assert r["客户"] == [] and r[kept] == f"无名{i}"
    assert sum(len(r["订单"]) for r in cust.all(limit=n)) == n - 25
