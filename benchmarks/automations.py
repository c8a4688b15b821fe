"""What automations cost a large insert: `insert_many` of N rows (in chunks, as an import writes)
into a table, with no automation in the base (the baseline), with an enabled automation on
another table (each chunk asks once which automations watch its table: none), and with an
enabled "record created" automation on the table whose filter matches no row (each chunk also
runs one set-based match query per 1,000 ids; nothing is run after the commit).

    .venv/bin/python benchmarks/automations.py [--rows 50000] [--chunk 5000] [--repeats 3]

Each repeat writes into fresh tables of one SQLite file; the three cases alternate and medians
are reported. Prints one JSON object: `other_table_ratio` and `filtered_ratio` are each case's
seconds ÷ the baseline's (1.0 is no cost).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import engine

FIELDS: list[dict[str, Any]] = [
    {"name": "名", "type": "text"},
    {"name": "金额", "type": "number"},
    {"name": "状态", "type": "single_select", "options": {"choices": ["新", "旧"]}},
]


def rows(n: int) -> list[dict[str, Any]]:
    return [{"名": f"客户{i}", "金额": i % 997, "状态": "新" if i % 3 else "旧"} for i in range(n)]


def insert(table: engine.Table, data: list[dict[str, Any]], chunk: int) -> float:
    start = time.perf_counter()
    for k in range(0, len(data), chunk):
        table.insert_many(data[k : k + chunk])
    return time.perf_counter() - start


def notify(user: int) -> dict[str, Any]:
    return {"kind": "notify", "users": [user], "message": "{名}"}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=50_000)
    p.add_argument("--chunk", type=int, default=5_000)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    data = rows(args.rows)
    times: dict[str, list[float]] = {"baseline": [], "other_table": [], "filtered": []}
    with tempfile.TemporaryDirectory() as tmp:
        db = engine.connect(f"sqlite:///{Path(tmp) / 'bench.db'}", data_dir=Path(tmp) / "files")
        owner = db.create_user("bench@example.com", "Bench")
        me = db.acting_as(owner)
        for r in range(args.repeats):
            for case in times:
                base = me.create_base(f"{case}{r}")
                table = base.create_table("T", FIELDS)
                if case == "other_table":
                    base.create_table("Other", FIELDS)
                    base.create_automation({"name": "o", "trigger": {"kind": "record_created",
                                            "table": "Other"}, "actions": [notify(owner)]})  # fmt: skip
                if case == "filtered":
                    never = {"items": [{"field": "金额", "op": ">", "value": 10**9}]}
                    base.create_automation({"name": "f", "trigger": {"kind": "record_created",
                                            "table": "T", "filter": never},
                                            "actions": [notify(owner)]})  # fmt: skip
                times[case].append(insert(table, data, args.chunk))
        db.close()
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        json.dumps(
            {
                "rows": args.rows,
                "chunk": args.chunk,
                "repeats": args.repeats,
                "baseline_seconds": round(med["baseline"], 4),
                "other_table_seconds": round(med["other_table"], 4),
                "filtered_seconds": round(med["filtered"], 4),
                "other_table_ratio": round(med["other_table"] / med["baseline"], 3),
                "filtered_ratio": round(med["filtered"] / med["baseline"], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
