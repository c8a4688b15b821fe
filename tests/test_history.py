"""Every change made through the engine's writes is stored, in the same transaction, as change
rows of one action; record history shows them newest first, values as text."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

import engine
from engine import meta


def changes(db: engine.Database, **where: Any) -> list[Any]:
    c = meta.changes
    with db.read() as conn:
        q = select(c).order_by(c.c.id)
        for k, v in where.items():
            q = q.where(c.c[k] == v)
        return list(conn.execute(q).all())


def action_count(db: engine.Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(meta.actions)).scalar_one())


@pytest.fixture
def shop(base: engine.Base) -> tuple[engine.Table, engine.Table]:
    people = base.create_table(
        "People",
        [
            {"name": "Name", "type": "text"},
            {"name": "Phone", "type": "phone"},
            {"name": "Spent", "type": "currency", "options": {"symbol": "¥"}},
            {"name": "Since", "type": "date"},
        ],
    )
    orders = base.create_table("Orders", [{"name": "No", "type": "text"}])
    orders.add_field("Buyer", "link", options={"table": "People"})
    people.add_field("Count", "count", options={"link_field": "Orders"})
    return people, orders


def test_record_history(db: engine.Database, base: engine.Base, shop: Any) -> None:
    people, orders = shop
    alice = db.create_user("alice@example.com", "Alice", admin=True)
    as_alice = engine.Table(db.acting_as(alice), people.id)
    rec = as_alice.create({"Name": "张三", "Spent": 10})
    as_alice.update(rec.id, {"Spent": 1299, "Since": "2024-03-05", "Name": "张三"})
    a, b = orders.create_many([{"No": "O1"}, {"No": "O2"}])
    people.update(rec.id, {"Orders": [a.id, b.id]})
    people.delete(rec.id)
    people.restore(rec.id)

    entries = people.history(rec.id)
    kinds = [(e.kind, e.field_name) for e in entries]
    assert kinds == [
        ("restore", None),
        ("trash", None),
        ("link", "Orders"),
        ("update", "Spent"),  # one entry per changed cell: Name did not change
        ("update", "Since"),
        ("create", None),
    ] or kinds == [
        ("restore", None),
        ("trash", None),
        ("link", "Orders"),
        ("update", "Since"),
        ("update", "Spent"),
        ("create", None),
    ]
    by = {e.field_name: e for e in entries if e.kind == "update"}
    assert (by["Spent"].old, by["Spent"].new) == ("¥10.00", "¥1,299.00")
    assert (by["Since"].old, by["Since"].new) == ("", "2024-03-05")
    assert by["Spent"].user_name == "Alice" and entries[-1].user_name == "Alice"
    link = next(e for e in entries if e.kind == "link")
    assert (link.old, link.new) == ("", "O1, O2")
    assert entries[0].at >= entries[-1].at


def test_computed_fields_are_not_logged(db: engine.Database, shop: Any) -> None:
    people, orders = shop
    p = people.create({"Name": "x"})
    count_id = people.field("Count").id
    orders.create({"No": "O", "Buyer": [p.id]})
    assert people.get(p.id)["Count"] == 1
    assert [r for r in changes(db, field_id=count_id) if r.kind != "field"] == []
    assert {r.kind for r in changes(db, table_id=people.id, record_id=p.id)} == {"create"}


def test_bulk_create_is_one_row(db: engine.Database, shop: Any) -> None:
    people, _ = shop
    before = len(changes(db))
    ids = people.insert_many([{"Name": f"n{i}", "Spent": i} for i in range(3000)])
    rows = changes(db)[before:]
    assert [r.kind for r in rows] == ["create"]
    assert rows[0].new["count"] == 3000
    assert rows[0].new["ranges"] == [[ids[0], ids[-1]]]


def test_one_action_per_transaction(db: engine.Database, shop: Any) -> None:
    people, _ = shop
    start = action_count(db)
    with db.transaction() as tx:
        t = engine.Table(tx, people.id)
        r = t.create({"Name": "a"})
        t.update(r.id, {"Spent": 3})
        t.delete(r.id)
    assert action_count(db) == start + 1
    assert [c.kind for c in changes(db, record_id=r.id)][-3:] == ["create", "update", "trash"]


def test_failed_writes_leave_no_history(db: engine.Database, shop: Any) -> None:
    people, _ = shop
    people.set_rules("Phone", {"unique": True})
    people.create({"Name": "a", "Phone": "13800000000"})
    start = (action_count(db), len(changes(db)))
    with pytest.raises(engine.ValidationError):
        people.create_many([{"Name": "b", "Phone": "13800000000"}])
    with pytest.raises(engine.ValidationError):
        people.update_many([(people.all()[0].id, {"Spent": "lots"})])
    with pytest.raises(engine.NotFound):
        people.delete(999)
    with pytest.raises(engine.Conflict):
        people.rename_field("Spent", "Phone")
    assert (action_count(db), len(changes(db))) == start


def test_schema_changes_are_logged(db: engine.Database, shop: Any) -> None:
    people, _ = shop
    start = action_count(db)
    people.rename_field("Spent", "Spend")
    people.set_options("Spend", {"symbol": "$"})
    people.delete_field("Since")
    assert action_count(db) == start + 3
    with db.read() as conn:
        kinds = list(
            conn.execute(
                select(meta.actions.c.kind).order_by(meta.actions.c.id.desc()).limit(3)
            ).scalars()
        )
    assert kinds == ["field_delete", "field_options", "field_rename"]
    rename = next(r for r in changes(db, kind="field") if r.old and r.old["name"] == "Spent")
    assert rename.new["name"] == "Spend"


def test_hidden_fields_stay_out_of_history(
    db: engine.Database, base: engine.Base, shop: Any
) -> None:
    people, _ = shop
    viewer = db.create_user("v@example.com", "V")
    base.add_member(viewer, "viewer")
    people.set_field_permission("Phone", "viewer", "hidden")
    rec = people.create({"Name": "a", "Phone": "13800000000"})
    people.update(rec.id, {"Phone": "13900000000", "Name": "b"})
    seen = engine.Table(db.acting_as(viewer), people.id).history(rec.id)
    assert {e.field_name for e in seen if e.kind == "update"} == {"Name"}
    assert "13900000000" not in repr(seen)
