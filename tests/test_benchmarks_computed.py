"""benchmarks/computed.py runs on a small base and reports every key it promises, with every
materialized rollup equal to the hand-written SQL (no timing is asserted: machines are noisy)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_computed_benchmark() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "computed.py"),
            *("--customers", "200", "--orders", "2000", "--repeats", "1"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # one JSON object and nothing else
    assert result["benchmark"] == "computed"
    assert (result["customers"], result["orders"]) == (200, 2000)
    for key in (
        "build_seconds",
        "page_ratio",
        "page_with_links_ms",
        "page_without_ms",
        "update_ratio",
        "update_with_dependents_ms",
        "plain_update_ms",
        "add_rollup_ratio",
        "add_rollup_seconds",
        "hand_sql_update_seconds",
    ):
        assert isinstance(result[key], int | float) and result[key] > 0, key
    assert result["rollup_mismatches"] == 0
