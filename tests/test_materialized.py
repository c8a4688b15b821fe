"""The property that matters most about materialized values: after any sequence of writes —
creates, updates, link changes (from either side, stealing single links, moving sub-table rows),
trashes, restores and purges — every stored lookup, rollup, count, formula and link title equals
what a full recomputation from scratch gives. The incremental path (`propagate`: only the affected
records, found through the junctions) and the full one (`refresh` of every record, field by field
in dependency order) share the expressions, not the choice of what to recompute, so any record
the incremental path forgets shows up here."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, select

import engine
from engine import computed
from engine.errors import NotFound, ValidationError

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PAID = {"items": [{"field": "状态", "op": "is", "value": "已付款"}]}


@dataclass
class Env:
    db: engine.Database
    base: engine.Base
    cust: engine.Table
    orders: engine.Table
    items: engine.Table
    ids: dict[str, list[int]] = field(default_factory=dict)  # this example's records, by table

    def table(self, name: str) -> engine.Table:
        return {"cust": self.cust, "orders": self.orders, "items": self.items}[name]


def build(base: engine.Base) -> tuple[engine.Table, engine.Table, engine.Table]:
    cust = base.create_table(
        "客户",
        [
            {"name": "姓名", "type": "text"},
            {"name": "类别", "type": "single_select", "options": {"choices": ["A", "B", "C"]}},
        ],
    )
    orders = base.create_table(
        "订单",
        [
            {"name": "单号", "type": "text"},
            {"name": "金额", "type": "currency"},
            {"name": "状态", "type": "single_select", "options": {"choices": ["已付款", "未付款"]}},
            {"name": "日期", "type": "date"},
        ],
    )
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
    cust.add_field(
        "推荐人", "link", options={"table": "客户", "multiple": False, "inverse_name": "推荐了"}
    )
    items.add_field("小计", "formula", options={"formula": "{数量} * {单价}"})
    items.add_field("客户", "lookup", options={"link_field": "订单", "target_field": "客户"})
    orders.add_field("合计", "rollup", options={"link_field": "明细", "target_field": "小计"})
    orders.add_field("件数", "count", options={"link_field": "明细"})
    orders.add_field("商品们", "lookup", options={"link_field": "明细", "target_field": "商品"})
    orders.add_field("客户类别", "lookup", options={"link_field": "客户", "target_field": "类别"})

    def rollup(name: str, target: str, fn: str, **extra: Any) -> None:
        cust.add_field(
            name,
            "rollup",
            options={"link_field": "订单", "target_field": target, "fn": fn, **extra},
        )

    rollup("总消费", "金额", "sum")
    rollup("已付", "金额", "sum", filter=PAID)
    rollup("累计", "合计", "sum")
    rollup("最近", "日期", "latest")
    rollup("最大单", "金额", "max")
    rollup("均价", "金额", "average")
    rollup("单号们", "单号", "array_join")
    rollup("状态们", "状态", "array_unique")
    rollup("常见", "状态", "most_frequent")
    rollup("不同金额", "金额", "count_unique")
    cust.add_field("订单数", "count", options={"link_field": "订单"})
    cust.add_field("已付单数", "count", options={"link_field": "订单", "filter": PAID})
    cust.add_field("商品们", "lookup", options={"link_field": "订单", "target_field": "商品们"})
    cust.add_field("推荐数", "count", options={"link_field": "推荐了"})
    cust.add_field("推荐人类别", "lookup", options={"link_field": "推荐人", "target_field": "类别"})
    cust.add_field(
        "客单价",
        "formula",
        options={"formula": "IF({订单数} > 0, ROUND({总消费} / {订单数}, 2), BLANK())"},
    )
    cust.add_field(
        "等级",
        "formula",
        options={
            "formula": "IF({累计} >= 500, 'VIP', IF(AND({类别} = 'A', {订单数} >= 2), '忠诚', "
            "IF({推荐数} > 0, '推荐者', '普通')))"
        },
    )
    return cust, orders, items


@pytest.fixture
def env(db: engine.Database, base: engine.Base) -> Env:
    return Env(db, base, *build(base))


# --- operations -------------------------------------------------------------------------------------
names = st.sampled_from(["张三", "李四", "王五", "赵六", "钱七"])
amounts = st.one_of(st.none(), st.integers(0, 300), st.sampled_from([9.99, 0.5, 120.25]))
dates = st.one_of(st.none(), st.dates().map(lambda d: d.replace(year=2024)))
picks = st.integers(0, 30)  # a record of this example, by index (modulo how many there are)
Op = tuple[Any, ...]

ops: st.SearchStrategy[Op] = st.one_of(
    st.tuples(st.just("new_cust"), names, st.sampled_from(["A", "B", "C", None])),
    st.tuples(st.just("new_order"), amounts, st.sampled_from(["已付款", "未付款", None]), dates,
              st.one_of(st.none(), picks)),
    st.tuples(st.just("new_item"), st.integers(0, 9), amounts, picks),
    st.tuples(st.just("cust"), picks, st.sampled_from(["姓名", "类别"]),
              st.one_of(names, st.sampled_from(["A", "B", "C"]), st.none())),
    st.tuples(st.just("order"), picks, st.sampled_from(["金额", "状态", "日期", "单号"]),
              st.one_of(amounts, st.sampled_from(["已付款", "未付款"]), dates, names)),
    st.tuples(st.just("item"), picks, st.sampled_from(["数量", "单价", "商品"]),
              st.one_of(st.integers(0, 9), amounts, names)),
    st.tuples(st.just("order_cust"), picks, st.one_of(st.none(), picks)),
    st.tuples(st.just("cust_orders"), picks, st.lists(picks, max_size=3)),
    st.tuples(st.just("referrer"), picks, st.one_of(st.none(), picks)),
    st.tuples(st.just("order_items"), picks, st.lists(picks, max_size=3)),
    st.tuples(st.just("item_order"), picks, picks),
    st.tuples(st.sampled_from(["trash", "restore", "purge"]),
              st.sampled_from(["cust", "orders", "items"]), picks),
)  # fmt: skip


def pick(env: Env, table: str, i: int | None) -> int | None:
    ids = env.ids[table]
    return None if i is None or not ids else ids[i % len(ids)]


def apply(env: Env, op: Op) -> None:
    """Run one write; a write the engine refuses (a bad link, a record in the trash, ...)
    changes nothing, which the check at the end sees too."""
    kind, *args = op
    c, o, it = env.cust, env.orders, env.items
    one: Callable[[str, int | None], list[int]] = lambda t, i: [x] if (x := pick(env, t, i)) else []  # noqa: E731
    if kind == "new_cust":
        env.ids["cust"].append(c.create({"姓名": args[0], "类别": args[1]}).id)
    elif kind == "new_order":
        row = {"金额": args[0], "状态": args[1], "日期": args[2], "客户": one("cust", args[3])}
        env.ids["orders"].append(o.create({"单号": f"O{len(env.ids['orders'])}", **row}).id)
    elif kind == "new_item":
        parent = one("orders", args[2])
        env.ids["items"].append(
            it.create({"商品": "笔", "数量": args[0], "单价": args[1], "订单": parent}).id
        )
    elif kind in ("cust", "order", "item"):
        table = {"cust": "cust", "order": "orders", "item": "items"}[kind]
        rid = pick(env, table, args[0])
        if rid is not None:
            env.table(table).update(rid, {args[1]: args[2]})
    elif kind in ("order_cust", "referrer", "item_order"):
        table, key, other = {
            "order_cust": ("orders", "客户", "cust"),
            "referrer": ("cust", "推荐人", "cust"),
            "item_order": ("items", "订单", "orders"),
        }[kind]
        rid = pick(env, table, args[0])
        if rid is not None:
            env.table(table).update(rid, {key: one(other, args[1])})
    elif kind in ("cust_orders", "order_items"):
        table, key, other = {
            "cust_orders": ("cust", "订单", "orders"),
            "order_items": ("orders", "明细", "items"),
        }[kind]
        rid = pick(env, table, args[0])
        if rid is not None:
            targets = [x for i in args[1] if (x := pick(env, other, i)) is not None]
            env.table(table).update(rid, {key: list(dict.fromkeys(targets))})
    else:
        rid = pick(env, args[0], args[1])
        if rid is not None:
            getattr(env.table(args[0]), {"trash": "delete"}.get(kind, kind))(rid)


# --- the check --------------------------------------------------------------------------------------
def stored(conn: Connection, graph: computed.Graph) -> dict[str, dict[int, Any]]:
    """Every materialized column, trashed records too: 'table.field' -> record id -> value."""
    out: dict[str, dict[int, Any]] = {}
    for t, f in graph.order:
        if computed.is_volatile(f):
            continue
        sql = t.sql
        rows = conn.execute(select(sql.c.id, sql.c[f.column]).order_by(sql.c.id)).all()
        out[f"{t.name}.{f.name}"] = {rid: value for rid, value in rows}
    return out


def recomputed(conn: Connection, graph: computed.Graph) -> dict[str, dict[int, Any]]:
    """The same columns after computing every field of every record again, in graph order."""
    for t, f in graph.order:
        if not computed.is_volatile(f):
            computed.refresh(conn, graph, t, [f], computed.ALL)
    return stored(conn, graph)


def check(env: Env) -> None:
    with env.db.engine.connect() as conn:
        tx = conn.begin()
        try:
            graph = computed.load_graph(conn, env.base.id)
            before = stored(conn, graph)
            after = recomputed(conn, graph)
        finally:
            tx.rollback()
    wrong = {
        name: {
            rid: (before[name][rid], value)
            for rid, value in col.items()
            if before[name][rid] != value
        }
        for name, col in after.items()
    }
    assert not {k: v for k, v in wrong.items() if v}, "stored != recomputed (stored, recomputed)"
    # and every computed value against a plain-Python computation from the records' own values
    expected = reference(env)
    for t in (env.cust, env.orders, env.items):
        for r in t.all(limit=1000):
            for name, value in expected[t.name, r.id].items():
                assert same(r[name], value), (t.name, r.id, name, r[name], value)


def same(got: Any, want: Any) -> bool:
    if isinstance(want, float) and got is not None:
        return bool(got == pytest.approx(want, abs=1e-6))
    return bool(got == want)


def cents(x: float) -> float:
    """ROUND(x, 2) as spreadsheets do it: half away from zero, of the number as shown (54.995,
    stored as 54.99499…, is 55)."""
    return float(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def reference(env: Env) -> dict[tuple[str, int], dict[str, Any]]:
    """What every computed field of every live record should hold, worked out in plain Python
    from the plain fields and the links (in link order) of the live records: blanks are left
    out of lists and count as 0 in sums and products; an empty list or join is empty (None)."""
    cust = {r.id: r for r in env.cust.all(limit=1000)}
    orders = {r.id: r for r in env.orders.all(limit=1000)}
    items = {r.id: r for r in env.items.all(limit=1000)}

    def linked(rec: Any, key: str, live: dict[int, Any]) -> list[Any]:
        return [live[x["id"]] for x in rec[key] if x["id"] in live]

    out: dict[tuple[str, int], dict[str, Any]] = {}
    for it in items.values():
        out[env.items.name, it.id] = {"小计": (it["数量"] or 0) * (it["单价"] or 0)}
    for o in orders.values():
        mine = linked(o, "明细", items)
        assert all([x["id"] for x in it["订单"]] == [o.id] for it in mine)  # both sides agree
        buyer = linked(o, "客户", cust)
        out[env.orders.name, o.id] = {
            "合计": sum(out[env.items.name, it.id]["小计"] for it in mine),
            "件数": len(mine),
            "商品们": [it["商品"] for it in mine if it["商品"] is not None],
            "客户类别": [c["类别"] for c in buyer if c["类别"] is not None],
        }
        for it in mine:
            out[env.items.name, it.id]["客户"] = [c["姓名"] for c in buyer if c["姓名"]]
    for it in items.values():
        if not linked(it, "订单", orders):
            out[env.items.name, it.id]["客户"] = []
    for c in cust.values():
        mine = linked(c, "订单", orders)
        assert all([x["id"] for x in o["客户"]] == [c.id] for o in mine)
        amounts = [o["金额"] for o in mine if o["金额"] is not None]
        statuses = [o["状态"] for o in mine if o["状态"] is not None]
        dates = [o["日期"] for o in mine if o["日期"] is not None]
        numbers = [o["单号"] for o in mine if o["单号"]]
        referrer = linked(c, "推荐人", cust)
        total = sum(amounts)
        summed = sum(out[env.orders.name, o.id]["合计"] for o in mine)
        referred = [
            other for other in cust.values() if [x["id"] for x in other["推荐人"]] == [c.id]
        ]
        assert sorted(r.id for r in linked(c, "推荐了", cust)) == sorted(r.id for r in referred)
        if summed >= 500:
            level = "VIP"
        elif c["类别"] == "A" and len(mine) >= 2:
            level = "忠诚"
        elif referred:
            level = "推荐者"
        else:
            level = "普通"
        out[env.cust.name, c.id] = {
            "总消费": total,
            "已付": sum(o["金额"] or 0 for o in mine if o["状态"] == "已付款"),
            "累计": summed,
            "最近": max(dates, default=None),
            "最大单": max(amounts, default=None),
            "均价": sum(amounts) / len(amounts) if amounts else None,
            "单号们": ", ".join(numbers) or None,
            "状态们": list(dict.fromkeys(statuses)) or None,
            "常见": max(statuses, key=statuses.count) if statuses else None,  # the first of ties
            "不同金额": len(set(amounts)),
            "订单数": len(mine),
            "已付单数": sum(o["状态"] == "已付款" for o in mine),
            "商品们": [p for o in mine for p in out[env.orders.name, o.id]["商品们"]],
            "推荐数": len(referred),
            "推荐人类别": [r["类别"] for r in referrer if r["类别"] is not None],
            "客单价": cents(total / len(mine)) if mine else None,
            "等级": level,
        }
    return out


def reset(env: Env, *, seed: bool = True) -> None:
    """Purge what the previous example left (the schema is built once per database), then make
    a few linked records, so that the first operations already move links around."""
    for t in (env.items, env.orders, env.cust):
        ids = [r.id for r in t.all(limit=1000)] + [r.id for r in t.all(limit=1000, trashed=True)]
        if ids:
            t.purge(*ids)
    env.ids = {"cust": [], "orders": [], "items": []}
    if not seed:
        return
    for op in SEED:
        apply(env, op)


SEED: list[Op] = [
    ("new_cust", "张三", "A"),
    ("new_cust", "李四", "B"),
    ("new_cust", "王五", "A"),
    ("new_order", 100, "已付款", None, 0),
    ("new_order", 50, "未付款", None, 0),
    ("new_order", 20, "已付款", None, 1),
    ("new_item", 3, 20, 0),
    ("new_item", 1, 99.5, 1),
    ("new_item", 2, 5, 2),
    ("referrer", 1, 0),
]


@SETTINGS
@given(script=st.lists(ops, min_size=1, max_size=25))
def test_materialized_values_equal_a_full_recomputation(env: Env, script: list[Op]) -> None:
    reset(env)
    for op in script:
        with contextlib.suppress(ValidationError, NotFound):
            apply(env, op)
    check(env)


def test_a_known_sequence(env: Env) -> None:
    """One fixed script through every kind of write, so a failure here is easy to read."""
    reset(env, seed=False)
    script: list[Op] = [
        ("new_cust", "张三", "A"),
        ("new_cust", "李四", "B"),
        ("new_order", 100, "已付款", None, 0),
        ("new_order", 50, "未付款", None, 0),
        ("new_item", 3, 20, 0),
        ("new_item", 1, 99.5, 1),
        ("referrer", 1, 0),
        ("cust_orders", 1, [0]),  # steals order 0 from 张三
        ("order", 1, "状态", "已付款"),
        ("order_items", 1, [0, 1]),  # moves item 0 under order 1
        ("trash", "orders", 1),
        ("cust", 0, "类别", "C"),
        ("restore", "orders", 1),
        ("item", 0, "数量", 5),
        ("purge", "cust", 1),
        ("trash", "items", 1),
    ]
    for op in script:
        apply(env, op)
    check(env)
    zhang = env.cust.get(env.ids["cust"][0])
    assert (zhang["订单数"], zhang["总消费"], zhang["累计"]) == (1, 50, 100)
