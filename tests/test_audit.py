"""The audit log: schema changes and exports are recorded; owners and admins read it with
filters and export it to .csv and .xlsx; nobody else reads it."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

import engine
from engine.sqltypes import UTC


@pytest.fixture
def people(db: engine.Database) -> tuple[engine.Database, int, int]:
    admin = db.create_user("admin@example.com", "Admin", admin=True)
    owner = db.create_user("owner@example.com", "Owner")
    return db.acting_as(admin), admin, owner


def test_schema_changes_are_audited(people: tuple[engine.Database, int, int]) -> None:
    db, admin, _ = people
    base = db.create_base("CRM")
    t = base.create_table("客户", [{"name": "姓名", "type": "text"}])
    t.add_field("手机", "phone")
    t.rename_field("手机", "电话")
    t.delete_field("电话")
    t.drop()
    kinds = [e.kind for e in db.audit_log(base_id=base.id)]
    assert kinds == [
        "schema.table_delete",
        "schema.field_delete",
        "schema.field_rename",
        "schema.field_create",
        "schema.table_create",
    ]
    first = db.audit_log(base_id=base.id)[-1]
    assert first.user_id == admin and first.user_email == "admin@example.com"
    assert first.detail["name"] == "客户"
    rename = db.audit_log(kind="schema.field_rename")[0]
    assert rename.detail["objects"] == [{"kind": "field", "name": "电话"}]


def test_filters(people: tuple[engine.Database, int, int]) -> None:
    db, admin, owner = people
    a = db.create_base("A")
    b = db.create_base("B")
    a.create_table("T1")
    b.create_table("T2").add_field("F", "text")
    assert {e.base_id for e in db.audit_log()} == {a.id, b.id}
    assert [e.kind for e in db.audit_log(base_id=b.id)] == [
        "schema.field_create",
        "schema.table_create",
    ]
    assert [e.kind for e in db.audit_log(kind="schema.field_create")] == ["schema.field_create"]
    assert len(db.audit_log(kind="schema.")) == 3
    assert db.audit_log(kind="signin") == []
    assert len(db.audit_log(user_id=admin)) == 3 and db.audit_log(user_id=owner) == []
    now = dt.datetime.now(UTC)
    assert len(db.audit_log(since=now - dt.timedelta(minutes=5))) == 3
    assert db.audit_log(since=now + dt.timedelta(seconds=1)) == []
    assert db.audit_log(until=now - dt.timedelta(minutes=5)) == []
    assert len(db.audit_log(limit=2)) == 2 and len(db.audit_log(limit=2, offset=2)) == 1


def test_only_owners_and_admins(people: tuple[engine.Database, int, int]) -> None:
    db, _, owner = people
    mine = db.create_base("Mine")
    other = db.create_base("Other")
    mine.create_table("T")
    other.create_table("T")
    mine.add_member(owner, "owner")
    as_owner = db.acting_as(owner)
    assert {e.base_id for e in as_owner.audit_log()} == {mine.id}
    with pytest.raises(engine.NotFound):  # a base they are not a member of
        as_owner.audit_log(base_id=other.id)
    editor = db.create_user("e@example.com", "E")
    mine.add_member(editor, "editor")
    with pytest.raises(engine.Forbidden) as e:
        db.acting_as(editor).audit_log()
    assert e.value.message_zh


def test_export(people: tuple[engine.Database, int, int], tmp_path: Path) -> None:
    db, _, _ = people
    base = db.create_base("CRM")
    base.create_table("客户").add_field("手机", "phone")
    assert db.export_audit_log(tmp_path / "log.csv", base_id=base.id) == 2
    with (tmp_path / "log.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:5] == ["id", "time (UTC)", "user id", "user", "kind"]
    assert [r[4] for r in rows[1:]] == ["schema.field_create", "schema.table_create"]
    assert "客户" in rows[2][6]
    assert db.export_audit_log(tmp_path / "log.xlsx") == 3  # the csv export is an event too
    sheet = load_workbook(tmp_path / "log.xlsx").active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][4] == "export.audit_log" and values[0][4] == "kind"
    with pytest.raises(engine.TesseraError) as e:
        db.export_audit_log(tmp_path / "log.pdf")
    assert ".csv" in e.value.message_en and e.value.message_zh


def test_record_exports_are_audited(
    people: tuple[engine.Database, int, int], tmp_path: Path
) -> None:
    from engine import exports

    db, admin, _ = people
    base = db.create_base("CRM")
    t = base.create_table("客户", [{"name": "姓名", "type": "text"}])
    t.create_many([{"姓名": "a"}, {"姓名": "b"}])
    exports.export(t, tmp_path / "客户.xlsx")
    (entry,) = db.audit_log(kind="export.")
    assert entry.kind == "export.records" and entry.user_id == admin and entry.base_id == base.id
    assert entry.detail == {"table_id": t.id, "rows": 2, "file": "客户.xlsx", "format": "xlsx"}
