"""The benchmarks run and report what they promise (no timing is asserted: machines are noisy)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_benchmark(name: str, *args: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / name), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # one JSON object and nothing else
    assert isinstance(result, dict)
    return result


def test_insert_benchmark() -> None:
    result = run_benchmark("insert.py", "--rows", "2000", "--repeats", "1")
    for key in (
        "ratio",
        "engine_seconds",
        "baseline_seconds",
        "engine_rows_per_s",
        "baseline_rows_per_s",
    ):
        value = result[key]
        assert isinstance(value, int | float) and value > 0, key
    assert result["rows"] == 2000 and result["fields"] == 10
    assert result["engine_rows_stored"] == 2000
    assert result["baseline_rows_stored"] == 2000
    assert result["same_stored_values"] is True


def test_import_xlsx_benchmark() -> None:
    result = run_benchmark("import_xlsx.py", "--rows", "300", "--repeats", "2")
    keys = ("ratio", "cpu_ratio", "stream_ratio", "import_rows_per_s", "bare_rows_per_s")
    for key in (*keys, "import_peak_mb", "doubled_import_peak_mb", "doubled_peak_ratio"):
        value = result[key]
        assert isinstance(value, int | float) and value > 0, key
    assert result["rows_imported"] == 300 and result["doubled_rows"] == 600
    assert result["stream_rows_read"] == 300
    assert result["columns"] == 20 and len(result["ratio_per_repeat"]) == 2
    assert result["field_types"][:4] == ["text", "text", "phone", "currency"]


def test_api_benchmark() -> None:
    result = run_benchmark("api.py", "--rows", "3000", "--requests", "5")
    for key in ("ratio", "v0_ratio", "engine_per_s", "api_per_s", "v0_per_s", "api_median_ms"):
        value = result[key]
        assert isinstance(value, int | float) and value > 0, key
    assert result["rows"] == 3000 and result["same_page_size"] is True


def test_ui_page_benchmark() -> None:
    result = run_benchmark("ui_page.py", "--rows", "3000", "--requests", "3")
    for key in ("ratio", "html_median_ms", "api_median_ms", "html_per_s", "api_per_s"):
        value = result[key]
        assert isinstance(value, int | float) and value > 0, key
    # the page carries one page of rows, never the table
    assert result["rows_rendered"] == result["rows_listed"] == 100
