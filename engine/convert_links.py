"""Type changes into and out of links.

Text (or any plain field) to a link: each value is matched against the linked table's record
titles — the text of its primary field, as links show it. A multiple link whose value matches no
title whole reads it as a comma-separated list of titles. Values with a part that matches nothing
are reported (in the preview too) and kept in the "(original)" companion field; their parts that
match are linked. A link to another type converts the titles it shows ("A, B") and takes its
inverse field and junction with it. Changing a field to or from a lookup, rollup, count or
formula is refused for now (a new field does it), except within the same computed type, which
redefines the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select, update

from . import computed, computed_sql, links, meta, relations, storage
from .convert import (
    EXAMPLES,
    ConversionPreview,
    ConversionResult,
    Failure,
    Keeper,
    kept_rules,
    refuse_primary,
    value_chunks,
)
from .errors import SchemaError
from .fields import FieldType, field_type
from .model import FieldDef, TableSchema, load_table

_SEPARATORS = re.compile(r"[,，、;；\n]")
CHUNK = 1000


def refuse_computed(fdef: FieldDef, type_name: str) -> None:
    """A SchemaError for a change to or from a computed type (other than within one type)."""
    kinds = relations.COMPUTED
    if (type_name in kinds or fdef.type.name in kinds) and type_name != fdef.type.name:
        raise SchemaError(
            f"{fdef.name!r} cannot change between a {fdef.type.label_en} and a {type_name} "
            "field; add a new field instead",
            f"{fdef.name!r} 不能在{fdef.type.label_zh}与 {type_name} 类型之间转换；请新建字段",
        )


def titles(conn: Connection, target: TableSchema, wanted: set[str]) -> dict[str, int]:
    """Title -> the first live record (in manual order) of `target` with that title."""
    t = target.sql
    p = target.primary
    dialect = conn.dialect.name
    title: Any
    if p is None:
        title = computed_sql.scalar_text(dialect, "integer", t.c.id)
    elif computed_sql.value_kind(p) == "list":
        title = computed_sql.list_text(dialect, t.c[p.column], computed_sql.element_kind(p))
    else:
        title = computed_sql.scalar_text(dialect, computed_sql.value_kind(p), t.c[p.column])
    found: dict[str, int] = {}
    ordered = sorted(wanted)
    for k in range(0, len(ordered), CHUNK):
        q = (
            select(title, t.c.id)
            .where(title.in_(ordered[k : k + CHUNK]), t.c.trashed_at.is_(None))
            .order_by(t.c.position, t.c.id)
        )
        for text, rid in conn.execute(q):
            found.setdefault(text, rid)
    return found


def _split(text: str) -> list[str]:
    out: list[str] = []
    for part in _SEPARATORS.split(text):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


Sink = Callable[[dict[int, list[int]], list[tuple[int, str]]], None]


def _match_all(
    conn: Connection,
    table: TableSchema,
    fdef: FieldDef,
    target: TableSchema,
    multiple: bool,
    result: ConversionPreview,
    sink: Sink | None = None,
) -> None:
    """Match every value of the field; `sink(links, failed)` receives each chunk."""
    source: FieldType = fdef.type
    for chunk in value_chunks(conn, table, fdef):
        texts = {rid: source.to_text(value).strip() for rid, value in chunk}
        found = titles(conn, target, set(texts.values()))
        if multiple:
            wanted = {p for s in texts.values() if s not in found for p in _split(s)}
            found.update(titles(conn, target, wanted - set(found)))
        pairs: dict[int, list[int]] = {}
        failed: list[tuple[int, str]] = []
        for rid, text in texts.items():
            if not text:
                continue
            result.total += 1
            parts: list[str] = [text] if text in found or not multiple else _split(text)
            ids = list(dict.fromkeys(found[p] for p in parts if p in found))
            missing = [p for p in parts if p not in found]
            if ids:
                pairs[rid] = ids
            if not missing:
                result.converted += 1
                if len(result.examples) < EXAMPLES:
                    result.examples.append((text, ", ".join(parts)))
                continue
            result.failed += 1
            failed.append((rid, text))
            if len(result.failures) < EXAMPLES:
                shown = ", ".join(repr(m) for m in missing[:5])
                result.failures.append(
                    Failure(
                        rid,
                        text,
                        f"no record of {target.name!r} is titled {shown}",
                        f"{target.name!r} 中没有标题为 {shown} 的记录",
                    )
                )
        if sink is not None:
            sink(pairs, failed)


def _plan(
    conn: Connection, table: TableSchema, fdef: FieldDef, options: dict[str, Any]
) -> tuple[TableSchema, FieldType]:
    """The linked table and the link type that `options` ask for."""
    if fdef.type.name == "link":
        raise SchemaError(
            f"{fdef.name!r} is a link already; change its options instead",
            f"{fdef.name!r} 已是关联字段；请修改其选项",
        )
    ref = options.get("table", options.get("table_id"))
    target = relations.table_in_base(conn, table.base_id, ref)
    new = field_type("link", {"table_id": target.id, "multiple": options.get("multiple", True)})
    refuse_primary(table, fdef, new)
    return target, new


def preview_link(
    conn: Connection, table: TableSchema, fdef: FieldDef, options: dict[str, Any]
) -> ConversionPreview:
    target, new = _plan(conn, table, fdef, options)
    result = ConversionPreview()
    _, result.dropped_rules = kept_rules(fdef.rules, new, fdef.name)
    _match_all(conn, table, fdef, target, bool(new.options.multiple), result)
    return result


def to_link(
    conn: Connection,
    table: TableSchema,
    fdef: FieldDef,
    options: dict[str, Any],
    *,
    keep_unconverted: bool,
) -> ConversionResult:
    """Make a plain field a link, linking each record to the records its value names."""
    target, new = _plan(conn, table, fdef, options)
    rules, dropped = kept_rules(fdef.rules, new, fdef.name)
    result = ConversionResult(dropped_rules=dropped)
    keeper = Keeper(conn, table, fdef, enabled=keep_unconverted)
    link = relations.attach_link(conn, table, fdef.id, dict(options))
    inverse_id = link.type.options.inverse_field_id
    single_other = not load_table(conn, target.id).field(inverse_id).type.options.multiple

    def sink(pairs: dict[int, list[int]], failed: list[tuple[int, str]]) -> None:
        if pairs:
            links.set_links(conn, link, pairs, single_other=single_other)
        keeper.keep(failed)

    # the old column is read (through the old schema) while the junction fills
    _match_all(conn, table, fdef, target, bool(link.type.options.multiple), result, sink)
    storage.drop_column(conn, table.id, fdef)
    link = FieldDef(link.id, table.id, link.name, link.type, rules, link.position)
    storage.add_column(conn, table.id, link)
    conn.execute(
        update(meta.fields)
        .where(meta.fields.c.id == fdef.id)
        .values(rules=rules.model_dump(exclude_defaults=True))
    )
    graph = computed.load_graph(conn, table.base_id)
    changes = computed.Changes()
    changes.add(table.id, link.id, computed.ALL)
    changes.add(target.id, inverse_id, computed.ALL)
    computed.propagate(conn, graph, changes)
    relations.type_changed(conn, load_table(conn, table.id), fdef.id)
    result.kept_in_field_id = keeper.field_id
    return result


__all__ = ["preview_link", "refuse_computed", "titles", "to_link"]
