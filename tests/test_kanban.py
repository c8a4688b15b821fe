"""Kanban: a stack per option (or user) plus uncategorised, counts under the view's filter and
search, and moving a card — its stack and its place — as one write."""

from __future__ import annotations

from typing import Any

import pytest

import engine
from views.api import Views

STATUS = {"choices": [{"name": "Todo", "color": "red"}, "Doing", "Done"]}


@pytest.fixture
def tasks(build_table: Any) -> engine.Table:
    return build_table(
        [
            {"name": "Name"},
            {"name": "Status", "type": "single_select", "options": STATUS},
            {"name": "Points", "type": "number"},
            {"name": "Note"},
            {"name": "Owner", "type": "user"},
        ],
        [
            {"Name": "a", "Status": "Todo", "Points": 1},
            {"Name": "b", "Status": "Doing", "Points": 2, "Note": "secret"},
            {"Name": "c", "Status": "Todo", "Points": 3},
            {"Name": "d", "Points": 4},
            {"Name": "e", "Status": "Todo", "Points": 5},
            {"Name": "f", "Status": "Doing", "Points": 6},
        ],
    )


def ids(table: engine.Table) -> dict[str, int]:
    return {r["Name"]: r.id for r in table.all()}


def card_names(v: Views, board: Any, stack: str, **kw: Any) -> list[str]:
    return [r["Name"] for r in v.cards(board, stack, **kw).records]


def shape(stacks: list[Any]) -> list[tuple[str, int]]:
    return [(s.key, s.count) for s in stacks]


def test_a_stack_per_option_and_uncategorised_in_stack_order(tasks: engine.Table) -> None:
    v = Views(tasks)
    board = v.create("Board", "kanban", config={"stack_field": "Status"})
    stacks = v.stacks(board)
    assert shape(stacks) == [("", 1), ("Todo", 3), ("Doing", 2), ("Done", 0)]
    assert [(s.value, s.label, s.color) for s in stacks[:2]] == [
        (None, "", None),
        ("Todo", "Todo", "red"),
    ]
    v.update(board, config={"stack_field": "Status", "stack_order": ["Done", "", "Doing"]})
    assert shape(v.stacks(board)) == [("Done", 0), ("", 1), ("Doing", 2), ("Todo", 3)]
    v.update(
        board,
        config={"stack_field": "Status", "hide_empty_stacks": True, "collapsed": ["Doing"]},
    )
    stacks = v.stacks(board)
    assert shape(stacks) == [("", 1), ("Todo", 3), ("Doing", 2)]
    assert [s.collapsed for s in stacks] == [False, False, True]
    tasks.set_options("Status", {"choices": [*STATUS["choices"], "Blocked"]})
    assert "Blocked" not in [s.key for s in v.stacks(board)]  # hidden while empty
    v.update(board, config={"stack_field": "Status"})
    assert shape(v.stacks(board))[-1] == ("Blocked", 0)


def test_counts_follow_the_view_filter_and_search(tasks: engine.Table) -> None:
    v = Views(tasks)
    board = v.create(
        "Big",
        "kanban",
        query={"filter": {"items": [{"field": "Points", "op": ">", "value": 1}]}},
        config={"stack_field": "Status", "hidden": ["Note"]},
    )
    assert shape(v.stacks(board)) == [("", 1), ("Todo", 2), ("Doing", 2), ("Done", 0)]
    for stack in v.stacks(board):
        assert len(v.cards(board, stack.key).records) == stack.count
    assert shape(v.stacks(board, search="E")) == [("", 0), ("Todo", 1), ("Doing", 0), ("Done", 0)]
    assert card_names(v, board, "Todo", search="E") == ["e"]
    # the search covers what the cards show: a hidden field is not searched, in counts or cards
    assert [s.count for s in v.stacks(board, search="secret")] == [0, 0, 0, 0]
    assert card_names(v, board, "Doing", search="secret") == []
    shown = v.create("Shown", "kanban", config={"stack_field": "Status"})
    assert shape(v.stacks(shown, search="secret"))[2] == ("Doing", 1)
    assert card_names(v, shown, "Doing", search="secret") == ["b"]


def test_user_stacks(db: engine.Database, tasks: engine.Table) -> None:
    alice = db.create_user("alice@example.com", "Alice", admin=True)
    bob = db.create_user("bob@example.com", "Bob", admin=True)
    carol = db.create_user("carol@example.com", "Carol", admin=True)
    rec = ids(tasks)
    tasks.update_many([(rec["a"], {"Owner": bob}), (rec["b"], {"Owner": alice})])
    tasks.update(rec["c"], {"Owner": bob})
    v = Views(tasks)
    board = v.create(
        "People", "kanban", config={"stack_field": "Owner", "stack_order": [str(carol)]}
    )
    stacks = v.stacks(board)
    assert shape(stacks) == [(str(carol), 0), ("", 3), (str(alice), 1), (str(bob), 2)]
    assert [(s.value, s.label) for s in stacks] == [
        (carol, "Carol"),
        (None, ""),
        (alice, "Alice"),
        (bob, "Bob"),
    ]
    assert card_names(v, board, str(bob)) == ["a", "c"]
    moved = v.move_card(board, rec["a"], str(carol))
    assert moved["Owner"] == carol
    assert shape(v.stacks(board))[:1] == [(str(carol), 1)]
    v.move_card(board, rec["b"], "")
    assert card_names(v, board, "") == ["d", "e", "f", "b"]  # at the end of its new stack
    with pytest.raises(engine.ValidationError):
        v.move_card(board, rec["c"], "bob")
    with pytest.raises(engine.ValidationError):
        v.move_card(board, rec["c"], "99999")  # no such user
    with pytest.raises(engine.TesseraError):
        v.cards(board, "bob")


def test_moving_a_card_between_and_within_stacks(tasks: engine.Table) -> None:
    v = Views(tasks)
    board = v.create("Board", "kanban", config={"stack_field": "Status"})
    rec = ids(tasks)
    before = tasks.get(rec["f"])
    moved = v.move_card(board, rec["f"], "Todo", before=rec["c"])
    assert moved["Status"] == "Todo" and moved.version == before.version + 1
    assert card_names(v, board, "Todo") == ["a", "f", "c", "e"]
    assert card_names(v, board, "Doing") == ["b"]
    assert shape(v.stacks(board)) == [("", 1), ("Todo", 4), ("Doing", 1), ("Done", 0)]
    v.move_card(board, rec["a"], "Todo", after=rec["e"])  # within its stack
    assert card_names(v, board, "Todo") == ["f", "c", "e", "a"]
    v.move_card(board, rec["f"], "Todo")  # no neighbour given: to the end
    assert card_names(v, board, "Todo") == ["c", "e", "a", "f"]
    v.move_card(board, rec["d"], "Done")
    assert card_names(v, board, "Done") == ["d"] and card_names(v, board, "") == []
    assert [r["Name"] for r in tasks.all()] == ["b", "c", "d", "e", "a", "f"]  # one manual order


def test_a_failed_move_changes_nothing(tasks: engine.Table) -> None:
    v = Views(tasks)
    board = v.create("Board", "kanban", config={"stack_field": "Status"})
    rec = ids(tasks)
    snapshot = [(r.id, r["Status"], r.version) for r in tasks.all()]
    with pytest.raises(engine.ValidationError) as err:  # the neighbour is in another stack
        v.move_card(board, rec["a"], "Doing", before=rec["c"])
    assert [p.code for p in err.value.problems] == ["other_stack"]
    with pytest.raises(engine.ValidationError):
        v.move_card(board, rec["a"], "Nope")
    with pytest.raises(engine.NotFound):
        v.move_card(board, rec["a"], "Doing", after=99999)
    with pytest.raises(engine.NotFound):
        v.move_card(board, 99999, "Doing")
    tasks.set_rules("Status", {"required": True, "default": "Todo"})
    with pytest.raises(engine.ValidationError) as err:
        v.move_card(board, rec["a"], "")
    assert [p.code for p in err.value.problems] == ["required"]
    assert [(r.id, r["Status"], r.version) for r in tasks.all()] == snapshot


def test_cards_follow_the_manual_order_unless_the_view_sorts(tasks: engine.Table) -> None:
    v = Views(tasks)
    rec = ids(tasks)
    tasks.move(rec["e"], before=rec["a"])
    board = v.create("Board", "kanban", config={"stack_field": "Status"})
    assert card_names(v, board, "Todo") == ["e", "a", "c"]
    assert card_names(v, board, "Todo", page={"size": 2}) == ["e", "a"]
    page = v.cards(board, "Todo", page={"size": 2})
    after = v.cards(board, "Todo", page={"size": 2, "after": page.next})
    assert [r["Name"] for r in after.records] == ["c"] and after.next is None
    v.update(board, query={"sorts": [{"field": "Points", "direction": "desc"}]})
    assert card_names(v, board, "Todo") == ["e", "c", "a"]
