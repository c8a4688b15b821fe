"""Renaming or removing a select option: the view filters, shared saved filters and kanban
stacks that name it follow, in the same transaction as the records."""

from __future__ import annotations

from typing import Any

import pytest

import engine
from engine.options import set_options
from engine.saved_filters import load_filter
from views import store
from views.api import Views

STATUSES = ["待付款", "已付款", "已发货"]
TAGS = ["VIP", "新客", "批发"]


@pytest.fixture
def orders(build_table: Any) -> engine.Table:
    return build_table(
        [
            {"name": "Name"},
            {"name": "Status", "type": "single_select", "options": {"choices": STATUSES}},
            {"name": "Tags", "type": "multiple_select", "options": {"choices": TAGS}},
            {"name": "Qty", "type": "number"},
        ],
        [
            {"Name": "a", "Status": "待付款", "Tags": ["VIP"], "Qty": 1},
            {"Name": "b", "Status": "已付款", "Tags": ["VIP", "新客"], "Qty": 2},
            {"Name": "c", "Status": "已发货", "Tags": ["批发"], "Qty": 3},
            {"Name": "d", "Status": None, "Tags": None, "Qty": 4},
        ],
    )


def cond(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def where(*items: Any, conjunction: str = "and") -> dict[str, Any]:
    return {"conjunction": conjunction, "items": list(items)}


def names(v: Views, view: Any) -> list[str]:
    return [r["Name"] for r in v.rows(view).records]


def values(group: Any) -> list[Any]:
    """The (op, value) of every condition of a stored filter, depth first."""
    out: list[Any] = []
    for item in group.items:
        if hasattr(item, "items"):
            out.append(values(item))
        else:
            out.append((item.op, item.value))
    return out


def rename(table: engine.Table, field: str, old: str, new: str) -> None:
    f = table.field(field)
    choices = [
        {"id": c.id, "name": new if c.name == old else c.name} for c in f.type.options.choices
    ]
    table.set_options(field, {"choices": choices})


def remove(table: engine.Table, field: str, gone: str) -> None:
    f = table.field(field)
    choices = [{"id": c.id, "name": c.name} for c in f.type.options.choices if c.name != gone]
    table.set_options(field, {"choices": choices})


def test_renaming_an_option_renames_it_in_view_filters(orders: engine.Table) -> None:
    v = Views(orders)
    paid = v.create("Paid", query={"filter": where(cond("Status", "is", "已付款"))})
    many = v.create(
        "Any",
        query={
            "filter": where(
                cond("Status", "is_any_of", ["待付款", "已付款"]),
                where(cond("Tags", "has_any_of", ["新客"]), cond("Qty", ">", 100)),
                conjunction="and",
            )
        },
    )
    assert names(v, paid) == ["b"] and names(v, many) == []
    rename(orders, "Status", "已付款", "已支付")
    rename(orders, "Tags", "新客", "首单")
    assert values(v.get(paid).query.filter) == [("is", "已支付")]
    assert values(v.get(many).query.filter) == [
        ("is_any_of", ["待付款", "已支付"]),
        [("has_any_of", ["首单"]), (">", 100)],
    ]
    assert names(v, paid) == ["b"]  # the same records as before, under the new name
    assert [r["Status"] for r in orders.all()] == ["待付款", "已支付", "已发货", None]


def test_swapping_two_names_and_a_name_in_another_case(orders: engine.Table) -> None:
    v = Views(orders)
    view = v.create("Swap", query={"filter": where(cond("Status", "is_none_of", ["待付款"]))})
    f = orders.field("Status")
    by_name = {c.name: c.id for c in f.type.options.choices}
    orders.set_options(
        "Status",
        {
            "choices": [
                {"id": by_name["待付款"], "name": "已付款"},
                {"id": by_name["已付款"], "name": "待付款"},
                {"id": by_name["已发货"], "name": "Shipped"},
            ]
        },
    )
    assert values(v.get(view).query.filter) == [("is_none_of", ["已付款"])]
    assert names(v, view) == ["b", "c", "d"]  # unchanged: the filter followed the records
    lower = v.create("Lower", query={"filter": where(cond("Status", "is", "shipped"))})
    rename(orders, "Status", "Shipped", "发货")
    assert values(v.get(lower).query.filter) == [("is", "发货")]
    assert names(v, lower) == ["c"]


def test_removing_an_option_takes_it_out_of_filters(orders: engine.Table) -> None:
    v = Views(orders)
    lists = v.create(
        "Lists",
        query={
            "filter": where(
                cond("Tags", "has_any_of", ["VIP", "批发"]),
                cond("Status", "is_none_of", ["已发货", "待付款"]),
            )
        },
    )
    alone = v.create(
        "Alone",
        query={
            "filter": where(
                cond("Qty", ">", 1),
                where(cond("Status", "is", "已发货"), conjunction="or"),
                where(cond("Tags", "has_all_of", ["批发"]), cond("Qty", "<", 9), conjunction="or"),
            )
        },
    )
    other = v.create("Other", query={"filter": where(cond("Status", "is_not_empty"))})
    remove(orders, "Status", "已发货")
    remove(orders, "Tags", "批发")
    assert values(v.get(lists).query.filter) == [
        ("has_any_of", ["VIP"]),
        ("is_none_of", ["待付款"]),
    ]
    # a condition left without an option goes, and so does a group emptied by it
    assert values(v.get(alone).query.filter) == [(">", 1), [("<", 9)]]
    assert values(v.get(other).query.filter) == [("is_not_empty", None)]
    assert names(v, lists) == ["b"]
    assert names(v, alone) == ["b", "c", "d"]
    assert [r["Tags"] for r in orders.all()] == [["VIP"], ["VIP", "新客"], None, None]


def test_shared_saved_filters_follow(orders: engine.Table) -> None:
    v = Views(orders)
    vip = v.create_filter("VIP", where(cond("Tags", "is_exactly", ["VIP", "新客"])))
    paid = v.create_filter(
        "Paid", where(cond("Status", "is", "已付款"), cond("Tags", "has_none_of", ["批发"]))
    )
    view = v.create("Uses", query={"filter": where({"saved_filter": paid.id})})
    rename(orders, "Tags", "新客", "首单")
    remove(orders, "Status", "已付款")
    assert values(v.saved_filter(vip).filter) == [("is_exactly", ["VIP", "首单"])]
    assert values(v.saved_filter(paid).filter) == [("has_none_of", ["批发"])]
    assert [r["Name"] for r in v.rows(view).records] == ["a", "b", "d"]
    assert names(v, v.create("Exact", query={"filter": where({"saved_filter": vip.id})})) == ["b"]


def test_kanban_stack_order_and_collapsed_stacks_follow(orders: engine.Table) -> None:
    v = Views(orders)
    board = v.create(
        "Board",
        "kanban",
        config={
            "stack_field": "Status",
            "stack_order": ["已发货", "", "已付款", "待付款"],
            "collapsed": ["已付款", "已发货"],
        },
    )
    by_tags = v.create(
        "Other board",
        "kanban",
        config={"stack_field": "Status", "stack_order": ["待付款", "已付款"]},
    )
    rename(orders, "Status", "已付款", "已支付")
    remove(orders, "Status", "已发货")
    config = v.get(board).config
    assert config.stack_order == ["", "已支付", "待付款"]
    assert config.collapsed == ["已支付"]
    assert v.get(by_tags).config.stack_order == ["待付款", "已支付"]
    stacks = v.stacks(board)
    assert [(s.key, s.count, s.collapsed) for s in stacks] == [
        ("", 2, False),
        ("已支付", 1, True),
        ("待付款", 1, False),
    ]


def test_in_the_transaction_of_the_option_change(db: engine.Database, orders: engine.Table) -> None:
    """Views and saved filters change in the caller's transaction: rolled back with it."""
    v = Views(orders)
    view = v.create("Paid", query={"filter": where(cond("Status", "is", "已付款"))})
    saved = v.create_filter("Paid", where(cond("Status", "is_any_of", ["已付款"])))
    choices = [{"id": c.id, "name": c.name} for c in orders.field("Status").type.options.choices]
    choices = [c for c in choices if c["name"] != "已付款"]

    class Abort(Exception):
        pass

    with pytest.raises(Abort), db.write() as conn:
        set_options(conn, orders.id, "Status", {"choices": choices})
        assert values(store.get_view(conn, view.id).query.filter) == []
        assert values(load_filter(conn, saved.id).filter) == []
        raise Abort
    assert values(v.get(view).query.filter) == [("is", "已付款")]
    assert values(v.saved_filter(saved).filter) == [("is_any_of", ["已付款"])]
    assert [r["Status"] for r in orders.all()] == ["待付款", "已付款", "已发货", None]


def test_a_removed_option_still_used_by_a_computed_condition_changes_nothing(
    base: engine.Base, orders: engine.Table
) -> None:
    """Refused (a rollup's condition needs it): the views keep the option as well."""
    customers = base.create_table("Customers", [{"name": "Name"}])
    orders.add_field("Customer", "link", options={"table": "Customers", "inverse_name": "Orders"})
    customers.add_field(
        "Paid orders",
        "count",
        options={"link_field": "Orders", "filter": where(cond("Status", "is", "已付款"))},
    )
    v = Views(orders)
    view = v.create("Paid", query={"filter": where(cond("Status", "is", "已付款"))})
    with pytest.raises(engine.SchemaError):
        remove(orders, "Status", "已付款")
    assert values(v.get(view).query.filter) == [("is", "已付款")]
