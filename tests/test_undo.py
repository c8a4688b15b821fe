"""Undo and redo of every kind of change restore the exact previous state (whole-base snapshots),
one transaction each; what others changed since is never overwritten."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

import engine
from engine import meta
from tests.history_helpers import snapshot
from views.api import Views


def roundtrip(db: engine.Database, base: engine.Base, act: Callable[[], Any]) -> None:
    """Do `act`; undo gives the state before, redo the state after, undo again the one before."""
    before = snapshot(db, base.id)
    act()
    after = snapshot(db, base.id)
    assert after != before
    base.undo()
    assert snapshot(db, base.id) == before
    base.redo()
    assert snapshot(db, base.id) == after
    base.undo()
    assert snapshot(db, base.id) == before


@pytest.fixture
def crm(base: engine.Base) -> tuple[engine.Table, engine.Table]:
    people = base.create_table(
        "People",
        [
            {"name": "Name", "type": "text"},
            {"name": "Phone", "type": "phone", "rules": {"unique": True}},
            {"name": "Tier", "type": "single_select", "options": {"choices": ["A", "B", "C"]}},
            {"name": "Spent", "type": "currency"},
            {"name": "Since", "type": "date"},
        ],
    )
    orders = base.create_table("Orders", [{"name": "No", "type": "text"}])
    orders.add_field("Buyer", "link", options={"table": "People", "multiple": False})
    people.add_field("Total", "count", options={"link_field": "Orders"})
    rows = people.create_many(
        [
            {"Name": f"P{i}", "Phone": f"1380000000{i}", "Tier": "ABC"[i % 3], "Spent": i * 10}
            for i in range(6)
        ]
    )
    orders.create_many([{"No": f"O{i}", "Buyer": [rows[i % 3].id]} for i in range(5)])
    return people, orders


def test_batch_update(db: engine.Database, base: engine.Base, crm: Any) -> None:
    people, _ = crm
    ids = [r.id for r in people.all()]
    roundtrip(
        db,
        base,
        lambda: people.update_many(
            [(i, {"Spent": 999, "Tier": "C", "Since": "2024-03-05"}) for i in ids[:4]]
        ),
    )


def test_unique_swap(db: engine.Database, base: engine.Base, crm: Any) -> None:
    people, _ = crm
    a, b = people.all()[:2]
    roundtrip(
        db,
        base,
        lambda: people.update_many([(a.id, {"Phone": b["Phone"]}), (b.id, {"Phone": a["Phone"]})]),
    )


def test_import_with_links(db: engine.Database, base: engine.Base, crm: Any) -> None:
    people, orders = crm
    target = people.all()[0].id
    roundtrip(
        db,
        base,
        lambda: orders.insert_many([{"No": f"N{i}", "Buyer": [target]} for i in range(300)]),
    )


def test_delete_restore_and_purge(db: engine.Database, base: engine.Base, crm: Any) -> None:
    people, orders = crm
    ids = [r.id for r in people.all()][:3]
    roundtrip(db, base, lambda: people.delete(*ids))
    people.delete(*ids)
    roundtrip(db, base, lambda: people.restore(*ids))
    roundtrip(db, base, lambda: people.purge(ids[0]))  # its orders keep no link to it
    order = orders.all()[0].id
    roundtrip(db, base, lambda: orders.purge(order))


def test_links_and_moves(db: engine.Database, base: engine.Base, crm: Any) -> None:
    people, orders = crm
    p = [r.id for r in people.all()]
    o = [r.id for r in orders.all()]
    # the link holds one buyer per order; giving an order away takes it from its buyer
    roundtrip(db, base, lambda: orders.update(o[0], {"Buyer": [p[5]]}))
    roundtrip(
        db, base, lambda: orders.update_many([(o[1], {"Buyer": []}), (o[2], {"Buyer": [p[4]]})])
    )
    roundtrip(db, base, lambda: people.move(p[4], before=p[0]))


def test_sub_table_trash(db: engine.Database, base: engine.Base) -> None:
    parent = base.create_table("Parent", [{"name": "Name", "type": "text"}])
    child = base.create_table("Line", [{"name": "Item", "type": "text"}])
    parent.add_field("Lines", "link", options={"table": "Line", "role": "children"})
    p = parent.create({"Name": "x"})
    child.create_many([{"Item": "a", "Parent": [p.id]}, {"Item": "b", "Parent": [p.id]}])
    roundtrip(db, base, lambda: parent.delete(p.id))


def test_schema_changes(db: engine.Database, base: engine.Base, crm: Any) -> None:
    people, _ = crm
    roundtrip(db, base, lambda: people.add_field("Note", "long_text"))
    roundtrip(db, base, lambda: people.rename_field("Spent", "Spend"))
    roundtrip(db, base, lambda: people.delete_field("Spent"))
    roundtrip(db, base, lambda: people.delete_field("Since"))
    roundtrip(db, base, lambda: people.set_rules("Name", {"required": True, "unique": True}))
    roundtrip(db, base, lambda: people.set_rules("Phone", {}))
    roundtrip(db, base, lambda: people.set_primary("Phone"))
    roundtrip(db, base, lambda: people.rename("Customers"))


def test_option_rename_rewrites_rows(db: engine.Database, base: engine.Base, crm: Any) -> None:
    people, _ = crm
    roundtrip(
        db,
        base,
        lambda: people.set_options("Tier", {"choices": ["B", "C"]}),  # "A" goes from the rows
    )


def test_type_change(db: engine.Database, base: engine.Base, crm: Any) -> None:
    people, _ = crm
    people.update(people.all()[0].id, {"Name": "12.5"})
    roundtrip(db, base, lambda: people.change_type("Name", "number"))  # kept in "Name (original)"
    roundtrip(db, base, lambda: people.change_type("Spent", "text"))


def test_table_create_and_delete(db: engine.Database, base: engine.Base, crm: Any) -> None:
    people, orders = crm
    roundtrip(db, base, lambda: base.create_table("New", [{"name": "A", "type": "text"}]))
    people.delete_field("Total")  # a rollup through the link would refuse the delete
    roundtrip(db, base, lambda: orders.drop())  # the inverse link in People goes with it


def test_link_field_delete(db: engine.Database, base: engine.Base, crm: Any) -> None:
    people, orders = crm
    people.delete_field("Total")
    roundtrip(db, base, lambda: orders.delete_field("Buyer"))


def test_view_delete(db: engine.Database, base: engine.Base, crm: Any) -> None:
    people, _ = crm
    views = Views(people)
    views.list()
    extra = views.create("Mine", "grid")
    roundtrip(db, base, lambda: views.delete(extra))


def test_conflict_is_refused(db: engine.Database, base: engine.Base, crm: Any) -> None:
    people, _ = crm
    alice = db.create_user("alice@example.com", "Alice", admin=True)
    bob = db.create_user("bob@example.com", "Bob", admin=True)
    pa = engine.Table(db.acting_as(alice), people.id)
    pb = engine.Table(db.acting_as(bob), people.id)
    rid = people.all()[0].id
    pa.update(rid, {"Spent": 1})
    pb.update(rid, {"Spent": 2})
    with pytest.raises(engine.Conflict) as e:
        engine.Base(db.acting_as(alice), base.id).undo()
    assert "Bob" in e.value.message_en and "Spent" in e.value.message_en
    assert "Bob" in e.value.message_zh and "无法撤销" in e.value.message_zh
    assert people.get(rid)["Spent"] == 2
    engine.Base(db.acting_as(bob), base.id).undo()
    engine.Base(db.acting_as(alice), base.id).undo()
    assert people.get(rid)["Spent"] == 0


def test_redo_cleared_by_new_action(db: engine.Database, base: engine.Base, crm: Any) -> None:
    people, _ = crm
    rid = people.all()[0].id
    people.update(rid, {"Spent": 5})
    base.undo()
    assert base.can_undo()[1]
    people.update(rid, {"Spent": 6})
    assert not base.can_undo()[1]
    with pytest.raises(engine.NotFound):
        base.redo()


def test_one_action_per_transaction(db: engine.Database, base: engine.Base, crm: Any) -> None:
    people, _ = crm
    before = snapshot(db, base.id)
    with db.transaction() as tx:
        t = engine.Table(tx, people.id)
        rec = t.create({"Name": "new", "Phone": "13900000000"})
        t.update(rec.id, {"Spent": 3})
        t.delete(people.all()[0].id)
    base.undo()
    assert snapshot(db, base.id) == before


def test_failed_write_leaves_no_history(db: engine.Database, base: engine.Base, crm: Any) -> None:
    people, _ = crm

    def count() -> tuple[int, int]:
        with db.read() as c:
            return (
                c.execute(select(func.count()).select_from(meta.actions)).scalar_one(),
                c.execute(select(func.count()).select_from(meta.changes)).scalar_one(),
            )

    start = count()
    phone = people.all()[0]["Phone"]
    with pytest.raises(engine.ValidationError):
        people.create_many([{"Name": "x", "Phone": "13911111111"}, {"Name": "y", "Phone": phone}])
    with pytest.raises(engine.ValidationError):
        people.update(people.all()[1].id, {"Phone": phone})
    with pytest.raises(engine.SchemaError):
        people.set_rules("Tier", {"unique": True})  # repeated values
    assert count() == start


def test_nothing_to_undo(db: engine.Database, base: engine.Base) -> None:
    with pytest.raises(engine.NotFound) as e:
        base.redo()
    assert e.value.message_zh
