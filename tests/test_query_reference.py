"""The SQL query compiler against the plain-Python reference (tests/query_reference.py), over
random rows, random filter trees, sorts, groups and quick searches, on SQLite and PostgreSQL.

The table is made once per test; each example replaces its rows and runs several queries. Page
through each result by keyset token and by offset and expect exactly the reference's order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, bindparam, delete, literal_column, select, update

import engine
from engine.dates import Clock
from engine.model import TableSchema, load_table
from engine.query import QueryContext, QueryResult, run
from engine.saved_filters import create_filter, update_filter
from schemas.query import Condition, FilterGroup, Group, Page, QuerySpec, SavedFilterRef, Sort
from tests import query_reference as ref

FIELDS = [
    ref.RefField("名称", "text"),
    ref.RefField("Qty", "number"),
    ref.RefField("金额", "currency"),
    ref.RefField("状态", "single_select", ("进行中", "b", "A", "done")),
    ref.RefField("标签", "multiple_select", ("x", "Y", "标签", "z")),
    ref.RefField("日期", "date"),
    ref.RefField("时间", "datetime"),
    ref.RefField("完成", "checkbox"),
    ref.RefField("负责人", "user"),
    ref.RefField("协作者", "user", multiple=True),
]
BY_NAME = {f.name: f for f in FIELDS}
OPTIONS = {"number": {"precision": 2}, "currency": {"precision": 2}}
ZONES = ("Asia/Shanghai", "America/New_York", "UTC", "Asia/Kolkata", "Pacific/Kiritimati")
ALPHABET = "aAbBzZ019 %_/\\-'张三丰中文测试"
TEXTS = ("张三丰", "张三", "abc", "ABC", "a_c", "50%", "x/y", "中文 text", "Zz")
RELATIVE = ("today", "yesterday", "tomorrow")
PERIODS = tuple(f"{w}_{p}" for w in ("this", "last", "next") for p in ("week", "month", "year"))
WITHIN = tuple(f"{w}_{p}" for w in ("past", "next") for p in ("week", "month", "year"))
EXTRA_WITHIN = ("this_week", "this_month", "this_year")
DAYS = st.integers(-3, 3) | st.integers(-70, 70)  # from today, mostly near it
LEGACY = ("null", "[]")  # how older versions stored an empty list, written straight to the column
SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class Env:
    db: engine.Database
    table: engine.Table
    users: list[int]
    saved_id: int
    loaded: TableSchema


@pytest.fixture
def env(db: engine.Database) -> Env:
    users = [db.create_user(f"u{i}@example.com", admin=True) for i in range(3)]
    specs = [
        {
            "name": f.name,
            "type": f.type,
            "options": {"choices": list(f.choices)}
            if f.choices
            else {"multiple": True}
            if f.multiple
            else OPTIONS.get(f.type, {}),
        }
        for f in FIELDS
    ]
    table = db.create_base("B").create_table("T", specs)
    with db.write() as conn:
        saved = create_filter(conn, table.id, "saved", {"items": []})
        return Env(db, table, users, saved, load_table(conn, table.id))


# --- strategies -----------------------------------------------------------------------------
@st.composite
def clocks(draw: st.DrawFn) -> ref.RefContext:
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    day = draw(
        st.sampled_from([dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2024, 2, 29)])
        | st.dates(dt.date(2023, 1, 1), dt.date(2026, 12, 31))
    )
    second = draw(st.sampled_from([0, 1, 86399]) | st.integers(0, 86399))
    local = dt.datetime.combine(day, dt.time(), zone) + dt.timedelta(seconds=second)
    return ref.RefContext(
        now=local.astimezone(dt.UTC),
        timezone=zone.key,
        week_start=draw(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 6])),
    )


def values_for(f: ref.RefField, ctx: ref.RefContext, users: list[int]) -> st.SearchStrategy[Any]:
    today = ctx.today
    if f.type == "text":
        return st.sampled_from(TEXTS) | st.text(ALPHABET, min_size=1, max_size=5).filter(
            lambda s: not s.isspace()
        )
    if f.type in ("number", "currency"):
        return st.integers(-300, 300).map(lambda i: i / 4) | st.sampled_from([0, 1, 10, 100])
    if f.type == "single_select":
        return st.sampled_from(f.choices)
    if f.type == "multiple_select":
        return st.lists(st.sampled_from(f.choices), min_size=1, max_size=3, unique=True)
    if f.type == "date":
        return DAYS.map(lambda n: today + dt.timedelta(days=n))
    if f.type == "datetime":
        zone = ZoneInfo(ctx.timezone)
        return st.builds(
            lambda n, s: (
                dt.datetime.combine(today + dt.timedelta(days=n), dt.time(), zone)
                + dt.timedelta(seconds=s)
            ).astimezone(dt.UTC),
            DAYS,
            st.sampled_from([0, 1, 86399]) | st.integers(0, 86399),
        )
    if f.type == "checkbox":
        return st.booleans()
    if f.multiple:
        return st.lists(st.sampled_from(users), min_size=1, max_size=3, unique=True)
    return st.sampled_from(users)


@st.composite
def row_lists(draw: st.DrawFn, ctx: ref.RefContext, users: list[int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(2, 25))):
        row: dict[str, Any] = {}
        for f in FIELDS:
            filled = f.type == "checkbox" or draw(st.integers(0, 3))
            if filled:
                row[f.name] = draw(values_for(f, ctx, users))
            elif draw(st.booleans()):  # else left out
                row[f.name] = draw(st.sampled_from([None, *LEGACY] if f.is_list else [None]))
        rows.append(row)
    return rows


def _text_value(draw: st.DrawFn, known: list[str]) -> str:
    text = draw(
        st.sampled_from(known) | st.sampled_from(TEXTS) | st.text(ALPHABET, min_size=1, max_size=3)
        if known
        else st.sampled_from(TEXTS)
    )
    if len(text) > 1 and draw(st.booleans()):  # a piece of it
        i = draw(st.integers(0, len(text) - 1))
        text = text[i : draw(st.integers(i + 1, len(text)))]
    return draw(st.sampled_from([text, text.upper(), text.lower(), text.swapcase()]))


def _date_value(draw: st.DrawFn, ctx: ref.RefContext) -> Any:
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return (ctx.today + dt.timedelta(days=draw(st.integers(-70, 70)))).isoformat()
    if choice == 1:
        return draw(st.sampled_from(RELATIVE))
    if choice == 2:
        rel = draw(st.sampled_from(["days_ago", "days_from_now"]))
        return {"relative": rel, "days": draw(st.integers(0, 40))}
    return {"relative": draw(st.sampled_from(PERIODS))}


def _within_value(draw: st.DrawFn) -> Any:
    if draw(st.booleans()):
        name = draw(st.sampled_from(["past_days", "next_days"]))
        return {"within": name, "days": draw(st.integers(0, 40))}
    return draw(st.sampled_from(WITHIN + EXTRA_WITHIN))


OPS = {
    "text": ["is", "is_not", "contains", "not_contains", "starts_with", "ends_with"],
    "number": ["=", "!=", "<", "<=", ">", ">=", "between"],
    "date": ["is", "is_before", "is_after", "is_on_or_before", "is_on_or_after", "is_within"],
    "single_select": ["is", "is_not", "is_any_of", "is_none_of"],
    "list": ["has_any_of", "has_all_of", "has_none_of", "is_exactly"],
    "checkbox": ["is_checked", "is_unchecked"],
    "user": ["is", "is_not", "is_any_of", "is_none_of"],
}


def _family(f: ref.RefField) -> str:
    if f.type in ("currency",):
        return "number"
    if f.type == "datetime":
        return "date"
    if f.is_list:
        return "list"
    return f.type


@st.composite
def conditions(
    draw: st.DrawFn,
    ctx: ref.RefContext,
    rows: list[ref.Row],
    env: Env,
    f: ref.RefField | None = None,
    op: str | None = None,
) -> Condition:
    f = f or draw(st.sampled_from(FIELDS))
    family = _family(f)
    op = op or draw(st.sampled_from([*OPS[family], "is_empty", "is_not_empty"]))
    value: Any = None
    known = [r[f.name] for r in rows if not ref.is_empty(f, r[f.name])]
    if op in ("is_empty", "is_not_empty", "is_checked", "is_unchecked"):
        value = None
    elif family == "text":
        value = _text_value(draw, known)
    elif family == "number":
        number = st.sampled_from(known) | values_for(f, ctx, env.users) if known else st.just(1)
        value = [draw(number), draw(number)] if op == "between" else draw(number)
        if op == "between":
            value.sort()
    elif family == "date":
        value = _within_value(draw) if op == "is_within" else _date_value(draw, ctx)
    elif f.type == "single_select" and op in ("is", "is_not"):
        value = draw(st.sampled_from(f.choices))
    elif f.type == "single_select" or f.type == "multiple_select":
        value = draw(st.lists(st.sampled_from(f.choices), min_size=1, max_size=3, unique=True))
    else:
        user = st.sampled_from([*env.users, "me"])
        many = op not in ("is", "is_not")
        value = draw(st.lists(user, min_size=1, max_size=3)) if many else draw(user)
    return Condition(field=f.name, op=op, value=value)


def groups(
    draw: st.DrawFn, ctx: ref.RefContext, rows: list[ref.Row], env: Env, depth: int, saved: bool
) -> FilterGroup:
    items: list[Condition | FilterGroup | SavedFilterRef] = []
    for _ in range(draw(st.integers(0 if depth else 1, 3))):
        kind = draw(st.integers(0, 9))
        if kind == 0 and depth < 2:
            items.append(groups(draw, ctx, rows, env, depth + 1, saved))
        elif kind == 1 and saved:
            items.append(SavedFilterRef(saved_filter=env.saved_id))
        else:
            items.append(draw(conditions(ctx, rows, env)))
    return FilterGroup(conjunction=draw(st.sampled_from(["and", "or"])), items=items)


@st.composite
def searches(draw: st.DrawFn, rows: list[ref.Row]) -> dict[str, Any]:
    """A quick search for a piece of what the visible fields show."""
    visible = draw(st.lists(st.sampled_from(FIELDS), min_size=1, unique=True))
    texts = [t for r in rows for f in visible for t in ref.searchable_texts(f, r[f.name])]
    needle = _text_value(draw, texts) if texts else "张"
    return {"search": needle, "fields": [f.name for f in visible]}


def sorts(draw: st.DrawFn, n: int, f: ref.RefField | None = None) -> list[Sort]:
    picked = [f] if f else draw(st.lists(st.sampled_from(FIELDS), max_size=n, unique=True))
    return [Sort(field=f.name, direction=draw(st.sampled_from(["asc", "desc"]))) for f in picked]


# --- running --------------------------------------------------------------------------------
def reset_rows(env: Env, rows: list[dict[str, Any]], positions: list[float], trash: list[bool]):
    schema = env.loaded
    t = schema.sql
    with env.db.write() as conn:
        conn.execute(delete(t))
    legacy = [{k: v for k, v in r.items() if v in LEGACY} for r in rows]
    rows = [{k: v for k, v in r.items() if v not in LEGACY} for r in rows]
    ids = env.table.insert_many(rows) if rows else []
    with env.db.write() as conn:
        cast = "::jsonb" if conn.dialect.name == "postgresql" else ""
        for rid, old in zip(ids, legacy, strict=True):
            if old:
                values = {
                    schema.field(k).column: literal_column(f"'{v}'{cast}") for k, v in old.items()
                }
                conn.execute(update(t).where(t.c.id == rid).values(values))
        if ids:
            conn.execute(
                update(t).where(t.c.id == bindparam("rid")).values(position=bindparam("pos")),
                [{"rid": i, "pos": p} for i, p in zip(ids, positions, strict=False)],
            )
        gone = [i for i, out in zip(ids, trash, strict=False) if out]
        if gone:
            conn.execute(
                update(t).where(t.c.id.in_(gone)).values(trashed_at=dt.datetime.now(dt.UTC))
            )
        live = conn.execute(select(t).where(t.c.trashed_at.is_(None)).order_by(t.c.id)).all()
    out = []
    for r in live:
        m = r._mapping
        row = {"id": m["id"], "position": m["position"]}
        for f in schema.fields:
            row[f.name] = f.type.from_db(m[f.column])
        out.append(row)
    return out


def query(
    env: Env, spec: QuerySpec, ctx: ref.RefContext, conn: Connection | None = None
) -> QueryResult:
    clock = Clock(now=ctx.now, timezone=ctx.timezone, week_start=ctx.week_start)
    if conn is None:
        with env.db.read() as conn:
            return run(conn, env.loaded, spec, QueryContext(ctx.user_id, clock))
    return run(conn, env.loaded, spec, QueryContext(ctx.user_id, clock))


def ids_of(result: QueryResult) -> list[int]:
    return [r.id for r in result.records]


def expected(rows: list[ref.Row], spec: QuerySpec, ctx: ref.RefContext) -> list[ref.Row]:
    """What the reference says `spec` returns, in order."""
    chosen = ref.filter_rows(rows, spec.filter, BY_NAME, ctx)
    if spec.search and spec.search.strip():
        visible = [BY_NAME[str(n)] for n in spec.fields] if spec.fields else FIELDS
        chosen = ref.search_rows(chosen, spec.search, visible)
    keys = [Sort(field=g.field, direction=g.direction) for g in spec.groups] + spec.sorts
    return ref.order(chosen, keys, BY_NAME)


def check_query(env: Env, spec: QuerySpec, ctx: ref.RefContext, rows: list[ref.Row], size: int):
    """The whole result, its groups, and paging through it by keyset token and by offset."""
    ordered = expected(rows, spec, ctx)
    want = [r["id"] for r in ordered]

    whole = query(env, spec, ctx)
    assert ids_of(whole) == want
    assert whole.total == len(want) and whole.next is None
    if spec.groups:
        got = [
            (
                g.level,
                tuple(
                    ref.hashable(BY_NAME[str(k.field)], v)
                    for k, v in zip(spec.groups, g.key, strict=False)
                ),
                g.count,
            )
            for g in whole.groups or []
        ]
        assert got == ref.group_counts(ordered, [BY_NAME[str(g.field)] for g in spec.groups])

    seen: list[int] = []  # by keyset token
    page = Page(size=size)
    for _ in range(len(want) + 2):
        result = query(env, spec.model_copy(update={"page": page, "count": False}), ctx)
        seen += ids_of(result)
        if result.next is None:
            break
        assert len(result.records) == size
        page = Page(size=size, after=result.next)
    assert seen == want

    seen = []  # by offset
    for offset in range(0, len(want) + size, size):
        result = query(env, spec.model_copy(update={"page": Page(size=size, offset=offset)}), ctx)
        assert result.total == len(want)
        seen += ids_of(result)
    assert seen == want


@SETTINGS
@given(data=st.data())
def test_queries_match_the_reference(env: Env, data: st.DataObject) -> None:
    draw = data.draw
    ctx = draw(clocks())
    ctx.user_id = draw(st.sampled_from(env.users))
    rows_in = draw(row_lists(ctx, env.users))
    n = len(rows_in)
    positions = draw(st.lists(st.sampled_from([1.0, 2.0, 2.5, 3.0, -1.0]), min_size=n, max_size=n))
    trash = draw(st.lists(st.integers(0, 5).map(lambda i: i == 0), min_size=n, max_size=n))
    rows = reset_rows(env, rows_in, positions, trash)

    saved = groups(draw, ctx, rows, env, 1, saved=False)
    with env.db.write() as conn:
        update_filter(conn, env.saved_id, group=saved)
    ctx.saved = {env.saved_id: saved}

    with env.db.read() as conn:  # each operator alone, each field's order, a quick search
        specs = [
            QuerySpec(filter=FilterGroup(items=[draw(conditions(ctx, rows, env, f, op))]))
            for f in FIELDS
            for op in [*OPS[_family(f)], "is_empty", "is_not_empty"]
        ]
        specs += [QuerySpec(sorts=sorts(draw, 1, f)) for f in FIELDS]
        specs.append(QuerySpec(**draw(searches(rows))))
        for spec in specs:
            got = query(env, spec.model_copy(update={"count": False}), ctx, conn)
            assert ids_of(got) == [r["id"] for r in expected(rows, spec, ctx)], spec

    for _ in range(2):
        spec = QuerySpec(
            filter=groups(draw, ctx, rows, env, 0, saved=True) if draw(st.integers(0, 5)) else None,
            groups=[Group(field=s.field, direction=s.direction) for s in sorts(draw, 2)],
            sorts=sorts(draw, 3),
        )
        if draw(st.integers(0, 4)) == 0:
            spec = spec.model_copy(update=draw(searches(rows)))
        check_query(env, spec, ctx, rows, draw(st.integers(1, 7)))
