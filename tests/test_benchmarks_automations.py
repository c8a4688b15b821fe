"""The automations benchmark runs and reports what it promises (no timing is asserted)."""

from __future__ import annotations

from tests.test_benchmarks import run_benchmark


def test_automations_benchmark() -> None:
    result = run_benchmark("automations.py", "--rows", "2000", "--chunk", "500", "--repeats", "1")
    assert result["rows"] == 2000
    for key in ("baseline_seconds", "other_table_seconds", "filtered_seconds",
                "other_table_ratio", "filtered_ratio"):  # fmt: skip
        assert isinstance(result[key], float) and result[key] > 0, key
