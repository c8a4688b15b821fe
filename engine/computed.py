"""Materialized computed fields: the dependency graph of a base, and set-based refresh.

Lookups, rollups, counts, formulas and the title caches of link fields live in real columns.
After every write the engine calls `propagate` in the same transaction with what changed
(`Changes`: per table, per field, the record ids — or ALL). Computed fields are visited in
dependency order; for each, the affected records are found in SQL (through the junction tables)
and recomputed by one UPDATE whose new values are a SQL expression (`computed_sql`) — a
correlated subquery over the linked records, or the compiled formula — never a Python loop over
rows. Fields of one table that are affected alike are refreshed by the same UPDATE.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, select, update

from . import computed_sql as sql
from . import links
from .errors import SchemaError
from .fields.relational import ComputedType
from .model import FieldDef, TableSchema

ALL: frozenset[int] = frozenset({-1})  # "every record"
ROWS = "rows"  # the pseudo-field "records were created, trashed, restored or purged"
MODIFIED = "modified"  # the pseudo-field "anything of the record changed" (last modified time)
CHUNK = 5000
_STORED = re.compile(r"fld:([0-9]+)")

IdSet = set[int] | frozenset[int]
Key = int | str


@dataclass
class Changes:
    """What a write changed: table id -> field id (or ROWS) -> record ids (or ALL)."""

    by_table: dict[int, dict[Key, IdSet]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )

    def add(self, table_id: int, key: Key, ids: Iterable[int] | frozenset[int]) -> None:
        if ids is ALL:
            self.by_table[table_id][key] = ALL
            return
        current = self.by_table[table_id][key]
        if current is ALL:
            return
        assert isinstance(current, set)
        current.update(ids)

    def get(self, table_id: int, key: Key) -> IdSet:
        keys = self.by_table.get(table_id, {})
        if key == MODIFIED:  # any change of the table's records
            return union(*keys.values())
        return keys.get(key, set())


def union(*sets: IdSet) -> IdSet:
    if any(s is ALL for s in sets):
        return ALL
    out: set[int] = set()
    for s in sets:
        out.update(s)
    return out


def is_computed(f: FieldDef) -> bool:
    return f.type.name in ("lookup", "rollup", "count", "formula", "link")


def is_volatile(f: FieldDef) -> bool:
    """A formula of the current time: computed when read, never stored."""
    return f.type.name == "formula" and bool(f.type.options.volatile)


@dataclass
class Graph:
    """The computed fields of a base in dependency order."""

    tables: dict[int, TableSchema]
    order: list[tuple[TableSchema, FieldDef]]
    signature: tuple[Any, ...] = ()  # the schema of every table: equal graphs compute alike

    def field(self, field_id: int) -> tuple[TableSchema, FieldDef]:
        for t in self.tables.values():
            for f in t.fields:
                if f.id == field_id:
                    return t, f
        raise SchemaError(f"No field with id {field_id}", f"没有 ID 为 {field_id} 的字段")


def _reads(table: TableSchema | None, table_id: int, fid: int) -> list[tuple[int, Key]]:
    """Field `fid` of a table as an input; a field that the engine keeps on every change of
    the record (last modified time / by) reads MODIFIED as well."""
    out: list[tuple[int, Key]] = [(table_id, fid)]
    for f in table.fields if table is not None else ():
        if f.id == fid and f.type.name in ("last_modified_time", "last_modified_by"):
            out.append((table_id, MODIFIED))
    return out


def inputs(graph: Graph, table: TableSchema, f: FieldDef) -> list[tuple[int, Key]]:
    """The (table id, field id or ROWS or MODIFIED) a computed field reads."""
    o = f.type.options
    name = f.type.name
    if name == "formula":
        fids, modified = formula_reads(o.formula)
        deps: list[tuple[int, Key]] = [(table.id, ROWS)]
        for fid in fids:
            deps += _reads(table, table.id, fid)
        if modified:
            deps.append((table.id, MODIFIED))
        return deps
    if name == "link":
        deps = [(table.id, f.id)]
        other = graph.tables.get(o.table_id)
        if other is not None:
            deps.append((other.id, ROWS))
            if other.primary_field_id is not None:
                deps += _reads(other, other.id, other.primary_field_id)
        return deps
    _, link = graph.field(o.link_field_id)
    target_id = link.type.options.table_id
    target = graph.tables.get(target_id)
    deps = [(table.id, link.id), (table.id, ROWS), (target_id, ROWS)]
    if name in ("lookup", "rollup"):
        deps += _reads(target, target_id, o.target_field_id)
    deps += [(target_id, fid) for fid in filter_fields(o.filter)]
    return deps


@lru_cache(maxsize=4096)
def formula_reads(stored: str) -> tuple[tuple[int, ...], bool]:
    """The ids of the fields a stored formula names, and whether it reads the record's last
    modified time — from its tokens, so a formula that no longer type-checks (a field it reads
    changed type) still tells what it reads."""
    from .formula.lexer import T, tokenize

    ids: dict[int, None] = {}
    modified = False
    for tok in tokenize(stored):
        m = _STORED.fullmatch(tok.text) if tok.kind is T.FIELD else None
        if m is not None:
            ids[int(m.group(1))] = None
        elif tok.kind is T.FUNC and tok.text.upper() == "LAST_MODIFIED_TIME":
            modified = True
    return tuple(ids), modified


def filter_fields(raw: dict[str, Any] | None) -> list[int]:
    """The ids of the fields a stored filter tests."""
    if not raw:
        return []
    out: list[int] = []
    for item in raw.get("items", []):
        if "items" in item:
            out.extend(filter_fields(item))
        elif isinstance(item.get("field"), int):
            out.append(item["field"])
    return out


def _info(table: TableSchema, fid: int) -> Any:
    from .formula import FieldInfo

    for f in table.fields:
        if f.id == fid:
            return FieldInfo(f.id, f.name, formula_type(f))
    return None


def parse(table: TableSchema, f: FieldDef) -> Any:
    """The stored formula of `f`, read with the current types of the table's fields."""
    from .formula import parse_stored

    return parse_stored(f.type.options.formula, lambda fid: _info(table, fid))


def formula_type(f: FieldDef) -> str:
    """The formula-language type of a field's values."""
    if isinstance(f.type, ComputedType):
        return f.type.result
    from .operators import value_kind

    return {
        "text": "text",
        "number": "number",
        "date": "date",
        "datetime": "datetime",
        "select": "text",
        "checkbox": "boolean",
        "user": "number",
    }.get(value_kind(f.type), "array")


def build_graph(tables: Sequence[TableSchema]) -> Graph:
    """Order the computed fields of the base so every field comes after what it reads.
    A cycle is a SchemaError naming the fields in it."""
    graph = Graph({t.id: t for t in tables}, [], _signature(tables))
    nodes = [(t, f) for t in tables for f in t.fields if is_computed(f)]
    computed_ids = {f.id for _, f in nodes}
    deps: dict[int, set[int]] = {}
    for t, f in nodes:
        deps[f.id] = {
            k for _, k in inputs(graph, t, f) if isinstance(k, int) and k in computed_ids
        } - ({f.id} if f.type.name == "link" else set())
    done: set[int] = set()
    order: list[tuple[TableSchema, FieldDef]] = []
    pending = list(nodes)
    while pending:
        ready = [(t, f) for t, f in pending if deps[f.id] <= done]
        if not ready:
            names = ", ".join(repr(f.name) for _, f in pending if f.type.name != "link")
            raise SchemaError(
                f"These fields depend on each other in a cycle: {names}",
                f"这些字段之间存在循环依赖：{names}",
            )
        for t, f in ready:
            done.add(f.id)
            order.append((t, f))
        pending = [(t, f) for t, f in pending if f.id not in done]
    graph.order = order
    return graph


# --- affected records -------------------------------------------------------------------------
def affected(conn: Connection, graph: Graph, table: TableSchema, f: FieldDef, ch: Changes) -> IdSet:
    """The records of `table` whose value of `f` may have changed."""
    deps = inputs(graph, table, f)
    if f.type.name == "formula":
        return union(*(ch.get(t_id, key) for t_id, key in deps))
    link = f if f.type.name == "link" else graph.field(f.type.options.link_field_id)[1]
    other = link.type.options.table_id
    near: list[IdSet] = [ch.get(table.id, link.id)]
    if f.type.name != "link":  # a new record has no links: its link cache is empty already
        near.append(ch.get(table.id, ROWS))
    far = union(
        *(
            ch.get(t_id, key)
            for t_id, key in deps
            if t_id == other and not (t_id == table.id and key == link.id)
        )
    )
    if far is ALL:
        return ALL
    if far:
        near.append(links.linking(conn, link, far))
    return union(*near)


# --- refresh ---------------------------------------------------------------------------------------
def expression(
    conn: Connection, graph: Graph, table: TableSchema, f: FieldDef, outer: Table
) -> ColumnElement[Any]:
    """The SQL expression of `f`'s new value for the row of `outer` being updated."""
    name = f.type.name
    o = f.type.options
    dialect = conn.dialect.name
    if name == "formula":
        from .formula import compile_formula

        columns = {x.id: outer.c[x.column] for x in table.fields}
        return compile_formula(
            parse(table, f),
            lambda fid: columns[fid],
            dialect=dialect,
            record_id=outer.c.id,
            created=outer.c.created_at,
            modified=outer.c.updated_at,
            timezone=o.timezone,
        )
    link = f if name == "link" else graph.field(o.link_field_id)[1]
    rows = sql.linked(graph.tables[link.type.options.table_id], link, outer)
    if name == "link":
        return sql.titles(dialect, rows)  # type: ignore[no-any-return]
    where = sql.filtered(conn, rows, o.filter)
    if name == "count":
        return sql.count(rows, where)  # type: ignore[no-any-return]
    _, x = graph.field(o.target_field_id)
    if name == "lookup":
        linked_rows = sql.Linked(rows.src, where, rows.pos, rows.u, rows.target, outer)
        return sql.json_list(dialect, sql.items(dialect, linked_rows, x), outer)  # type: ignore[no-any-return]
    return sql.rollup(dialect, rows, where, x, o)  # type: ignore[no-any-return]


def _signature(tables: Sequence[TableSchema]) -> tuple[Any, ...]:
    return tuple(
        (
            t.id,
            t.primary_field_id,
            tuple((f.id, f.type.name, json.dumps(f.type.options_dict(), sort_keys=True))
                  for f in t.fields),
        )
        for t in tables
    )  # fmt: skip


def statement(
    conn: Connection, graph: Graph, table: TableSchema, fields: Sequence[FieldDef]
) -> Any:
    """The UPDATE that recomputes `fields` of `table`, made once per schema (see
    `computed_sql.cached`)."""

    def make() -> Any:
        outer = table.sql
        values = {f.column: expression(conn, graph, table, f, outer) for f in fields}
        return update(outer).values(values)

    key = (conn.dialect.name, graph.signature, table.id, tuple(f.id for f in fields))
    return sql.cached(key, make)


def refresh(
    conn: Connection, graph: Graph, table: TableSchema, fields: Sequence[FieldDef], ids: IdSet
) -> None:
    """Recompute `fields` of `table` for `ids` (or ALL) with one UPDATE per chunk of ids."""
    stmt = statement(conn, graph, table, fields)
    outer = stmt.table  # the Table the statement was made with
    if ids is ALL:
        conn.execute(stmt)
        return
    wanted = sorted(ids)
    for k in range(0, len(wanted), CHUNK):
        conn.execute(stmt.where(outer.c.id.in_(wanted[k : k + CHUNK])))


def propagate(conn: Connection, graph: Graph, changes: Changes) -> None:
    """Bring every computed value that `changes` may affect up to date, in dependency order."""
    order = [(t, f) for t, f in graph.order if not is_volatile(f)]
    i = 0
    while i < len(order):
        table, f = order[i]
        ids = affected(conn, graph, table, f, changes)
        group = [f]
        j = i + 1
        # fields of the same table right after this one, affected alike, share one UPDATE
        while j < len(order) and order[j][0].id == table.id:
            other = order[j][1]
            if set(_deps_on(graph, table, other)) & {x.id for x in group}:
                break
            if affected(conn, graph, table, other, changes) != ids:
                break
            group.append(other)
            j += 1
        if ids:
            refresh(conn, graph, table, group, ids)
            for g in group:
                changes.add(table.id, g.id, ids)
        i = j


def refresh_all(conn: Connection, graph: Graph, table_id: int, field_id: int) -> None:
    """Recompute what reads `field_id` of `table_id` for every record (after a change of what
    the field is, such as its type or, for a table's primary field, which field it is)."""
    changes = Changes()
    changes.add(table_id, field_id, ALL)
    propagate(conn, graph, changes)


def _deps_on(graph: Graph, table: TableSchema, f: FieldDef) -> list[int]:
    return [k for t, k in inputs(graph, table, f) if t == table.id and isinstance(k, int)]


def load_graph(conn: Connection, base_id: int) -> Graph:
    from . import meta
    from .model import load_table

    t = meta.tables
    ids = conn.execute(
        select(t.c.id).where(t.c.base_id == base_id, t.c.trashed_at.is_(None)).order_by(t.c.id)
    ).scalars()
    return build_graph([load_table(conn, i) for i in ids])


__all__ = ["ALL", "MODIFIED", "ROWS", "Changes", "Graph", "load_graph", "propagate", "refresh"]
