"""What a query returns besides its filter: quick search, groups with counts and aggregates,
saved-filter references, and keyset page tokens."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import update

import engine
from engine import meta
from engine.errors import QueryError
from engine.saved_filters import create_filter, update_filter
from tests.query_helpers import cond, names, query, where


# --- quick search ---------------------------------------------------------------------------
@pytest.fixture
def people(build_table: Any) -> engine.Table:
    return build_table(
        [
            {"name": "名"},
            {"name": "备注", "type": "long_text"},
            {"name": "数量", "type": "number", "options": {"precision": 2}},
            {"name": "状态", "type": "single_select", "options": {"choices": ["未付款", "已付款"]}},
            {"name": "标签", "type": "multiple_select", "options": {"choices": ["VIP", "老客"]}},
            {"name": "日期", "type": "date"},
            {"name": "秘密"},
        ],
        [
            {"名": "张三丰", "备注": "武当 Tai Chi", "数量": 5, "状态": "已付款", "标签": ["VIP"], "日期": "2024-03-05", "秘密": "hidden三丰"},
            {"名": "李四", "数量": 12.5, "状态": "未付款", "标签": ["老客", "VIP"], "秘密": "找不到"},
            {"名": "王五", "备注": "50%_off", "数量": 100},
            {"名": "Zhang San"},
        ],
    )  # fmt: skip


SEARCHES = [
    ("三丰", ["张三丰"]),  # Chinese, no word boundaries
    ("  三丰 ", ["张三丰"]),
    ("zhang", ["Zhang San"]),
    ("TAI CHI", ["张三丰"]),
    ("12.5", ["李四"]),
    ("0", ["张三丰", "王五"]),  # 2024-03-05, 100, 50%
    (".0", []),  # whole numbers are written without '.0'
    ("1", ["李四", "王五"]),
    ("5", ["张三丰", "李四", "王五"]),
    ("已付", ["张三丰"]),  # an option's name
    ("付款", ["张三丰", "李四"]),
    ("老客", ["李四"]),  # one of several options
    ('"', []),  # not the punctuation of how lists are stored
    (",", []),
    ("[", []),
    ("2024-03", ["张三丰"]),
    ("%", ["王五"]),
    ("_", ["王五"]),
    ("  ", ["张三丰", "李四", "王五", "Zhang San"]),  # no search at all
]


@pytest.mark.parametrize(("text", "want"), SEARCHES, ids=[s for s, _ in SEARCHES])
def test_quick_search(people: engine.Table, text: str, want: list[str]) -> None:
    assert names(people, search=text) == want


def test_search_reads_only_the_visible_fields(people: engine.Table) -> None:
    assert names(people, search="找不到") == ["李四"]
    assert names(people, search="找不到", fields=["名", "数量"]) == []
    assert names(people, search="三丰", fields=["名"]) == ["张三丰"]
    assert names(people, search="三丰", fields=["备注", "名"]) == ["张三丰"]
    assert names(people, search="hidden", fields=["名", "备注"]) == []
    assert names(people, where(cond("数量", ">", 10)), search="5") == ["李四", "王五"]


# --- groups and aggregates ------------------------------------------------------------------
@pytest.fixture
def orders(build_table: Any) -> engine.Table:
    return build_table(
        [
            {"name": "名"},
            {"name": "地区", "type": "single_select", "options": {"choices": ["华东", "华南", "华北"]}},
            {"name": "渠道", "type": "single_select", "options": {"choices": ["线上", "线下"]}},
            {"name": "金额", "type": "currency"},
            {"name": "付款", "type": "checkbox"},
            {"name": "评分", "type": "rating"},
            {"name": "日期", "type": "date"},
        ],
        [
            {"名": "a", "地区": "华南", "渠道": "线上", "金额": 100, "付款": True, "评分": 5, "日期": "2024-01-01"},
            {"名": "b", "地区": "华东", "渠道": "线下", "金额": 50, "评分": 4},
            {"名": "c", "地区": "华东", "渠道": "线上", "金额": 30, "付款": True},
            {"名": "d", "渠道": "线上"},
            {"名": "e", "地区": "华南", "渠道": "线上", "金额": 20, "付款": True},
            {"名": "f", "地区": "华东", "渠道": "线上", "金额": 10, "日期": "2024-02-01"},
        ],
    )  # fmt: skip


AGGREGATES = [
    {"fn": "count"},
    {"field": "金额", "fn": "sum"},
    {"field": "金额", "fn": "average"},
    {"field": "金额", "fn": "min"},
    {"field": "金额", "fn": "max"},
    {"field": "金额", "fn": "filled"},
    {"field": "金额", "fn": "empty"},
    {"field": "地区", "fn": "unique"},
    {"field": "付款", "fn": "percent_checked"},
    {"field": "评分", "fn": "average"},
    {"field": "日期", "fn": "earliest"},
    {"field": "日期", "fn": "latest"},
    {"field": "金额", "fn": "percent_filled"},
    {"field": "金额", "fn": "percent_empty"},
]


def test_three_levels_of_groups_with_counts(orders: engine.Table) -> None:
    groups = [
        {"field": "地区"},  # by option order, empty first
        {"field": "渠道", "direction": "desc"},  # empty would come last
        {"field": "付款"},  # unchecked first
    ]
    result = query(orders, {"groups": groups})
    assert [r["名"] for r in result.records] == ["d", "b", "f", "c", "a", "e"]
    assert [(g.level, g.key, g.count) for g in result.groups or []] == [
        (0, (None,), 1),
        (0, ("华东",), 3),
        (0, ("华南",), 2),
        (1, (None, "线上"), 1),
        (1, ("华东", "线下"), 1),
        (1, ("华东", "线上"), 2),
        (1, ("华南", "线上"), 2),
        (2, (None, "线上", False), 1),
        (2, ("华东", "线下", False), 1),
        (2, ("华东", "线上", False), 1),
        (2, ("华东", "线上", True), 1),
        (2, ("华南", "线上", True), 2),
    ]
    with pytest.raises(ValueError):  # four levels are refused by the spec itself
        query(orders, {"groups": [*groups, {"field": "名"}]})


def test_aggregates_for_the_view_and_each_group(orders: engine.Table) -> None:
    result = query(orders, {"groups": [{"field": "地区"}], "aggregates": AGGREGATES})
    assert result.aggregates == {
        "count": 6,
        "sum:金额": 210,
        "average:金额": 42,
        "min:金额": 10,
        "max:金额": 100,
        "filled:金额": 5,
        "empty:金额": 1,
        "unique:地区": 2,
        "percent_checked:付款": 0.5,
        "average:评分": 4.5,
        "earliest:日期": dt.date(2024, 1, 1),
        "latest:日期": dt.date(2024, 2, 1),
        "percent_filled:金额": pytest.approx(5 / 6),
        "percent_empty:金额": pytest.approx(1 / 6),
    }
    assert all(type(v) is float for k, v in result.aggregates.items() if k.startswith("average"))
    by_key = {g.key: g.aggregates for g in result.groups or []}
    assert by_key[("华东",)]["sum:金额"] == 90 and by_key[("华东",)]["average:金额"] == 30
    assert by_key[("华东",)]["percent_checked:付款"] == pytest.approx(1 / 3)
    assert by_key[("华东",)]["latest:日期"] == dt.date(2024, 2, 1)
    assert by_key[("华南",)]["count"] == 2 and by_key[("华南",)]["percent_checked:付款"] == 1
    assert by_key[(None,)]["sum:金额"] is None and by_key[(None,)]["empty:金额"] == 1
    assert by_key[(None,)]["unique:地区"] == 0
    filtered = query(
        orders, {"filter": where(cond("付款", "is_checked")), "aggregates": AGGREGATES}
    )
    assert filtered.aggregates["count"] == 3 and filtered.aggregates["sum:金额"] == 150


def test_text_groups_and_sorts_ignore_case_but_keep_groups_apart(build_table: Any) -> None:
    table = build_table(
        [{"name": "名"}, {"name": "果"}],
        [
            {"名": str(i), "果": v}
            for i, v in enumerate(["apple", "banana", None, "Apple", "apple"])
        ],
    )
    result = query(table, {"groups": [{"field": "果"}]})
    assert [r["名"] for r in result.records] == ["2", "3", "0", "4", "1"]
    assert [(g.key, g.count) for g in result.groups or []] == [
        ((None,), 1),
        (("Apple",), 1),
        (("apple",), 2),
        (("banana",), 1),
    ]
    assert names(table, sorts=[{"field": "果", "direction": "desc"}]) == ["1", "0", "4", "3", "2"]


# --- saved filters --------------------------------------------------------------------------
def test_saved_filter_references_follow_the_saved_filter(db: engine.Database, orders: engine.Table, build_table: Any) -> None:  # fmt: skip
    with db.write() as conn:
        big = create_filter(conn, orders.id, "大单", where(cond("金额", ">", 40)))
    uses_big = where({"saved_filter": big}, cond("付款", "is_checked"), conjunction="or")
    assert names(orders, where({"saved_filter": big}), key="名") == ["a", "b"]
    assert names(orders, uses_big, key="名") == ["a", "b", "c", "e"]
    with db.write() as conn:
        update_filter(conn, big, group=where(cond("金额", ">", 60)))
    assert names(orders, where({"saved_filter": big}), key="名") == ["a"]
    assert names(orders, uses_big, key="名") == ["a", "c", "e"]

    with db.write() as conn, pytest.raises(QueryError):  # itself
        update_filter(conn, big, group=where({"saved_filter": big}))
    with db.write() as conn:
        other = create_filter(conn, orders.id, "引用", where({"saved_filter": big}))
        with pytest.raises(QueryError):  # itself, through another
            update_filter(conn, big, group=where({"saved_filter": other}))
    elsewhere = build_table([{"name": "名"}], name="Other")
    with pytest.raises(QueryError, match="another table"):
        query(elsewhere, {"filter": where({"saved_filter": big})})

    with db.write() as conn:  # a cycle that got into storage anyway is refused, not followed
        looped = where({"saved_filter": other})
        s = meta.saved_filters
        conn.execute(update(s).where(s.c.id == big).values(filter=looped))
    with pytest.raises(QueryError, match="refers to itself"):
        query(orders, {"filter": where({"saved_filter": big})})


# --- page tokens ----------------------------------------------------------------------------
def test_keyset_pages_cover_everything_once(orders: engine.Table) -> None:
    for sorts in ([{"field": "付款"}], [{"field": "金额", "direction": "desc"}], []):
        spec: dict[str, Any] = {"sorts": sorts, "page": {"size": 2}}
        seen: list[str] = []
        while True:
            result = query(orders, spec)
            seen += [r["名"] for r in result.records]
            if result.next is None:
                break
            spec["page"] = {"size": 2, "after": result.next}
        whole = names(orders, sorts=sorts)
        assert seen == whole and sorted(seen) == list("abcdef"), sorts


def test_a_page_token_fits_only_its_own_query(orders: engine.Table) -> None:
    by_amount = {"sorts": [{"field": "金额", "direction": "desc"}], "page": {"size": 2}}
    token = query(orders, by_amount).next
    assert token is not None
    page = {"size": 2, "after": token}
    assert names(orders, **{**by_amount, "page": page}) == ["c", "e"]
    assert names(orders, **{**by_amount, "page": {"size": 5, "after": token}}) == list("cefd")
    orders.create({"名": "g", "金额": 1000})  # a row before the cursor moves nothing after it
    assert names(orders, **{**by_amount, "page": page}) == ["c", "e"]
    for changed in (
        {"sorts": [{"field": "金额"}]},
        {"sorts": [{"field": "金额", "direction": "desc"}, {"field": "名"}]},
        {"sorts": by_amount["sorts"], "filter": where(cond("金额", ">", 0))},
        {"sorts": by_amount["sorts"], "search": "a"},
        {"sorts": by_amount["sorts"], "groups": [{"field": "地区"}]},
    ):
        with pytest.raises(QueryError, match="page token is not valid"):
            query(orders, {**changed, "page": page})
    data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    data["k"] = data["k"][:1]  # one key short, fingerprint intact
    short = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
    for bad in ("garbage", token[:-3], short):
        with pytest.raises(QueryError, match="page token is not valid"):
            query(orders, {**by_amount, "page": {"size": 2, "after": bad}})
