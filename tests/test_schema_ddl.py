"""Schema changes and their DDL: each user table is a real table named by ids, on both databases."""

from __future__ import annotations

import re
import unicodedata

import pytest
from sqlalchemy import inspect, select

import engine
from engine import indexes, meta, schema
from engine.model import SYSTEM_COLUMNS
from schemas.field import FieldSpec


def columns(db: engine.Database, table: engine.Table) -> list[str]:
    return [c["name"] for c in inspect(db.engine).get_columns(f"tbl_{table.id}")]


def unique_indexes(db: engine.Database, table: engine.Table) -> list[list[str]]:
    indexes = inspect(db.engine).get_indexes(f"tbl_{table.id}")
    return sorted(ix["column_names"] for ix in indexes if ix["unique"])


def physical_tables(db: engine.Database) -> set[str]:
    return {n for n in inspect(db.engine).get_table_names() if n.startswith("tbl_")}


# --- physical tables and columns ----------------------------------------------------------------
def test_a_table_is_a_real_table_with_a_column_per_field(db, base):
    t = base.create_table(
        "客户",
        [
            {"name": "姓名"},
            {"name": "年龄", "type": "number"},
            {"name": "手机", "type": "phone", "rules": {"unique": True}},
            {"name": "创建时间", "type": "created_time"},  # reads a system column: no column
        ],
    )
    ids = [f.id for f in t.fields]
    assert physical_tables(db) == {f"tbl_{t.id}"}
    assert columns(db, t) == [*SYSTEM_COLUMNS, *(f"fld_{i}" for i in ids[:3])]
    assert unique_indexes(db, t) == [[f"fld_{ids[2]}"]]
    cols = {c["name"]: c for c in inspect(db.engine).get_columns(f"tbl_{t.id}")}
    assert not cols["created_at"]["nullable"] and not cols["position"]["nullable"]


def test_adding_and_deleting_a_field_adds_and_drops_its_column(db, build_table):
    t = build_table([{"name": "Name"}], [{"Name": "a"}])
    email = t.add_field("Email", "email", rules={"unique": True})
    done = t.add_field("Done", "checkbox")
    assert columns(db, t)[-2:] == [f"fld_{email.id}", f"fld_{done.id}"]
    assert unique_indexes(db, t) == [[f"fld_{email.id}"]]
    assert dict(t.all()[0]) == {"Name": "a", "Email": None, "Done": False}
    t.delete_field("Email")  # to the trash: the column stays until the field is purged
    assert f"fld_{email.id}" in columns(db, t)
    assert [f.name for f in t.fields] == ["Name", "Done"]
    t.purge_field(email.id)
    assert f"fld_{email.id}" not in columns(db, t)
    assert unique_indexes(db, t) == []
    assert [f.name for f in t.fields] == ["Name", "Done"]
    with db.read() as conn:
        assert (
            conn.execute(select(meta.fields.c.id).where(meta.fields.c.id == email.id)).first()
            is None
        )
    with pytest.raises(engine.NotFound):
        t.delete_field("Email")
    # the name is free again
    assert t.add_field("email", "text").name == "email"


def test_renames_touch_metadata_only(db, build_table):
    t = build_table(
        [{"name": "Name"}, {"name": "Qty", "type": "number"}], [{"Name": "a", "Qty": 1}]
    )
    before = columns(db, t)
    t.rename("订单")
    t.rename_field("Qty", "数量")
    assert t.name == "订单" and [f.name for f in t.fields] == ["Name", "数量"]
    assert physical_tables(db) == {f"tbl_{t.id}"}
    assert columns(db, t) == before
    assert dict(t.all()[0]) == {"Name": "a", "数量": 1}
    assert t.db.base(t.schema().base_id).table("订单").id == t.id
    with pytest.raises(engine.NotFound):
        t.db.base(t.schema().base_id).table("T")


def test_deleting_a_table_drops_it(db, base):
    keep = base.create_table("Keep", [{"name": "Name"}])
    gone = base.create_table("Gone", [{"name": "Name"}, {"name": "N", "type": "number"}])
    gone.create({"Name": "x"})
    gone.drop()  # to the trash; purged, it is gone
    assert physical_tables(db) == {f"tbl_{keep.id}", f"tbl_{gone.id}"}
    base.purge_table(gone.id)
    assert physical_tables(db) == {f"tbl_{keep.id}"}
    assert [t.name for t in base.tables()] == ["Keep"]
    with db.read() as conn:
        assert (
            conn.execute(select(meta.fields).where(meta.fields.c.table_id == gone.id)).all() == []
        )
    with pytest.raises(engine.NotFound):
        base.table("Gone")
    assert base.create_table("Gone", [{"name": "Name"}]).count() == 0


def test_deleting_a_base_drops_its_tables(db):
    crm = db.create_base("CRM")
    crm.create_table("A", [{"name": "Name"}])
    crm.create_table("B", [{"name": "Name"}])
    other = db.create_base("Other")
    kept = other.create_table("C", [{"name": "Name"}])
    crm.delete()
    assert physical_tables(db) == {f"tbl_{kept.id}"}
    assert [b.name for b in db.bases()] == ["Other"]


# --- names --------------------------------------------------------------------------------------
ODD_NAMES = [
    "姓名",
    "客户 名称",
    "价格 (¥)",
    "🚀 进度",
    'say "hi"',
    "it's",
    "Robert'); DROP TABLE students;--",
    "a.b[c]",
    "%(x)s :name ?",
]


def test_unicode_and_awkward_names_work(db, base):
    t = base.create_table("客户 🚀 \"表\" 'x'", [{"name": n} for n in ODD_NAMES])
    row = {n: f"value of {n}" for n in ODD_NAMES}
    rec = t.create(row)
    assert dict(t.get(rec.id)) == row
    assert base.table("客户 🚀 \"表\" 'x'").id == t.id
    assert all(
        re.fullmatch(r"tbl_\d+", n)
        for n in inspect(db.engine).get_table_names()
        if not n.startswith(("meta_", "alembic"))
    )
    assert all(re.fullmatch(r"fld_\d+", c) for c in columns(db, t) if c not in SYSTEM_COLUMNS)
    t.rename_field("it's", "它的 ✨")
    assert t.get(rec.id)["它的 ✨"] == "value of it's"


def test_names_are_cleaned(base):
    t = base.create_table("  Spaced  ", [{"name": "  Name "}])
    assert t.name == "Spaced" and t.fields[0].name == "Name"
    decomposed = unicodedata.normalize("NFD", "Café")
    assert t.add_field(decomposed).name == "Café"  # stored NFC
    for bad in ("   ", "a\nb", "tab\there", "x" * 256):
        with pytest.raises(engine.SchemaError):
            t.add_field(bad)


@pytest.mark.parametrize("clash", ["EMAIL", "email", " Email ", "Ｅｍａｉｌ", "ＥＭＡＩＬ"])
def test_field_names_are_unique_per_table_case_insensitively(base, clash):
    t = base.create_table("T", [{"name": "Name"}, {"name": "Email", "type": "email"}])
    with pytest.raises(engine.Conflict):
        t.add_field(clash)
    with pytest.raises(engine.Conflict):
        t.rename_field("Name", clash)
    with pytest.raises(engine.Conflict):
        base.create_table("U", [{"name": "Email"}, {"name": clash}])
    assert [f.name for f in t.fields] == ["Name", "Email"]
    assert [x.name for x in base.tables()] == ["T"]
    # the same name in another table is fine, and a field may change its own case
    base.create_table("U", [{"name": clash}])
    t.rename_field("Email", "EMAIL")
    assert t.field("email").name == "EMAIL"


def test_table_and_base_names_are_unique_case_insensitively(db, base):
    base.create_table("Orders", [{"name": "Name"}])
    for clash in ("ORDERS", "ｏｒｄｅｒｓ"):
        with pytest.raises(engine.Conflict):
            base.create_table(clash, [{"name": "Name"}])
    other = base.create_table("Other", [{"name": "Name"}])
    with pytest.raises(engine.Conflict):
        other.rename("orders")
    with pytest.raises(engine.Conflict):
        db.create_base("TEST")  # the fixture's base is "Test"
    db.create_base("Test 2").create_table("Orders", [{"name": "Name"}])  # another base: fine
    assert len(physical_tables(db)) == 3


# --- the primary field --------------------------------------------------------------------------
def test_the_primary_field(db, base):
    t = base.create_table(
        "T", [{"name": "Name"}, {"name": "Code"}, {"name": "Done", "type": "checkbox"}]
    )
    s = t.schema()
    assert s.primary is not None and s.primary.name == "Name"
    with pytest.raises(engine.SchemaError):
        t.delete_field("Name")
    with pytest.raises(engine.SchemaError):
        t.set_primary("Done")
    t.set_primary("Code")
    assert t.schema().primary.name == "Code"
    t.delete_field("Name")
    assert [f.name for f in t.fields] == ["Code", "Done"]
    with pytest.raises(engine.NotFound):
        t.set_primary("Name")


def test_primary_can_be_chosen_and_must_be_able_to_be_primary(db, base):
    t = base.create_table("T", [{"name": "Notes"}, {"name": "Title"}], primary="title")
    assert t.schema().primary.name == "Title"
    for fields, primary in [
        ([{"name": "Name"}, {"name": "Done", "type": "checkbox"}], "Done"),
        ([{"name": "Files", "type": "attachment"}], None),
        ([{"name": "Name"}], "Nope"),
    ]:
        with pytest.raises(engine.SchemaError):
            base.create_table("U", fields, primary=primary)
    assert [x.name for x in base.tables()] == ["T"]
    assert physical_tables(db) == {f"tbl_{t.id}"}


# --- a failed schema change leaves no trace -----------------------------------------------------
def test_refused_unique_rule_leaves_no_trace(db, build_table):
    t = build_table([{"name": "Name"}, {"name": "Code"}], [{"Code": "x"}, {"Code": "x"}])
    before = columns(db, t)
    with pytest.raises(engine.SchemaError):
        t.set_rules("Code", {"unique": True})
    assert unique_indexes(db, t) == [] and columns(db, t) == before
    assert not t.field("Code").rules.unique


def test_ddl_is_transactional(db, build_table):
    t = build_table([{"name": "Name"}], [{"Name": "a"}])
    before_columns = columns(db, t)
    before_tables = physical_tables(db)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), db.write() as conn:
        schema.add_field(conn, t.id, FieldSpec(name="Email", type="email", rules={"unique": True}))
        schema.create_table(conn, t.schema().base_id, "New", [FieldSpec(name="Name")])
        schema.rename_table(conn, t.id, "Renamed")
        raise Boom
    assert columns(db, t) == before_columns
    assert physical_tables(db) == before_tables
    assert [f.name for f in t.fields] == ["Name"] and t.name == "T"
    with pytest.raises(Boom), db.write() as conn:
        schema.delete_table(conn, t.id)
        raise Boom
    assert physical_tables(db) == before_tables
    assert dict(t.all()[0]) == {"Name": "a"}


def test_failed_type_change_leaves_no_trace(db, build_table):
    # "1" and "01" both become 1: the unique rule cannot hold, so the whole change is undone
    t = build_table(
        [{"name": "Name"}, {"name": "Code", "rules": {"unique": True}}],
        [{"Code": "1"}, {"Code": "01"}, {"Code": "x"}],
    )
    before = columns(db, t)
    with pytest.raises(engine.SchemaError):
        t.change_type("Code", "number")
    assert columns(db, t) == before
    assert unique_indexes(db, t) == [[f"fld_{t.field('Code').id}"]]
    assert t.field("Code").type.name == "text"
    assert [f.name for f in t.fields] == ["Name", "Code"]  # no "(original)" field either
    assert [r["Code"] for r in t.all()] == ["1", "01", "x"]


def test_a_field_with_a_view_index_can_be_deleted(db, build_table):
    t = build_table([{"name": "Name"}, {"name": "Qty", "type": "number"}], [{"Qty": 1}])
    with db.write() as conn:
        assert indexes.ensure_index(conn, t.schema(), t.field("Qty"))
    name = indexes.index_name(t.schema(), t.field("Qty"))
    assert name in [ix["name"] for ix in inspect(db.engine).get_indexes(f"tbl_{t.id}")]
    qty = t.field("Qty").id
    t.delete_field("Qty")
    assert [f.name for f in t.fields] == ["Name"]
    t.purge_field(qty)  # SQLite refuses to drop an indexed column: the index goes first
    assert name not in [ix["name"] for ix in inspect(db.engine).get_indexes(f"tbl_{t.id}")]


def test_empty_values_are_sql_null(db, build_table):
    t = build_table(
        [
            {"name": "Name"},
            {"name": "Tags", "type": "multiple_select", "options": {"choices": ["A"]}},
            {"name": "Files", "type": "attachment"},
            {"name": "Who", "type": "user", "options": {"multiple": True}},
        ],
        [{"Name": "a"}, {"Name": "b", "Tags": [], "Files": [], "Who": []}],
    )
    rec = t.create({"Tags": ["A"]})
    t.update(rec.id, {"Tags": None})
    table = t.schema().sql
    with db.read() as conn:
        for f in t.fields[1:]:
            col = table.c[f.column]
            assert conn.execute(select(col).where(col.is_not(None))).all() == [], f.name
