"""Computed fields at scale: links, lookups, rollups and a formula, materialized and kept current.

    .venv/bin/python benchmarks/computed.py [--customers 100000] [--orders 1000000] [--repeats 7]

Customers, sales staff and orders; each order links to one customer and one salesperson. The
customers carry three rollups over their orders (total spent, order count, latest order date)
and a formula over them (average order value); the orders show 2 links and 3 lookups (the
customer's mobile and city, the salesperson's name). Everything is built through the engine in a
SQLite file. Three comparisons, each measured in the same run, alternating, medians reported:

(a) `page_ratio`: a 100-row page of orders showing the 2 links + 3 lookups ÷ the same page
    without them (both through the engine's query; target ≤ 1.5);
(b) `update_ratio`: updating one order's amount until its customer's rollups and formula are
    current ÷ a plain single-row update through the engine of a field nothing depends on, in a
    table with no links (target ≤ 2);
(c) `add_rollup_ratio`: adding a rollup over all orders (sum of amounts per customer) ÷ the
    hand-written SQL UPDATE that computes the same, run with sqlite3 on the same file
    (target ≤ 2).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import engine
from engine.model import load_table
from engine.query import run
from schemas.query import Page, QuerySpec

CITIES = ["上海", "北京", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "苏州"]


def build(db: engine.Database, customers: int, orders: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    base = db.create_base("Bench")
    cust = base.create_table(
        "客户", [{"name": "姓名"}, {"name": "手机", "type": "phone"}, {"name": "城市"}]
    )
    staff = base.create_table("销售", [{"name": "姓名"}])
    order = base.create_table(
        "订单",
        [
            {"name": "单号"},
            {"name": "金额", "type": "currency"},
            {"name": "日期", "type": "date"},
            {"name": "备注"},
        ],
    )
    plain = base.create_table("便签", [{"name": "标题"}, {"name": "数值", "type": "number"}])
    order.add_field(
        "客户", "link", options={"table": "客户", "multiple": False, "inverse_name": "订单"}
    )
    order.add_field(
        "销售", "link", options={"table": "销售", "multiple": False, "inverse_name": "订单"}
    )
    t0 = time.perf_counter()
    cids: list[int] = []
    for start in range(0, customers, 50_000):
        n = min(50_000, customers - start)
        cids += cust.insert_many(
            [
                {
                    "姓名": f"客户{start + i}",
                    "手机": f"1{rng.randint(3, 9)}{rng.randrange(10**9):09d}",
                    "城市": rng.choice(CITIES),
                }
                for i in range(n)
            ]
        )
    sids = staff.insert_many([{"姓名": f"销售{i}"} for i in range(50)])
    oids: list[int] = []
    for start in range(0, orders, 50_000):
        n = min(50_000, orders - start)
        oids += order.insert_many(
            [
                {
                    "单号": f"SO{start + i:08d}",
                    "金额": round(rng.uniform(10, 2000), 2),
                    "日期": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    "客户": [rng.choice(cids)],
                    "销售": [rng.choice(sids)],
                }
                for i in range(n)
            ]
        )
    order.add_field("客户手机", "lookup", options={"link_field": "客户", "target_field": "手机"})
    order.add_field("客户城市", "lookup", options={"link_field": "客户", "target_field": "城市"})
    order.add_field("销售姓名", "lookup", options={"link_field": "销售", "target_field": "姓名"})
    cust.add_field(
        "总消费", "rollup", options={"link_field": "订单", "target_field": "金额", "fn": "sum"}
    )
    cust.add_field("订单数", "count", options={"link_field": "订单"})
    cust.add_field(
        "最近下单", "rollup", options={"link_field": "订单", "target_field": "日期", "fn": "latest"}
    )
    cust.add_field(
        "客单价",
        "formula",
        options={"formula": "IF({订单数} > 0, ROUND({总消费} / {订单数}, 2), 0)"},
    )
    pids = plain.insert_many([{"标题": "x", "数值": 1}])
    return {
        "cust": cust,
        "order": order,
        "plain": plain,
        "oids": oids,
        "pid": pids[0],
        "build_seconds": time.perf_counter() - t0,
    }


def timed(fn: Any) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def page(db: engine.Database, table: engine.Table, fields: list[str]) -> None:
    with db.read() as conn:
        schema = load_table(conn, table.id)
        run(conn, schema, QuerySpec(fields=fields, page=Page(size=100), count=False))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tessera-bench-computed-"))
    path = folder / "bench.db"
    db = engine.connect(f"sqlite:///{path}")
    b = build(db, args.customers, args.orders)
    cust, order, plain = b["cust"], b["order"], b["plain"]
    base_fields = ["单号", "金额", "日期", "备注"]
    rich_fields = [*base_fields, "客户", "销售", "客户手机", "客户城市", "销售姓名"]
    rng = random.Random(1)

    with_links, without = [], []
    page(db, order, base_fields)  # warm-up: statement caches, the file's pages
    page(db, order, rich_fields)
    for k in range(5 * args.repeats):  # a page takes a millisecond or two: five times as many
        if k % 2:  # which side goes first alternates
            without.append(timed(lambda: page(db, order, base_fields)))
            with_links.append(timed(lambda: page(db, order, rich_fields)))
        else:
            with_links.append(timed(lambda: page(db, order, rich_fields)))
            without.append(timed(lambda: page(db, order, base_fields)))

    computed_updates, plain_updates = [], []
    oids = b["oids"]
    for i in range(args.repeats):
        oid = rng.choice(oids)
        plain_updates.append(timed(lambda: plain.update(b["pid"], {"数值": i})))  # noqa: B023
        computed_updates.append(
            timed(lambda: order.update(oid, {"金额": 100 + i}))  # noqa: B023
        )
    # the rollups are current: check one customer against SQL
    with db.read() as conn:
        cs = load_table(conn, cust.id)
        total_col = cs.field("总消费").column
    raw = sqlite3.connect(path)
    cust_table = f"tbl_{cust.id}"
    order_schema = order.schema()
    amount = order_schema.field("金额").column
    link = order_schema.field("客户")
    junction = link.type.options.junction
    side, other = ("a", "b") if link.type.options.side == "a" else ("b", "a")
    mismatches = raw.execute(
        f'SELECT count(*) FROM "{cust_table}" c WHERE abs(coalesce(c."{total_col}", 0) - '
        f'(SELECT coalesce(sum(o."{amount}"), 0) FROM "{junction}" j JOIN "tbl_{order.id}" o '
        f"ON o.id = j.{side} WHERE j.{other} = c.id AND o.trashed_at IS NULL)) > 0.001"
    ).fetchone()[0]

    ours, theirs = [], []
    for i in range(min(args.repeats, 3)):
        name = f"总额{i}"

        def add(name: str = name) -> None:
            options = {"link_field": "订单", "target_field": "金额", "fn": "sum"}
            cust.add_field(name, "rollup", options=options)

        ours.append(timed(add))
        raw.execute(f'ALTER TABLE "{cust_table}" ADD COLUMN hand_{i} FLOAT')
        sql = (
            f'UPDATE "{cust_table}" SET hand_{i} = (SELECT coalesce(sum(o."{amount}"), 0) '
            f'FROM "{junction}" j JOIN "tbl_{order.id}" o ON o.id = j.{side} '
            f'WHERE j.{other} = "{cust_table}".id AND o.trashed_at IS NULL)'
        )

        def hand(sql: str = sql) -> None:
            raw.execute("BEGIN IMMEDIATE")
            raw.execute(sql)
            raw.execute("COMMIT")

        theirs.append(timed(hand))
    raw.close()
    db.close()
    shutil.rmtree(folder)
    med = statistics.median
    print(
        json.dumps(
            {
                "benchmark": "computed",
                "customers": args.customers,
                "orders": args.orders,
                "repeats": args.repeats,
                "build_seconds": round(b["build_seconds"], 2),
                "page_ratio": round(med(with_links) / med(without), 3),
                "page_with_links_ms": round(med(with_links) * 1000, 2),
                "page_without_ms": round(med(without) * 1000, 2),
                "update_ratio": round(med(computed_updates) / med(plain_updates), 3),
                "update_with_dependents_ms": round(med(computed_updates) * 1000, 2),
                "plain_update_ms": round(med(plain_updates) * 1000, 2),
                "add_rollup_ratio": round(med(ours) / med(theirs), 3),
                "add_rollup_seconds": round(med(ours), 3),
                "hand_sql_update_seconds": round(med(theirs), 3),
                "rollup_mismatches": mismatches,
            },
            ensure_ascii=False,
        )
    )
    return 0 if mismatches == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
