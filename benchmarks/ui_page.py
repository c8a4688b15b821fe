"""The web interface's grid page against the JSON API for the same page, server side.

    .venv/bin/python benchmarks/ui_page.py [--rows 1000000] [--requests 50]

Builds the table of `benchmarks/api.py` (name, number, single select, date; 1,000,000 rows by
default) with its saved view "Open big" (Status = open and Amount >= 500, by Amount descending),
then asks the application in-process (no network: the server's own time) for

- `html`: `GET /t/<table>/v/<view>` — the whole grid page a browser opens, as the signed-in user;
- `api`: `GET /api/tables/<table>/views/<view>/records` — the same view's first page as JSON,
  with a personal access token.

Prints JSON: `html_median_ms`, `api_median_ms`, `ratio` = HTML ÷ JSON (lower is better),
`..._per_s`, and `rows_rendered`: the records the HTML page carries (one page, never the table).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ["TESSERA_API_RATE"] = "0"  # no rate limit while measuring

from starlette.testclient import TestClient

import engine
from server.app import create_app
from views.api import Views


def _api_benchmark() -> Any:
    """benchmarks/api.py, for its table builder."""
    spec = importlib.util.spec_from_file_location("bench_api", Path(__file__).with_name("api.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tessera-bench-ui-"))
    db = engine.connect(f"sqlite:///{folder / 'bench.db'}", data_dir=folder / "files")
    user = db.create_user("bench@example.com", "Bench", password="password123")
    t0 = time.perf_counter()
    api_benchmark = _api_benchmark()
    table = api_benchmark.build(db, user, args.rows)
    build_s = time.perf_counter() - t0
    view = Views(engine.Table(db.acting_as(user), table.id)).get("Open big")
    token = db.create_token("bench", user=user).token
    session = db.create_session(user)
    with TestClient(create_app(db, secret="bench")) as client:
        from server.auth import SESSION_COOKIE

        keys = client.app.state.keys  # type: ignore[attr-defined]
        page_url = f"/t/{table.id}/v/{view.id}"
        api_url = f"/api/tables/{table.id}/views/{view.id}/records"

        def html() -> str:
            r = client.get(page_url, cookies={SESSION_COOKIE: keys.session_cookie(session)})
            r.raise_for_status()
            return r.text

        def api() -> Any:
            r = client.get(api_url, headers={"Authorization": f"Bearer {token}"})
            r.raise_for_status()
            return r.json()

        rendered = len(set(re.findall(r'<tr data-rid="(\d+)"', html())))
        listed = len(api()["records"])
        html_t = api_benchmark.timed(html, args.requests)  # each after a warm-up call
        api_t = api_benchmark.timed(api, args.requests)
    db.close()
    shutil.rmtree(folder, ignore_errors=True)
    med_html, med_api = statistics.median(html_t), statistics.median(api_t)
    print(
        json.dumps(
            {
                "benchmark": "ui_page",
                "rows": args.rows,
                "requests": args.requests,
                "build_seconds": round(build_s, 2),
                "rows_rendered": rendered,
                "rows_listed": listed,
                "html_median_ms": round(med_html * 1000, 3),
                "api_median_ms": round(med_api * 1000, 3),
                "html_per_s": round(args.requests / sum(html_t), 1),
                "api_per_s": round(args.requests / sum(api_t), 1),
                "ratio": round(med_html / med_api, 3),
                "python": sys.version.split()[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
