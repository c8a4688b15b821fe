"""What the query engine does for speed changes no answer: counts kept until the database
changes, SQLite's plan hints (reading a page in the sort index's order, counting without reading
a whole partial index), the keyset range on the first sort key, and shared Table objects."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

import engine
from engine import query as engine_query
from engine import query_counts
from engine.indexes import ensure_indexes
from engine.model import load_table
from engine.query import QueryResult, run
from schemas.query import Page, QuerySpec
from views import kanban, store
from views.api import Views

FIELDS: list[dict[str, Any]] = [
    {"name": "Name"},
    {"name": "N", "type": "number"},
    {"name": "Status", "type": "single_select", "options": {"choices": ["A", "B", "C"]}},
    {"name": "Day", "type": "date"},
]


def make_rows(n: int) -> list[dict[str, Any]]:
    day = dt.date(2024, 1, 1)
    return [
        {
            "Name": f"r{i} {'张伟' if i % 11 == 0 else ''}",
            "N": i % 7,
            "Status": "ABC"[i % 3] if i % 13 else None,
            "Day": day + dt.timedelta(days=i % 40) if i % 9 else None,
        }
        for i in range(n)
    ]


@pytest.fixture
def table(build_table: Any) -> engine.Table:
    t = build_table(FIELDS)
    t.insert_many(make_rows(300))
    with t.db.write() as conn:
        schema = load_table(conn, t.id)
        ensure_indexes(conn, schema, [schema.field(n) for n in ("Name", "N", "Status", "Day")])
    return t


def result(t: engine.Table, spec: QuerySpec) -> QueryResult:
    with t.db.read() as conn:
        return run(conn, load_table(conn, t.id), spec)


def ids(r: QueryResult) -> list[int]:
    return [rec.id for rec in r.records]


def status_is(value: str, **kw: Any) -> QuerySpec:
    cond = {"field": "Status", "op": "is", "value": value}
    return QuerySpec.model_validate({"filter": {"items": [cond]}, **kw})


def test_counts_follow_every_change(table: engine.Table) -> None:
    spec = status_is("A")
    total = result(table, spec).total
    assert total == result(table, spec).total  # asked again: the kept count
    rec = table.create({"Name": "new", "Status": "A"})
    assert result(table, spec).total == total + 1
    table.update(rec.id, {"Status": "B"})
    assert result(table, spec).total == total
    table.update(rec.id, {"Status": "A"})
    table.delete(rec.id)
    assert result(table, spec).total == total
    table.restore(rec.id)
    assert result(table, spec).total == total + 1
    with table.db.write() as conn:  # a write and a count in one transaction
        schema = load_table(conn, table.id)
        assert run(conn, schema, spec).total == total + 1
        t = schema.sql
        conn.execute(
            t.update().where(t.c.id == rec.id).values({schema.field("Status").column: "C"})
        )
        assert run(conn, schema, spec).total == total
    assert result(table, spec).total == total


def test_counts_see_other_connections(tmp_path: Path) -> None:
    """A count kept on SQLite is dropped when another connection (another process) commits."""
    path = tmp_path / "other.db"
    with engine.connect(f"sqlite:///{path}", data_dir=tmp_path / "files") as db:
        table = db.create_base("B").create_table("T", FIELDS)
        table.insert_many(make_rows(30))
        spec = status_is("B")
        total = result(table, spec).total
        assert total is not None and result(table, spec).total == total
        schema = table.schema()
        column = schema.field("Status").column
        other = sqlite3.connect(path)
        try:
            other.execute(
                f'UPDATE "{schema.physical_name}" SET "{column}" = ? WHERE id = 1', ("B",)
            )
            other.commit()
        finally:
            other.close()
        assert result(table, spec).total == total + 1  # row 1 was "A"


SPECS: list[dict[str, Any]] = [
    {"sorts": [{"field": "Day", "direction": "desc"}]},
    {"sorts": [{"field": "N"}]},
    {"sorts": [{"field": "Day"}, {"field": "N", "direction": "desc"}]},
    {},
]


@pytest.mark.parametrize("order", SPECS)
@pytest.mark.parametrize("value", ["A", "B"])
def test_reading_in_sort_order_gives_the_same_pages(
    table: engine.Table, order: dict[str, Any], value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def pages(hint: bool) -> list[list[int]]:
        monkeypatch.setattr(engine_query, "_read_in_order", lambda *a: hint)
        out = []
        for page in (Page(size=10), Page(size=10, offset=35), Page(size=200)):
            out.append(ids(result(table, status_is(value, page=page, **order))))
        first = result(table, status_is(value, page=Page(size=10), **order))
        assert first.next is not None
        after = Page(size=10, after=first.next)
        out.append(ids(result(table, status_is(value, page=after, **order))))
        return out

    assert pages(True) == pages(False)


@pytest.mark.parametrize("order", SPECS)
def test_keyset_pages_walk_the_whole_order(table: engine.Table, order: dict[str, Any]) -> None:
    whole = ids(result(table, QuerySpec.model_validate({**order, "page": {"size": 1000}})))
    walked: list[int] = []
    after = None
    while True:
        spec = QuerySpec.model_validate({**order, "page": {"size": 7, "after": after}})
        r = result(table, spec)
        walked += ids(r)
        if r.next is None:
            break
        after = r.next
    assert walked == whole and len(whole) == 300


def test_counting_without_a_whole_index(
    table: engine.Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = QuerySpec(search="张伟", page=Page(size=1000))
    found = result(table, spec)
    assert found.total == len(found.records) == 28
    monkeypatch.setattr(query_counts, "COUNT_CACHE", False)
    for whole in (True, False):
        monkeypatch.setattr(query_counts, "_reads_whole_index", lambda *a, w=whole: w)
        assert result(table, spec).total == 28
    if table.db.engine.dialect.name == "sqlite":
        monkeypatch.undo()
        with table.db.read() as conn:
            schema = load_table(conn, table.id)
            compiler = engine_query.Compiler(conn, schema, engine_query.QueryContext())
            where = compiler.where(spec, schema.fields)
            stmt = select(func.count()).select_from(schema.sql).where(*where)
            # without the hint SQLite would read a whole partial index, row by row
            assert engine_query._reads_whole_index(conn, schema.sql, stmt, None, 0)


def test_schemas_of_the_same_columns_share_a_table(table: engine.Table) -> None:
    with table.db.read() as conn:
        first = load_table(conn, table.id)
    table.rename_field("N", "Number")  # other metadata, the same columns
    with table.db.read() as conn:
        second = load_table(conn, table.id)
    assert second.field("Number").id == first.field("N").id
    assert second.sql is first.sql
    table.add_field("More", "number")
    with table.db.read() as conn:
        third = load_table(conn, table.id)
    assert third.sql is not first.sql
    assert third.field("More").column in third.sql.c


@contextmanager
def statements(db: engine.Database) -> Iterator[list[str]]:
    """The SQL run through `db` meanwhile."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        seen.append(sql)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def counted(seen: list[str]) -> int:
    return sum(1 for sql in seen if sql.lstrip().lower().startswith("select count(*)"))


def test_counts_are_kept_on_both_databases(table: engine.Table) -> None:
    """Asked again with nothing changed, a count is not made again — on PostgreSQL too — and a
    commit of another connection (another worker) is seen at once."""
    db, spec = table.db, status_is("A", search="r")
    with db.read() as conn:
        schema = load_table(conn, table.id)
        with statements(db) as seen:
            first = run(conn, schema, spec).total
            assert counted(seen) == 1
            assert run(conn, schema, spec).total == first and counted(seen) == 1
    other = db.engine.connect()  # a connection of its own, as another process would have
    try:
        column = schema.field("Status").column
        t = schema.sql
        with other.begin():
            other.execute(t.update().where(t.c.id == 2, t.c[column] == "B").values({column: "A"}))
    finally:
        other.close()
    assert first is not None
    for _ in range(2):
        with db.read() as conn:
            assert run(conn, schema, spec).total == first + 1


def test_no_count_is_kept_in_a_transaction_that_writes(table: engine.Table) -> None:
    db, spec = table.db, status_is("B")
    with db.write() as conn:
        schema = load_table(conn, table.id)
        with statements(db) as seen:
            total = run(conn, schema, spec).total
            table_sql = schema.sql
            conn.execute(table_sql.update().where(table_sql.c.id == 2).values(version=7))
            assert run(conn, schema, spec).total == total
            if db.engine.dialect.name == "postgresql":  # its own changes no snapshot shows
                assert counted(seen) == 2


def test_kanban_stack_counts_are_kept_with_a_search(table: engine.Table) -> None:
    v = Views(table)
    board = v.create("Board", "kanban", config={"stack_field": "Status"})

    def counts() -> dict[str, int]:
        return {s.key: s.count for s in v.stacks(board, search="张伟")}

    before = counts()
    assert sum(before.values()) == 28
    with table.db.read() as conn:
        schema = load_table(conn, table.id)
        view = store.get_view(conn, board.id)
        with statements(table.db) as seen:
            again = {s.key: s.count for s in kanban.stacks(conn, schema, view, search="张伟")}
            twice = {s.key: s.count for s in kanban.stacks(conn, schema, view, search="张伟")}
            grouped = [sql for sql in seen if "GROUP BY" in sql]
    assert again == twice == before and len(grouped) <= 1
    table.create({"Name": "张伟 new", "Status": "C"})
    assert counts() == {**before, "C": before["C"] + 1}


def test_a_column_of_json_texts_is_decoded_as_each_would_be() -> None:
    """A page's JSON column is decoded in one call; what that call cannot read (a number from an
    expression, NaN) is read value by value, and text that is not JSON is still an error."""
    decode = engine_query._json_column
    assert decode(['["新客","VIP"]', None, '[{"id":1,"title":"张三"}]', "[]"]) == [
        ["新客", "VIP"],
        None,
        [{"id": 1, "title": "张三"}],
        [],
    ]
    assert decode([5, "[1.5]", None]) == [5, [1.5], None]
    nan, rest = decode(["NaN", "[2]"])
    assert nan != nan and rest == [2]
    with pytest.raises(ValueError):
        decode(["[1", "2]"])  # never read as the one list [1, 2]
    assert decode([]) == []
