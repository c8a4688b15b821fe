"""The CRM's dashboard (客户经营看板): every KPI and chart checked against the demo data worked
out in plain Python from the raw records (orders, lines, interactions), never from the computed
fields or the query engine — as `test_crm_views` checks the views."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator
from statistics import mean
from typing import Any

import pytest

from engine.dashboards import Dashboards, WidgetData
from engine.dashboards.compute import MatrixResult, NumberResult
from tests.test_crm_views import (
    CLOCK,
    F_STEPS,
    M_STEPS,
    SHANGHAI,
    TODAY,
    Crm,
    applied_crm,
    local,
    score,
)
from views.presets import export_preset, load_preset

MONDAY = TODAY - dt.timedelta(days=TODAY.weekday())


@pytest.fixture(scope="module", params=["sqlite", "pg"])
def crm(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crm]:
    yield from applied_crm(request, tmp_path_factory)


def shown(crm: Crm) -> dict[str, WidgetData]:
    boards = Dashboards(crm.result.base, clock=CLOCK)
    return {s.widget.title: s for s in boards.data("客户经营看板")}


def number(data: dict[str, WidgetData], title: str) -> NumberResult:
    result = data[title].result
    assert isinstance(result, NumberResult), data[title].error_en
    return result


def matrix(data: dict[str, WidgetData], title: str) -> MatrixResult:
    result = data[title].result
    assert isinstance(result, MatrixResult), data[title].error_en
    return result


def as_dict(m: MatrixResult) -> dict[Any, Any]:
    if not m.series:
        return {x.key: row[0] for x, row in zip(m.labels, m.values, strict=True)}
    return {
        (x.key, s.key): v
        for x, row in zip(m.labels, m.values, strict=True)
        for s, v in zip(m.series, row, strict=True)
        if v is not None
    }


def age(birthday: dt.date) -> int:
    return TODAY.year - birthday.year - ((TODAY.month, TODAY.day) < (birthday.month, birthday.day))


def tier(crm: Crm, c: int) -> str | None:
    """The RFM tier as the preset's formulas read it: days since the last purchase counted from
    the start of today in whole days (DATETIME_DIFF(TODAY(), ...) truncates)."""
    last = crm.last(c)
    if last is None:
        return None
    days = int((dt.datetime.combine(TODAY, dt.time(), SHANGHAI) - last).total_seconds() // 86400)
    f = score(len(crm.paid[c]), F_STEPS)
    m = score(crm.spent(c), M_STEPS)
    if days > 180:
        return "沉睡客户"
    if days > 90:
        return "潜在流失客户"
    if f >= 4 and m >= 4:
        return "高价值客户"
    return "重点发展客户" if f >= 3 or m >= 3 else "一般维持客户"


def test_the_dashboard_is_made_whole(crm: Crm) -> None:
    preset, _ = load_preset("crm")
    (board,) = preset.dashboards
    data = shown(crm)
    assert list(data) == [w.title for w in board.widgets]
    assert all(s.error_en is None for s in data.values())
    assert crm.result.skipped == []


def test_the_kpis(crm: Crm) -> None:
    data = shown(crm)
    buyers = [c for c in crm.customers if crm.paid.get(c)]
    assert number(data, "客户总数").value == len(crm.customers)

    first = {c: min(local(crm.orders[o]["下单时间"]) for o in crm.paid[c]) for c in buyers}
    new = number(data, "本周新客（首购）")
    this = sum(1 for d in first.values() if MONDAY <= d <= TODAY)
    last = sum(1 for d in first.values() if MONDAY - dt.timedelta(7) <= d < MONDAY)
    assert (new.value, new.previous) == (this, last)

    rate = number(data, "复购率")
    assert (rate.numerator, rate.denominator) == (
        sum(1 for c in buyers if len(crm.paid[c]) >= 2),
        len(buyers),
    )
    paid_orders = [o for c in buyers for o in crm.paid[c]]
    aov = number(data, "客单价").value
    assert aov == pytest.approx(mean(crm.total.get(o, 0.0) for o in paid_orders))
    ltv = number(data, "客户终身价值（LTV）").value
    assert ltv == pytest.approx(mean(crm.spent(c) for c in buyers))

    last_bought = {c: local(crm.last(c)) for c in buyers}  # type: ignore[arg-type]
    active = sum(1 for d in last_bought.values() if TODAY - dt.timedelta(30) <= d <= TODAY)
    assert number(data, "活跃客户（近30天购买）").value == active
    assert number(data, "沉睡客户").value == sum(1 for c in buyers if tier(crm, c) == "沉睡客户")
    churn = number(data, "流失客户占比")
    churned = sum(1 for c in crm.customers if crm.stage(c) == "流失客户")
    assert churn.value == pytest.approx(churned / len(crm.customers))

    rated = [i["满意度"] for i in crm.interactions.values() if i["满意度"] is not None]
    assert number(data, "客户满意度（CSAT）").value == pytest.approx(mean(rated))
    replies = [i["首次响应（分钟）"] for i in crm.interactions.values()]
    assert all(
        (r is None) == (i["处理状态"] == "待处理")
        for r, i in zip(replies, crm.interactions.values(), strict=True)
    )
    first_reply = number(data, "平均首次响应（分钟）").value
    assert first_reply == pytest.approx(mean(r for r in replies if r is not None))
    complaints = [i for i in crm.interactions.values() if i["互动类型"] == "投诉"]
    solved = [i for i in complaints if i["处理状态"] in ("已解决", "已关闭")]
    resolution = number(data, "投诉解决率")
    assert (resolution.numerator, resolution.denominator) == (len(solved), len(complaints))


def test_the_charts(crm: Crm) -> None:
    data = shown(crm)
    by_age: dict[Any, float] = defaultdict(float)
    for c, r in crm.customers.items():
        b = r["生日"]
        key = None if b is None else sum(1 for e in (25, 30, 35, 40) if age(b) >= e)
        by_age[key] += len(crm.paid.get(c, []))
    assert as_dict(matrix(data, "各年龄段购买次数")) == dict(by_age)

    monthly: dict[str, float] = defaultdict(float)
    for orders in crm.paid.values():
        for o in orders:
            monthly[local(crm.orders[o]["下单时间"]).strftime("%Y-%m")] += crm.total.get(o, 0.0)
    line = matrix(data, "各品类月度销售额")
    totals = dict(zip([x.key for x in line.labels], line.label_totals, strict=True))
    assert totals == pytest.approx(dict(monthly))

    weekly: Counter[tuple[str, str]] = Counter()
    for i in crm.interactions.values():
        day = local(i["互动时间"])
        if TODAY - dt.timedelta(90) <= day <= TODAY:
            monday = day - dt.timedelta(days=day.weekday())
            weekly[(monday.isoformat(), i["互动类型"])] += 1
    area = matrix(data, "每周互动量（近90天）")
    assert as_dict(area) == dict(weekly)

    tiers = Counter(tier(crm, c) for c in crm.customers if crm.paid.get(c))
    pie = matrix(data, "RFM 客户分层")
    assert as_dict(pie) == dict(tiers)
    assert [v[0] for v in pie.values] == sorted(tiers.values(), reverse=True)

    sales: dict[tuple[str, str], float] = defaultdict(float)
    for orders in crm.paid.values():
        for o in orders:
            day = local(crm.orders[o]["下单时间"])
            if TODAY - dt.timedelta(180) <= day <= TODAY:
                sales[(crm.orders[o]["下单渠道"], day.strftime("%Y-%m"))] += crm.total.get(o, 0.0)
    pivot = matrix(data, "各渠道月度销售额（近180天）")
    assert as_dict(pivot) == pytest.approx(dict(sales))
    assert pivot.total == pytest.approx(sum(sales.values()))


def test_export_then_apply_keeps_the_dashboard(crm: Crm) -> None:
    exported = export_preset(crm.db, crm.result.base)
    (board,) = exported["dashboards"]
    assert board["name"] == "客户经营看板"
    preset, _ = load_preset("crm")
    assert len(board["widgets"]) == len(preset.dashboards[0].widgets)
    assert board["widgets"][1] == {
        "kind": "number",
        "table": "客户",
        "title": "本周新客（首购）",
        "compare": {"field": "首次购买日期"},
    }
