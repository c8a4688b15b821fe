"""Changing a field: its options (select renames rewrite rows) and its type (values converted).

A type change never loses data silently: `preview` says how many values convert and shows the
ones that do not; `change_type` keeps those in a text field beside the converted one unless the
caller asks to drop them. Values are streamed in chunks and each distinct value is converted once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Connection, bindparam, select, text, update

from schemas.field import FieldSpec

from . import meta, schema, storage
from .errors import SchemaError, ValueProblem
from .fields import FieldType, field_type
from .fields.choice import SingleSelectType
from .model import FieldDef, TableSchema, load_table
from .names import column_name, name_key
from .rules import Rules, parse_rules

CHUNK = 5_000
EXAMPLES = 10


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


@dataclass
class ConversionResult(ConversionPreview):
    kept_in_field_id: int | None = None  # the text field holding values that did not convert


def _target(fdef: FieldDef, type_name: str, options: dict[str, Any]) -> FieldType:
    new = field_type(type_name, options)
    if (
        fdef.type.name in ("single_select", "multiple_select")
        and new.name
        in (
            "single_select",
            "multiple_select",
        )
        and not options.get("choices")
    ):
        new = field_type(type_name, fdef.type.options_dict())
    return new


def _kept_rules(rules: Rules, new: FieldType, name: str) -> tuple[Rules, list[str]]:
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


def _stream(conn: Connection, table: TableSchema, fdef: FieldDef) -> Any:
    sql = table.sql
    col = sql.c[fdef.column]
    return conn.execution_options(yield_per=CHUNK).execute(
        select(sql.c.id, col).where(col.is_not(None)).order_by(sql.c.id)
    )


def _convert_all(
    conn: Connection,
    table: TableSchema,
    fdef: FieldDef,
    new: FieldType,
    result: ConversionPreview,
    sink: Any = None,
) -> None:
    """Convert every stored value; `sink(pairs, failures)` receives each chunk."""
    source = fdef.type
    memo: dict[Any, tuple[bool, Any]] = {}
    batch: list[tuple[int, Any]] = []
    failed: list[tuple[int, str]] = []

    def key_of(raw: Any) -> Any:
        return raw if isinstance(raw, str | int | float | bool) else repr(raw)

    for rid, raw in _stream(conn, table, fdef):
        value = source.from_db(raw)
        if value is None or value == [] or (value is False and source.name == "checkbox"):
            continue
        result.total += 1
        k = key_of(raw)
        outcome = memo.get(k)
        if outcome is None:
            try:
                outcome = (True, new.convert_from(value, source))
            except ValueProblem as p:
                outcome = (False, p)
            memo[k] = outcome
        ok, out = outcome
        if ok and out is not None:
            result.converted += 1
            if len(result.examples) < EXAMPLES:
                result.examples.append((source.to_text(value), new.to_text(out)))
            batch.append((rid, out))
        else:
            result.failed += 1
            original = source.to_text(value)
            if len(result.failures) < EXAMPLES:
                if ok:
                    en, zh = "converts to an empty value", "转换后为空值"
                else:
                    en, zh = out.message_en, out.message_zh
                result.failures.append(Failure(rid, original, en, zh))
            failed.append((rid, original))
        if sink is not None and len(batch) + len(failed) >= CHUNK:
            sink(batch, failed)
            batch, failed = [], []
    if sink is not None and (batch or failed):
        sink(batch, failed)


def preview(
    conn: Connection, table_id: int, ref: str | int, type_name: str, options: dict[str, Any]
) -> ConversionPreview:
    table = load_table(conn, table_id)
    fdef = table.field(ref)
    new = _target(fdef, type_name, options)
    result = ConversionPreview()
    _, result.dropped_rules = _kept_rules(fdef.rules, new, fdef.name)
    if new.read_only:
        _count_only(conn, table, fdef, result)
    else:
        _convert_all(conn, table, fdef, new, result)
    return result


def _count_only(
    conn: Connection, table: TableSchema, fdef: FieldDef, result: ConversionPreview
) -> None:
    """Converting into a computed type replaces every value: all of them count as not kept."""
    for rid, raw in _stream(conn, table, fdef):
        value = fdef.type.from_db(raw)
        if value is None or value == []:
            continue
        result.total += 1
        result.failed += 1
        if len(result.failures) < EXAMPLES:
            result.failures.append(
                Failure(
                    rid,
                    fdef.type.to_text(value),
                    "is replaced by computed values",
                    "将被系统计算的值替换",
                )
            )


def change_type(
    conn: Connection,
    table_id: int,
    ref: str | int,
    type_name: str,
    options: dict[str, Any],
    *,
    keep_unconverted: bool = True,
) -> ConversionResult:
    table = load_table(conn, table_id)
    fdef = table.field(ref)
    new = _target(fdef, type_name, options)
    if fdef.id == table.primary_field_id and not new.can_be_primary:
        raise SchemaError(
            f"{fdef.name!r} is the primary field and a {new.label_en} field cannot be primary",
            f"{fdef.name!r} 是主字段，{new.label_zh}字段不能作为主字段",
        )
    rules, dropped = _kept_rules(fdef.rules, new, fdef.name)
    result = ConversionResult(dropped_rules=dropped)
    keeper: list[int] = []

    def keep(failed: list[tuple[int, str]]) -> None:
        if not failed or not keep_unconverted:
            return
        if not keeper:
            keeper.append(_companion_field(conn, table, fdef))
        t = load_table(conn, table_id).sql
        col = column_name(keeper[0])
        conn.execute(
            update(t).where(t.c.id == bindparam("rid")).values({col: bindparam("v")}),
            [{"rid": rid, "v": v} for rid, v in failed],
        )

    new_def = FieldDef(fdef.id, table_id, fdef.name, new, Rules(), fdef.position)
    if new.stored:
        temp = f"{column_name(fdef.id)}_new"
        storage.add_raw_column(conn, table_id, Column(temp, new.column_type()))
        temp_table = load_table(conn, table_id).sql
        temp_table.append_column(Column(temp, new.column_type()), replace_existing=True)
        stmt = (
            update(temp_table)
            .where(temp_table.c.id == bindparam("rid"))
            .values({temp: bindparam("v", type_=new.column_type())})
        )

        def sink(pairs: list[tuple[int, Any]], failed: list[tuple[int, str]]) -> None:
            if pairs:
                conn.execute(stmt, [{"rid": rid, "v": v} for rid, v in pairs])
            keep(failed)

        if fdef.type.stored:
            _convert_all(conn, table, fdef, new, result, sink)
        else:
            _convert_all(conn, table, fdef, new, result, sink)
        if fdef.type.stored:
            storage.drop_column(conn, table_id, fdef, unique=fdef.rules.unique)
        default = new.column_default()
        if default is not None:
            conn.execute(
                text(
                    f'UPDATE "{table.physical_name}" SET "{temp}" = {default} '
                    f'WHERE "{temp}" IS NULL'
                )
            )
        storage.rename_column(conn, table_id, temp, column_name(fdef.id))
        if default is not None:
            _set_not_null_default(conn, table_id, new_def)
    else:
        failures: list[tuple[int, str]] = []
        for rid, raw in _stream(conn, table, fdef):
            value = fdef.type.from_db(raw)
            if value is None or value == []:
                continue
            result.total += 1
            result.failed += 1
            failures.append((rid, fdef.type.to_text(value)))
        keep(failures)
        if fdef.type.stored:
            storage.drop_column(conn, table_id, fdef, unique=fdef.rules.unique)
    conn.execute(
        update(meta.fields)
        .where(meta.fields.c.id == fdef.id)
        .values(
            type=new.name, options=new.options_dict(), rules=rules.model_dump(exclude_defaults=True)
        )
    )
    if rules.unique and new.stored:
        schema._refuse_duplicates(conn, load_table(conn, table_id), new_def)
        storage.add_unique(conn, table_id, FieldDef(fdef.id, table_id, fdef.name, new, rules, 0))
    result.kept_in_field_id = keeper[0] if keeper else None
    return result


def _set_not_null_default(conn: Connection, table_id: int, fdef: FieldDef) -> None:
    """Give a renamed column its server default and NOT NULL (PostgreSQL; SQLite keeps the
    column nullable, which the engine never relies on)."""
    if conn.dialect.name == "sqlite":
        return
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    from .names import table_name

    ops = Operations(MigrationContext.configure(conn))
    ops.alter_column(
        table_name(table_id),
        column_name(fdef.id),
        server_default=text(fdef.type.column_default() or "NULL"),
        nullable=False,
        existing_type=fdef.type.column_type(),
    )


def _companion_field(conn: Connection, table: TableSchema, fdef: FieldDef) -> int:
    taken = {name_key(f.name) for f in table.fields}
    base = f"{fdef.name} (original)"
    name, n = base, 2
    while name_key(name) in taken:
        name, n = f"{base} {n}", n + 1
    return schema.add_field(
        conn,
        table.id,
        FieldSpec(
            name=name,
            type="long_text",
            description=f"Values of {fdef.name!r} that did not convert / 未能转换的原值",
        ),
    )


# --- options ------------------------------------------------------------------------------------
def set_options(conn: Connection, table_id: int, ref: str | int, options: dict[str, Any]) -> None:
    """New options for a field of the same type. Select options are matched by id (or, without
    an id, by name): a renamed option rewrites the rows that hold it, a removed one is cleared."""
    table = load_table(conn, table_id)
    fdef = table.field(ref)
    old = fdef.type
    if isinstance(old, SingleSelectType):
        options = _keep_option_ids(old, options)
    new = field_type(old.name, options)
    if new.column_type().__class__ is not old.column_type().__class__ or new.stored != old.stored:
        raise SchemaError(
            f"These options change how {fdef.name!r} is stored; change its type instead",
            f"这些选项会改变 {fdef.name!r} 的存储方式，请改用类型转换",
        )
    if isinstance(old, SingleSelectType) and isinstance(new, SingleSelectType):
        _rewrite_choices(conn, table, fdef, old, new)
    parse_rules(fdef.rules, new, fdef.name)
    conn.execute(
        update(meta.fields).where(meta.fields.c.id == fdef.id).values(options=new.options_dict())
    )


def _keep_option_ids(old: SingleSelectType, options: dict[str, Any]) -> dict[str, Any]:
    by_name = {c.name: c.id for c in old.options.choices}
    choices = []
    for c in options.get("choices", []):
        if isinstance(c, str):
            c = {"name": c}
        c = dict(c)
        if "id" not in c and c.get("name") in by_name:
            c["id"] = by_name[c["name"]]
        if "color" not in c:
            prev = [o for o in old.options.choices if o.id == c.get("id")]
            if prev:
                c["color"] = prev[0].color
        choices.append(c)
    return {**options, "choices": choices}


def _rewrite_choices(
    conn: Connection,
    table: TableSchema,
    fdef: FieldDef,
    old: SingleSelectType,
    new: SingleSelectType,
) -> None:
    new_by_id = {c.id: c.name for c in new.options.choices}
    renamed = [
        (c.name, new_by_id[c.id])
        for c in old.options.choices
        if c.id in new_by_id and new_by_id[c.id] != c.name
    ]
    removed = [c.name for c in old.options.choices if c.id not in new_by_id]
    t = table.physical_name
    col = fdef.column
    pg = conn.dialect.name == "postgresql"
    multi = old.is_list
    # two steps through placeholders so that swapping two names (a→b, b→a) works
    steps = [(a, f"\x00{i}") for i, (a, _) in enumerate(renamed)]
    steps += [(f"\x00{i}", b) for i, (_, b) in enumerate(renamed)]
    for a, b in steps:
        if not multi:
            conn.execute(
                text(f'UPDATE "{t}" SET "{col}" = :b WHERE "{col}" = :a'), {"a": a, "b": b}
            )
        elif pg:
            conn.execute(
                text(
                    f'UPDATE "{t}" SET "{col}" = (SELECT jsonb_agg(CASE WHEN x.e = to_jsonb(CAST(:a AS text)) '
                    f"THEN to_jsonb(CAST(:b AS text)) ELSE x.e END ORDER BY x.o) "
                    f'FROM jsonb_array_elements("{t}"."{col}") WITH ORDINALITY AS x(e, o)) '
                    f'WHERE "{col}" @> jsonb_build_array(CAST(:a AS text))'
                ),
                {"a": a, "b": b},
            )
        else:
            conn.execute(
                text(
                    f'UPDATE "{t}" SET "{col}" = (SELECT json_group_array(CASE WHEN j.value = :a '
                    f'THEN :b ELSE j.value END) FROM json_each("{t}"."{col}") AS j) '
                    f'WHERE EXISTS (SELECT 1 FROM json_each("{t}"."{col}") AS k WHERE k.value = :a)'
                ),
                {"a": a, "b": b},
            )
    for name in removed:
        if not multi:
            conn.execute(text(f'UPDATE "{t}" SET "{col}" = NULL WHERE "{col}" = :a'), {"a": name})
        elif pg:
            conn.execute(
                text(
                    f'UPDATE "{t}" SET "{col}" = (SELECT jsonb_agg(x.e ORDER BY x.o) '
                    f'FROM jsonb_array_elements("{t}"."{col}") WITH ORDINALITY AS x(e, o) '
                    f"WHERE x.e <> to_jsonb(CAST(:a AS text))) "
                    f'WHERE "{col}" @> jsonb_build_array(CAST(:a AS text))'
                ),
                {"a": name},
            )
        else:
            conn.execute(
                text(
                    f'UPDATE "{t}" SET "{col}" = (SELECT CASE WHEN count(*) = 0 THEN NULL '
                    f"ELSE json_group_array(j.value) END "
                    f'FROM json_each("{t}"."{col}") AS j WHERE j.value <> :a) '
                    f'WHERE EXISTS (SELECT 1 FROM json_each("{t}"."{col}") AS k WHERE k.value = :a)'
                ),
                {"a": name},
            )
