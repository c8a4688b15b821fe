"""Dashboard speed: chart widgets over a table of 1,000,000 records against the same GROUP BY
written by hand.

    .venv/bin/python benchmarks/dashboard.py [--rows 1000000] [--repeats 5]

The table is `benchmarks/query.py`'s (orders: status, amount, order time, ...), built through the
engine in a SQLite file under a temporary directory. Each case runs a widget through the engine
(`engine.dashboards.run_widget`: the permission layer, the query compiler, one statement, the
result shaped into labels and series) and hand-written SQL giving the same numbers, with Python's
`sqlite3` on the same file. The sides alternate in every repeat after one warm-up each; medians
are reported, and the answers compared (`same_results`).

Cases: `bar` — the sum of the amount by status; `line` — the number of orders by month of the
order time (in Shanghai time) and status; `number` — this week's orders against last week's.
The hand-written month uses SQLite's fixed '+8 hours' (Shanghai has kept one offset since 1991),
the engine converts each time through the zone's rules (a Python function registered on the
connection), which any zone needs.

Prints one JSON object: `..._ratio` is engine time ÷ hand-written SQL time (lower is better),
`..._ms` medians in milliseconds; `ratio` is the largest of the cases' ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import engine
from engine.dashboards import ChartWidget, NumberWidget, run_widget
from engine.dashboards.compute import MatrixResult, NumberResult
from engine.dates import Clock

NOW = dt.datetime(2025, 6, 18, 4, tzinfo=dt.UTC)  # a Wednesday, noon in Shanghai
CLOCK = Clock(now=NOW, timezone="Asia/Shanghai")


def _query_benchmark() -> Any:
    """benchmarks/query.py, for its table builder."""
    path = Path(__file__).with_name("query.py")
    spec = importlib.util.spec_from_file_location("bench_query", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _time(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def compare(
    ours: Callable[[], Any], theirs: Callable[[], Any], repeats: int
) -> tuple[float, float, Any, Any]:
    ours()
    theirs()
    a: list[float] = []
    b: list[float] = []
    for i in range(repeats):
        first, second = (ours, theirs) if i % 2 == 0 else (theirs, ours)
        t1, r1 = _time(first)
        t2, r2 = _time(second)
        if first is ours:
            a.append(t1)
            b.append(t2)
            mine, hand = r1, r2
        else:
            a.append(t2)
            b.append(t1)
            mine, hand = r2, r1
    return statistics.median(a), statistics.median(b), mine, hand


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tessera-bench-dash-"))
    path = folder / "bench.db"
    db = engine.connect(f"sqlite:///{path}", data_dir=folder / "files")
    table, build_s = _query_benchmark().build(db, args.rows)
    schema = table.schema()
    col = {f.name: f.column for f in schema.fields}
    t = schema.sql.name
    raw = sqlite3.connect(path)
    out: dict[str, Any] = {"rows": args.rows, "build_s": round(build_s, 1)}
    same = True

    def engine_run(widget: Any) -> Any:
        with db.read() as conn:
            shown = run_widget(conn, widget, None, CLOCK)
        assert shown.result is not None, shown.error_en
        return shown.result

    # bar: sum of the amount by status
    bar = ChartWidget(
        kind="bar",
        table=table.id,
        group={"field": table.field("状态").id},
        value={"fn": "sum", "field": table.field("金额").id},
    )
    bar_sql = (
        f'SELECT "{col["状态"]}", sum("{col["金额"]}") FROM "{t}" '
        f"WHERE trashed_at IS NULL GROUP BY 1"
    )
    ours, theirs, mine, hand = compare(
        lambda: engine_run(bar), lambda: raw.execute(bar_sql).fetchall(), args.repeats
    )
    assert isinstance(mine, MatrixResult)
    got = {x.key: round(v[0], 2) for x, v in zip(mine.labels, mine.values, strict=True)}
    same &= got == {k: round(v, 2) for k, v in hand}
    out |= {"bar_ms": round(ours * 1000, 1), "bar_sql_ms": round(theirs * 1000, 1)}
    out["bar_ratio"] = round(ours / theirs, 2)

    # line: orders by month (Shanghai) and status
    line = ChartWidget(
        kind="line",
        table=table.id,
        group={"field": table.field("下单时间").id, "bucket": "month"},
        series={"field": table.field("状态").id},
    )
    line_sql = (
        f"SELECT strftime('%Y-%m', \"{col['下单时间']}\", '+8 hours') AS m, \"{col['状态']}\", "
        f'count(*) FROM "{t}" WHERE trashed_at IS NULL GROUP BY 1, 2'
    )
    ours, theirs, mine, hand = compare(
        lambda: engine_run(line), lambda: raw.execute(line_sql).fetchall(), args.repeats
    )
    assert isinstance(mine, MatrixResult)
    got_line = {
        (x.key, s.key): v
        for x, row in zip(mine.labels, mine.values, strict=True)
        for s, v in zip(mine.series, row, strict=True)
        if v is not None
    }
    same &= got_line == {(m, s): n for m, s, n in hand}
    out |= {"line_ms": round(ours * 1000, 1), "line_sql_ms": round(theirs * 1000, 1)}
    out["line_ratio"] = round(ours / theirs, 2)

    # number: this week's orders against last week's
    week = NumberWidget(table=table.id, compare={"field": table.field("下单时间").id})
    monday = dt.datetime(2025, 6, 16, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    bounds = [(monday + dt.timedelta(days=7 * k)).astimezone(dt.UTC) for k in (-1, 0, 1)]
    text = [b.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds") for b in bounds]
    c = col["下单时间"]
    week_sql = (
        f'SELECT count(CASE WHEN "{c}" >= ? AND "{c}" < ? THEN 1 END), '
        f'count(CASE WHEN "{c}" >= ? AND "{c}" < ? THEN 1 END) FROM "{t}" WHERE trashed_at IS NULL'
    )
    params = (text[1], text[2], text[0], text[1])
    ours, theirs, mine, hand = compare(
        lambda: engine_run(week),
        lambda: raw.execute(week_sql, params).fetchone(),
        args.repeats,
    )
    assert isinstance(mine, NumberResult)
    same &= (mine.value, mine.previous) == tuple(hand)
    out |= {"number_ms": round(ours * 1000, 1), "number_sql_ms": round(theirs * 1000, 1)}
    out["number_ratio"] = round(ours / theirs, 2)

    out["ratio"] = max(out["bar_ratio"], out["line_ratio"], out["number_ratio"])
    out["same_results"] = same
    print(json.dumps(out))
    raw.close()
    db.close()
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
