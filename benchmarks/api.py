"""API speed: a filtered, sorted 100-record page of a 1,000,000-record table over HTTP
(uvicorn on loopback, one keep-alive connection) against the same engine call without HTTP.

    .venv/bin/python benchmarks/api.py [--rows 1000000] [--requests 200]

The table (name, number, single select, date) is built through the engine (`insert_many` in
chunks) in a SQLite file under a temporary directory; a saved view with the same filter and sort
makes the indexes they need. Three ways to ask for the same page — records with `Status` =
"open" and `Amount` >= 500, by `Amount` descending, 100 of them, no count:

- `engine`: `engine.query.run` on the user's schema (`permissions.schema_for`) in a read
  transaction — what both APIs call;
- `api`: `POST /api/tables/{id}/query` with that query spec;
- `v0`: `GET /v0/{base}/{table}?filterByFormula=AND({Status}='open',{Amount}>=500)&sort[0]…`
  (the formula is compiled to SQL, not an index-friendly condition).

Prints one JSON object: `..._per_s` requests (or calls) per second, `..._median_ms` median
latency, `ratio` = API median ÷ engine median and `v0_ratio` = /v0/ median ÷ engine median
(lower is better; the difference is HTTP, JSON and authentication).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ["TESSERA_API_RATE"] = "0"  # no rate limit while measuring

import requests
import uvicorn

import engine
from engine import permissions
from engine.query import QueryContext, run
from schemas.query import QuerySpec
from server.api import ids
from server.app import create_app
from views.api import Views

QUERY: dict[str, Any] = {
    "filter": {
        "items": [
            {"field": "Status", "op": "is", "value": "open"},
            {"field": "Amount", "op": ">=", "value": 500},
        ]
    },
    "sorts": [{"field": "Amount", "direction": "desc"}],
    "page": {"size": 100},
    "count": False,
}
FORMULA = "AND({Status}='open',{Amount}>=500)"


def build(db: engine.Database, user: int, rows: int) -> engine.Table:
    base = db.acting_as(user).create_base("Bench")
    table = base.create_table(
        "Orders",
        fields=[
            {"name": "Name", "type": "text"},
            {"name": "Amount", "type": "number"},
            {
                "name": "Status",
                "type": "single_select",
                "options": {"choices": ["open", "paid", "shipped", "closed"]},
            },
            {"name": "Day", "type": "date"},
        ],
    )
    rng = random.Random(7)
    statuses = ["open", "paid", "shipped", "closed"]
    day0 = dt.date(2024, 1, 1)
    done = 0
    while done < rows:
        n = min(50_000, rows - done)
        table.insert_many(
            [
                {
                    "Name": f"订单 {done + i}",
                    "Amount": rng.randint(0, 1000),
                    "Status": statuses[rng.randrange(4)],
                    "Day": day0 + dt.timedelta(days=rng.randrange(700)),
                }
                for i in range(n)
            ]
        )
        done += n
    Views(table).create(
        "Open big", query={k: QUERY[k] for k in ("filter", "sorts")}
    )  # makes its indexes
    return table


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def timed(fn: Any, count: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(count):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tessera-bench-api-"))
    db = engine.connect(f"sqlite:///{folder / 'bench.db'}", data_dir=folder / "files")
    user = db.create_user("bench@example.com", "Bench", password="password123")
    t0 = time.perf_counter()
    table = build(db, user, args.rows)
    build_s = time.perf_counter() - t0
    token = db.create_token("bench", user=user).token
    me = db.acting_as(user)

    def engine_call() -> int:
        with me.read() as conn:
            schema = permissions.schema_for(conn, table.id, user)
            return len(
                run(
                    conn, schema, QuerySpec.model_validate(QUERY), QueryContext(user_id=user)
                ).records
            )

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(db, secret="bench"), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    url = f"http://127.0.0.1:{port}"
    v0 = f"{url}/v0/{ids.encode('app', table.schema().base_id)}/{ids.encode('tbl', table.id)}"
    v0_params = {
        "filterByFormula": FORMULA,
        "sort[0][field]": "Amount",
        "sort[0][direction]": "desc",
        "pageSize": "100",
    }

    def api_call() -> int:
        r = session.post(f"{url}/api/tables/{table.id}/query", json=QUERY)
        r.raise_for_status()
        return len(r.json()["records"])

    def v0_call() -> int:
        r = session.get(v0, params=v0_params)
        r.raise_for_status()
        return len(r.json()["records"])

    same = engine_call() == api_call() == v0_call()
    engine_t = timed(engine_call, args.requests)
    api_t = timed(api_call, args.requests)
    v0_t = timed(v0_call, args.requests)
    server.should_exit = True
    thread.join(timeout=10)
    session.close()
    db.close()
    shutil.rmtree(folder, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in (("engine", engine_t), ("api", api_t), ("v0", v0_t))}
    result = {
        "rows": args.rows,
        "requests": args.requests,
        "build_seconds": round(build_s, 2),
        "same_page_size": same,
        "engine_per_s": round(1 / med["engine"], 1),
        "api_per_s": round(args.requests / sum(api_t), 1),
        "v0_per_s": round(args.requests / sum(v0_t), 1),
        "engine_median_ms": round(med["engine"] * 1000, 3),
        "api_median_ms": round(med["api"] * 1000, 3),
        "v0_median_ms": round(med["v0"] * 1000, 3),
        "ratio": round(med["api"] / med["engine"], 3),
        "v0_ratio": round(med["v0"] / med["engine"], 3),
        "python": sys.version.split()[0],
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
