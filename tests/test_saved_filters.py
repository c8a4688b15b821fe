"""Shared saved filters: named per table, checked when saved, used by reference from views and
other saved filters, so changing one changes everything that uses it."""

from __future__ import annotations

from typing import Any

import pytest

import engine
from engine.errors import QueryError
from views.api import Views

FIELDS: list[dict[str, Any]] = [
    {"name": "Name"},
    {"name": "Age", "type": "number"},
    {"name": "Paid", "type": "checkbox"},
    {"name": "Owner", "type": "user"},
]


@pytest.fixture
def people(build_table: Any) -> engine.Table:
    return build_table(
        FIELDS,
        [
            {"Name": "Ann", "Age": 25, "Paid": True},
            {"Name": "Bob", "Age": 35, "Paid": False},
            {"Name": "Cai", "Age": 45, "Paid": False},
            {"Name": "Dan", "Age": 55, "Paid": True},
        ],
    )


def cond(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def where(*items: dict[str, Any], conjunction: str = "and") -> dict[str, Any]:
    return {"conjunction": conjunction, "items": list(items)}


def uses(filter_id: int) -> dict[str, Any]:
    return {"saved_filter": filter_id}


def names(v: Views, view: Any) -> list[str]:
    return [r["Name"] for r in v.rows(view).records]


def test_create_update_delete(people: engine.Table) -> None:
    v = Views(people)
    unpaid = v.create_filter("Unpaid", where(cond("Paid", "is_unchecked")))
    older = v.create_filter("Older", where(cond("age", ">", 40)))
    assert [f.name for f in v.filters()] == ["Unpaid", "Older"]
    assert unpaid.table_id == people.id and unpaid.created_by is None
    assert older.filter.items[0].field == people.field("Age").id  # type: ignore[union-attr]
    renamed = v.update_filter(unpaid, name="未付款")
    assert renamed.name == "未付款" and renamed.filter == unpaid.filter
    redefined = v.update_filter("未付款", filter=where(cond("Paid", "is_checked")))
    assert redefined.name == "未付款" and redefined.filter != unpaid.filter
    assert v.saved_filter(unpaid.id) == redefined
    v.delete_filter("older")
    assert [f.name for f in v.filters()] == ["未付款"]
    with pytest.raises(engine.NotFound):
        v.saved_filter(older.id)
    with pytest.raises(engine.NotFound):
        v.update_filter(older.id, name="Back")
    with pytest.raises(engine.NotFound):
        v.delete_filter(older.id)


def test_the_creator_is_recorded(db: engine.Database, people: engine.Table) -> None:
    alice = db.create_user("alice@example.com", admin=True)
    mine = Views(engine.Table(db.acting_as(alice), people.id)).create_filter("Mine", where())
    assert mine.created_by == alice


def test_names_are_unique_per_table_ignoring_case(people: engine.Table, build_table: Any) -> None:
    v = Views(people)
    v.create_filter("Unpaid", where(cond("Paid", "is_unchecked")))
    older = v.create_filter("Older", where(cond("Age", ">", 40)))
    for name in ("UNPAID", " unpaid "):
        with pytest.raises(engine.Conflict):
            v.create_filter(name, where())
    with pytest.raises(engine.Conflict):
        v.update_filter(older, name="unPaid")
    assert v.update_filter(older, name="OLDER").name == "OLDER"  # its own name, recased
    with pytest.raises(engine.SchemaError):
        v.create_filter("  ", where())
    other = Views(build_table([{"name": "Name"}], name="Other"))
    assert other.create_filter("Unpaid", where()).name == "Unpaid"  # another table's names
    assert [f.name for f in v.filters()] == ["Unpaid", "OLDER"]


def test_a_view_follows_the_saved_filter_it_uses(people: engine.Table) -> None:
    v = Views(people)
    unpaid = v.create_filter("Unpaid", where(cond("Paid", "is_unchecked")))
    view = v.create("Unpaid", query={"filter": where(uses(unpaid.id))})
    narrowed = v.create(
        "Unpaid and older", query={"filter": where(uses(unpaid.id), cond("Age", ">", 40))}
    )
    assert names(v, view) == ["Bob", "Cai"] and names(v, narrowed) == ["Cai"]
    v.update_filter(unpaid, filter=where(cond("Paid", "is_checked")))
    assert names(v, view) == ["Ann", "Dan"] and names(v, narrowed) == ["Dan"]
    assert v.rows(view).total == 2


def test_a_saved_filter_can_use_another(people: engine.Table) -> None:
    v = Views(people)
    unpaid = v.create_filter("Unpaid", where(cond("Paid", "is_unchecked")))
    either = v.create_filter(
        "Unpaid or young", where(uses(unpaid.id), cond("Age", "<", 30), conjunction="or")
    )
    view = v.create("Either", query={"filter": where(uses(either.id))})
    assert names(v, view) == ["Ann", "Bob", "Cai"]
    v.update_filter(unpaid, filter=where(cond("Age", ">", 50)))
    assert names(v, view) == ["Ann", "Dan"]


def test_references_to_itself_are_refused(people: engine.Table) -> None:
    v = Views(people)
    a = v.create_filter("A", where(cond("Age", ">", 30)))
    b = v.create_filter("B", where(uses(a.id)))
    c = v.create_filter("C", where(where(uses(b.id)), cond("Paid", "is_checked")))
    with pytest.raises(QueryError, match="itself"):
        v.update_filter(a, filter=where(uses(a.id)))
    with pytest.raises(QueryError, match="itself"):
        v.update_filter(a, filter=where(cond("Paid", "is_checked"), where(uses(c.id))))
    with pytest.raises(QueryError, match="itself"):
        v.update_filter(b, filter=where(uses(b.id), conjunction="or"))
    assert v.saved_filter(a).filter == a.filter  # nothing changed
    view = v.create("C", query={"filter": where(uses(c.id))})
    assert names(v, view) == ["Dan"]


def test_a_saved_filter_in_use_cannot_be_deleted(people: engine.Table) -> None:
    v = Views(people)
    a = v.create_filter("A", where(cond("Age", ">", 30)))
    b = v.create_filter("B", where(uses(a.id)))
    with pytest.raises(engine.Conflict, match="saved filter 'B'"):
        v.delete_filter(a)
    view = v.create("Uses B", query={"filter": where(where(uses(b.id)))})
    with pytest.raises(engine.Conflict, match="view 'Uses B'"):
        v.delete_filter(b)
    v.update(view, query={"filter": where()})
    v.delete_filter(b)
    v.delete_filter(a)
    assert v.filters() == []


BAD: list[Any] = [
    where(cond("Nope", "is", "x")),
    where(cond("Age", "contains", "3")),  # not an operator for numbers
    where(cond("Age", ">", "old")),
    where(cond("Age", "between", [50, 10])),
    where(cond("Paid", "is_checked", "yes")),
    where(cond("Owner", "is", "someone")),
    where(uses(99999)),
    {"conjunction": "nand", "items": []},
    {"items": [{"field": "Age"}]},
]


@pytest.mark.parametrize("bad", BAD)
def test_invalid_conditions_are_refused_when_saved(people: engine.Table, bad: Any) -> None:
    v = Views(people)
    with pytest.raises(QueryError):
        v.create_filter("Bad", bad)
    good = v.create_filter("Good", where(cond("Age", ">", 30)))
    with pytest.raises(QueryError):
        v.update_filter(good, filter=bad)
    assert [(f.name, f.filter) for f in v.filters()] == [("Good", good.filter)]


def test_another_tables_saved_filter_is_refused(people: engine.Table, build_table: Any) -> None:
    other = Views(build_table([{"name": "Name"}], name="Other"))
    theirs = other.create_filter("Theirs", where(cond("Name", "is", "x")))
    v = Views(people)
    with pytest.raises(QueryError, match="another table"):
        v.create_filter("Mine", where(uses(theirs.id)))
    with pytest.raises(engine.SchemaError):
        v.create("Borrowed", query={"filter": where(uses(theirs.id))})
    with pytest.raises(engine.NotFound):
        v.update_filter(theirs.id, name="Stolen")


def test_saved_filters_survive_a_field_rename(people: engine.Table) -> None:
    v = Views(people)
    older = v.create_filter("Older", where(cond("Age", ">", 40)))
    view = v.create("Older", query={"filter": where(uses(older.id))})
    people.rename_field("Age", "年龄")
    assert names(v, view) == ["Cai", "Dan"]
    v.update_filter(older, name="Older still")  # re-saving needs no field names
    assert names(v, view) == ["Cai", "Dan"]


def test_me_in_a_saved_filter_is_whoever_looks(db: engine.Database, people: engine.Table) -> None:
    alice, bob = db.create_user("alice@example.com", admin=True), db.create_user("bob@example.com", admin=True)
    ids = [r.id for r in people.all()]
    people.update_many([(ids[0], {"Owner": alice}), (ids[1], {"Owner": bob})])
    mine = Views(people).create_filter("Mine", where(cond("Owner", "is", "me")))
    view = Views(people).create("Mine", query={"filter": where(uses(mine.id))})

    def seen_by(user: int) -> list[str]:
        return names(Views(engine.Table(db.acting_as(user), people.id)), view)

    assert seen_by(alice) == ["Ann"] and seen_by(bob) == ["Bob"]
