"""Records: create, read, update, trash, restore, purge, counts, authorship, manual order."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from sqlalchemy import select, update

import engine


@pytest.fixture
def people(build_table):
    return build_table(
        [
            {"name": "Name"},
            {"name": "Age", "type": "number"},
            {"name": "Email", "type": "email", "rules": {"unique": True}},
        ]
    )


def codes(err: pytest.ExceptionInfo[engine.ValidationError]) -> list[tuple[str | None, str]]:
    return [(p.field_name, p.code) for p in err.value.problems]


# --- create and read ----------------------------------------------------------------------------
def test_create_returns_the_stored_record(people):
    rec = people.create({"Name": "张三", "Age": "42", "Email": "Zhang@Example.COM"})
    assert dict(rec) == {"Name": "张三", "Age": 42, "Email": "Zhang@example.com"}
    assert rec.version == 1 and rec.trashed_at is None
    assert rec.created_at.tzinfo is not None and rec.created_at == rec.updated_at
    assert abs(rec.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert rec.created_by is None and rec.updated_by is None
    assert people.get(rec.id) == rec


def test_create_by_field_id_and_read_by_id(people):
    age = people.field("Age")
    rec = people.create({age.id: 7, "name": "by id"})
    assert rec.by_id[age.id] == 7 and rec["Name"] == "by id"


def test_get_many_keeps_the_order_asked(people):
    ids = [r.id for r in people.create_many([{"Name": n} for n in "abc"])]
    assert [r["Name"] for r in people.get_many([ids[2], ids[0], ids[1]])] == ["c", "a", "b"]
    assert people.insert_many([{"Name": "d"}, {"Name": "e"}]) == [ids[2] + 1, ids[2] + 2]
    assert people.count() == 5


def test_unknown_and_read_only_fields_are_problems(people):
    people.add_field("Created", "created_time")
    with pytest.raises(engine.ValidationError) as err:
        people.create({"Name": "a", "Nope": 1, "Created": "2024-01-01"})
    assert sorted(codes(err)) == [("Created", "read_only"), ("Nope", "unknown_field")]
    assert err.value.problems[0].row is None
    rec = people.create({"Name": "a"})
    with pytest.raises(engine.ValidationError) as err:
        people.update(rec.id, {"Nope": 1})
    assert codes(err) == [("Nope", "unknown_field")]
    with pytest.raises(engine.ValidationError) as err:
        people.create({"Name": "a", "name": "b"})
    assert codes(err) == [("Name", "duplicate_key")]
    assert people.count() == 1


def test_missing_ids_are_not_found(people):
    rec = people.create({"Name": "a"})
    missing = rec.id + 100
    with pytest.raises(engine.NotFound):
        people.get(missing)
    with pytest.raises(engine.NotFound):
        people.get_many([rec.id, missing])
    with pytest.raises(engine.NotFound):
        people.update(missing, {"Name": "x"})
    with pytest.raises(engine.NotFound):
        people.delete(rec.id, missing)
    with pytest.raises(engine.NotFound):
        people.restore(rec.id)  # not in the trash
    with pytest.raises(engine.NotFound):
        people.purge(missing)
    with pytest.raises(engine.NotFound):
        people.move(missing, before=rec.id)
    with pytest.raises(engine.NotFound):
        people.move(rec.id, after=missing)
    assert people.count() == 1 and people.get(rec.id).version == 1


# --- update -------------------------------------------------------------------------------------
def test_update_changes_only_the_given_fields(people):
    rec = people.create({"Name": "a", "Age": 1, "Email": "a@example.com"})
    new = people.update(rec.id, {"Age": 2})
    assert dict(new) == {"Name": "a", "Age": 2, "Email": "a@example.com"}
    assert new.version == 2
    assert new.created_at == rec.created_at and new.updated_at >= rec.updated_at
    assert people.update(rec.id, {"Name": None}).version == 3
    assert dict(people.get(rec.id)) == {"Name": None, "Age": 2, "Email": "a@example.com"}


def test_expected_version_conflict_writes_nothing(people):
    rec = people.create({"Name": "a"})
    people.update(rec.id, {"Name": "b"}, expected_version=1)
    with pytest.raises(engine.Conflict):
        people.update(rec.id, {"Name": "c"}, expected_version=1)
    now = people.get(rec.id)
    assert now["Name"] == "b" and now.version == 2


def test_update_many_with_stale_version_writes_nothing(people):
    a, b = people.create_many([{"Name": "a"}, {"Name": "b"}])
    people.update(b.id, {"Name": "B"})
    with pytest.raises(engine.Conflict):
        people.update_many(
            [(a.id, {"Name": "x"}), (b.id, {"Name": "y"})], expected_versions={a.id: 1, b.id: 1}
        )
    assert [(r["Name"], r.version) for r in people.all()] == [("a", 1), ("B", 2)]


def test_update_many_with_different_field_sets(people):
    a, b, c = people.create_many(
        [{"Name": n, "Age": i, "Email": f"{n}@example.com"} for i, n in enumerate("abc")]
    )
    out = people.update_many(
        [
            (c.id, {"Name": "C", "Age": 30}),
            (a.id, {"Name": "A"}),
            (b.id, {"Age": 20, "Email": None}),
        ]
    )
    assert [dict(r) for r in out] == [
        {"Name": "C", "Age": 30, "Email": "c@example.com"},
        {"Name": "A", "Age": 0, "Email": "a@example.com"},
        {"Name": "b", "Age": 20, "Email": None},
    ]
    assert [r.version for r in people.all()] == [2, 2, 2]


def test_update_many_refuses_a_record_twice(people):
    rec = people.create({"Name": "a"})
    with pytest.raises(engine.ValidationError) as err:
        people.update_many([(rec.id, {"Name": "x"}), (rec.id, {"Age": 1})])
    assert codes(err) == [(None, "duplicate_record")]
    assert people.get(rec.id).version == 1


def test_update_many_can_swap_unique_values(people):
    a, b = people.create_many([{"Email": "a@example.com"}, {"Email": "b@example.com"}])
    people.update_many([(a.id, {"Email": "b@example.com"}), (b.id, {"Email": "a@example.com"})])
    assert [r["Email"] for r in people.get_many([a.id, b.id])] == ["b@example.com", "a@example.com"]


# --- failed batches write nothing ---------------------------------------------------------------
def test_a_failed_create_batch_writes_nothing(people):
    with pytest.raises(engine.ValidationError):
        people.create_many([{"Name": "ok"}] * 3 + [{"Age": "many"}])
    assert people.count() == 0 and people.count(trashed=True) == 0


def test_a_failure_only_the_database_sees_writes_nothing(people):
    # no value is wrong on its own: only the unique index sees that two rows repeat a value
    people.create({"Email": "old@example.com"})
    rows = [{"Name": str(i), "Email": f"{i}@example.com"} for i in range(50)]
    rows.append({"Name": "again", "Email": "7@example.com"})
    with pytest.raises(engine.ValidationError) as err:
        people.create_many(rows)
    assert [(p.field_name, p.code, p.row) for p in err.value.problems] == [
        ("Email", "not_unique", 50)
    ]
    assert people.count() == 1


def test_a_failed_update_batch_undoes_the_groups_already_written(people):
    a, b, _ = people.create_many(
        [{"Name": "a"}, {"Name": "b", "Email": "b@example.com"}, {"Email": "c@example.com"}]
    )
    # two groups (different field sets): the first is written before the second fails
    with pytest.raises(engine.ValidationError) as err:
        people.update_many([(a.id, {"Name": "A"}), (b.id, {"Email": "c@example.com"})])
    assert [(p.field_name, p.code, p.row) for p in err.value.problems] == [
        ("Email", "not_unique", 1)
    ]
    assert [(r["Name"], r["Email"], r.version) for r in people.all()] == [
        ("a", None, 1),
        ("b", "b@example.com", 1),
        (None, "c@example.com", 1),
    ]


# --- trash, restore, purge, counts --------------------------------------------------------------
def test_delete_restore_purge(people):
    a, _, c = people.create_many([{"Name": n} for n in "abc"])
    people.delete(a.id, c.id)
    assert people.count() == 1 and people.count(trashed=True) == 2
    assert [r["Name"] for r in people.all()] == ["b"]
    assert [r["Name"] for r in people.all(trashed=True)] == ["a", "c"]
    assert all(r.trashed_at is not None for r in people.all(trashed=True))
    with pytest.raises(engine.NotFound):
        people.get(a.id)
    with pytest.raises(engine.NotFound):
        people.update(a.id, {"Name": "x"})
    with pytest.raises(engine.NotFound):
        people.delete(a.id)
    people.restore(a.id)
    back = people.get(a.id)
    assert back["Name"] == "a" and back.trashed_at is None
    assert [r["Name"] for r in people.all()] == ["a", "b"]  # back in its place
    people.purge(c.id)
    assert people.count() == 2 and people.count(trashed=True) == 0
    with pytest.raises(engine.NotFound):
        people.restore(c.id)


def test_pages(people):
    people.insert_many([{"Age": i} for i in range(25)])
    assert [r["Age"] for r in people.all(limit=10, offset=20)] == [20, 21, 22, 23, 24]
    assert len(people.all(limit=10)) == 10


# --- who and when -------------------------------------------------------------------------------
def test_created_and_updated_by_and_at(db, people):
    alice = db.create_user("alice@example.com", "Alice", admin=True)
    bob = db.create_user("bob@example.com", "Bob", admin=True)
    people.add_field("Creator", "created_by")
    people.add_field("Editor", "last_modified_by")
    people.add_field("Created", "created_time")
    people.add_field("Modified", "last_modified_time")
    as_alice = engine.Table(db.acting_as(alice), people.id)
    as_bob = engine.Table(db.acting_as(bob), people.id)
    rec = as_alice.create({"Name": "a"})
    assert (rec.created_by, rec.updated_by) == (alice, alice)
    assert (rec["Creator"], rec["Editor"]) == (alice, alice)
    assert rec["Created"] == rec.created_at == rec["Modified"]
    new = as_bob.update(rec.id, {"Name": "b"})
    assert (new.created_by, new.updated_by) == (alice, bob)
    assert (new["Creator"], new["Editor"]) == (alice, bob)
    assert new.created_at == rec.created_at and new.updated_at >= rec.updated_at
    assert new["Modified"] == new.updated_at
    as_alice.delete(rec.id)
    as_bob.restore(rec.id)
    assert people.get(rec.id).updated_by == bob


# --- manual order -------------------------------------------------------------------------------
def names(table: engine.Table) -> str:
    return "".join(r["Name"] for r in table.all())


def test_move_before_and_after(people):
    a, b, c, d = (r.id for r in people.create_many([{"Name": n} for n in "abcd"]))
    people.move(d, before=a)
    assert names(people) == "dabc"
    people.move(d, after=b)
    assert names(people) == "abdc"
    people.move(a, after=c)
    assert names(people) == "bdca"
    people.move(a, before=b)
    assert names(people) == "abdc"
    people.move(a, before=b)  # already there
    assert names(people) == "abdc"
    with pytest.raises(ValueError):
        people.move(a)
    with pytest.raises(ValueError):
        people.move(a, before=b, after=c)
    people.delete(c)
    with pytest.raises(engine.NotFound):
        people.move(a, after=c)


def test_move_renumbers_when_positions_are_too_close(db, people):
    a, b, c = (r.id for r in people.create_many([{"Name": n} for n in "abc"]))
    table = people.schema().sql
    with db.engine.begin() as conn:
        pos_a = conn.execute(select(table.c.position).where(table.c.id == a)).scalar_one()
        tight = math.nextafter(pos_a, math.inf)  # no float fits between a and b
        conn.execute(update(table).where(table.c.id == b).values(position=tight))
    people.move(c, after=a)
    assert names(people) == "acb"
    with db.engine.begin() as conn:
        positions = conn.execute(select(table.c.position).order_by(table.c.position)).scalars()
        assert list(positions) == [1.0, 1.5, 2.0]  # renumbered 1, 2, 3, then c between a and b
    # equal positions are ordered by id and are renumbered too
    with db.engine.begin() as conn:
        conn.execute(update(table).values(position=5.0))
    people.move(c, before=b)
    assert names(people) == "acb"


def test_many_moves_keep_the_order_a_list_would_have(people):
    ids = [r.id for r in people.create_many([{"Name": n} for n in "abcdef"])]
    model = list(ids)
    # always squeeze into the same gap: positions halve until they run out and are renumbered
    for i in range(70):
        mover = model[2] if i % 2 == 0 else model[1]
        anchor = model[0]
        people.move(mover, after=anchor)
        model.remove(mover)
        model.insert(model.index(anchor) + 1, mover)
        assert [r.id for r in people.all()] == model
