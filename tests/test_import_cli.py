"""`tessera import` and `tessera export` on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

import engine
from server.cli import main
from tests.import_helpers import workbook


def test_import_prints_the_guesses_and_export_writes_the_view(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    path = workbook(
        tmp_path / "客户.xlsx",
        {"客户": [["姓名", "手机", "积分"]] + [[f"客户{i}", 13800138000 + i, i] for i in range(20)]},
    )
    assert main(["--db", url, "import", str(path), "--base", "CRM", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "phone" in out and "100%" in out and "13800138000" in out and "Would import" in out
    with engine.connect(url) as db:
        assert db.bases() == []  # a dry run leaves nothing, not even the base
    report = tmp_path / "report.xlsx"
    assert main(["--db", url, "import", str(path), "--base", "CRM", "--report", str(report)]) == 0
    assert "20 added" in capsys.readouterr().out and report.exists()
    again = workbook(tmp_path / "more.xlsx", {"S": [["手机", "积分"], [13800138001, 99]]})
    args = ["--db", url, "import", str(again), "--base", "CRM", "--into", "客户", "--key", "手机"]
    assert main(args) == 0
    assert "1 updated" in capsys.readouterr().out
    out_file = tmp_path / "out.csv"
    args = ["--db", url, "export", "--base", "CRM", "--table", "客户", "--out", str(out_file)]
    assert main(args) == 0
    lines = out_file.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "姓名,手机,积分" and lines[2] == "客户1,13800138001,99" and len(lines) == 21


def test_a_refused_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    assert main(["--db", f"sqlite:///{tmp_path / 'x.db'}", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "cannot be read" in err and "无法读取" in err
