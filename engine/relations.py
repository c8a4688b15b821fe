"""Defining links and computed fields, and keeping them current after writes.

`add_field` creates link fields (with their inverse in the other table and their junction) and
lookup, rollup, count and formula fields (with their result type, a cycle check and a first full
refresh); `redefine` changes what a computed field computes. `after_write` (in `link_writes`,
named here too) is called by every record write, in its transaction, with what changed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select, update

from schemas.field import FieldSpec

from . import computed, links, meta, storage
from .computed import ALL, ROWS, Changes
from .errors import SchemaError
from .fields import field_type
from .link_writes import (
    after_write,
    children_of,
    has_computed,
    link_fields,
    take_links,
    unlink_all,
    write_links,
)
from .model import FieldDef, TableSchema, load_table
from .names import name_key
from .relation_options import computed_options, recheck

COMPUTED = ("lookup", "rollup", "count", "formula")
RELATIONAL = ("link", *COMPUTED)


def table_in_base(conn: Connection, base_id: int, ref: Any) -> TableSchema:
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


def _set_meta(conn: Connection, field_id: int, **values: Any) -> None:
    conn.execute(update(meta.fields).where(meta.fields.c.id == field_id).values(**values))


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
    if spec.type == "link":
        fdef = insert_field_row(conn, table_id, spec.model_copy(update={"options": _PENDING}))
        link = attach_link(conn, table, fdef.id, dict(spec.options))
        storage.add_column(conn, table_id, link)
        return fdef.id
    opts = computed_options(conn, table, spec.type, dict(spec.options))
    fdef = insert_field_row(conn, table_id, spec.model_copy(update={"options": opts}))
    storage.add_column(conn, table_id, fdef)
    _check_and_fill(conn, table.base_id, fdef.id)
    return fdef.id


def _check_and_fill(conn: Connection, base_id: int, field_id: int) -> None:
    """Refuse a cycle, then compute the field for every record, and what depends on it."""
    graph = computed.load_graph(conn, base_id)  # raises on a cycle
    table, f = graph.field(field_id)
    if not computed.is_volatile(f):
        computed.refresh(conn, graph, table, [f], ALL)
    computed.refresh_all(conn, graph, table.id, field_id)


# --- links ------------------------------------------------------------------------------------------
_PENDING = {"table_id": 0, "junction": "pending"}  # a link's options until its inverse exists
_LINK_OPTIONS = {"table", "table_id", "multiple", "role", "inverse_name", "inverse_multiple"}


def attach_link(
    conn: Connection, table: TableSchema, field_id: int, opts: dict[str, Any]
) -> FieldDef:
    """Make field `field_id` of `table` a link as `opts` say (`table`, `multiple`, `role`,
    `inverse_name`, `inverse_multiple`): its inverse in the other table, with a column, and their
    junction. The field's own column is the caller's to make. Returns the link."""
    from .schema import insert_field_row

    unknown = set(opts) - _LINK_OPTIONS
    if unknown:
        raise SchemaError(
            f"Unknown options of a link: {', '.join(sorted(unknown))}",
            f"关联字段的未知选项：{', '.join(sorted(unknown))}",
        )
    target = table_in_base(conn, table.base_id, opts.get("table", opts.get("table_id")))
    inverse_name = opts.get("inverse_name")
    role = opts.get("role", "link")
    if role != "link" and target.id == table.id:
        raise SchemaError("A table cannot be a sub-table of itself", "表不能作为自身的子表")
    # a sub-table row has exactly one parent: the parent side takes many, the child side one
    multiple = role == "children" or (role == "link" and bool(opts.get("multiple", True)))
    inverse_multiple = role == "parent" or (
        role == "link" and bool(opts.get("inverse_multiple", True))
    )
    junction = f"lnk_{field_id}"
    mine = {"table_id": target.id, "multiple": multiple, "side": "a", "role": role}
    mine["junction"] = junction
    field_type("link", mine)  # options check before anything is written
    _set_meta(conn, field_id, type="link", options=mine)
    if role == "parent":
        rules = conn.execute(select(meta.fields.c.rules).where(meta.fields.c.id == field_id))
        _set_meta(conn, field_id, rules={**(rules.scalar() or {}), "required": True})
    target = load_table(conn, target.id)  # a self-link sees the field just made
    inverse_role = {"children": "parent", "parent": "children"}.get(role, "link")
    theirs = {
        "table_id": table.id,
        "inverse_field_id": field_id,
        "multiple": inverse_multiple,
        "side": "b",
        "role": inverse_role,
        "junction": junction,
    }
    inverse = insert_field_row(
        conn,
        target.id,
        FieldSpec(
            name=inverse_name or _free_name(target, table.name),  # a name given must be free
            type="link",
            options=theirs,
            rules={"required": True} if inverse_role == "parent" else {},
        ),
    )
    mine.update(inverse_field_id=inverse.id)
    _set_meta(conn, field_id, options=mine)
    links.create_junction(conn, junction)
    storage.add_column(conn, target.id, load_table(conn, target.id).field(inverse.id))
    return load_table(conn, table.id).field(field_id)


def delete_link(
    conn: Connection, table: TableSchema, f: FieldDef, *, dropping: int | None = None
) -> None:
    """Move a link field to the trash together with its inverse (their junction and columns
    stay until purged); refused while a computed field (outside table `dropping`) reads either."""
    from .schema_trash import trash_fields

    inverse_id = f.type.options.inverse_field_id
    other = load_table(conn, f.type.options.table_id)
    inverse = other.field(inverse_id) if inverse_id is not None else None
    refuse_if_used(conn, table, f, outside=dropping, also=inverse)
    if inverse is not None:
        refuse_if_used(conn, other, inverse, outside=dropping, also=f)
    trash_fields(conn, [f.id] + ([inverse.id] if inverse is not None else []))


def detach_link(
    conn: Connection, table: TableSchema, f: FieldDef, *, check_only: bool = False
) -> None:
    """Before a link field becomes another type: its inverse and junction go (refused while a
    computed field reads either); its own column is the caller's."""
    inverse_id = f.type.options.inverse_field_id
    other = load_table(conn, f.type.options.table_id)
    inverse = other.field(inverse_id) if inverse_id is not None else None
    refuse_if_used(conn, table, f, also=inverse)
    if inverse is not None:
        refuse_if_used(conn, other, inverse, also=f)
    if check_only:
        return
    if inverse is not None:
        storage.drop_column(conn, other.id, inverse)
        conn.execute(meta.fields.delete().where(meta.fields.c.id == inverse.id))
    links.drop_junction(conn, f.type.options.junction)


def set_link_options(
    conn: Connection, table: TableSchema, f: FieldDef, opts: dict[str, Any]
) -> None:
    """Change whether a link takes one or many records; only `multiple` may change (a link to
    another table is a new field). One only is refused while a record links to several."""
    old = f.type.options_dict()
    new = {**old, **{k: v for k, v in opts.items() if k in old}}
    changed = {k for k in new if new[k] != old[k]}
    if changed - {"multiple"} or set(opts) - set(old):
        raise SchemaError(
            "Only 'multiple' of a link field can change; add a new link for another table",
            "关联字段只能修改“允许多条”；关联其他表请新建字段",
        )
    if not new["multiple"] and old["multiple"]:
        _, mine, _, _, _ = links.sides(f)
        several = conn.execute(
            select(mine).group_by(mine).having(func.count() > 1).limit(1)
        ).scalar()
        if several is not None:
            raise SchemaError(
                f"Record {several} links to several records through {f.name!r}",
                f"记录 {several} 通过 {f.name!r} 关联了多条记录",
            )
    field_type("link", new)
    _set_meta(conn, f.id, options=new)


# --- dependencies -----------------------------------------------------------------------------------
def dependents(conn: Connection, base_id: int, field_id: int) -> list[tuple[TableSchema, FieldDef]]:
    """The computed fields (and link caches) that read `field_id` directly."""
    graph = computed.load_graph(conn, base_id)
    return [
        (t, f)
        for t, f in graph.order
        if f.id != field_id and any(key == field_id for _, key in computed.inputs(graph, t, f))
    ]


def refuse_if_used(
    conn: Connection,
    table: TableSchema,
    f: FieldDef,
    *,
    outside: int | None = None,
    also: FieldDef | None = None,
) -> None:
    """A SchemaError naming the computed fields that read `f`, if there are any (leaving out
    those of table `outside` and field `also`, which go too)."""
    if not has_computed(conn, table.base_id):
        return
    used = [
        d
        for t, d in dependents(conn, table.base_id, f.id)
        if d.type.name != "link" and t.id != outside and (also is None or d.id != also.id)
    ]
    if used:
        names = ", ".join(repr(d.name) for d in used)
        raise SchemaError(
            f"{f.name!r} is used by {names}; change or delete those first",
            f"{f.name!r} 正被 {names} 使用；请先修改或删除它们",
        )


def type_changed(conn: Connection, table: TableSchema, field_id: int) -> None:
    """After field `field_id` changed type (or options): the computed fields that read it are
    checked against its new type, then recomputed with what depends on them."""
    if not has_computed(conn, table.base_id):
        return
    for t, d in dependents(conn, table.base_id, field_id):
        if d.type.name != "link":
            _set_meta(conn, d.id, options=recheck(conn, load_table(conn, t.id), d))
    graph = computed.load_graph(conn, table.base_id)
    computed.refresh_all(conn, graph, table.id, field_id)


def primary_changed(conn: Connection, table_id: int) -> None:
    """Another field became the primary field: the titles shown by links to it follow."""
    table = load_table(conn, table_id)
    if table.primary_field_id is not None and has_computed(conn, table.base_id):
        graph = computed.load_graph(conn, table.base_id)
        computed.refresh_all(conn, graph, table.id, table.primary_field_id)


def options_renamed(
    conn: Connection, table: TableSchema, field_id: int, mapping: dict[str, str | None]
) -> None:
    """Select options of field `field_id` were renamed (or removed, to None) and the records
    rewritten: the conditions of computed fields that test them follow (a removed option they
    test is refused), then what reads the field is recomputed."""
    if not has_computed(conn, table.base_id):
        return
    for _, d in dependents(conn, table.base_id, field_id):
        raw = d.type.options_dict().get("filter")
        if not raw or field_id not in computed.filter_fields(raw):
            continue
        _set_meta(
            conn,
            d.id,
            options={**d.type.options_dict(), "filter": _renamed(raw, field_id, d, mapping)},
        )
    computed.refresh_all(conn, computed.load_graph(conn, table.base_id), table.id, field_id)


def _renamed(
    raw: dict[str, Any], field_id: int, d: FieldDef, mapping: dict[str, str | None]
) -> dict[str, Any]:
    def rename(value: Any) -> Any:
        if isinstance(value, list):
            return [rename(v) for v in value]
        if not isinstance(value, str) or value not in mapping:
            return value
        new = mapping[value]
        if new is None:
            raise SchemaError(
                f"The option {value!r} is in the condition of {d.name!r}; change it first",
                f"选项 {value!r} 正被 {d.name!r} 的条件使用；请先修改该条件",
            )
        return new

    items = []
    for item in raw.get("items", []):
        if "items" in item:
            items.append(_renamed(item, field_id, d, mapping))
        elif item.get("field") == field_id:
            items.append({**item, "value": rename(item.get("value"))})
        else:
            items.append(item)
    return {**raw, "items": items}


def redefine(conn: Connection, table_id: int, ref: str | int, opts: dict[str, Any]) -> None:
    """New options for a link, lookup, rollup, count or formula field (given as to `add_field`):
    checked for cycles, then recomputed with everything that depends on it."""
    table = load_table(conn, table_id)
    f = table.field(ref)
    if f.type.name == "link":
        set_link_options(conn, table, f, opts)
        return
    new_opts = computed_options(conn, table, f.type.name, dict(opts))
    new = field_type(f.type.name, new_opts)
    _set_meta(conn, f.id, options=new.options_dict())
    new_def = FieldDef(f.id, table_id, f.name, new, f.rules, f.position, f.description)
    if repr(new.column_type()) != repr(f.type.column_type()):
        storage.drop_column(conn, table_id, f)
        storage.add_column(conn, table_id, new_def)
    for t, d in dependents(conn, table.base_id, f.id):  # they must still work, and may follow
        if d.type.name != "link":
            _set_meta(conn, d.id, options=recheck(conn, load_table(conn, t.id), d))
    _check_and_fill(conn, table.base_id, f.id)


__all__ = [
    "COMPUTED",
    "RELATIONAL",
    "ROWS",
    "Changes",
    "add_field",
    "after_write",
    "children_of",
    "delete_link",
    "link_fields",
    "redefine",
    "take_links",
    "type_changed",
    "unlink_all",
    "write_links",
]
