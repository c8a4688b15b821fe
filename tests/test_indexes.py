"""Indexes where they pay: saving a view indexes what it sorts, filters, groups, stacks and dates
by, and the primary field — partial indexes over live records that the page query uses."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from sqlalchemy import Connection, inspect

import engine
from engine.model import load_table
from engine.query import Compiler, QueryContext, page_statement, run, visible_fields
from schemas.query import Page
from views import store
from views.api import Views


@pytest.fixture
def items(build_table: Any) -> engine.Table:
    rows = [{"Name": f"item {i}", "Price": i % 50, "Kind": "ab"[i % 2]} for i in range(200)]
    return build_table(
        [
            {"name": "Name"},
            {"name": "Price", "type": "number"},
            {"name": "Kind", "type": "single_select", "options": {"choices": ["a", "b"]}},
            {"name": "Tags", "type": "multiple_select", "options": {"choices": ["x", "y"]}},
            {"name": "Notes", "type": "long_text"},
            {"name": "Memo"},
            {"name": "Due", "type": "date"},
            {"name": "Ship", "type": "date"},
            {"name": "Created", "type": "created_time"},
        ],
        rows,
    )


def indexes(table: engine.Table) -> dict[str, dict[str, Any]]:
    with table.db.read() as conn:
        return {ix["name"]: ix for ix in inspect(conn).get_indexes(f"tbl_{table.id}") if ix["name"]}


def view_index(table: engine.Table, field: str) -> dict[str, Any] | None:
    return indexes(table).get(f"ix_tbl_{table.id}_{table.field(field).column}")


def test_a_sorted_view_indexes_its_sort_column(db: engine.Database, items: engine.Table) -> None:
    assert view_index(items, "Price") is None
    Views(items).create("By price", query={"sorts": [{"field": "Price", "direction": "desc"}]})
    ix = view_index(items, "Price")
    assert ix is not None and not ix["unique"]
    assert ix["column_names"] == [f"fld_{items.field('Price').id}", "id"]
    where = ix["dialect_options"][f"{db.engine.dialect.name}_where"]
    assert "trashed_at IS NULL" in str(where)  # partial: live records only
    if db.engine.dialect.name == "postgresql":  # the order the compiler asks for ascending
        price = f"fld_{items.field('Price').id}"  # id is NOT NULL: ordered plainly
        assert ix["column_sorting"] == {price: ("nulls_first",)}
    Views(items).create("Again", query={"sorts": [{"field": "Price"}]})  # made once


def test_filters_groups_stacks_and_dates(items: engine.Table) -> None:
    v = Views(items)
    v.create("Cheap", query={"filter": {"items": [{"field": "Price", "op": "<", "value": 5}]}})
    assert view_index(items, "Price") is not None
    v.create("Grouped", query={"groups": [{"field": "Kind"}]})
    assert view_index(items, "Kind") is not None
    v.create("Calendar", "calendar", config={"date_field": "Due"})
    assert view_index(items, "Due") is not None
    board = v.create("Board", "kanban", config={"stack_field": "Kind"})
    assert board.config.stack_field == items.field("Kind").id
    nested = {"conjunction": "or", "items": [{"items": [{"field": "Ship", "op": "is_empty"}]}]}
    v.update("Cheap", query={"filter": nested})
    assert view_index(items, "Ship") is not None


def test_a_saved_filter_indexes_the_columns_its_views_filter_on(items: engine.Table) -> None:
    v = Views(items)
    cheap = v.create_filter("Cheap", {"items": [{"field": "Kind", "op": "is", "value": "a"}]})
    v.create("Cheap", query={"filter": {"items": [{"saved_filter": cheap.id}]}})
    assert view_index(items, "Kind") is not None
    assert view_index(items, "Due") is None
    v.update_filter(
        cheap, filter={"items": [{"field": "Due", "op": "is_before", "value": "today"}]}
    )
    assert view_index(items, "Due") is not None  # a view uses it: what it now tests is indexed
    v.create_filter("Unused", {"items": [{"field": "Price", "op": ">", "value": 1}]})
    assert view_index(items, "Price") is None


def test_the_primary_field_is_indexed_where_an_index_serves_it(build_table: Any) -> None:
    numbered = build_table([{"name": "No", "type": "number"}, {"name": "Name"}], name="Numbered")
    Views(numbered).create("Any view")
    assert view_index(numbered, "No") is not None
    named = build_table([{"name": "Name"}, {"name": "No", "type": "number"}], name="Named")
    Views(named).create("Any view", query={"sorts": [{"field": "Name"}]})
    # text is compared and sorted through lower(...): a plain column index would serve nothing
    assert view_index(named, "Name") is None


def test_no_index_where_it_cannot_pay_or_could_fail_a_write(items: engine.Table) -> None:
    v = Views(items)
    for name in ("Tags", "Notes", "Memo", "Created"):
        v.create(f"By {name}", query={"sorts": [{"field": name}]})
    assert view_index(items, "Tags") is None  # a JSON list
    assert view_index(items, "Notes") is None and view_index(items, "Memo") is None  # text
    created = view_index(items, "Created")  # a system column behind a field: indexed too
    assert created is not None and created["column_names"] == ["created_at", "id"]
    # an index on unbounded text would refuse this write on PostgreSQL (B-tree entries are
    # limited to about 2,700 bytes)
    long_text = secrets.token_hex(3000)  # 6,000 characters that do not compress
    rec = items.create({"Memo": long_text, "Notes": long_text})
    assert rec["Memo"] == long_text and rec["Notes"] == long_text


def _page_sql(conn: Connection, table: engine.Table, view: Any) -> str:
    schema = load_table(conn, table.id)
    spec = store.query_spec(view, schema)
    stmt, _ = page_statement(
        Compiler(conn, schema, QueryContext()), spec, visible_fields(schema, spec.fields)
    )
    return str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize(
    "query",
    [
        {"sorts": [{"field": "Price"}]},
        {"filter": {"items": [{"field": "Price", "op": "=", "value": 7}]}},
        {"filter": {"items": [{"field": "Price", "op": ">", "value": 40}]}},
    ],
)
def test_the_page_query_uses_the_index(
    db: engine.Database, items: engine.Table, query: Any
) -> None:
    view = Views(items).create("Indexed", query=query)
    name = f"ix_tbl_{items.id}_fld_{items.field('Price').id}"
    with db.read() as conn:
        sql = _page_sql(conn, items, view)
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
            assert name in plan, plan
            if "sorts" in query:
                assert "TEMP B-TREE" not in plan, plan  # read in index order, no sort step
        else:  # a small table is cheaper to scan: ask whether the index can serve at all
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            if "sorts" in query:  # (else the position index, read in page order, would do)
                conn.exec_driver_sql("SET LOCAL enable_sort = off")
            plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
            assert name in plan, plan
            if "sorts" in query:
                assert "Sort" not in plan.replace("Sort Key", ""), plan


@pytest.mark.parametrize("after", [False, True])
def test_the_default_order_reads_the_position_index(
    db: engine.Database, items: engine.Table, after: bool
) -> None:
    """Pages in row order (first, and by keyset token) read the (position, id) index in order,
    with no sort step: position and id are NOT NULL, so no NULLS FIRST on PostgreSQL."""
    view = Views(items).create("All")
    with db.read() as conn:
        schema = load_table(conn, items.id)
        spec = store.query_spec(view, schema, page=Page(size=10), count=False)
        if after:
            token = run(conn, schema, spec).next
            spec = spec.model_copy(update={"page": Page(size=10, after=token)})
        stmt, _ = page_statement(
            Compiler(conn, schema, QueryContext()), spec, visible_fields(schema, spec.fields)
        )
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        assert "NULLS" not in sql
        name = f"ix_tbl_{items.id}_position"
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
            assert name in plan and "TEMP B-TREE" not in plan, plan
        else:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            conn.exec_driver_sql("SET LOCAL enable_sort = off")
            plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
            assert name in plan and "Sort" not in plan, plan
        assert [r.id for r in run(conn, schema, spec).records] == [
            r.id for r in items.all()[10 if after else 0 :][:10]
        ]


def test_a_field_with_a_view_index_can_be_deleted_or_converted(items: engine.Table) -> None:
    v = Views(items)
    view = v.create("By price", query={"sorts": [{"field": "Price"}, {"field": "Due"}]})
    assert view_index(items, "Price") is not None and view_index(items, "Due") is not None
    items.delete_field("Price")  # SQLite refuses to drop an indexed column: its index goes first
    assert "Price" not in [f.name for f in items.fields]
    assert not [
        name for name in indexes(items) if name.endswith(f"_fld_{view.query.sorts[0].field}")
    ]
    items.change_type("Due", "text")
    assert items.field("Due").type.name == "text"
    assert len(v.rows(view).records) == 100
