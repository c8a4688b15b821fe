"""While an import runs, the youngest generation is collected less often; the settings before are
back when the last import ends, whether it succeeds or not."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from engine.imports import ImportRefused, Source, plan_source
from engine.imports.collect import BULK_THRESHOLD, fewer_collections


def test_collections_are_fewer_while_imports_run_and_as_before_after() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == (max(before[0], BULK_THRESHOLD), *before[1:])
        with fewer_collections():  # a second import at the same time
            pass
        assert gc.get_threshold()[0] == max(before[0], BULK_THRESHOLD)
    assert gc.get_threshold() == before


def test_a_failed_plan_puts_the_settings_back(tmp_path: Path) -> None:
    before = gc.get_threshold()
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with Source(empty) as source, pytest.raises(ImportRefused):
        plan_source(source)
    assert gc.get_threshold() == before
