"""Query speed: the engine's pages, kanban counts, quick search and deep pages against the same
hand-written SQL, on a table of 1,000,000 records.

    .venv/bin/python benchmarks/query.py [--rows 1000000] [--repeats 7]

The table (10 mixed fields: text with Chinese names, number, currency, single select with five
options, multiple select, date, date-time, checkbox, email, phone) is built through the engine —
`Table.insert_many` in chunks of 50,000, timed — in a SQLite file (WAL, as the engine opens it)
under a temporary directory. Its views are saved through `views.store.create_view`, which makes
the indexes their filters, sorts and stacks need.

Each case runs the engine (`engine.query.run`, or `views.kanban.stacks`, on a loaded schema in a
read transaction, returning Records) and hand-written SQL that returns the same rows — the same
columns, WHERE, ORDER BY, LIMIT / OFFSET and COUNT, in one read transaction — with Python's
`sqlite3` on the same file. The sides alternate in every repeat (and which goes first alternates)
after one warm-up each; medians are reported. Afterwards the answers are compared: the same ids
in the same order, the same counts (`same_results`).

Cases: a grid page of a saved view (two filters, one sort, 100 rows and the total count); the
counts of a kanban's stacks; a quick search over the visible fields (100 rows and the count); a
page half-way into the table (500,000 rows deep) by keyset token and by offset. The SQL is given
twice where the engine steers SQLite's planner: as one would write it (`..._ratio`), and with the
engine's hints (`..._same_plan_ratio`), which measures the engine's own cost. The comparisons
run with the engine's count cache off; `count_cache` shows the same pages once the count is
known (paging on, coming back), `indexes` the same engine queries without the views' indexes.

Prints one JSON object: `..._ratio` is engine time ÷ hand-written SQL time (lower is better),
`..._ms` are medians in milliseconds; `..._min_ratio` compares the fastest runs, which a busy
shared machine disturbs least (a run of a few milliseconds is often preempted once or more).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import inspect

import engine
from engine import indexes, query_counts
from engine.model import TableSchema
from engine.query import QueryContext, QueryResult, run
from schemas.query import Page, QuerySpec
from views import kanban, store

SHANGHAI = ZoneInfo("Asia/Shanghai")
CHUNK = 50_000
STATUSES = ["待付款", "已付款", "已发货", "已完成", "已取消"]
TAGS = ["新客", "老客", "VIP", "批发", "退货", "加急", "团购", "海外"]
SEARCH = "张伟"
DEEP = 500_000

FIELDS: list[dict[str, Any]] = [
    {"name": "姓名", "type": "text", "rules": {"required": True}},
    {"name": "数量", "type": "number", "rules": {"min": 0}},
    {"name": "金额", "type": "currency", "options": {"symbol": "¥", "precision": 2}},
    {"name": "状态", "type": "single_select", "options": {"choices": STATUSES}},
    {"name": "标签", "type": "multiple_select", "options": {"choices": TAGS}},
    {"name": "下单日期", "type": "date"},
    {"name": "下单时间", "type": "datetime", "options": {"timezone": "Asia/Shanghai"}},
    {"name": "已付款", "type": "checkbox"},
    {"name": "邮箱", "type": "email"},
    {"name": "手机", "type": "phone"},
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位霍翁隋植甘景薄单包司柏宁柯阮桂闵解强丛华车冉房边辜吉饶刁瞿戚丘古米池滕晋苑邬臧畅宫来苟全褚廉简娄盖符奚木穆党燕郎邸冀谈姬屠连郜晏栾郁商蒙计喻揭窦迟宇敖糜鄢冷卓花艾蓝都巩稽井练仲乐虞卞封竺冼原官衣楚佟栗匡宗应台巫鞠僧桑荆谌银扬明沙伏岑习胥保和蔺"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红娥玲芬燕彩春菊凤洁梅琳素云莲真环雪荣爱妹香月莺媛瑞凡佳嘉琼勤珍贞莉娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可舒影荔枝思"
DOMAINS = ["qq.com", "163.com", "126.com", "gmail.com", "example.cn", "shop.com.cn"]


# --- data -------------------------------------------------------------------------------------
def make_chunk(rng: random.Random, start: int, n: int) -> list[dict[str, Any]]:
    """`n` orders as a caller passes them (numbering from `start`), generated deterministically."""
    day0 = dt.date(2023, 1, 1)
    moment0 = dt.datetime(2023, 1, 1, tzinfo=SHANGHAI)
    rows = []
    for i in range(start, start + n):
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        tags = rng.sample(TAGS, rng.randrange(4)) if rng.random() < 0.8 else None
        rows.append(
            {
                "姓名": rng.choice(SURNAMES) + given,
                "数量": rng.randrange(1, 500),
                "金额": round(rng.uniform(1, 20_000), 2),
                "状态": rng.choice(STATUSES),
                "标签": tags,
                "下单日期": day0 + dt.timedelta(days=rng.randrange(1095))
                if rng.random() < 0.95
                else None,
                "下单时间": moment0 + dt.timedelta(seconds=rng.randrange(1095 * 86_400)),
                "已付款": rng.random() < 0.6,
                "邮箱": f"user{i}@{rng.choice(DOMAINS)}",
                "手机": "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}",
            }
        )
    return rows


def build(db: engine.Database, rows: int) -> tuple[engine.Table, float]:
    """The table, filled through the engine in chunks; returns it and the seconds it took."""
    table = db.create_base("Benchmark").create_table("订单", FIELDS)
    rng = random.Random(20261122)
    seconds = 0.0
    for start in range(0, rows, CHUNK):
        chunk = make_chunk(rng, start, min(CHUNK, rows - start))
        gc.collect()
        t0 = time.perf_counter()
        table.insert_many(chunk)
        seconds += time.perf_counter() - t0
    return table, seconds


# --- views ------------------------------------------------------------------------------------
def create_views(db: engine.Database, table: engine.Table) -> tuple[dict[str, int], float]:
    """The saved views (their indexes are made as they are saved); returns ids and seconds."""
    f = {x.name: x.id for x in table.fields}
    t0 = time.perf_counter()
    with db.write() as conn:
        ids = {
            "default": store.create_view(conn, table.id, "全部订单", "grid"),
            "grid": store.create_view(
                conn,
                table.id,
                "大额已付款",
                "grid",
                query={
                    "filter": {
                        "conjunction": "and",
                        "items": [
                            {"field": f["状态"], "op": "is", "value": "已付款"},
                            {"field": f["金额"], "op": ">=", "value": 1000},
                        ],
                    },
                    "sorts": [{"field": f["下单日期"], "direction": "desc"}],
                },
            ),
            "kanban": store.create_view(
                conn, table.id, "按状态", "kanban", config={"stack_field": f["状态"]}
            ),
        }
    return ids, time.perf_counter() - t0


# --- hand-written SQL -------------------------------------------------------------------------
SYSTEM = ("id", "created_at", "updated_at", "created_by", "updated_by", "version")


def search_terms(schema: TableSchema) -> list[str]:
    """Quick search by hand: the value as shown contains the text (SQLite's LIKE ignores ASCII
    case, as the engine's lower() does). Numbers are shown without a trailing '.0'; a multiple
    select matches when one of its options does; checkbox and date-time are not searched."""
    terms = []
    for f in schema.fields:
        c = f'"{f.column}"'
        if f.type.name in ("text", "email", "phone", "single_select", "date"):
            terms.append(f"{c} LIKE :q ESCAPE '/'")
        elif f.type.name in ("number", "currency"):
            terms.append(
                f"CASE WHEN {c} = CAST({c} AS INTEGER) AND abs({c}) < 1e15 "
                f"THEN CAST(CAST({c} AS INTEGER) AS TEXT) ELSE CAST({c} AS TEXT) END "
                "LIKE :q ESCAPE '/'"
            )
        elif f.type.name == "multiple_select":
            terms.append(f"EXISTS (SELECT 1 FROM json_each({c}) WHERE value LIKE :q ESCAPE '/')")
    return terms


class Baseline:
    """The hand-written SQL of every case, run with `sqlite3` on the same file.

    With `same_plan`, the SQL also carries the two planner hints the engine adds when they pay
    (see engine/query_plan.py and engine/query_counts.py): `likely()` around the grid's
    conditions, which has SQLite read the sort column's index in order instead of sorting every
    match of the status index, and `+trashed_at` in the search count, which has it read the table
    instead of a whole partial index and every row it points to. Without, it is the SQL as one
    would write it."""

    def __init__(self, path: Path, schema: TableSchema, *, same_plan: bool = False) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA busy_timeout=30000")
        col = {f.name: f'"{f.column}"' for f in schema.fields}
        self.col = col
        self.t = f'"{schema.physical_name}"'
        self.columns = ", ".join([*SYSTEM, *(f'"{f.column}"' for f in schema.fields)])
        conditions = [f"{col['状态']} = ?", f"{col['金额']} >= ?"]
        self.grid_where = " AND ".join(["trashed_at IS NULL", *conditions])
        if same_plan:  # the page only: the count is best served by the status index
            conditions = [f"likely({c})" for c in conditions]
        self.grid_page_where = " AND ".join(["trashed_at IS NULL", *conditions])
        self.grid_params = ("已付款", 1000)
        self.grid_order = f"{col['下单日期']} DESC, id"
        search = "(" + " OR ".join(search_terms(schema)) + ")"
        self.search_where = f"trashed_at IS NULL AND {search}"
        live = "(+trashed_at) IS NULL" if same_plan else "trashed_at IS NULL"
        self.search_count_where = f"{live} AND {search}"
        self.search_params = {"q": f"%{SEARCH}%"}

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN")
        try:
            yield self.conn
        finally:
            self.conn.execute("COMMIT")

    def page(self, where: str, params: Any, order: str) -> list[Any]:
        sql = f"SELECT {self.columns} FROM {self.t} WHERE {where} ORDER BY {order} LIMIT 101"
        return self.conn.execute(sql, params).fetchall()

    def count(self, where: str, params: Any) -> int:
        sql = f"SELECT count(*) FROM {self.t} WHERE {where}"
        return int(self.conn.execute(sql, params).fetchone()[0])

    def grid(self) -> tuple[list[Any], int]:
        with self.snapshot():
            rows = self.page(self.grid_page_where, self.grid_params, self.grid_order)
            total = self.count(self.grid_where, self.grid_params)
        return rows, total

    def grid_count(self) -> int:
        with self.snapshot():
            return self.count(self.grid_where, self.grid_params)

    def stacks(self) -> dict[Any, int]:
        c = self.col["状态"]
        sql = f"SELECT {c}, count(*) FROM {self.t} WHERE trashed_at IS NULL GROUP BY {c}"
        with self.snapshot() as conn:
            return dict(conn.execute(sql).fetchall())

    def search(self) -> tuple[list[Any], int]:
        with self.snapshot():
            rows = self.page(self.search_where, self.search_params, "position, id")
            total = self.count(self.search_count_where, self.search_params)
        return rows, total

    def keyset(self, after: tuple[float, int]) -> list[Any]:
        where = "trashed_at IS NULL AND (position, id) > (?, ?)"
        with self.snapshot():
            return self.page(where, after, "position, id")

    def offset(self, offset: int) -> list[Any]:
        sql = (
            f"SELECT {self.columns} FROM {self.t} WHERE trashed_at IS NULL "
            "ORDER BY position, id LIMIT 101 OFFSET ?"
        )
        with self.snapshot() as conn:
            return conn.execute(sql, (offset,)).fetchall()

    def row_at(self, offset: int) -> tuple[float, int]:
        sql = (
            f"SELECT position, id FROM {self.t} WHERE trashed_at IS NULL "
            "ORDER BY position, id LIMIT 1 OFFSET ?"
        )
        position, rid = self.conn.execute(sql, (offset,)).fetchone()
        return float(position), int(rid)

    def close(self) -> None:
        self.conn.close()


# --- timing -----------------------------------------------------------------------------------
def _time(fn: Callable[[], Any]) -> float:
    """Seconds of one call, with the garbage collector paused (as `timeit` does): a collection
    would land on whichever side happens to allocate last, and one forced before every call
    leaves the CPU caches cold for the side that runs more Python."""
    gc.disable()
    try:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0
    finally:
        gc.enable()


def compare(
    ours: Callable[[], Any], theirs: Callable[[], Any], repeats: int
) -> tuple[float, float, float, float]:
    """Median and fastest seconds of each side, alternating (and alternating which goes
    first). A case that takes milliseconds runs five times as often: on a shared machine its
    runs are the ones most often hit by someone else's work."""
    warm = _time(ours) + _time(theirs)  # warm-up: statement caches, the file's pages
    gc.collect()
    a: list[float] = []
    b: list[float] = []
    for k in range(repeats if warm > 0.05 else 5 * repeats):
        if k % 2 == 0:
            a.append(_time(ours))
            b.append(_time(theirs))
        else:
            b.append(_time(theirs))
            a.append(_time(ours))
    return statistics.median(a), statistics.median(b), min(a), min(b)


def alone(fn: Callable[[], Any], repeats: int) -> float:
    warm = _time(fn)
    gc.collect()
    return statistics.median(_time(fn) for _ in range(repeats if warm > 0.05 else 5 * repeats))


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _ratio(a: float, b: float) -> float:
    return round(a / b, 3)


@contextmanager
def count_cache(on: bool) -> Iterator[None]:
    saved = query_counts.COUNT_CACHE
    query_counts.COUNT_CACHE = on
    try:
        yield
    finally:
        query_counts.COUNT_CACHE = saved


# --- the run ---------------------------------------------------------------------------------
def run_benchmark(rows: int = 1_000_000, repeats: int = 7) -> dict[str, Any]:
    out: dict[str, Any] = {
        "benchmark": "query",
        "rows": rows,
        "fields": len(FIELDS),
        "repeats": repeats,
        "database": f"SQLite {sqlite3.sqlite_version}, file, WAL, synchronous=NORMAL",
        "python": platform.python_version(),
        "engine": "engine.query.run / views.kanban.stacks on a loaded schema, one read transaction",
        "baseline": "hand-written SQL with sqlite3: same columns, WHERE, ORDER BY, LIMIT, COUNT",
    }
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as tmp:
        path = Path(tmp) / "bench.db"
        db = engine.connect(f"sqlite:///{path}", data_dir=Path(tmp) / "files")
        try:
            table, insert_s = build(db, rows)
            out["insert_seconds"] = round(insert_s, 3)
            out["insert_rows_per_s"] = round(rows / insert_s)
            view_ids, views_s = create_views(db, table)
            out["views_with_indexes_seconds"] = round(views_s, 3)
            out.update(measure(db, path, table, view_ids, rows, repeats))
        finally:
            db.close()
    return out


def measure(
    db: engine.Database,
    path: Path,
    table: engine.Table,
    view_ids: dict[str, int],
    rows: int,
    repeats: int,
) -> dict[str, Any]:
    """Every case, on a built table with its views."""
    with db.read() as conn:
        views = {k: store.get_view(conn, v) for k, v in view_ids.items()}
    schema = table.schema()
    out: dict[str, Any] = {"schema_load_ms": ms(alone(table.schema, repeats))}
    base = Baseline(path, schema)
    hinted = Baseline(path, schema, same_plan=True)
    try:
        out.update(Cases(db, schema, views, base, hinted, repeats).run(min(DEEP, rows // 2)))
    finally:
        base.close()
        hinted.close()
    return out


class Cases:
    def __init__(
        self,
        db: engine.Database,
        schema: TableSchema,
        views: dict[str, Any],
        base: Baseline,
        hinted: Baseline,
        repeats: int,
    ) -> None:
        self.db = db
        self.schema = schema
        self.views = views
        self.base = base
        self.hinted = hinted
        self.repeats = repeats
        self.ctx = QueryContext()
        self.out: dict[str, Any] = {}
        self.same: dict[str, bool] = {}

    def query(self, spec: QuerySpec) -> Callable[[], QueryResult]:
        def go() -> QueryResult:
            with self.db.read() as conn:
                return run(conn, self.schema, spec, self.ctx)

        return go

    def stacks(self) -> list[kanban.Stack]:
        with self.db.read() as conn:
            return kanban.stacks(conn, self.schema, self.views["kanban"], self.ctx)

    def case(self, name: str, ours: Callable[[], Any], theirs: Callable[[], Any]) -> None:
        a, b, fastest_a, fastest_b = compare(ours, theirs, self.repeats)
        self.out[f"{name}_ratio"] = _ratio(a, b)
        self.out[f"{name}_engine_ms"] = ms(a)
        self.out[f"{name}_baseline_ms"] = ms(b)
        self.out[f"{name}_min_ratio"] = _ratio(fastest_a, fastest_b)

    def run(self, deep: int) -> dict[str, Any]:
        schema, views, base, hinted, out, same = (
            self.schema,
            self.views,
            self.base,
            self.hinted,
            self.out,
            self.same,
        )
        query = self.query
        grid = store.query_spec(views["grid"], schema, page=Page(size=100))
        default = store.query_spec(views["default"], schema, page=Page(size=100), count=False)
        search = store.query_spec(views["default"], schema, page=Page(size=100), search=SEARCH)

        with count_cache(False):
            # a grid page of a saved view: two filters, one sort, 100 rows and the total
            self.case("grid_page", query(grid), base.grid)
            self.case("grid_page_same_plan", query(grid), hinted.grid)
            r, (found, total) = query(grid)(), base.grid()
            same["grid_page"] = ids(r) == row_ids(found) and r.total == total
            same["grid_page_same_plan"] = row_ids(hinted.grid()[0]) == row_ids(found)
            out["grid_page_total"] = total
            out["grid_count_baseline_ms"] = ms(alone(base.grid_count, self.repeats))

            # the counts of a kanban's stacks: one GROUP BY
            self.case("kanban_stack_count", self.stacks, base.stacks)
            counts = {s.value: s.count for s in self.stacks()}
            same["kanban_stack_count"] = counts == {None: 0, **base.stacks()}

            # quick search over the visible fields: 100 rows and the count
            self.case("search", query(search), base.search)
            self.case("search_same_plan", query(search), hinted.search)
            r, (found, total) = query(search)(), base.search()
            same["search"] = ids(r) == row_ids(found) and r.total == total
            same["search_same_plan"] = hinted.search()[1] == total
            out["search_total"] = total

            # a page deep in the table: by keyset token, and by offset
            with self.db.read() as conn:
                page = Page(offset=deep - 100)
                before = run(conn, schema, default.model_copy(update={"page": page}))
            assert before.next is not None
            keyset = default.model_copy(update={"page": Page(size=100, after=before.next)})
            after = base.row_at(deep - 1)
            self.case("deep_keyset", query(keyset), lambda: base.keyset(after))
            same["deep_keyset"] = ids(query(keyset)()) == row_ids(base.keyset(after))
            offset = default.model_copy(update={"page": Page(size=100, offset=deep)})
            self.case("deep_offset", query(offset), lambda: base.offset(deep))
            same["deep_offset"] = ids(query(offset)()) == row_ids(base.offset(deep))
            same["deep_keyset_is_offset_page"] = ids(query(keyset)()) == ids(query(offset)())
            out["deep_rows"] = deep

        out["count_cache"] = self.cached(grid, search)
        out["indexes"] = self.without_indexes(grid)
        out["same_results"] = same
        out["all_same"] = all(same.values())
        return out

    def cached(self, grid: QuerySpec, search: QuerySpec) -> dict[str, Any]:
        """The same pages once their count is known, as when paging on or coming back."""
        out = self.out
        with count_cache(True):
            page = alone(self.query(grid), self.repeats)
            found = alone(self.query(search), max(3, self.repeats // 2))
        grid_ms, search_ms = page * 1000, found * 1000
        return {
            "grid_page_cached_count_ms": ms(page),
            "grid_page_cached_count_ratio": _ratio(grid_ms, out["grid_page_baseline_ms"]),
            "grid_page_cached_count_same_plan_ratio": _ratio(
                grid_ms, out["grid_page_same_plan_baseline_ms"]
            ),
            "grid_count_share": round(1 - grid_ms / out["grid_page_engine_ms"], 3),
            "search_cached_count_ms": ms(found),
            "search_cached_count_ratio": _ratio(search_ms, out["search_baseline_ms"]),
            "search_cached_count_same_plan_ratio": _ratio(
                search_ms, out["search_same_plan_baseline_ms"]
            ),
        }

    def without_indexes(self, grid: QuerySpec) -> dict[str, Any]:
        """What the views' indexes buy: the same engine queries with them and without."""
        db, schema = self.db, self.schema
        with db.read() as conn:
            names = {ix["name"] for ix in inspect(conn).get_indexes(schema.physical_name)}
        indexed = [f for f in schema.fields if indexes.index_name(schema, f) in names]
        n = max(3, self.repeats // 2)
        with count_cache(True):
            cached_with = alone(self.query(grid), n)
        with db.write() as conn:
            for f in indexed:
                indexes.drop_index(conn, schema, f)
        with count_cache(False):
            page = alone(self.query(grid), n)
            stack = alone(self.stacks, n)
        with count_cache(True):
            cached_without = alone(self.query(grid), n)
        t0 = time.perf_counter()
        with db.write() as conn:
            indexes.ensure_indexes(conn, schema, indexed)
        built = time.perf_counter() - t0
        out = self.out
        return {
            "indexed_fields": [f.name for f in indexed],
            "grid_page_unindexed_ms": ms(page),
            "grid_page_index_ratio": _ratio(out["grid_page_engine_ms"], page * 1000),
            "grid_page_cached_count_ms": ms(cached_with),
            "grid_page_cached_count_unindexed_ms": ms(cached_without),
            "grid_page_cached_count_index_ratio": _ratio(cached_with, cached_without),
            "kanban_stack_count_unindexed_ms": ms(stack),
            "kanban_stack_count_index_ratio": _ratio(
                out["kanban_stack_count_engine_ms"], stack * 1000
            ),
            "index_speedup": round(cached_without / cached_with, 1),
            "build_seconds": round(built, 3),
        }


def ids(result: QueryResult) -> list[int]:
    return [r.id for r in result.records]


def row_ids(found: list[Any]) -> list[int]:
    return [r[0] for r in found[:100]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000, help="records in the table")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of each side")
    args = parser.parse_args(argv)
    if args.rows < 1000 or args.repeats < 1:
        parser.error("--rows must be at least 1000 and --repeats at least 1")
    result = run_benchmark(args.rows, args.repeats)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["all_same"] else 1


if __name__ == "__main__":
    sys.exit(main())
