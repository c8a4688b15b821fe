"""The CRM demo-data generator: deterministic, and plausible — the spreads the seeds describe."""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter
from typing import Any

import pytest

from examples.demo_data import DAYS, Block, catalogue, generate, product_rows
from views.presets import load_preset

TODAY = dt.date(2025, 11, 20)
NOW = dt.datetime(2025, 11, 20, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
USERS = {"销售": 1, "客服": 2, "经理": 3}


# the preset's R/F/M formulas: 5 points from the first step reached, 4 from the next, ...
F_STEPS = (30, 15, 8, 3, 1)  # paid orders
M_STEPS = (20000, 10000, 4000, 1000, 0.01)  # ¥ spent


def score(value: float, steps: tuple[float, ...]) -> int:
    return next((5 - i for i, step in enumerate(steps) if value >= step), 0)


def rows(n: int, seed: int = 7, today: dt.date = TODAY, block: int = 400) -> list[Block]:
    return list(generate(n, seed=seed, today=today, users=USERS, block=block))


@pytest.fixture(scope="module")
def data() -> Block:
    """3,000 customers and everything of theirs, as one block."""
    (b,) = rows(3000, block=3000)
    return b


def test_the_same_seed_gives_the_same_rows() -> None:
    assert rows(300) == rows(300)
    assert rows(300) != rows(300, seed=8)
    assert rows(300) != rows(300, today=TODAY - dt.timedelta(days=1))
    assert product_rows(7) == product_rows(7)


def test_fewer_customers_are_the_first_of_more() -> None:
    """Each customer has a random generator of its own: the block size and the number of
    customers asked for do not change who they are."""
    small = rows(100, block=30)
    big = rows(250, block=250)[0]
    assert [c for b in small for c in b.customers] == big.customers[:100]
    assert [len(b.orders) for b in small] == [
        sum(1 for o in big.orders if b.start <= o["客户"] < b.start + len(b.customers))
        for b in small
    ]


def test_every_value_fits_the_preset(data: Block) -> None:
    """Every option the generator writes is an option of the preset's field, every field it
    names exists, and the rules (required, patterns) hold."""
    preset, _ = load_preset("crm")
    tables = {t.name: t for t in preset.tables}
    written = {
        "客户": data.customers,
        "订单": data.orders,
        "订单明细": data.items,
        "互动记录": data.interactions,
        "任务": data.tasks,
        "商品": product_rows(),
    }
    for table, table_rows in written.items():
        spec = tables[table]
        fields = {f.name: f for f in spec.fields}
        inverse = {"所属订单"} if table == "订单明细" else set()
        for key in table_rows[0]:
            assert key in fields or key in inverse, (table, key)
        for f in spec.fields:
            if f.type in ("single_select", "multiple_select"):
                names = {c["name"] for c in f.options["choices"]}
                for r in table_rows:
                    value = r.get(f.name)
                    values = value if isinstance(value, list) else [value]
                    assert set(values) - {None} <= names, (table, f.name, value)
            if f.rules.get("required") and f.name in table_rows[0]:
                assert all(r[f.name] not in (None, "", []) for r in table_rows), (table, f.name)
    mobile = re.compile(tables["客户"].fields[5].rules["pattern"])
    mobiles = [c["手机"] for c in data.customers]
    assert all(mobile.fullmatch(m) for m in mobiles)
    assert len(set(mobiles)) == len(mobiles)
    emails = [c["邮箱"] for c in data.customers if c["邮箱"]]
    assert all(re.fullmatch(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+", e) for e in emails)
    numbers = [o["订单号"] for o in data.orders]
    assert len(set(numbers)) == len(numbers)


def test_customers_look_like_a_mother_and_baby_shops(data: Block) -> None:
    customers = data.customers
    n = len(customers)
    genders = Counter(c["性别"] for c in customers)
    assert 0.8 < genders["女"] / n < 0.95
    names = [c["姓名"] for c in customers]
    assert all(2 <= len(x) <= 4 for x in names)
    assert len(set(names)) > 0.8 * n
    provinces = Counter(c["省份"] for c in customers)
    assert provinces.most_common(1)[0][0] == "广东省"
    assert len(provinces) >= 25
    ages = [(TODAY - c["生日"]).days / 365.25 for c in customers if c["生日"]]
    assert 25 < statistics.median(ages) < 38
    assert Counter(c["负责人"] for c in customers).keys() == {1, 3}


def test_orders_have_seasonal_peaks(data: Block) -> None:
    """About ten orders a customer over 18 months, with 618 and 双11 standing out."""
    orders = data.orders
    assert 8 < len(orders) / len(data.customers) < 12
    assert 1.4 < len(data.items) / len(orders) < 2.2
    days = Counter(o["下单时间"].date() for o in orders)
    assert min(days) >= TODAY - dt.timedelta(days=DAYS - 1) and max(days) <= TODAY
    assert all(o["下单时间"] <= NOW for o in orders)
    ordinary = statistics.median(days.values())
    assert days[dt.date(2025, 6, 18)] > 3 * ordinary
    assert days[dt.date(2024, 11, 11)] > 4 * ordinary
    assert days[dt.date(2025, 11, 11)] > 4 * ordinary


def test_payments_and_deliveries_fit_the_orders_age(data: Block) -> None:
    orders = data.orders
    status = Counter(o["付款状态"] for o in orders)
    assert 0.88 < status["已付款"] / len(orders) < 0.97
    assert status["未付款"] > 0 and status["已退款"] > 0
    for o in orders:
        if o["付款状态"] == "未付款":
            assert o["物流状态"] is None and o["支付方式"] is None
        if o["物流更新时间"] is not None:
            assert o["下单时间"] <= o["物流更新时间"] <= NOW
    stale = [
        o
        for o in orders
        if o["物流状态"] in ("已发货", "运输中", "派送中")
        and NOW - o["物流更新时间"] >= dt.timedelta(hours=48)
    ]
    assert 3 <= len(stale) < 0.02 * len(orders)


def _tiers(data: Block) -> Counter[str]:
    """RFM tiers by the preset's rule, from the generated orders."""
    totals: Counter[int] = Counter()
    for it in data.items:
        totals[it["所属订单"]] += it["单价"] * it["数量"]
    paid: dict[int, list[tuple[dt.datetime, float]]] = {}
    for k, o in enumerate(data.orders):
        if o["付款状态"] == "已付款":
            paid.setdefault(o["客户"], []).append((o["下单时间"], totals[k]))
    out: Counter[str] = Counter()
    for c in range(len(data.customers)):
        mine = paid.get(c)
        if not mine:
            out["(none)"] += 1
            continue
        days = (TODAY - max(t for t, _ in mine).date()).days
        n, spent = len(mine), sum(x for _, x in mine)
        f, m = score(n, F_STEPS), score(spent, M_STEPS)
        if days > 180:
            out["沉睡客户"] += 1
        elif days > 90:
            out["潜在流失客户"] += 1
        elif f >= 4 and m >= 4:
            out["高价值客户"] += 1
        elif f >= 3 or m >= 3:
            out["重点发展客户"] += 1
        else:
            out["一般维持客户"] += 1
    return out


def test_customers_spread_over_rfm_tiers_and_lifecycle_stages(data: Block) -> None:
    n = len(data.customers)
    tiers = _tiers(data)
    for tier in ("高价值客户", "重点发展客户", "一般维持客户", "潜在流失客户", "沉睡客户"):
        assert 0.03 < tiers[tier] / n < 0.45, (tier, tiers)
    stages = Counter(c["生命周期阶段"] for c in data.customers)
    for stage in ("潜在客户", "首次购买", "复购客户", "流失客户"):
        assert 0.05 < stages[stage] / n < 0.6, (stage, stages)


def test_interactions_and_tasks_follow_the_seeds(data: Block) -> None:
    kinds = Counter(i["互动类型"] for i in data.interactions)
    assert kinds.keys() == {"咨询", "投诉", "售后", "回访"}
    assert kinds["咨询"] > kinds["投诉"]
    open_complaints = [
        i
        for i in data.interactions
        if i["互动类型"] == "投诉" and i["处理状态"] in ("待处理", "处理中")
    ]
    assert open_complaints
    assert all(i["互动时间"] <= NOW for i in data.interactions)
    for i in data.interactions:
        if i["满意度"] is not None:
            assert 1 <= i["满意度"] <= 5 and i["处理状态"] in ("已解决", "已关闭")
    types = Counter(t["任务类型"] for t in data.tasks)
    assert {"沉睡召回", "物流异常", "回访跟进"} <= types.keys()
    for t in data.tasks:
        assert t["客户"] is not None and t["负责人"] in (1, 2, 3)


def test_the_catalogue() -> None:
    products = catalogue()
    assert len(products) == len({p.name for p in products}) == 53
    categories = Counter(p.category for p in products)
    assert set(categories) == {"孕妇护理", "婴幼儿服饰", "玩具", "日常用品", "喂养用品", "出行用品"}
    rows_: list[dict[str, Any]] = product_rows()
    assert len({r["商品编码"] for r in rows_}) == 53
