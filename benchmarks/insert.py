"""Batch insert: the engine's validated `insert_many` against raw `sqlite3.executemany`.

    .venv/bin/python benchmarks/insert.py [--rows 200000] [--repeats 3]

Both sides write the same records into identical physical tables (same columns and indexes: the
baseline table is a second engine table with the same fields) of one SQLite file database in WAL
mode, as the engine opens it. The engine is given dicts keyed by field name with the Python values
a caller passes (str, int, float, bool, date, aware datetime) and runs its full write path:
column-wise normalisation, every rule, one transaction. The baseline is given the rows already in
the form the driver stores (dates and date-times as text, empty text as NULL, system columns
filled) and does nothing but one `executemany` of them in one transaction, binding every column
of every row. (The engine writes its own system values that are the same in every row, such as
created-at, into the statement as literals, so its driver binds fewer values per row: that is
part of what is measured.) The data is generated deterministically, before the clock starts, anew
for every run, so no run finds strings another run has already encoded; the two sides alternate
in each repeat and the medians are reported. Afterwards the stored values of the two tables are
compared: they must be identical.

Prints one JSON object: `ratio` is the engine's wall-clock seconds ÷ the baseline's (lower is
better), `cpu_ratio` the same for CPU seconds of this process, steadier on a busy machine.
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
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import engine

UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")
STATUSES = ["待付款", "已付款", "已发货", "已完成", "已取消", "退款中"]

FIELDS: list[dict[str, Any]] = [
    {"name": "姓名", "type": "text", "rules": {"required": True}},
    {"name": "备注", "type": "long_text"},
    {"name": "数量", "type": "number", "rules": {"min": 0, "max": 10_000}},
    {"name": "金额", "type": "currency", "options": {"symbol": "¥", "precision": 2}},
    {"name": "折扣", "type": "percent", "options": {"precision": 1}},
    {"name": "状态", "type": "single_select", "options": {"choices": STATUSES}},
    {"name": "下单日期", "type": "date"},
    {"name": "下单时间", "type": "datetime", "options": {"timezone": "Asia/Shanghai"}},
    {"name": "已付款", "type": "checkbox"},
    {"name": "手机", "type": "phone"},
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐沿梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵欧阳解强丛华车冉房边辜吉饶刁瞿戚丘古米池滕晋苑邬臧畅宫来嵺苟全褚廉简娄盖符奚木穆党燕郎邸冀谈姬屠连郜晏栾郁商蒙计喻揭窦迟宇敖糜鄢冷卓花艾蓝都巩稽井练仲乐虞卞封竺冼原官衣楚佟栗匡宗应台巫鞠僧桑荆谌银扬明沙薄伏岑习胥保和蔺"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
NOTES = [
    "老客户，偏好顺丰快递",
    "要求开具增值税专用发票",
    "周末不方便收货，请工作日配送",
    "已电话确认收货地址：上海市浦东新区张江路 88 号",
    "VIP 客户\n生日当月赠送优惠券",
    "退货一次，原因：尺码不合适",
    "",
    "",
]


def make_records(n: int, seed: int = 20261122) -> list[dict[str, Any]]:
    """`n` realistic orders as a caller would pass them, generated deterministically."""
    rng = random.Random(seed)
    day0 = dt.date(2024, 1, 1)
    moment0 = dt.datetime(2024, 1, 1, tzinfo=SHANGHAI)
    rows = []
    for _ in range(n):
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        day = day0 + dt.timedelta(days=rng.randrange(730))
        moment = moment0 + dt.timedelta(seconds=rng.randrange(730 * 86_400))
        if rng.random() < 0.3:
            moment = moment.replace(microsecond=rng.randrange(1_000_000))
        rows.append(
            {
                "姓名": rng.choice(SURNAMES) + given,
                "备注": rng.choice(NOTES),
                "数量": rng.randrange(1, 500),
                "金额": round(rng.uniform(1, 50_000), 2),
                "折扣": rng.choice((0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 0.75, 0.85, 0.9, 1.0)),
                "状态": rng.choice(STATUSES),
                "下单日期": day,
                "下单时间": moment,
                "已付款": rng.random() < 0.6,
                "手机": "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}",
            }
        )
    return rows


def stored_form(records: list[dict[str, Any]], now: dt.datetime) -> list[tuple[Any, ...]]:
    """The records as the driver stores them, system columns first (as the engine writes them):
    created_at, updated_at, created_by, updated_by, position, then the fields in order."""
    stamp = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    out = []
    for i, r in enumerate(records, start=1):
        out.append(
            (
                stamp,
                stamp,
                None,
                None,
                float(i),
                r["姓名"],
                r["备注"] or None,
                float(r["数量"]),
                r["金额"],
                r["折扣"],
                r["状态"],
                r["下单日期"].isoformat(),
                r["下单时间"].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
                int(r["已付款"]),
                r["手机"],
            )
        )
    return out


SYSTEM = ("created_at", "updated_at", "created_by", "updated_by", "position")


def _columns(table: engine.Table) -> list[str]:
    return [*SYSTEM, *(f.column for f in table.fields)]


def _raw_insert(
    path: Path, table: engine.Table, prepared: list[tuple[Any, ...]]
) -> tuple[float, float]:
    """Seconds (wall clock, CPU) for one raw `executemany` of `prepared` into `table`'s
    physical table, in one transaction."""
    cols = _columns(table)
    sql = (
        f'INSERT INTO "tbl_{table.id}" ('
        + ", ".join(f'"{c}"' for c in cols)
        + ") VALUES ("
        + ", ".join("?" * len(cols))
        + ")"
    )
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=NORMAL")  # as the engine sets it (WAL is in the file)
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, prepared)
        conn.execute("COMMIT")
        return time.perf_counter() - start, time.process_time() - cpu
    finally:
        conn.close()


def _engine_insert(table: engine.Table, records: list[dict[str, Any]]) -> tuple[float, float]:
    """Seconds (wall clock, CPU) for `table.insert_many(records)`."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    ids = table.insert_many(records)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert len(ids) == len(records)
    return seconds, cpu


def _checkpoint(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _stored(path: Path, table: engine.Table) -> list[tuple[Any, ...]]:
    cols = ", ".join(f'"{f.column}"' for f in table.fields)
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f'SELECT {cols} FROM "tbl_{table.id}" ORDER BY id').fetchall()
    finally:
        conn.close()


def run(rows: int = 200_000, repeats: int = 3) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as tmp:
        path = Path(tmp) / "bench.db"
        db = engine.connect(f"sqlite:///{path}", data_dir=Path(tmp) / "files")
        try:
            base = db.create_base("Benchmark")
            engine_runs: list[tuple[float, float]] = []
            baseline_runs: list[tuple[float, float]] = []
            tables: tuple[engine.Table, engine.Table] | None = None
            for k in range(repeats):
                if tables is not None:  # keep the file small: only the last pair is kept
                    tables[0].drop()
                    tables[1].drop()
                ours = base.create_table(f"orders_{k}", FIELDS)
                theirs = base.create_table(f"orders_{k}_raw", FIELDS)
                tables = (ours, theirs)
                for side in ("baseline", "engine") if k % 2 == 0 else ("engine", "baseline"):
                    # each run gets input of its own, made before the clock starts: the same
                    # values, in new objects (nothing cached in them by an earlier run)
                    records = make_records(rows)
                    _checkpoint(path)
                    if side == "engine":
                        engine_runs.append(_engine_insert(ours, records))
                    else:
                        prepared = stored_form(records, dt.datetime.now(UTC))
                        del records
                        baseline_runs.append(_raw_insert(path, theirs, prepared))
                        del prepared
            assert tables is not None
            ours, theirs = tables
            engine_stored, baseline_stored = ours.count(), theirs.count()
            same = _stored(path, ours) == _stored(path, theirs)
        finally:
            db.close()
    engine_s = statistics.median(s for s, _ in engine_runs)
    baseline_s = statistics.median(s for s, _ in baseline_runs)
    engine_cpu = statistics.median(c for _, c in engine_runs)
    baseline_cpu = statistics.median(c for _, c in baseline_runs)
    return {
        "benchmark": "insert",
        "rows": rows,
        "fields": len(FIELDS),
        "repeats": repeats,
        "database": f"SQLite {sqlite3.sqlite_version}, file, WAL, synchronous=NORMAL",
        "python": platform.python_version(),
        "engine": "Table.insert_many (full validation, one transaction)",
        "baseline": "sqlite3 executemany of prepared tuples (one transaction)",
        "ratio": round(engine_s / baseline_s, 3),
        "engine_seconds": round(engine_s, 4),
        "baseline_seconds": round(baseline_s, 4),
        "engine_rows_per_s": round(rows / engine_s),
        "baseline_rows_per_s": round(rows / baseline_s),
        "engine_runs_seconds": [round(s, 4) for s, _ in engine_runs],
        "baseline_runs_seconds": [round(s, 4) for s, _ in baseline_runs],
        "cpu_ratio": round(engine_cpu / baseline_cpu, 3),
        "engine_cpu_seconds": round(engine_cpu, 4),
        "baseline_cpu_seconds": round(baseline_cpu, 4),
        "engine_rows_stored": engine_stored,
        "baseline_rows_stored": baseline_stored,
        "same_stored_values": same,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=200_000, help="records per insert")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeats < 1:
        parser.error("--rows and --repeats must be at least 1")
    result = run(args.rows, args.repeats)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["same_stored_values"] else 1


if __name__ == "__main__":
    sys.exit(main())
