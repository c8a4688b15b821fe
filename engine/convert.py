"""Changing a field's type: its values converted, and none lost silently.

`preview` says how many values convert and shows some that do not; `change_type` converts them into
a new column and keeps those that do not convert in a long-text field beside it ("Name
(original)") unless the caller asks to drop them. Values are streamed in chunks and each distinct
value is converted once. Converting into a select type without giving options creates one option
per distinct value, as Airtable and Feishu do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Connection, Integer, MetaData, Table, Text, bindparam, func, select
from sqlalchemy import text as sql_text
from sqlalchemy import update as sql_update

from schemas.field import FieldSpec

from . import indexes, meta, schema, storage
from .errors import SchemaError, ValueProblem
from .fields import FieldType, field_type
from .fields.choice import MultipleSelectType, SingleSelectType
from .model import FieldDef, TableSchema, load_table
from .names import clean_name, column_name, name_key
from .rules import Rules, parse_rules

CHUNK = 5_000
EXAMPLES = 10
MAX_NEW_CHOICES = 1_000  # distinct values beyond these fail to convert and are kept


@dataclass
class Failure:
    record_id: int
    value: str
    message_en: str
    message_zh: str


@dataclass
class ConversionPreview:
    """What a type change would do: counts, and examples of values converted and not."""

    total: int = 0  # non-empty values
    converted: int = 0
    failed: int = 0
    examples: list[tuple[str, str]] = field(default_factory=list)  # (before, after) as text
    failures: list[Failure] = field(default_factory=list)
    dropped_rules: list[str] = field(default_factory=list)
    new_choices: list[str] = field(default_factory=list)  # select options made from the values


@dataclass
class ConversionResult(ConversionPreview):
    kept_in_field_id: int | None = None  # the text field holding values that did not convert


def _empty(ftype: FieldType, value: Any) -> bool:
    return value is None or value == [] or (value is False and ftype.name == "checkbox")


def value_chunks(
    conn: Connection, table: TableSchema, fdef: FieldDef
) -> Iterator[list[tuple[int, Any]]]:
    """The field's non-empty values as (record id, value), a chunk at a time in id order. Each
    chunk is its own keyset query, so no cursor stays open while the caller writes."""
    sql = table.sql
    col = sql.c[fdef.column]
    ftype = fdef.type
    query = select(sql.c.id, col).where(col.is_not(None)).order_by(sql.c.id).limit(CHUNK)
    last: int | None = None
    while True:
        page = conn.execute(query if last is None else query.where(sql.c.id > last)).all()
        if not page:
            return
        last = page[-1][0]
        pairs = ((rid, ftype.from_db(raw)) for rid, raw in page)
        yield [(rid, value) for rid, value in pairs if not _empty(ftype, value)]


def _target(
    conn: Connection, table: TableSchema, fdef: FieldDef, type_name: str, options: dict[str, Any]
) -> tuple[FieldType, list[str]]:
    """The new type, and the select options made for it from the field's values."""
    new = field_type(type_name, options)
    if not isinstance(new, SingleSelectType) or options.get("choices"):
        return new, []
    if isinstance(fdef.type, SingleSelectType):  # select to select: the options stay
        return field_type(type_name, {**options, **fdef.type.options_dict()}), []
    split = new.split if isinstance(new, MultipleSelectType) else None
    names = _distinct_names(conn, table, fdef, split)
    if not names:
        return new, []
    return field_type(type_name, {**options, "choices": names}), names


def _distinct_names(
    conn: Connection,
    table: TableSchema,
    fdef: FieldDef,
    split: Callable[[str], list[str]] | None,
) -> list[str]:
    """The field's distinct values (split into parts by `split`) as option names, in the order
    they first appear."""
    sql = table.sql
    col = sql.c[fdef.column]
    query = (
        select(col)
        .where(col.is_not(None))
        .group_by(col)
        .order_by(func.min(sql.c.position), func.min(sql.c.id))
    )
    names: dict[str, None] = {}
    for (raw,) in conn.execute(query.limit(2 * MAX_NEW_CHOICES)):
        value = fdef.type.from_db(raw)
        if _empty(fdef.type, value):
            continue
        text = fdef.type.to_text(value)
        for part in split(text) if split else [text]:
            try:
                names.setdefault(clean_name(part, "option name"), None)
            except SchemaError:
                continue  # not a possible option name: the value fails and is kept
    return list(names)[:MAX_NEW_CHOICES]


def kept_rules(rules: Rules, new: FieldType, name: str) -> tuple[Rules, list[str]]:
    data = rules.model_dump(exclude_defaults=True)
    dropped: list[str] = []
    checks = {
        "unique": new.can_be_unique,
        "min": new.has_range,
        "max": new.has_range,
        "min_length": new.has_length,
        "max_length": new.has_length,
        "pattern": new.has_length,
        "pattern_message": new.has_length,
        "required": not new.read_only,
        "default": not new.read_only,
    }
    for key, ok in checks.items():
        if key in data and not ok:
            dropped.append(key)
            del data[key]
    for key in ("min", "max", "default"):
        if key in data:
            try:
                parse_rules({key: data[key]}, new, name)
            except SchemaError:
                dropped.append(key)
                del data[key]
    return parse_rules(data, new, name), dropped


def refuse_primary(table: TableSchema, fdef: FieldDef, new: FieldType) -> None:
    if fdef.id == table.primary_field_id and not new.can_be_primary:
        raise SchemaError(
            f"{fdef.name!r} is the primary field and a {new.label_en} field cannot be primary",
            f"{fdef.name!r} 是主字段，{new.label_zh}字段不能作为主字段",
        )


Sink = Callable[[list[tuple[int, Any]], list[tuple[int, str]]], None]


def _convert_all(
    conn: Connection,
    table: TableSchema,
    fdef: FieldDef,
    new: FieldType,
    result: ConversionPreview,
    sink: Sink | None = None,
) -> None:
    """Convert every stored value; `sink(converted, failed)` receives each chunk."""
    source = fdef.type
    if new.read_only:  # a computed type replaces every value: none is kept
        sink_all: Sink = sink or (lambda _pairs, _failed: None)
        return _replace_all(conn, table, fdef, result, sink_all)
    memo: dict[Any, tuple[bool, Any]] = {}
    for chunk in value_chunks(conn, table, fdef):
        batch: list[tuple[int, Any]] = []
        failed: list[tuple[int, str]] = []
        for rid, value in chunk:
            result.total += 1
            key = value if isinstance(value, str | int | float | bool) else repr(value)
            outcome = memo.get(key)
            if outcome is None:
                try:
                    outcome = (True, new.convert_from(value, source))
                except ValueProblem as p:
                    outcome = (False, p)
                memo[key] = outcome
            ok, out = outcome
            if ok and out is not None:
                result.converted += 1
                if len(result.examples) < EXAMPLES:
                    result.examples.append((source.to_text(value), new.to_text(out)))
                batch.append((rid, out))
                continue
            result.failed += 1
            original = source.to_text(value)
            if len(result.failures) < EXAMPLES:
                if ok:
                    en, zh = "converts to an empty value", "转换后为空值"
                else:
                    en, zh = out.message_en, out.message_zh
                result.failures.append(Failure(rid, original, en, zh))
            failed.append((rid, original))
        if sink is not None:
            sink(batch, failed)
    return None


def _replace_all(
    conn: Connection, table: TableSchema, fdef: FieldDef, result: ConversionPreview, sink: Sink
) -> None:
    for chunk in value_chunks(conn, table, fdef):
        failed: list[tuple[int, str]] = []
        for rid, value in chunk:
            result.total += 1
            result.failed += 1
            original = fdef.type.to_text(value)
            if len(result.failures) < EXAMPLES:
                en, zh = "is replaced by computed values", "将被系统计算的值替换"
                result.failures.append(Failure(rid, original, en, zh))
            failed.append((rid, original))
        sink([], failed)


def preview(
    conn: Connection, table_id: int, ref: str | int, type_name: str, options: dict[str, Any]
) -> ConversionPreview:
    """What `change_type` would do, without changing anything."""
    from . import convert_links, relations

    table = load_table(conn, table_id)
    fdef = table.field(ref)
    convert_links.refuse_computed(fdef, type_name)
    if type_name == fdef.type.name and type_name in relations.RELATIONAL:
        return ConversionPreview()  # the field is computed again from its new options
    if type_name == "link":
        return convert_links.preview_link(conn, table, fdef, options)
    if fdef.type.name == "link":
        relations.detach_link(conn, table, fdef, check_only=True)
    new, names = _target(conn, table, fdef, type_name, options)
    refuse_primary(table, fdef, new)
    result = ConversionPreview(new_choices=names)
    _, result.dropped_rules = kept_rules(fdef.rules, new, fdef.name)
    _convert_all(conn, table, fdef, new, result)
    return result


def change_type(
    conn: Connection,
    table_id: int,
    ref: str | int,
    type_name: str,
    options: dict[str, Any],
    *,
    keep_unconverted: bool = True,
) -> ConversionResult:
    """Convert a field to another type (or the same type with other options), in the caller's
    transaction. Its rules that the new type supports stay; a unique rule is checked again."""
    from . import convert_links, relations

    table = load_table(conn, table_id)
    fdef = table.field(ref)
    convert_links.refuse_computed(fdef, type_name)
    if type_name == fdef.type.name and type_name in relations.RELATIONAL:
        relations.redefine(conn, table_id, fdef.id, options)
        return ConversionResult()
    if type_name == "link":
        return convert_links.to_link(conn, table, fdef, options, keep_unconverted=keep_unconverted)
    new, names = _target(conn, table, fdef, type_name, options)
    refuse_primary(table, fdef, new)
    if fdef.type.name == "link":  # its inverse and junction go; its titles become values
        relations.detach_link(conn, table, fdef)
    rules, dropped = kept_rules(fdef.rules, new, fdef.name)
    result = ConversionResult(dropped_rules=dropped, new_choices=names)
    keeper = Keeper(conn, table, fdef, enabled=keep_unconverted)
    view_index = fdef.type.stored and indexes.index_name(table, fdef) in storage.indexes_on(
        conn, table_id, fdef.column
    )
    if new.stored:
        _into_new_column(conn, table, fdef, new, result, keeper.keep)
    else:
        _convert_all(conn, table, fdef, new, result, lambda _pairs, failed: keeper.keep(failed))
        storage.drop_column(conn, table_id, fdef)
    conn.execute(
        sql_update(meta.fields)
        .where(meta.fields.c.id == fdef.id)
        .values(
            type=new.name, options=new.options_dict(), rules=rules.model_dump(exclude_defaults=True)
        )
    )
    new_def = FieldDef(fdef.id, table_id, fdef.name, new, rules, fdef.position, fdef.description)
    if new.stored and rules.unique:
        schema.refuse_duplicates(conn, load_table(conn, table_id), new_def)
        storage.add_unique(conn, table_id, new_def)
    if view_index and new.stored:
        indexes.ensure_index(conn, load_table(conn, table_id), new_def)
    relations.type_changed(conn, load_table(conn, table_id), fdef.id)
    result.kept_in_field_id = keeper.field_id
    return result


def _into_new_column(
    conn: Connection,
    table: TableSchema,
    fdef: FieldDef,
    new: FieldType,
    result: ConversionResult,
    keep: Callable[[list[tuple[int, str]]], None],
) -> None:
    """Convert into a new column, then put it in the place of the old one."""
    temp = f"{column_name(fdef.id)}_new"
    storage.add_raw_column(conn, table.id, Column(temp, new.column_type()))
    target = Table(
        table.physical_name,
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column(temp, new.column_type()),
    )
    stmt = (
        sql_update(target)
        .where(target.c.id == bindparam("rid"))
        .values({temp: bindparam("v", type_=new.column_type())})
    )

    def sink(pairs: list[tuple[int, Any]], failed: list[tuple[int, str]]) -> None:
        if pairs:
            conn.execute(stmt, [{"rid": rid, "v": v} for rid, v in pairs])
        keep(failed)

    _convert_all(conn, table, fdef, new, result, sink)
    storage.drop_column(conn, table.id, fdef)
    default = new.column_default()  # SQL literal text from the type class, never from users
    if default is not None:
        conn.execute(
            sql_update(target).where(target.c[temp].is_(None)).values({temp: sql_text(default)})
        )
    storage.rename_column(conn, table.id, temp, column_name(fdef.id))
    if default is not None and conn.dialect.name != "sqlite":
        # SQLite keeps the column nullable without a default, which the engine never relies on
        storage.set_not_null_default(conn, table.id, column_name(fdef.id), new)


class Keeper:
    """Keeps the values that did not convert in a long-text field made on first need."""

    def __init__(self, conn: Connection, table: TableSchema, fdef: FieldDef, *, enabled: bool):
        self.conn = conn
        self.table = table
        self.fdef = fdef
        self.enabled = enabled
        self.field_id: int | None = None

    def keep(self, failed: list[tuple[int, str]]) -> None:
        if not failed or not self.enabled:
            return
        if self.field_id is None:
            self.field_id = self._companion()
        col = column_name(self.field_id)
        target = Table(
            self.table.physical_name,
            MetaData(),
            Column("id", Integer, primary_key=True),
            Column(col, Text()),
        )
        self.conn.execute(
            sql_update(target).where(target.c.id == bindparam("rid")).values({col: bindparam("v")}),
            [{"rid": rid, "v": v} for rid, v in failed],
        )

    def _companion(self) -> int:
        taken = {name_key(f.name) for f in self.table.fields}
        base = f"{self.fdef.name[:200]} (original)"
        name, n = base, 2
        while name_key(name) in taken:
            name, n = f"{base} {n}", n + 1
        spec = FieldSpec(
            name=name,
            type="long_text",
            description=f"Values of {self.fdef.name!r} that did not convert / 未能转换的原值",
        )
        return schema.add_field(self.conn, self.table.id, spec)
