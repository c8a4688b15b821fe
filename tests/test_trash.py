"""The trash of fields, views and tables (records: tests/test_records.py): deleting keeps the
values, frees the name and restores exactly; links go and come back with their inverses; what
stays longer than the trash period is purged."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect

import engine
from engine import schema_trash
from tests.history_helpers import snapshot
from views.api import Views


@pytest.fixture
def shop(base: engine.Base) -> tuple[engine.Table, engine.Table]:
    people = base.create_table(
        "People",
        [
            {"name": "Name", "type": "text"},
            {"name": "Phone", "type": "phone", "rules": {"unique": True}},
            {"name": "Spent", "type": "currency"},
        ],
    )
    orders = base.create_table("Orders", [{"name": "No", "type": "text"}])
    orders.add_field("Buyer", "link", options={"table": "People", "multiple": False})
    p = people.create_many([{"Name": "a", "Phone": "13800000000", "Spent": 5}, {"Name": "b"}])
    orders.create_many([{"No": "O1", "Buyer": [p[0].id]}, {"No": "O2", "Buyer": [p[1].id]}])
    return people, orders


def columns(db: engine.Database, table_id: int) -> list[str]:
    return [c["name"] for c in inspect(db.engine).get_columns(f"tbl_{table_id}")]


def test_field_to_the_trash_and_back(db: engine.Database, base: engine.Base, shop: Any) -> None:
    people, _ = shop
    before = snapshot(db, base.id)
    spent = people.field("Spent")
    people.delete_field("Spent")
    assert "Spent" not in [f.name for f in people.fields]
    assert f"fld_{spent.id}" in columns(db, people.id)  # the values stay
    people.create({"Name": "c"})  # writes go on without it
    items = base.trash().fields
    assert [(i.name, i.table_name) for i in items] == [("Spent", "People")]
    # the name is free; restoring while it is taken is refused, naming it
    people.add_field("Spent", "text")
    with pytest.raises(engine.Conflict) as e:
        people.restore_field(spent.id)
    assert "Spent" in e.value.message_en and "Spent" in e.value.message_zh
    people.delete_field("Spent")
    people.restore_field(spent.id)
    assert people.all()[0]["Spent"] == 5
    after = snapshot(db, base.id)
    assert after["People"]["rows"][:2] == before["People"]["rows"]


def test_link_field_goes_with_its_inverse(
    db: engine.Database, base: engine.Base, shop: Any
) -> None:
    people, orders = shop
    before = snapshot(db, base.id)
    inverse = people.field("Orders").id
    people.delete_field("Orders")
    assert "Buyer" not in [f.name for f in orders.fields]
    assert {i.name for i in base.trash().fields} == {"Orders", "Buyer"}
    orders.create({"No": "O3"})
    orders.purge(orders.all()[0].id)  # purged while the link is in the trash
    people.restore_field(inverse)
    assert [x["id"] for x in orders.all()[0]["Buyer"]] == [people.all()[1].id]
    now = snapshot(db, base.id)
    assert now["People"]["fields"] == before["People"]["fields"]
    assert len(now["Orders"]["links"][orders.field("Buyer").id]) == 1


def test_computed_fields_keep_what_they_read(base: engine.Base, shop: Any) -> None:
    people, _ = shop
    people.add_field("Double", "formula", options={"formula": "{Spent} * 2"})
    with pytest.raises(engine.SchemaError) as e:
        people.delete_field("Spent")
    assert "Double" in e.value.message_en and "Double" in e.value.message_zh


def test_table_to_the_trash_and_back(db: engine.Database, base: engine.Base, shop: Any) -> None:
    people, orders = shop
    before = snapshot(db, base.id)
    orders.drop()
    assert [t.name for t in base.tables()] == ["People"]
    assert "Orders" not in [f.name for f in people.fields]  # the inverse went with it
    assert [i.name for i in base.trash().tables] == ["Orders"]
    assert base.trash().fields == []  # shown with its table
    base.create_table("Orders", [{"name": "X"}]).drop()  # the name was free
    base.create_table("Orders", [{"name": "X"}])
    with pytest.raises(engine.Conflict):
        base.restore_table(orders.id)
    base.table("Orders").drop()
    base.restore_table(orders.id)
    assert snapshot(db, base.id) == before


def test_views_to_the_trash_and_back(base: engine.Base, shop: Any) -> None:
    people, _ = shop
    views = Views(people)
    views.list()
    mine = views.create("Mine", "grid")
    views.delete(mine)
    assert "Mine" not in [v.name for v in views.list()]
    assert [i.name for i in base.trash().views] == ["Mine"]
    base.restore_view(mine.id)
    assert "Mine" in [v.name for v in views.list()]


def test_records_in_the_trash_are_listed(base: engine.Base, shop: Any) -> None:
    people, _ = shop
    rid = people.all()[0].id
    people.delete(rid)
    assert [(i.id, i.name) for i in base.trash().records] == [(rid, "a")]


def test_purge_after_the_trash_period(
    db: engine.Database, base: engine.Base, shop: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    people, orders = shop
    spent = people.field("Spent").id
    people.delete_field("Spent")
    people.delete(people.all()[1].id)
    views = Views(people)
    views.list()
    views.delete(views.create("V", "grid"))
    with db.write() as conn:
        assert schema_trash.purge_expired(conn) == 0  # 30 days by default
    monkeypatch.setenv("TESSERA_TRASH_DAYS", "0")
    orders.drop()
    with db.write() as conn:
        assert schema_trash.purge_expired(conn) == 4  # a view, a table, a field, a record
    assert f"fld_{spent}" not in columns(db, people.id)
    assert not inspect(db.engine).has_table(f"tbl_{orders.id}")
    trash = base.trash()
    assert (trash.tables, trash.fields, trash.views, trash.records) == ([], [], [], [])
    assert people.count() == 1
    assert schema_trash.trash_days() == 0


def test_undo_of_a_purge_from_the_trash_is_refused(base: engine.Base, shop: Any) -> None:
    people, _ = shop
    spent = people.field("Spent").id
    people.delete_field("Spent")
    people.purge_field(spent)
    with pytest.raises(engine.Conflict) as e:
        base.undo()
    assert e.value.message_zh


def test_computed_field_restored_is_computed_again(shop: Any) -> None:
    people, _ = shop
    double = people.add_field("Double", "formula", options={"formula": "{Spent} * 2"})
    people.delete_field("Double")
    rid = people.all()[0].id
    people.update(rid, {"Spent": 21})
    people.restore_field(double.id)
    assert people.get(rid)["Double"] == 42
