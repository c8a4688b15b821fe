"""Saved views: every kind with its config, bad configs refused, who sees and changes a view,
rename / duplicate / reorder / delete, the default grid view, visible fields and query specs."""

from __future__ import annotations

from typing import Any

import pytest

import engine
from engine import meta
from views import store
from views.api import Views
from views.model import CalendarConfig, CardConfig, FormConfig, GridConfig, KanbanConfig

FIELDS: list[dict[str, Any]] = [
    {"name": "Name", "rules": {"required": True}},
    {"name": "Age", "type": "number"},
    {"name": "Status", "type": "single_select", "options": {"choices": ["New", "Active", "Done"]}},
    {"name": "Owner", "type": "user"},
    {"name": "Team", "type": "user", "options": {"multiple": True}},
    {"name": "Due", "type": "date"},
    {"name": "Photo", "type": "attachment"},
    {"name": "Created", "type": "created_time"},
    {"name": "Creator", "type": "created_by"},
]
ROWS = [
    {"Name": "Ann", "Age": 25, "Status": "New"},
    {"Name": "Bob", "Age": 35, "Status": "Active"},
    {"Name": "Cai", "Age": 45, "Status": "Active"},
    {"Name": "Dan", "Age": 55, "Status": "Done"},
]


@pytest.fixture
def people(build_table: Any) -> engine.Table:
    return build_table(FIELDS, ROWS)


def fid(table: engine.Table, name: str) -> int:
    return table.field(name).id


def as_user(table: engine.Table, user: int | None, **kw: Any) -> Views:
    return Views(engine.Table(table.db.acting_as(user), table.id), **kw)


def names(rows: Any) -> list[str]:
    return [r["Name"] for r in rows.records]


def view_count(table: engine.Table) -> int:
    with table.db.read() as conn:
        v = meta.views
        return len(conn.execute(v.select().where(v.c.table_id == table.id)).all())


# --- every kind ---------------------------------------------------------------------------------
def test_every_kind_is_created_with_its_config(people: engine.Table) -> None:
    v = Views(people)
    age, status, photo, due = (fid(people, n) for n in ("Age", "Status", "Photo", "Due"))
    grid = v.create(
        "Grid",
        query={"sorts": [{"field": "Age", "direction": "desc"}]},
        config={
            "hidden": ["Due"],
            "order": ["Status", "Age"],
            "widths": {"Age": 80},
            "row_height": "tall",
            "frozen": 2,
            "summaries": {"Age": "sum"},
        },
    )
    assert isinstance(grid.config, GridConfig) and grid.kind == "grid"
    assert grid.config.hidden == [due] and grid.config.order == [status, age]
    assert grid.config.widths == {age: 80} and grid.config.row_height == "tall"
    assert grid.config.frozen == 2 and grid.config.summaries == {age: "sum"}
    assert grid.query.sorts[0].field == age and grid.query.sorts[0].direction == "desc"
    rows = v.rows(grid)
    assert names(rows) == ["Dan", "Cai", "Bob", "Ann"] and rows.aggregates == {"sum:Age": 160}

    card = v.create("Gallery", "card", config={"cover_field": "Photo", "card_fields": ["Age"]})
    assert isinstance(card.config, CardConfig)
    assert card.config.cover_field == photo and card.config.card_fields == [age]

    board = v.create(
        "Board", "kanban", config={"stack_field": "Status", "stack_order": ["Done", "", "New"]}
    )
    assert isinstance(board.config, KanbanConfig)
    assert board.config.stack_field == status and board.config.stack_order == ["Done", "", "New"]
    assert v.create("Board 2", "kanban").config.stack_field == status  # the first that fits

    form = v.create(
        "Sign up",
        "form",
        config={
            "title": "Join",
            "fields": [
                {"field": "Name", "label": "Your name", "help": "Full name", "required": True},
                {"field": "Age"},
            ],
            "submit_message": "Thanks!",
        },
    )
    assert isinstance(form.config, FormConfig) and form.config.submit_message == "Thanks!"
    assert [(f.field, f.label, f.help, f.required) for f in form.config.fields] == [
        (fid(people, "Name"), "Your name", "Full name", True),
        (age, None, "", False),
    ]
    default_form = v.create("All", "form").config  # every field a person can fill in
    writable = [f.id for f in people.fields if not f.type.read_only]
    assert [f.field for f in default_form.fields] == writable
    assert [f.required for f in default_form.fields][:2] == [True, False]

    cal = v.create("Calendar", "calendar", config={"date_field": "Due", "mode": "week"})
    assert isinstance(cal.config, CalendarConfig)
    assert cal.config.date_field == due and cal.config.mode == "week"
    assert v.create("Cal 2", "calendar").config.date_field == due

    listed = [(x.name, x.kind) for x in v.list()]
    assert listed == [
        ("Grid", "grid"),
        ("Gallery", "card"),
        ("Board", "kanban"),
        ("Board 2", "kanban"),
        ("Sign up", "form"),
        ("All", "form"),
        ("Calendar", "calendar"),
        ("Cal 2", "calendar"),
    ]
    assert v.get("board").id == board.id and v.get(board.id) == v.get(board)


BAD: list[tuple[str, dict[str, Any]]] = [
    ("kanban", {"stack_field": "Name"}),  # text
    ("kanban", {"stack_field": "Team"}),  # several users
    ("kanban", {"stack_field": "Creator"}),  # set by Tessera: cards could not move
    ("kanban", {"stack_field": "Status", "stack_order": ["Nope"]}),
    ("kanban", {"stack_field": "Owner", "collapsed": ["bob"]}),
    ("kanban", {"stack_field": 99999}),
    ("kanban", {"cover_field": "Name"}),  # a cover is an attachment
    ("card", {"cover_field": "Age"}),
    ("card", {"card_fields": [99999]}),
    ("calendar", {"date_field": "Age"}),  # a number
    ("calendar", {"date_field": "Due", "end_field": "Due"}),
    ("calendar", {"date_field": "Due", "end_field": "Status"}),
    ("form", {"fields": [{"field": "Name"}, {"field": "Created"}]}),  # read-only
    ("form", {"fields": [{"field": "Name"}, {"field": 99999}]}),
    ("form", {"fields": [{"field": "Name"}, {"field": "Name"}]}),
    ("form", {"fields": [{"field": "Age"}]}),  # leaves out the required Name
    ("grid", {"hidden": [99999]}),
    ("grid", {"order": [99999]}),
    ("grid", {"widths": {99999: 100}}),
    ("grid", {"widths": {"Age": 5}}),
    ("grid", {"summaries": {"Name": "sum"}}),
    ("grid", {"summaries": {"Age": "median"}}),
    ("grid", {"frozen": -1}),
    ("grid", {"colour": "red"}),
    ("grid", {"hidden": ["No such field"]}),
    ("sheet", {}),
]


@pytest.mark.parametrize(("kind", "config"), BAD, ids=[f"{k}-{c}" for k, c in BAD])
def test_bad_configs_are_refused(people: engine.Table, kind: str, config: dict[str, Any]) -> None:
    v = Views(people)
    with pytest.raises(engine.SchemaError):
        v.create("Bad", kind, config=config)
    assert view_count(people) == 0


BAD_QUERIES: list[dict[str, Any]] = [
    {"sorts": [{"field": 99999}]},
    {"groups": [{"field": "Nope"}]},
    {"filter": {"items": [{"field": "Nope", "op": "is", "value": "x"}]}},
    {"filter": {"items": [{"field": "Age", "op": "contains", "value": "x"}]}},  # not for numbers
    {"filter": {"items": [{"field": "Age", "op": ">", "value": "many"}]}},
    {"filter": {"items": [{"field": "Status", "op": "is", "value": "Nope"}]}},
    {"filter": {"items": [{"saved_filter": 99999}]}},
    {"filter": {"conjunction": "xor", "items": []}},
    {"page": {"size": 10}},  # paging is the caller's, not the view's
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_queries_are_refused(people: engine.Table, query: dict[str, Any]) -> None:
    with pytest.raises(engine.SchemaError):
        Views(people).create("Bad", query=query)
    assert view_count(people) == 0


def test_a_kanban_or_calendar_needs_a_field_that_fits(build_table: Any) -> None:
    v = Views(build_table([{"name": "Name"}, {"name": "N", "type": "number"}]))
    with pytest.raises(engine.SchemaError, match="single select or user"):
        v.create("Board", "kanban")
    with pytest.raises(engine.SchemaError, match="date"):
        v.create("Calendar", "calendar")


def test_update_checks_what_it_changes(people: engine.Table) -> None:
    v = Views(people)
    board = v.create("Board", "kanban", config={"stack_field": "Status"})
    with pytest.raises(engine.SchemaError):
        v.update(board, config={"stack_field": "Name"})
    with pytest.raises(engine.SchemaError):
        v.update(board, query={"sorts": [{"field": "Nope"}]})
    assert v.get(board).config.stack_field == fid(people, "Status")
    moved = v.update(board, config={"stack_field": "Owner"}, query={"sorts": [{"field": "Age"}]})
    assert moved.config.stack_field == fid(people, "Owner")
    assert moved.query.sorts[0].field == fid(people, "Age")


# --- who sees and changes a view ----------------------------------------------------------------
def test_personal_views_are_listed_only_for_their_owner(
    db: engine.Database, people: engine.Table
) -> None:
    alice, bob = db.create_user("alice@example.com", admin=True), db.create_user("bob@example.com", admin=True)
    mine = as_user(people, alice).create("Mine", visibility="personal")
    team = as_user(people, alice).create("Team")
    assert mine.owner_id == alice and mine.visibility == "personal"
    assert [x.name for x in as_user(people, alice).list()] == ["Mine", "Team"]
    assert [x.name for x in as_user(people, bob).list()] == ["Team"]
    assert [x.name for x in as_user(people, None).list()] == ["Team"]
    for ref in (mine.id, "Mine"):
        with pytest.raises(engine.NotFound):
            as_user(people, bob).get(ref)
        with pytest.raises(engine.NotFound):
            as_user(people, bob).rename(ref, "Taken")
    assert as_user(people, alice).get("mine").id == mine.id
    with pytest.raises(engine.SchemaError):  # nobody to own it
        as_user(people, None).create("Nobody's", visibility="personal")
    assert team.id in [x.id for x in as_user(people, bob).list()]


def test_locked_views_change_only_by_owners(db: engine.Database, people: engine.Table) -> None:
    alice, bob = db.create_user("alice@example.com", admin=True), db.create_user("bob@example.com", admin=True)
    locked = as_user(people, alice).create("Locked", visibility="locked")
    shared = as_user(people, alice).create("Shared")
    mine = as_user(people, alice).create("Mine", visibility="personal")
    assert store.can_change(locked, bob, is_owner=True)
    assert not store.can_change(locked, alice, is_owner=False)
    assert store.can_change(shared, bob, is_owner=False)
    assert store.can_change(mine, alice, is_owner=False)
    assert not store.can_change(mine, bob, is_owner=True)
    assert not store.can_change(mine, None, is_owner=True)

    editor = as_user(people, bob, is_owner=False)
    assert editor.get("Locked").id == locked.id  # seen, not changed
    for change in (
        lambda: editor.rename(locked, "Mine now"),
        lambda: editor.update(locked, config={"frozen": 0}),
        lambda: editor.delete(locked),
        lambda: editor.create("Lock it", visibility="locked"),
        lambda: editor.update(shared, visibility="locked"),
    ):
        with pytest.raises(engine.Forbidden):
            change()
    assert editor.rename(shared, "Renamed").name == "Renamed"
    owner = as_user(people, bob, is_owner=True)
    assert owner.rename(locked, "Still locked").name == "Still locked"
    assert owner.update(locked, visibility="collaborative").visibility == "collaborative"


# --- rename, duplicate, reorder, delete ---------------------------------------------------------
def test_rename_keeps_everything_else(people: engine.Table) -> None:
    v = Views(people)
    grid = v.create("Grid", query={"sorts": [{"field": "Age"}]}, config={"frozen": 3})
    renamed = v.rename(grid, "  年龄排序 ")
    assert renamed.name == "年龄排序"
    assert renamed.query == grid.query and renamed.config == grid.config
    with pytest.raises(engine.SchemaError):
        v.rename(grid, "   ")


def test_duplicate_lands_right_after_the_original(
    db: engine.Database, people: engine.Table
) -> None:
    v = Views(people)
    a = v.create("A", query={"sorts": [{"field": "Age", "direction": "desc"}]})
    b, c = v.create("B"), v.create("C")
    v.move(c, before=b)  # A, C, B: C now sits between A and B
    copy = v.duplicate(a)
    assert [x.name for x in v.list()] == ["A", "A copy", "C", "B"]
    assert copy.query == a.query and copy.config == a.config and copy.id != a.id
    assert names(v.rows(copy)) == names(v.rows(a))
    assert v.duplicate(c, "C2").name == "C2"
    assert [x.name for x in v.list()] == ["A", "A copy", "C", "C2", "B"]

    alice = db.create_user("alice@example.com", admin=True)
    locked = v.create("L", visibility="locked")
    assert v.duplicate(locked).visibility == "collaborative"
    mine = as_user(people, alice).create("Mine", visibility="personal")
    twin = as_user(people, alice).duplicate(mine)
    assert twin.visibility == "personal" and twin.owner_id == alice


def test_reorder(people: engine.Table) -> None:
    v = Views(people)
    a, b, c = v.create("A"), v.create("B"), v.create("C")
    v.move(c, before=a)
    assert [x.name for x in v.list()] == ["C", "A", "B"]
    v.move("c", after="b")
    assert [x.name for x in v.list()] == ["A", "B", "C"]
    v.move(a, after=b)
    assert [x.name for x in v.list()] == ["B", "A", "C"]
    for _ in range(60):  # more moves than a float has halvings: positions are spread again
        v.move(c, before=a)
        v.move(a, before=c)
    assert [x.name for x in v.list()] == ["B", "A", "C"]
    with pytest.raises(ValueError):
        v.move(a)
    other = Views(people.db.base(people.schema().base_id).create_table("Other"))
    elsewhere = other.create("Elsewhere")
    with pytest.raises(engine.NotFound):
        v.move(a, before=elsewhere.id)


def test_delete_keeps_the_last_shared_view(db: engine.Database, people: engine.Table) -> None:
    alice = db.create_user("alice@example.com", admin=True)
    v = as_user(people, alice)
    a, b = v.create("A"), v.create("B", visibility="locked")
    mine = v.create("Mine", visibility="personal")
    v.delete(a)
    assert [x.name for x in v.list()] == ["B", "Mine"]
    with pytest.raises(engine.Conflict):
        v.delete(b)  # a personal view does not count
    with pytest.raises(engine.Conflict):
        v.update(b, visibility="personal")
    v.delete(mine)
    assert [x.name for x in v.list()] == ["B"]
    with pytest.raises(engine.NotFound):
        v.get(a.id)


def test_every_table_gets_a_default_grid_view(db: engine.Database, build_table: Any) -> None:
    table = build_table([{"name": "Name"}])
    assert view_count(table) == 0
    with db.write() as conn:
        first = store.ensure_default_view(conn, table.id)
        assert store.ensure_default_view(conn, table.id) == first  # made once
        view = store.get_view(conn, first)
    assert (view.kind, view.name, view.visibility) == ("grid", "表格视图", "collaborative")
    other = build_table([{"name": "Name"}], name="Other")
    with db.write() as conn:
        en = store.get_view(conn, store.ensure_default_view(conn, other.id, locale="en"))
    assert en.name == "Grid view"
    fresh = build_table([{"name": "Name"}], name="Fresh")
    assert [(x.kind, x.name) for x in Views(fresh).list()] == [("grid", "表格视图")]
    assert Views(fresh).default().id == Views(fresh).list()[0].id
    assert view_count(fresh) == 1
    alice = db.create_user("alice@example.com", admin=True)
    lonely = build_table([{"name": "Name"}], name="Lonely")
    as_user(lonely, alice).create("Mine", visibility="personal")  # not shared: not enough
    assert [x.name for x in as_user(lonely, alice).list()] == ["Mine", "表格视图"]


# --- visible fields and the query a view runs ---------------------------------------------------
def test_visible_field_ids_honour_order_and_hidden_primary_first(people: engine.Table) -> None:
    ids = {f.name: f.id for f in people.fields}
    v = Views(people)
    grid = v.create(
        "G", config={"order": [ids["Status"], ids["Age"]], "hidden": [ids["Due"], ids["Name"]]}
    )
    schema = people.schema()
    rest = ["Owner", "Team", "Photo", "Created", "Creator"]
    expected = [ids[n] for n in ["Name", "Status", "Age", *rest]]
    assert store.visible_field_ids(grid, schema) == expected
    assert list(v.rows(grid).records[0].fields) == ["Name", "Status", "Age", *rest]
    people.set_primary("Age")
    expected = [ids[n] for n in ["Age", "Status", *rest]]  # Name is no longer primary: hidden
    assert store.visible_field_ids(grid, people.schema()) == expected
    card = v.create("C", "card", config={"card_fields": [ids["Due"], ids["Status"]]})
    assert store.visible_field_ids(card, people.schema()) == [ids["Age"], ids["Due"], ids["Status"]]
    form = v.create("F", "form", config={"fields": [{"field": "Name"}]})
    assert store.visible_field_ids(form, people.schema()) == [ids["Name"]]


def test_query_spec_combines_the_view_filter_with_an_extra_one(people: engine.Table) -> None:
    v = Views(people)
    older = v.create(
        "Older",
        query={
            "filter": {"items": [{"field": "Age", "op": ">", "value": 30}]},
            "sorts": [{"field": "Age"}],
        },
    )
    assert names(v.rows(older)) == ["Bob", "Cai", "Dan"]
    active = {"items": [{"field": "Status", "op": "is", "value": "Active"}]}
    assert names(v.rows(older, filter=active)) == ["Bob", "Cai"]
    assert v.rows(older, filter=active).total == 2
    spec = store.query_spec(
        older, people.schema(), extra=engine_filter(active), search="ca", count=False
    )
    assert spec.filter is not None and spec.filter.conjunction == "and"
    assert spec.filter.items == [older.query.filter, engine_filter(active)]
    assert spec.search == "ca" and not spec.count and spec.sorts == older.query.sorts
    assert names(v.rows(older, filter=active, search="ca")) == ["Cai"]
    assert names(v.rows(older, page={"size": 2})) == ["Bob", "Cai"]


def engine_filter(raw: dict[str, Any]) -> Any:
    from schemas.query import FilterGroup

    return FilterGroup.model_validate(raw)


def test_views_survive_a_field_rename(people: engine.Table) -> None:
    v = Views(people)
    view = v.create(
        "Older",
        query={
            "filter": {"items": [{"field": "age", "op": ">=", "value": 35}]},
            "sorts": [{"field": "Age", "direction": "desc"}],
            "groups": [{"field": "Status"}],
        },
        config={"hidden": ["Due"]},
    )
    age, status = fid(people, "Age"), fid(people, "Status")
    assert view.query.filter is not None and view.query.filter.items[0].field == age  # type: ignore[union-attr]
    assert view.query.sorts[0].field == age and view.query.groups[0].field == status
    people.rename_field("Age", "年龄")
    people.rename_field("Status", "状态")
    rows = v.rows(view)
    assert names(rows) == ["Cai", "Bob", "Dan"]  # grouped by status (option order), then age
    assert [g.key for g in rows.groups or []] == [("Active",), ("Done",)]
    assert "年龄" in rows.records[0].fields and "Due" not in rows.records[0].fields


def test_sorts_and_summaries_on_a_deleted_field_are_dropped(people: engine.Table) -> None:
    people.add_field("Score", "number")
    v = Views(people)
    view = v.create(
        "By score",
        query={"sorts": [{"field": "Score", "direction": "desc"}], "groups": [{"field": "Score"}]},
        config={"summaries": {"Score": "sum"}, "order": ["Score"], "widths": {"Score": 90}},
    )
    people.delete_field("Score")
    rows = v.rows(view)
    assert names(rows) == ["Ann", "Bob", "Cai", "Dan"] and rows.aggregates == {}
    assert rows.groups is None
    assert v.rename(view, "Renamed").name == "Renamed"  # a stale config does not block a rename
    with pytest.raises(engine.SchemaError):  # but saving it again as it is, is checked
        v.update(view, config=v.get(view).config)
