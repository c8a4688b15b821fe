"""Materialized computed fields: the dependency graph of a base, and set-based refresh.

Lookups, rollups, counts, formulas and the title caches of link fields live in real columns.
After every write the engine calls `propagate` in the same transaction with what changed
(`Changes`: per table, per field, the record ids — or ALL). Computed fields are visited in
dependency order; for each, the affected records are found in SQL (through the junction tables)
and recomputed by one UPDATE whose new values are a SQL expression — a correlated subquery over
the linked records, or the compiled formula — never a Python loop over rows. Fields of one table
that are affected alike are refreshed by the same UPDATE.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    Table,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    select,
    true,
    update,
)

from . import links
from .errors import SchemaError
from .fields.relational import ComputedType
from .model import FieldDef, TableSchema

ALL: frozenset[int] = frozenset({-1})  # "every record"
ROWS = "rows"  # the pseudo-field "records were created, trashed, restored or purged"
CHUNK = 5000

IdSet = set[int] | frozenset[int]


@dataclass
class Changes:
    """What a write changed: table id -> field id (or ROWS) -> record ids (or ALL)."""

    by_table: dict[int, dict[int | str, IdSet]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )

    def add(self, table_id: int, key: int | str, ids: Iterable[int] | frozenset[int]) -> None:
        if ids is ALL:
            self.by_table[table_id][key] = ALL
            return
        current = self.by_table[table_id][key]
        if current is ALL:
            return
        assert isinstance(current, set)
        current.update(ids)

    def get(self, table_id: int, key: int | str) -> IdSet:
        return self.by_table.get(table_id, {}).get(key, set())


def union(*sets: IdSet) -> IdSet:
    if any(s is ALL for s in sets):
        return ALL
    out: set[int] = set()
    for s in sets:
        out.update(s)
    return out


def is_computed(f: FieldDef) -> bool:
    return f.type.name in ("lookup", "rollup", "count", "formula", "link")


@dataclass
class Graph:
    """The computed fields of a base in dependency order."""

    tables: dict[int, TableSchema]
    order: list[tuple[TableSchema, FieldDef]]

    def field(self, field_id: int) -> tuple[TableSchema, FieldDef]:
        for t in self.tables.values():
            for f in t.fields:
                if f.id == field_id:
                    return t, f
        raise SchemaError(f"No field with id {field_id}", f"没有 ID 为 {field_id} 的字段")


def inputs(graph: Graph, table: TableSchema, f: FieldDef) -> list[tuple[int, int | str]]:
    """The (table id, field id or ROWS) a computed field reads."""
    o = f.type.options
    name = f.type.name
    if name == "formula":
        from .formula import parse_stored

        formula = parse_stored(o.formula, lambda fid: _info(table, fid))
        return [(table.id, fid) for fid in formula.references] + [(table.id, ROWS)]
    if name == "link":
        other = graph.tables.get(o.table_id)
        deps: list[tuple[int, int | str]] = [(table.id, f.id)]
        if other is not None:
            deps.append((other.id, ROWS))
            if other.primary_field_id is not None:
                deps.append((other.id, other.primary_field_id))
        return deps
    _, link = graph.field(o.link_field_id)
    target_table = link.type.options.table_id
    deps = [(table.id, link.id), (table.id, ROWS), (target_table, ROWS)]
    if name in ("lookup", "rollup"):
        deps.append((target_table, o.target_field_id))
    for fid in _filter_fields(o.filter):
        deps.append((target_table, fid))
    return deps


def _filter_fields(raw: dict[str, Any] | None) -> list[int]:
    if not raw:
        return []
    out: list[int] = []
    for item in raw.get("items", []):
        if "items" in item:
            out.extend(_filter_fields(item))
        elif isinstance(item.get("field"), int):
            out.append(item["field"])
    return out


def _info(table: TableSchema, fid: int) -> Any:
    from .formula import FieldInfo

    for f in table.fields:
        if f.id == fid:
            return FieldInfo(f.id, f.name, formula_type(f))
    return None


def formula_type(f: FieldDef) -> str:
    """The formula-language type of a field's values."""
    from .operators import value_kind

    kind = value_kind(f.type)
    if isinstance(f.type, ComputedType):
        return f.type.result
    return {
        "text": "text",
        "number": "number",
        "date": "date",
        "datetime": "datetime",
        "select": "text",
        "checkbox": "boolean",
        "user": "number",
    }.get(kind, "array")


def build_graph(tables: Sequence[TableSchema]) -> Graph:
    """Order the computed fields of the base so every field comes after what it reads.
    A cycle is a SchemaError naming the fields in it."""
    graph = Graph({t.id: t for t in tables}, [])
    nodes = [(t, f) for t in tables for f in t.fields if is_computed(f)]
    computed_ids = {f.id for _, f in nodes}
    deps: dict[int, set[int]] = {}
    for t, f in nodes:
        deps[f.id] = {
            int(k) for _, k in inputs(graph, t, f) if k != ROWS and int(k) in computed_ids
        } - ({f.id} if f.type.name == "link" else set())
    done: set[int] = set()
    order: list[tuple[TableSchema, FieldDef]] = []
    pending = list(nodes)
    while pending:
        ready = [(t, f) for t, f in pending if deps[f.id] <= done]
        if not ready:
            names = ", ".join(repr(f.name) for _, f in pending)
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
    o = f.type.options
    mine: list[IdSet] = [ch.get(table.id, ROWS)]
    if f.type.name == "formula":
        for t_id, key in inputs(graph, table, f):
            mine.append(ch.get(t_id, key))
        return union(*mine)
    link = f if f.type.name == "link" else graph.field(o.link_field_id)[1]
    mine.append(ch.get(table.id, link.id))
    far: list[IdSet] = []
    for t_id, key in inputs(graph, table, f):
        if t_id == link.type.options.table_id and (t_id != table.id or key != link.id):
            far.append(ch.get(t_id, key))
    if f.type.name == "link":
        mine = [ch.get(table.id, f.id)]
    far_ids = union(*far)
    if far_ids is ALL:
        return ALL
    if far_ids:
        mine.append(links.linking(conn, link, far_ids))
    return union(*mine)


# --- refresh expressions --------------------------------------------------------------------------
def _linked(graph: Graph, link: FieldDef, outer: Table) -> tuple[Any, Any, Any, Any, TableSchema]:
    """(from-clause, where, position, aliased target, target schema): the junction joined to the
    live linked records of the row of `outer` being updated."""
    j, mine, other, pos, _ = links.sides(link)
    target = graph.tables[link.type.options.table_id]
    u = target.sql.alias("u")
    where = and_(mine == outer.c.id, u.c.trashed_at.is_(None))
    return j.join(u, u.c.id == other), where, pos, u, target


def _filtered(conn: Connection, target: TableSchema, u: Any, raw: dict[str, Any] | None) -> Any:
    """The condition "only the linked records that match", over the aliased target table."""
    if not raw:
        return true()
    from schemas.query import FilterGroup

    from .query import Compiler, QueryContext

    class Aliased(Compiler):
        def column(self, f: FieldDef) -> ColumnElement[Any]:
            return u.c[f.column]  # type: ignore[no-any-return]

    return Aliased(conn, target, QueryContext()).group(FilterGroup.model_validate(raw))


def aggregate_order_by(expr: Any, *order: Any) -> Any:
    from sqlalchemy.dialects.postgresql import aggregate_order_by as ordered

    return ordered(expr, *order)


def expression(
    conn: Connection, graph: Graph, table: TableSchema, f: FieldDef, outer: Table
) -> ColumnElement[Any]:
    """The SQL expression of `f`'s new value for the row of `outer` being updated."""
    name = f.type.name
    o = f.type.options
    dialect = conn.dialect.name
    if name == "formula":
        from .formula import compile_formula, parse_stored

        formula = parse_stored(o.formula, lambda fid: _info(table, fid))
        columns = {x.id: outer.c[x.column] for x in table.fields}
        return compile_formula(
            formula,
            lambda fid: columns[fid],
            dialect=dialect,
            record_id=outer.c.id,
            created=outer.c.created_at,
            modified=outer.c.updated_at,
            timezone=o.timezone,
        )
    link = f if name == "link" else graph.field(o.link_field_id)[1]
    src, where, pos, u, target = _linked(graph, link, outer)
    value: ColumnElement[Any]
    if name == "link":
        value = _titles(dialect, src, where, pos, u, target, outer)
        return value
    where = and_(where, _filtered(conn, target, u, o.filter))
    if name == "count":
        return select(func.count()).select_from(src).where(where).correlate(outer).scalar_subquery()
    _, target_field = graph.field(o.target_field_id)
    x = u.c[target_field.column]
    if name == "lookup":
        value = _lookup(dialect, src, where, pos, x, target_field, outer)
    else:
        value = _rollup(dialect, src, where, pos, x, target_field, o, outer)
    return value


def _titles(
    dialect: str, src: Any, where: Any, pos: Any, u: Any, target: TableSchema, outer: Table
) -> Any:
    """A link's cache: [{"id", "title"}] of the live linked records in link order."""
    primary = target.primary
    title: Any = cast(u.c[primary.column] if primary else u.c.id, String)
    if dialect == "postgresql":
        obj = func.jsonb_build_object("id", u.c.id, "title", title)
        agg = func.jsonb_agg(aggregate_order_by(obj, pos))
        return select(agg).select_from(src).where(where).correlate(outer).scalar_subquery()
    inner = (
        select(func.json_object("id", u.c.id, "title", title).label("v"))
        .select_from(src)
        .where(where)
        .order_by(pos)
        .correlate(outer)
        .subquery()
    )
    return (
        select(func.nullif(func.json_group_array(func.json(inner.c.v)), "[]"))
        .correlate(outer)
        .scalar_subquery()
    )


def _lookup(
    dialect: str, src: Any, where: Any, pos: Any, x: Any, target: FieldDef, outer: Table
) -> Any:
    """The looked-up values as a JSON list in link order; list values are flattened (a lookup
    of a link gives the linked titles)."""
    is_list = target.type.is_list
    is_link = target.type.name == "link"
    if dialect == "postgresql":
        if is_list:
            el = func.jsonb_array_elements(x).table_valued("value", with_ordinality="n")
            value: Any = el.c.value.op("->")("title") if is_link else el.c.value
            agg = func.jsonb_agg(aggregate_order_by(value, pos, el.c.n))
            return (
                select(agg)
                .select_from(src.join(el, true()))
                .where(where)
                .correlate(outer)
                .scalar_subquery()
            )
        agg = func.jsonb_agg(aggregate_order_by(func.to_jsonb(x), pos))
        return (
            select(agg)
            .select_from(src)
            .where(where, x.is_not(None))
            .correlate(outer)
            .scalar_subquery()
        )
    if is_list:
        el = func.json_each(x).table_valued("value", "key")
        value = func.json_extract(el.c.value, "$.title") if is_link else el.c.value
        inner = (
            select(value.label("v"))
            .select_from(src.join(el, true()))
            .where(where)
            .order_by(pos, el.c.key)
            .correlate(outer)
            .subquery()
        )
    else:
        inner = (
            select(x.label("v"))
            .select_from(src)
            .where(where, x.is_not(None))
            .order_by(pos)
            .correlate(outer)
            .subquery()
        )
    return (
        select(func.nullif(func.json_group_array(inner.c.v), "[]"))
        .correlate(outer)
        .scalar_subquery()
    )


def _rollup(
    dialect: str, src: Any, where: Any, pos: Any, x: Any, target: FieldDef, o: Any, outer: Table
) -> Any:
    """One value from the linked records' values of the target field."""
    fn = o.fn
    base = select().select_from(src).where(where)
    simple: dict[str, Any] = {
        "sum": func.sum,
        "average": func.avg,
        "min": func.min,
        "max": func.max,
        "earliest": func.min,
        "latest": func.max,
    }
    if fn in simple:
        value: Any = simple[fn](x)
        if fn == "sum":
            value = func.coalesce(value, 0)  # the sum of nothing is 0, as in Airtable
        return base.add_columns(value).correlate(outer).scalar_subquery()
    if fn == "count":
        return base.add_columns(func.count()).correlate(outer).scalar_subquery()
    if fn == "count_filled":
        filled = x == true() if target.type.name == "checkbox" else x.is_not(None)
        return base.add_columns(func.count(case((filled, 1)))).correlate(outer).scalar_subquery()
    if fn == "count_unique":
        return base.add_columns(func.count(distinct(x))).correlate(outer).scalar_subquery()
    if fn in ("and", "or"):
        # AND of no values is true and OR of none is false, as in Airtable
        flag = case((x == true(), 1), else_=0)
        extreme: Any = func.min(flag) if fn == "and" else func.max(flag)
        return (
            base.add_columns(func.coalesce(extreme, 1 if fn == "and" else 0) == 1)
            .correlate(outer)
            .scalar_subquery()
        )
    if fn == "array_join":
        text = cast(x, String)
        if dialect == "postgresql":
            joined = func.string_agg(aggregate_order_by(text, pos), literal(o.separator))
            return select(joined).select_from(src).where(where).correlate(outer).scalar_subquery()
        inner = (
            select(text.label("v"))
            .select_from(src)
            .where(where, x.is_not(None))
            .order_by(pos)
            .correlate(outer)
            .subquery()
        )
        return (
            select(func.group_concat(inner.c.v, literal(o.separator)))
            .correlate(outer)
            .scalar_subquery()
        )
    if fn == "array_unique":
        unique: Any
        if dialect == "postgresql":
            unique = func.jsonb_agg(distinct(func.to_jsonb(x)))
        else:
            unique = func.nullif(func.json_group_array(distinct(x)), "[]")
        return base.add_columns(unique).where(x.is_not(None)).correlate(outer).scalar_subquery()
    if fn == "most_frequent":
        return (
            select(x)
            .select_from(src)
            .where(where, x.is_not(None))
            .group_by(x)
            .order_by(func.count().desc(), x)
            .limit(1)
            .correlate(outer)
            .scalar_subquery()
        )
    raise SchemaError(f"Unknown rollup {fn!r}", f"未知的汇总方式 {fn!r}")


# --- running -------------------------------------------------------------------------------------
def refresh(
    conn: Connection, graph: Graph, table: TableSchema, fields: Sequence[FieldDef], ids: IdSet
) -> None:
    """Recompute `fields` of `table` for `ids` (or ALL) with one UPDATE per chunk of ids."""
    outer = table.sql
    values = {f.column: expression(conn, graph, table, f, outer) for f in fields}
    stmt = update(outer).values(values)
    if ids is ALL:
        conn.execute(stmt)
        return
    wanted = sorted(ids)
    for k in range(0, len(wanted), CHUNK):
        conn.execute(stmt.where(outer.c.id.in_(wanted[k : k + CHUNK])))


def propagate(conn: Connection, graph: Graph, changes: Changes) -> None:
    """Bring every computed value that `changes` may affect up to date, in dependency order."""
    i = 0
    order = [
        (t, f) for t, f in graph.order if not (f.type.name == "formula" and f.type.options.volatile)
    ]
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


def _deps_on(graph: Graph, table: TableSchema, f: FieldDef) -> list[int]:
    return [int(k) for t, k in inputs(graph, table, f) if t == table.id and k != ROWS]


def load_graph(conn: Connection, base_id: int) -> Graph:
    from sqlalchemy import select as sel

    from . import meta
    from .model import load_table

    t = meta.tables
    ids = conn.execute(
        sel(t.c.id).where(t.c.base_id == base_id, t.c.trashed_at.is_(None)).order_by(t.c.id)
    ).scalars()
    return build_graph([load_table(conn, i) for i in ids])


__all__ = ["ALL", "ROWS", "Changes", "Graph", "build_graph", "load_graph", "propagate", "refresh"]
