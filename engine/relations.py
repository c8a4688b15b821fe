"""Defining links and computed fields, and keeping them current after writes.

`add_field` creates link fields (with their inverse in the other table and their junction) and
lookup, rollup, count and formula fields (with their result type, a cycle check and a first full
refresh). `after_write` is called by every record write, in its transaction, with what changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select, update

from schemas.field import FieldSpec

from . import computed, links, meta, storage
from .computed import ALL, ROWS, Changes
from .errors import SchemaError
from .fields import field_type
from .model import FieldDef, TableSchema, load_table
from .names import name_key

COMPUTED = ("lookup", "rollup", "count", "formula")
RELATIONAL = ("link", *COMPUTED)


def _table_in_base(conn: Connection, base_id: int, ref: Any) -> TableSchema:
    t = meta.tables
    if isinstance(ref, int) and not isinstance(ref, bool):
        cond = t.c.id == ref
    elif isinstance(ref, str):
        cond = t.c.name_key == name_key(ref.strip())
    else:
        raise SchemaError(f"{ref!r} is not a table", f"{ref!r} 不是一个表")
    found = conn.execute(
        select(t.c.id).where(cond, t.c.base_id == base_id, t.c.trashed_at.is_(None))
    ).scalar()
    if found is None:
        raise SchemaError(f"No table {ref!r} in this base", f"此库中没有表 {ref!r}")
    return load_table(conn, int(found))


def _set_options(conn: Connection, field_id: int, options: dict[str, Any]) -> None:
    conn.execute(update(meta.fields).where(meta.fields.c.id == field_id).values(options=options))


def _free_name(schema: TableSchema, wanted: str) -> str:
    taken = {name_key(f.name) for f in schema.fields}
    name, n = wanted, 2
    while name_key(name) in taken:
        name, n = f"{wanted} {n}", n + 1
    return name


def add_field(conn: Connection, table_id: int, spec: FieldSpec) -> int:
    """Add a link, lookup, rollup, count or formula field; returns its id."""
    from .schema import insert_field_row

    table = load_table(conn, table_id)
    opts = dict(spec.options)
    if spec.type == "link":
        return _add_link(conn, table, spec, opts)
    if spec.type == "formula":
        opts = _formula_options(table, opts)
    elif spec.type in ("lookup", "rollup", "count"):
        opts = _relation_options(conn, table, spec.type, opts)
    else:
        raise SchemaError(f"{spec.type!r} is not a computed type", f"{spec.type!r} 不是计算类型")
    fdef = insert_field_row(conn, table_id, spec.model_copy(update={"options": opts}))
    storage.add_column(conn, table_id, fdef)
    _check_and_fill(conn, table.base_id, table_id, fdef.id)
    return fdef.id


def _check_and_fill(conn: Connection, base_id: int, table_id: int, field_id: int) -> None:
    """Refuse a cycle, then compute the new field for every record, and what depends on it."""
    graph = computed.load_graph(conn, base_id)  # raises on a cycle
    table, f = graph.field(field_id)
    if not (f.type.name == "formula" and f.type.options.volatile):
        computed.refresh(conn, graph, table, [f], ALL)
    changes = Changes()
    changes.add(table_id, field_id, ALL)
    computed.propagate(conn, graph, changes)


def _add_link(conn: Connection, table: TableSchema, spec: FieldSpec, opts: dict[str, Any]) -> int:
    from .schema import insert_field_row

    target = _table_in_base(conn, table.base_id, opts.pop("table", opts.get("table_id")))
    inverse_name = opts.pop("inverse_name", None)
    role = opts.get("role", "link")
    multiple = bool(opts.get("multiple", role != "parent"))
    inverse_multiple = bool(opts.pop("inverse_multiple", role != "children"))
    mine = {
        "table_id": target.id,
        "multiple": multiple,
        "side": "a",
        "role": role,
        "junction": "pending",
    }
    field_type("link", mine)  # options check before anything is written
    fdef = insert_field_row(conn, table.id, spec.model_copy(update={"options": mine}))
    junction = f"lnk_{fdef.id}"
    target = load_table(conn, target.id)  # a self-link sees the field just added
    inverse_role = {"children": "parent", "parent": "children"}.get(role, "link")
    theirs = {
        "table_id": table.id,
        "inverse_field_id": fdef.id,
        "multiple": inverse_multiple,
        "side": "b",
        "role": inverse_role,
        "junction": junction,
    }
    inverse = insert_field_row(
        conn,
        target.id,
        FieldSpec(
            name=_free_name(target, inverse_name or table.name),
            type="link",
            options=theirs,
            rules={"required": True} if inverse_role == "parent" else {},
        ),
    )
    mine.update(inverse_field_id=inverse.id, junction=junction)
    _set_options(conn, fdef.id, mine)
    links.create_junction(conn, junction)
    fresh = load_table(conn, table.id).field(fdef.id)
    storage.add_column(conn, table.id, fresh)
    storage.add_column(conn, target.id, load_table(conn, target.id).field(inverse.id))
    computed.load_graph(conn, table.base_id)
    return fdef.id


def _link(table: TableSchema, ref: Any) -> FieldDef:
    f = table.field(ref)
    if f.type.name != "link":
        raise SchemaError(f"{f.name!r} is not a link field", f"{f.name!r} 不是关联字段")
    return f


def _relation_options(
    conn: Connection, table: TableSchema, kind: str, opts: dict[str, Any]
) -> dict[str, Any]:
    link = _link(table, opts.pop("link_field", opts.get("link_field_id")))
    target = load_table(conn, link.type.options.table_id)
    out: dict[str, Any] = {"link_field_id": link.id}
    if opts.get("filter") is not None:
        from .query import Compiler, QueryContext
        from .saved_filters import parse_filter

        group = parse_filter(opts["filter"])
        Compiler(conn, target, QueryContext()).group(group)  # a bad condition is refused now
        out["filter"] = group.model_dump(mode="json")
    if kind == "count":
        return dict(field_type("count", out).options_dict())
    x = target.field(opts.pop("target_field", opts.get("target_field_id")))
    out["target_field_id"] = x.id
    if kind == "lookup":
        out["element_type"] = x.type.name
        return dict(field_type("lookup", out).options_dict())
    fn = opts.get("fn", "sum")
    out["fn"] = fn
    for key in ("separator", "precision"):
        if key in opts:
            out[key] = opts[key]
    out["result_type"] = _rollup_result(fn, x)
    return dict(field_type("rollup", out).options_dict())


def _rollup_result(fn: str, x: FieldDef) -> str:
    element = computed.formula_type(x)
    if fn in ("sum", "average"):
        if element != "number":
            raise SchemaError(
                f"Cannot {fn} the values of {x.name!r} ({x.type.label_en}): they are not numbers",
                f"无法对 {x.name!r}（{x.type.label_zh}）求{'和' if fn == 'sum' else '平均值'}：它们不是数字",
            )
        return "number"
    if fn in ("count", "count_filled", "count_unique"):
        return "number"
    if fn in ("earliest", "latest"):
        if element not in ("date", "datetime"):
            raise SchemaError(
                f"{x.name!r} holds no dates, so it has no earliest or latest",
                f"{x.name!r} 不是日期，无法取最早或最晚",
            )
        return element
    if fn in ("min", "max"):
        if element not in ("number", "date", "datetime"):
            raise SchemaError(
                f"{x.name!r} holds neither numbers nor dates", f"{x.name!r} 既不是数字也不是日期"
            )
        return element
    if fn in ("and", "or"):
        return "boolean"
    if fn == "array_join":
        return "text"
    if fn == "array_unique":
        return "array"
    return element if element in ("number", "text", "date", "datetime", "boolean") else "text"


def _formula_options(table: TableSchema, opts: dict[str, Any]) -> dict[str, Any]:
    from .formula import FieldInfo, parse, to_stored

    text = opts.get("formula")
    if not isinstance(text, str) or not text.strip():
        raise SchemaError("A formula field needs a formula", "公式字段需要填写公式")

    def by_name(name: str) -> FieldInfo | None:
        try:
            f = table.field(name)
        except Exception:
            return None
        return FieldInfo(f.id, f.name, computed.formula_type(f))

    stored = to_stored(text, by_name) if "{fld:" not in text else text
    from .formula import parse_stored

    def by_id(fid: int) -> FieldInfo | None:
        for f in table.fields:
            if f.id == fid:
                return FieldInfo(f.id, f.name, computed.formula_type(f))
        return None

    formula = parse_stored(stored, by_id) if "{fld:" in text else parse(text, by_name)
    result = str(formula.result_type)
    out = {
        "formula": stored,
        "result_type": result,
        "volatile": bool(formula.volatile),
        "timezone": opts.get("timezone", "UTC"),
    }
    if opts.get("precision") is not None:
        out["precision"] = opts["precision"]
    return dict(field_type("formula", out).options_dict())


def dependents(conn: Connection, base_id: int, field_id: int) -> list[FieldDef]:
    """The computed fields that read `field_id` directly."""
    graph = computed.load_graph(conn, base_id)
    out: list[FieldDef] = []
    for t, f in graph.order:
        if f.id == field_id:
            continue
        for _, key in computed.inputs(graph, t, f):
            if key == field_id:
                out.append(f)
                break
    return out


def refuse_if_used(conn: Connection, table: TableSchema, f: FieldDef) -> None:
    """A SchemaError naming the computed fields that read `f`, if there are any."""
    if not has_computed(conn, table.base_id):
        return
    used = [
        d
        for d in dependents(conn, table.base_id, f.id)
        if d.id != f.type.options_dict().get("inverse_field_id")
    ]
    if used:
        names = ", ".join(repr(d.name) for d in used)
        raise SchemaError(
            f"{f.name!r} is used by {names}; change or delete those first",
            f"{f.name!r} 正被 {names} 使用；请先修改或删除它们",
        )


def delete_link(conn: Connection, table: TableSchema, f: FieldDef) -> None:
    """Delete a link field together with its inverse and their junction."""
    inverse_id = f.type.options.inverse_field_id
    if inverse_id is not None:
        other = load_table(conn, f.type.options.table_id)
        inverse = other.field(inverse_id)
        refuse_if_used(conn, other, inverse)
        storage.drop_column(conn, other.id, inverse, unique=False)
        conn.execute(meta.fields.delete().where(meta.fields.c.id == inverse.id))
    storage.drop_column(conn, table.id, f, unique=False)
    conn.execute(meta.fields.delete().where(meta.fields.c.id == f.id))
    links.drop_junction(conn, f.type.options.junction)


def after_write(conn: Connection, base_id: int, changes: Changes) -> None:
    """Bring computed values up to date after a write (no-op for bases without any)."""
    if not has_computed(conn, base_id):
        return
    graph = computed.load_graph(conn, base_id)
    if graph.order:
        computed.propagate(conn, graph, changes)


__all__ = ["COMPUTED", "RELATIONAL", "ROWS", "add_field", "after_write", "delete_link"]


# --- record writes ---------------------------------------------------------------------------------
def take_links(columns: dict[FieldDef, list[Any]]) -> dict[FieldDef, list[Any]]:
    """Remove the link fields from a write's columns: their values go to junctions, not columns."""
    found = {f: v for f, v in columns.items() if f.type.name == "link"}
    for f in found:
        del columns[f]
    return found


def write_links(
    conn: Connection,
    schema: TableSchema,
    ids: Sequence[int],
    columns: dict[FieldDef, list[Any]],
    changes: Changes,
    *,
    creating: bool = False,
) -> None:
    """Set the links of records `ids` (aligned with each column's values) and note the change
    on both sides. New records without links need no work."""
    for f, values in columns.items():
        wanted = {rid: list(v or []) for rid, v in zip(ids, values, strict=True)}
        if creating:
            wanted = {rid: v for rid, v in wanted.items() if v}
            if not wanted:
                continue
        single_other = False
        inverse_id = f.type.options.inverse_field_id
        if inverse_id is not None:
            other = load_table(conn, f.type.options.table_id)
            single_other = not other.field(inverse_id).type.options.multiple
        touched, losers = links.set_links(conn, f, wanted, single_other=single_other)
        # records here that lost a partner to this write (it may hold one link only) change too
        changes.add(schema.id, f.id, [*wanted, *losers])
        if inverse_id is not None:
            changes.add(f.type.options.table_id, inverse_id, touched)


def link_fields(schema: TableSchema) -> list[FieldDef]:
    return [f for f in schema.fields if f.type.name == "link"]


def children_of(
    conn: Connection, schema: TableSchema, ids: Sequence[int]
) -> list[tuple[int, list[int]]]:
    """(child table id, child record ids) of a sub-table parent's records."""
    out: list[tuple[int, list[int]]] = []
    for f in link_fields(schema):
        if f.type.options.role != "children":
            continue
        found = links.linked(conn, f, list(ids))
        kids = sorted({k for v in found.values() for k in v})
        if kids:
            out.append((f.type.options.table_id, kids))
    return out


def unlink_all(conn: Connection, schema: TableSchema, ids: Sequence[int], changes: Changes) -> None:
    """Remove every link of records that are purged, noting the other sides."""
    for f in link_fields(schema):
        touched = links.unlink_records(conn, f, ids)
        inverse_id = f.type.options.inverse_field_id
        if inverse_id is not None and touched:
            changes.add(f.type.options.table_id, inverse_id, touched)


def has_computed(conn: Connection, base_id: int) -> bool:
    """Whether any field of the base is computed or a link (one indexed query)."""
    f, t = meta.fields, meta.tables
    return (
        conn.execute(
            select(f.c.id)
            .select_from(f.join(t, t.c.id == f.c.table_id))
            .where(t.c.base_id == base_id, f.c.type.in_(RELATIONAL))
            .limit(1)
        ).first()
        is not None
    )
