"""Backup → restore → identical: every table of the database (metadata, records, junctions,
history) and every attachment, on SQLite and PostgreSQL; and the command line."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, inspect, select

import engine
from engine import backup
from server.cli import main


def everything(db: engine.Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.read() as conn:
        md = MetaData()
        md.reflect(conn)
        for name, table in md.tables.items():
            rows = conn.execute(select(table)).all()
            out[name] = sorted(tuple(repr(v) for v in r) for r in rows)
        out["indexes"] = sorted(
            (t, ix["name"] or "") for t in md.tables for ix in inspect(conn).get_indexes(t)
        )
    return out


def fill(db: engine.Database) -> None:
    base = db.create_base("CRM")
    people = base.create_table(
        "客户",
        [
            {"name": "姓名", "type": "text"},
            {"name": "手机", "type": "phone", "rules": {"unique": True}},
            {"name": "生日", "type": "date"},
            {"name": "附件", "type": "attachment"},
        ],
    )
    orders = base.create_table("订单", [{"name": "编号", "type": "text"}])
    orders.add_field("客户", "link", options={"table": "客户", "multiple": False})
    people.add_field("订单数", "count", options={"link_field": "订单"})
    photo = db.attachments.add_bytes(b"\x89PNG fake", "a.png", "image/png")
    rows = people.create_many(
        [{"姓名": f"客户{i}", "手机": f"1380000000{i}", "生日": "2000-01-02"} for i in range(5)]
    )
    people.update(rows[0].id, {"附件": [photo]})
    orders.create_many([{"编号": f"O{i}", "客户": [rows[i % 2].id]} for i in range(4)])
    people.delete(rows[4].id)
    people.delete_field("生日")


def test_backup_and_restore_round_trip(db_url: str, tmp_path: Path) -> None:
    files = tmp_path / "files"
    db = engine.connect(db_url, data_dir=files)
    fill(db)
    before = everything(db)
    archive = tmp_path / "backup.tar"
    manifest = backup.backup(db_url, archive, files)
    assert manifest.files == 1 and manifest.revision
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and any(n.startswith("files/") for n in names)

    # afterwards: more records, a new table, a base deleted, an attachment gone
    base = db.base("CRM")
    base.table("客户").create({"姓名": "新", "手机": "13900000000"})
    base.create_table("新表", [{"name": "A", "type": "text"}])
    db.create_base("Other").create_table("X")
    for p in files.rglob("*"):
        if p.is_file():
            p.unlink()
    assert everything(db) != before
    db.close()

    backup.restore(archive, db_url, files)
    again = engine.connect(db_url, data_dir=files)
    assert everything(again) == before
    people = again.base("CRM").table("客户")
    photo = people.all()[0]["附件"][0]
    assert again.attachments.exists(photo["hash"])
    people.create({"姓名": "又一个", "手机": "13700000000"})  # it keeps working
    again.close()


def test_restore_refuses_wrong_files(tmp_path: Path) -> None:
    bogus = tmp_path / "x.tar"
    bogus.write_text("not a tar")
    with pytest.raises(backup.BackupError) as e:
        backup.restore(bogus, f"sqlite:///{tmp_path / 'a.db'}")
    assert "not a Tessera backup" in e.value.message_en and e.value.message_zh
    with pytest.raises(backup.BackupError):
        backup.backup("sqlite://", tmp_path / "mem.tar")


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = engine.connect(url)
    db.create_base("B").create_table("T").create({"Name": "x"})
    before = everything(db)
    db.close()
    out = tmp_path / "b.tar"
    assert main(["--db", url, "backup", "--out", str(out)]) == 0
    assert "backup" in capsys.readouterr().out.lower()
    db = engine.connect(url)
    db.base("B").table("T").create({"Name": "y"})
    db.close()
    assert main(["--db", url, "restore", str(out)]) == 0
    db = engine.connect(url)
    assert everything(db) == before
    db.close()
    assert main(["--db", url, "restore", str(tmp_path / "missing.tar")]) == 2
