"""Dashboard widgets: every number checked against a plain-Python computation over the same
records, on SQLite and PostgreSQL — groups of each kind of field, date buckets, number ranges,
series, limits with "others", pivot totals, rates, period comparisons, empty tables and values."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import engine
from engine.dashboards import Dashboards
from engine.dashboards.compute import MatrixResult, NumberResult
from engine.dates import Clock
from engine.errors import Conflict, QueryError, SchemaError

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 11, 20, 2, 0, tzinfo=dt.UTC)  # Thursday 10:00 in Shanghai
CLOCK = Clock(now=NOW, timezone="Asia/Shanghai")
KINDS = ["咨询", "投诉", "售后"]
CITIES = ["上海", "北京", "深圳", None, ""]
EDGES = [18.0, 25.0, 35.0, 45.0]


def make_rows(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        when = NOW - dt.timedelta(hours=rng.randint(0, 24 * 120), minutes=rng.randint(0, 59))
        rows.append(
            {
                "名称": f"客户{i}",
                "类型": rng.choice([*KINDS, None]),
                "城市": rng.choice(CITIES),
                "金额": rng.choice([None, round(rng.uniform(0, 900), 2)]),
                "年龄": rng.choice([None, 16, 18, 24, 25, 30, 34.5, 35, 44, 45, 60]),
                "日期": rng.choice([None, (when - dt.timedelta(days=3)).date()]),
                "时间": rng.choice([None, when, when]),
                "VIP": rng.random() < 0.3,
            }
        )
    return rows


FIELDS = [
    {"name": "名称", "type": "text"},
    {"name": "类型", "type": "single_select", "options": {"choices": KINDS}},
    {"name": "城市", "type": "text"},
    {"name": "金额", "type": "number", "options": {"precision": 2}},
    {"name": "年龄", "type": "number", "options": {"precision": 1}},
    {"name": "日期", "type": "date"},
    {"name": "时间", "type": "datetime", "options": {"timezone": "Asia/Shanghai"}},
    {"name": "VIP", "type": "checkbox"},
]


@pytest.fixture
def sales(base: engine.Base) -> tuple[engine.Table, list[dict[str, Any]]]:
    rows = make_rows(160)
    table = base.create_table("销售", FIELDS)
    table.create_many(rows)
    return table, rows


def boards(base: engine.Base) -> Dashboards:
    return Dashboards(base, clock=CLOCK)


# --- the reference ------------------------------------------------------------------------------
def bucket_of(value: Any, bucket: str | None, edges: list[float] | None) -> Any:
    if value is None or value == "":
        return None
    if edges:
        return sum(1 for e in edges if value >= e)
    if isinstance(value, dt.datetime):
        value = value.astimezone(SHANGHAI).date()
    if isinstance(value, dt.date):
        if bucket == "week":
            return (value - dt.timedelta(days=value.weekday())).isoformat()
        if bucket == "month":
            return value.strftime("%Y-%m")
        if bucket == "quarter":
            return f"{value.year}-Q{(value.month + 2) // 3}"
        if bucket == "year":
            return str(value.year)
        return value.isoformat()
    return value


def aggregate(fn: str, values: list[Any]) -> float | None:
    present = [v for v in values if v is not None]
    if fn == "count":
        return len(values)
    if fn == "distinct":
        return len(set(present))
    if not present:
        return None
    return {"sum": sum, "min": min, "max": max, "average": lambda v: sum(v) / len(v)}[fn](present)


def reference(
    rows: list[dict[str, Any]],
    dims: list[dict[str, Any]],
    fn: str,
    field: str | None,
    keep: Callable[[dict[str, Any]], bool] = lambda r: True,
) -> dict[tuple[Any, ...], float | None]:
    groups: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for r in rows:
        if not keep(r):
            continue
        key = tuple(bucket_of(r[d["field"]], d.get("bucket"), d.get("edges")) for d in dims)
        groups[key].append(1 if field is None else r[field])
    return {k: aggregate(fn, v) for k, v in groups.items()}


def cells(result: MatrixResult) -> dict[tuple[Any, ...], float | None]:
    out: dict[tuple[Any, ...], float | None] = {}
    for i, label in enumerate(result.labels):
        for j, value in enumerate(result.values[i]):
            if value is None:
                continue
            key = (label.key,) if not result.series else (label.key, result.series[j].key)
            out[key] = value
    return out


def close(a: dict[Any, Any], b: dict[Any, Any]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert a[k] == pytest.approx(b[k]), k


def matrix(base: engine.Base, widget: dict[str, Any]) -> MatrixResult:
    shown = boards(base).preview(widget)
    assert shown.error_en is None, shown.error_en
    assert isinstance(shown.result, MatrixResult)
    return shown.result


def number(base: engine.Base, widget: dict[str, Any]) -> NumberResult:
    shown = boards(base).preview({"kind": "number", **widget})
    assert shown.error_en is None, shown.error_en
    assert isinstance(shown.result, NumberResult)
    return shown.result


# --- charts -------------------------------------------------------------------------------------
GROUPINGS = [
    ({"field": "类型"}, "count", None),
    ({"field": "城市"}, "sum", "金额"),
    ({"field": "VIP"}, "average", "金额"),
    ({"field": "年龄", "edges": EDGES}, "count", None),
    ({"field": "年龄"}, "max", "金额"),
    ({"field": "日期", "bucket": "week"}, "count", None),
    ({"field": "日期", "bucket": "month"}, "min", "金额"),
    ({"field": "时间", "bucket": "day"}, "count", None),
    ({"field": "时间", "bucket": "week"}, "sum", "金额"),
    ({"field": "时间", "bucket": "quarter"}, "distinct", "类型"),
    ({"field": "时间", "bucket": "year"}, "count", None),
]


@pytest.mark.parametrize(("group", "fn", "field"), GROUPINGS)
def test_a_chart_groups_as_plain_python_does(
    base: engine.Base, sales: Any, group: dict[str, Any], fn: str, field: str | None
) -> None:
    _, rows = sales
    result = matrix(
        base, {"kind": "bar", "table": "销售", "group": group, "value": {"fn": fn, "field": field}}
    )
    expected = reference(rows, [group], fn, field)
    close(cells(result), {k: v for k, v in expected.items() if v is not None})


def test_series_split_each_group(base: engine.Base, sales: Any) -> None:
    _, rows = sales
    dims = [{"field": "时间", "bucket": "week"}, {"field": "类型"}]
    result = matrix(
        base,
        {"kind": "area", "stacked": True, "table": "销售", "group": dims[0], "series": dims[1]},
    )
    close(cells(result), reference(rows, dims, "count", None))
    assert [s.text for s in result.series] == [*KINDS, None]  # options in order, empty last
    weeks = [label.key for label in result.labels]
    assert weeks[-1] is None and weeks[:-1] == sorted(weeks[:-1])
    assert result.total == len(rows)


def test_a_filter_and_a_measure_filter_narrow_the_rows(base: engine.Base, sales: Any) -> None:
    _, rows = sales
    result = matrix(
        base,
        {
            "kind": "line",
            "table": "销售",
            "filter": {"items": [{"field": "VIP", "op": "is_checked"}]},
            "group": {"field": "时间", "bucket": "month"},
            "value": {
                "fn": "sum",
                "field": "金额",
                "filter": {"items": [{"field": "类型", "op": "is", "value": "咨询"}]},
            },
        },
    )
    expected = reference(
        rows,
        [{"field": "时间", "bucket": "month"}],
        "sum",
        "金额",
        lambda r: r["VIP"] and r["类型"] == "咨询",
    )
    close(cells(result), {k: v for k, v in expected.items() if v is not None})


def test_sort_by_value_and_limit_with_others(base: engine.Base, sales: Any) -> None:
    _, rows = sales
    group = {"field": "年龄"}
    result = matrix(
        base,
        {
            "kind": "pie",
            "table": "销售",
            "group": group,
            "sort": "value",
            "direction": "desc",
            "limit": 3,
        },
    )
    expected = reference(rows, [group], "count", None)
    ranked = sorted(expected.values(), reverse=True)
    shown = [v[0] for v in result.values]
    assert shown[:3] == ranked[:3]
    assert result.labels[3].others and shown[3] == sum(ranked[3:])
    assert result.total == len(rows)


def test_a_pivot_has_totals(base: engine.Base, sales: Any) -> None:
    _, rows = sales
    dims = [{"field": "类型"}, {"field": "时间", "bucket": "month"}]
    result = matrix(
        base,
        {
            "kind": "pivot",
            "table": "销售",
            "rows": dims[0],
            "columns": dims[1],
            "value": {"fn": "average", "field": "金额"},
        },
    )
    close(cells(result), {k: v for k, v in reference(rows, dims, "average", "金额").items() if v})
    by_row = reference(rows, dims[:1], "average", "金额")
    for label, total in zip(result.labels, result.label_totals, strict=True):
        assert total == pytest.approx(by_row[(label.key,)])
    by_column = reference(rows, dims[1:], "average", "金额")
    for label, total in zip(result.series, result.series_totals, strict=True):
        assert total == pytest.approx(by_column[(label.key,)])
    assert result.total == pytest.approx(aggregate("average", [r["金额"] for r in rows]))


def test_number_ranges_are_labelled(base: engine.Base, sales: Any) -> None:
    result = matrix(
        base, {"kind": "bar", "table": "销售", "group": {"field": "年龄", "edges": EDGES}}
    )
    texts = [label.text for label in result.labels]
    assert texts == ["< 18", "18–25", "25–35", "35–45", "≥ 45", None]


# --- numbers ------------------------------------------------------------------------------------
def test_numbers_rates_and_periods(base: engine.Base, sales: Any) -> None:
    _, rows = sales
    assert number(base, {"table": "销售"}).value == len(rows)
    total = number(base, {"table": "销售", "value": {"fn": "sum", "field": "金额"}})
    assert total.value == pytest.approx(sum(r["金额"] or 0 for r in rows))
    rate = number(
        base,
        {
            "table": "销售",
            "value": {"filter": {"items": [{"field": "VIP", "op": "is_checked"}]}},
            "ratio_of": {"fn": "count"},
            "format": "percent",
        },
    )
    vip = sum(1 for r in rows if r["VIP"])
    assert (rate.numerator, rate.denominator) == (vip, len(rows))
    assert rate.value == pytest.approx(vip / len(rows))
    week = number(base, {"table": "销售", "compare": {"field": "时间", "period": "week"}})
    monday = dt.date(2025, 11, 17)

    def local(r: dict[str, Any]) -> dt.date | None:
        return r["时间"].astimezone(SHANGHAI).date() if r["时间"] else None

    this = sum(1 for r in rows if (d := local(r)) and monday <= d < monday + dt.timedelta(7))
    last = sum(1 for r in rows if (d := local(r)) and monday - dt.timedelta(7) <= d < monday)
    assert (week.value, week.previous) == (this, last)
    assert week.growth == pytest.approx((this - last) / last)


def test_an_empty_table_and_empty_values(base: engine.Base) -> None:
    base.create_table("空表", FIELDS)
    assert number(base, {"table": "空表"}).value == 0
    assert number(base, {"table": "空表", "value": {"fn": "sum", "field": "金额"}}).value is None
    rate = number(base, {"table": "空表", "ratio_of": {"fn": "count"}})
    assert rate.value is None
    chart = matrix(base, {"kind": "bar", "table": "空表", "group": {"field": "类型"}})
    assert chart.labels == [] and chart.total == 0


# --- checks and storage -------------------------------------------------------------------------
def test_widgets_are_checked_and_stored_by_id(base: engine.Base, sales: Any) -> None:
    table, _ = sales
    b = boards(base)
    with pytest.raises(QueryError, match="金钱"):
        b.create("看板", [{"kind": "bar", "table": "销售", "group": {"field": "金钱"}}])
    with pytest.raises(QueryError, match="number field"):
        b.create(
            "看板", [{"kind": "bar", "table": "销售", "group": {"field": "类型", "edges": [1]}}]
        )
    with pytest.raises(QueryError, match="needs a number"):
        b.create(
            "看板",
            [{"kind": "number", "table": "销售", "value": {"fn": "sum", "field": "城市"}}],
        )
    with pytest.raises(SchemaError, match="widget"):
        b.create("看板", [{"kind": "radar", "table": "销售"}])
    consult = {"items": [{"field": "类型", "op": "is", "value": "咨询"}]}
    board = b.create(
        "看板",
        [
            {"kind": "bar", "table": "销售", "group": {"field": "类型"}, "title": "按类型"},
            {"kind": "number", "table": "销售", "filter": consult},
        ],
    )
    consulted = b.data(board)[1].result
    with pytest.raises(Conflict):
        b.create("看板")
    stored = board.widgets[0]
    assert stored.table == table.id
    assert stored.group.field == table.field("类型").id  # type: ignore[union-attr]
    table.rename_field("类型", "渠道")
    choices = [c.model_dump() for c in table.field("渠道").type.options.choices]
    choices[0]["name"] = "电话"  # was 咨询
    table.set_options("渠道", {"choices": choices})
    shown = b.data(board)[0]
    assert shown.error_en is None and isinstance(shown.result, MatrixResult)
    assert "电话" in [label.text for label in shown.result.labels]
    assert b.data(board)[1].result == consulted  # the filter follows the renamed option
    table.delete_field("渠道")
    broken = b.data("看板")[0]
    assert broken.result is None
    assert broken.error_en is not None and "field that was deleted" in broken.error_en
    assert broken.error_zh is not None and "已被删除" in broken.error_zh


def test_widgets_are_ordered_changed_and_removed(base: engine.Base, sales: Any) -> None:
    b = boards(base)
    board = b.create("看板")
    for title in ("一", "二", "三"):
        board = b.add_widget(board, {"kind": "number", "table": "销售", "title": title})
    ids = [w.id for w in board.widgets]
    board = b.move_widget(board, ids[2], 0)
    assert [w.title for w in board.widgets] == ["三", "一", "二"]
    board = b.update_widget(board, ids[0], {"kind": "number", "table": "销售", "title": "一改"})
    assert [w.title for w in board.widgets] == ["三", "一改", "二"]
    assert board.widgets[1].id == ids[0]
    board = b.remove_widget(board, ids[1])
    assert [w.title for w in board.widgets] == ["三", "一改"]
    b.rename(board, "新看板")
    assert [d.name for d in b.list()] == ["新看板"]
    b.delete("新看板")
    assert b.list() == []


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin", "America/New_York"])
def test_times_fall_in_their_local_day_in_any_zone(base: engine.Base, zone: str) -> None:
    """Times near midnight, in summer and winter, today and in 1988 (when Shanghai kept
    daylight saving time): each counted on its local day."""
    table = base.create_table(
        "时刻",
        [{"name": "名称"}, {"name": "时间", "type": "datetime", "options": {"timezone": zone}}],
    )
    local = ZoneInfo(zone)
    moments = [
        dt.datetime(year, month, day, hour, minute, tzinfo=local).astimezone(dt.UTC)
        for year in (1988, 2025)
        for month, day in ((1, 15), (7, 15))
        for hour, minute in ((0, 30), (23, 30))
    ]
    table.create_many([{"名称": str(i), "时间": m} for i, m in enumerate(moments)])
    result = matrix(
        base, {"kind": "bar", "table": "时刻", "group": {"field": "时间", "bucket": "day"}}
    )
    expected: dict[tuple[Any, ...], int] = defaultdict(int)
    for m in moments:
        expected[(m.astimezone(local).date().isoformat(),)] += 1
    assert cells(result) == dict(expected)


def test_a_chart_is_one_group_by_over_the_table(base: engine.Base, sales: Any) -> None:
    table, _ = sales
    physical = table.schema().sql.name
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    from sqlalchemy import event

    db = base.db
    widget = {
        "kind": "bar",
        "table": "销售",
        "group": {"field": "时间", "bucket": "month"},
        "series": {"field": "类型"},
        "value": {"fn": "average", "field": "金额"},
    }
    boards(base).preview(widget)  # warm: schemas and permissions read once
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        boards(base).preview(widget)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    reads = [s for s in seen if physical in s]
    assert len(reads) == 1 and "GROUP BY" in reads[0]
