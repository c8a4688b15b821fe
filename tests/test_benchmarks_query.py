"""benchmarks/query.py runs on a small table and reports every key it promises (no timing is
asserted: machines are noisy)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASES = (
    "grid_page",
    "grid_page_same_plan",
    "kanban_stack_count",
    "search",
    "search_same_plan",
    "deep_keyset",
    "deep_offset",
)


def test_query_benchmark() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "query.py"), "--rows", "5000", "--repeats", "1"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # one JSON object and nothing else
    assert result["benchmark"] == "query"
    assert result["rows"] == 5000 and result["fields"] == 10
    positive = ["insert_rows_per_s", "insert_seconds", "schema_load_ms"]
    for case in CASES:
        positive += [f"{case}_{k}" for k in ("ratio", "engine_ms", "baseline_ms", "min_ratio")]
    for key in positive:
        value = result[key]
        assert isinstance(value, int | float) and value > 0, key
    assert result["grid_page_total"] > 0
    assert result["deep_rows"] == 2500
    cached = result["count_cache"]
    for key in (
        "grid_page_cached_count_ms",
        "grid_page_cached_count_ratio",
        "grid_page_cached_count_same_plan_ratio",
        "grid_count_share",
        "search_cached_count_ms",
        "search_cached_count_ratio",
        "search_cached_count_same_plan_ratio",
    ):
        assert isinstance(cached[key], int | float), key
    built = result["indexes"]
    assert {"状态", "金额", "下单日期"} <= set(built["indexed_fields"])
    for key in (
        "grid_page_unindexed_ms",
        "grid_page_index_ratio",
        "grid_page_cached_count_ms",
        "grid_page_cached_count_unindexed_ms",
        "grid_page_cached_count_index_ratio",
        "kanban_stack_count_unindexed_ms",
        "kanban_stack_count_index_ratio",
        "index_speedup",
        "build_seconds",
    ):
        assert isinstance(built[key], int | float) and built[key] >= 0, key
    assert all(result["same_results"].values()), result["same_results"]
    assert result["all_same"] is True
