"""Queries over computed and link fields: they filter, sort and search by their result type;
formulas with TODAY() are computed in the query at the clock's now."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import engine
from engine.dates import Clock
from engine.errors import QueryError
from engine.model import load_table
from engine.query import QueryContext, run
from schemas.query import QuerySpec

NOW = dt.datetime(2024, 3, 12, 4, 0, tzinfo=dt.UTC)


def _ids(db: engine.Database, table: engine.Table, spec: dict[str, Any]) -> list[int]:
    with db.read() as conn:
        result = run(
            conn,
            load_table(conn, table.id),
            QuerySpec.model_validate(spec),
            QueryContext(clock=Clock(now=NOW, timezone="Asia/Shanghai")),
        )
    return [r.id for r in result.records]


@pytest.fixture
def crm(base: engine.Base) -> tuple[engine.Table, engine.Table, list[int], list[int]]:
    customers = base.create_table("客户", [{"name": "姓名"}])
    orders = base.create_table(
        "订单",
        [{"name": "单号"}, {"name": "金额", "type": "number"}, {"name": "日期", "type": "date"}],
    )
    orders.add_field(
        "客户", "link", options={"table": "客户", "multiple": False, "inverse_name": "订单"}
    )
    cs = [
        r.id
        for r in customers.create_many([{"姓名": "张三丰"}, {"姓名": "李四"}, {"姓名": "王五"}])
    ]
    os_ = orders.insert_many(
        [
            {"单号": "A1", "金额": 100, "日期": "2024-03-01", "客户": [cs[0]]},
            {"单号": "A2", "金额": 300, "日期": "2024-03-10", "客户": [cs[0]]},
            {"单号": "B1", "金额": 50, "日期": "2024-02-01", "客户": [cs[1]]},
        ]
    )
    customers.add_field(
        "总消费", "rollup", options={"link_field": "订单", "target_field": "金额", "fn": "sum"}
    )
    customers.add_field(
        "最近", "rollup", options={"link_field": "订单", "target_field": "日期", "fn": "latest"}
    )
    customers.add_field("单号们", "lookup", options={"link_field": "订单", "target_field": "单号"})
    customers.add_field("大客户", "formula", options={"formula": "{总消费} >= 200"})
    customers.add_field(
        "沉睡天数", "formula", options={"formula": "DATETIME_DIFF(TODAY(), {最近}, 'days')"}
    )
    return customers, orders, cs, os_


def test_computed_fields_filter_by_their_result_type(db, crm) -> None:
    customers, _, cs, _ = crm
    assert _ids(
        db, customers, {"filter": {"items": [{"field": "总消费", "op": ">", "value": 100}]}}
    ) == [cs[0]]
    assert _ids(
        db, customers, {"filter": {"items": [{"field": "大客户", "op": "is_checked"}]}}
    ) == [cs[0]]
    assert _ids(
        db, customers, {"filter": {"items": [{"field": "大客户", "op": "is_unchecked"}]}}
    ) == [cs[1], cs[2]]
    on_or_after = {"field": "最近", "op": "is_on_or_after", "value": "2024-03-01"}
    assert _ids(db, customers, {"filter": {"items": [on_or_after]}}) == [cs[0]]
    assert _ids(
        db, customers, {"filter": {"items": [{"field": "单号们", "op": "contains", "value": "b1"}]}}
    ) == [cs[1]]
    assert _ids(db, customers, {"filter": {"items": [{"field": "单号们", "op": "is_empty"}]}}) == [
        cs[2]
    ]
    assert _ids(db, customers, {"sorts": [{"field": "总消费", "direction": "desc"}]}) == [
        cs[0],
        cs[1],
        cs[2],
    ]
    with pytest.raises(QueryError):
        _ids(db, customers, {"filter": {"items": [{"field": "单号们", "op": ">", "value": 1}]}})


def test_link_fields_filter_by_title_and_record(db, crm) -> None:
    customers, orders, cs, os_ = crm
    contains = {"field": "客户", "op": "contains", "value": "三丰"}
    assert _ids(db, orders, {"filter": {"items": [contains]}}) == os_[:2]
    any_of = {"field": "客户", "op": "has_any_of", "value": [cs[1]]}
    assert _ids(db, orders, {"filter": {"items": [any_of]}}) == [os_[2]]
    none_of = {"field": "客户", "op": "has_none_of", "value": [cs[0]]}
    assert _ids(db, orders, {"filter": {"items": [none_of]}}) == [os_[2]]
    assert _ids(db, customers, {"search": "A2"}) == [cs[0]]  # through the lookup of order numbers
    assert _ids(db, orders, {"search": "李四"}) == [os_[2]]


def test_volatile_formulas_are_computed_at_the_clocks_now(db, crm) -> None:
    customers, _, cs, _ = crm
    # 12 March 12:00 in Shanghai; the last orders were on 10 March and 1 February
    over_ten = {"field": "沉睡天数", "op": ">", "value": 10}
    assert _ids(db, customers, {"filter": {"items": [over_ten]}}) == [cs[1]]
    with db.read() as conn:
        result = run(
            conn,
            load_table(conn, customers.id),
            QuerySpec(),
            QueryContext(clock=Clock(now=NOW, timezone="Asia/Shanghai")),
        )
    assert [r["沉睡天数"] for r in result.records] == [2, 40, None]


def test_a_record_read_by_id_shows_its_volatile_formulas(db, crm) -> None:
    customers, _, cs, _ = crm
    today = dt.datetime.now(dt.UTC).date()
    with db.read() as conn:
        listed = run(conn, load_table(conn, customers.id), QuerySpec(), QueryContext()).records
    expected = [r["沉睡天数"] for r in listed]
    assert expected[0] == (today - dt.date(2024, 3, 10)).days  # not blank, as in the grid
    assert [customers.get(i)["沉睡天数"] for i in cs] == expected
    assert [r["沉睡天数"] for r in customers.all()] == expected
