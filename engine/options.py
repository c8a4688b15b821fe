"""Changing a field's options within its type.

Select options are matched by id (or, given without an id, by name, so they keep their id and
colour): renaming an option rewrites the rows that hold it, removing one clears it from them,
and the filters and kanban stacks that name it follow (`engine.option_refs`).
Other options may change only if every stored value still fits them; otherwise the change is a
type change (`convert.change_type`), which keeps what does not fit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, update
from sqlalchemy import text as sql_text

from . import meta, option_refs
from .convert import value_chunks
from .errors import SchemaError, ValueProblem
from .fields import FieldType, field_type
from .fields.choice import SingleSelectType
from .model import FieldDef, TableSchema, load_table
from .rules import Rules, parse_rules

PLACEHOLDER = "\x01tessera:{}"  # never an option name: names cannot hold control characters


def set_options(conn: Connection, table_id: int, ref: str | int, options: dict[str, Any]) -> None:
    """New options for a field of the same type, in the caller's transaction."""
    table = load_table(conn, table_id)
    fdef = table.field(ref)
    old = fdef.type
    from . import relations

    if old.name in relations.RELATIONAL:
        relations.redefine(conn, table_id, fdef.id, options)
        return
    if isinstance(old, SingleSelectType):
        options = _keep_option_ids(old, options)
    new = field_type(old.name, options)
    if new.column_type().__class__ is not old.column_type().__class__ or new.stored != old.stored:
        raise SchemaError(
            f"These options change how {fdef.name!r} is stored; change its type instead",
            f"这些选项会改变 {fdef.name!r} 的存储方式，请改用类型转换",
        )
    rules = fdef.rules
    mapping: dict[str, str | None] = {}
    if isinstance(old, SingleSelectType) and isinstance(new, SingleSelectType):
        mapping = _choice_mapping(old, new)
        rules = _renamed_default(rules, mapping)
        rules = parse_rules(rules, new, fdef.name)
        _rewrite_choices(conn, table, fdef, mapping)
    else:
        rules = parse_rules(rules, new, fdef.name)  # a default or bound must still fit
        if new.stored and new.options_dict() != old.options_dict():
            _refuse_misfits(conn, table, fdef, new)
    conn.execute(
        update(meta.fields)
        .where(meta.fields.c.id == fdef.id)
        .values(options=new.options_dict(), rules=rules.model_dump(exclude_defaults=True))
    )
    if mapping:  # computed fields that read the options, or test them, follow
        relations.options_renamed(conn, table, fdef.id, mapping)
        assert isinstance(old, SingleSelectType)
        option_refs.follow(conn, table_id, fdef.id, old, mapping)  # filters and kanban stacks


def _choice_mapping(old: SingleSelectType, new: SingleSelectType) -> dict[str, str | None]:
    """Old option name -> its new name, or None when the option is gone (unchanged ones left out)."""
    new_names = {c.id: c.name for c in new.options.choices}
    return {
        c.name: new_names.get(c.id) for c in old.options.choices if new_names.get(c.id) != c.name
    }


def _renamed_default(rules: Rules, mapping: dict[str, str | None]) -> Rules:
    """The default follows a renamed option; a removed option is no longer a default."""
    default = rules.default
    if isinstance(default, str) and default in mapping:
        default = mapping[default]
    elif isinstance(default, list):
        default = [mapping.get(d, d) for d in default if mapping.get(d, d) is not None] or None
    return rules.model_copy(update={"default": default})


def _keep_option_ids(old: SingleSelectType, options: dict[str, Any]) -> dict[str, Any]:
    """Options given by name take the id and colour of the old option of that name."""
    by_name = {c.name: c for c in old.options.choices}
    by_id = {c.id: c for c in old.options.choices}
    choices = []
    for c in options.get("choices", []):
        c = {"name": c} if isinstance(c, str) else dict(c)
        if "id" not in c and isinstance(c.get("name"), str):
            same = by_name.get(c["name"].strip())
            if same is not None:
                c["id"] = same.id
        if "color" not in c and c.get("id") in by_id:
            c["color"] = by_id[c["id"]].color
        choices.append(c)
    return {**options, "choices": choices}


def _refuse_misfits(conn: Connection, table: TableSchema, fdef: FieldDef, new: FieldType) -> None:
    """A SchemaError if a stored value would be refused or changed by the new options."""
    seen: set[Any] = set()
    for chunk in value_chunks(conn, table, fdef):
        for _, value in chunk:
            key = value if isinstance(value, str | int | float | bool) else repr(value)
            if key in seen:
                continue
            seen.add(key)
            try:
                fits = new.normalize(value) == value
            except ValueProblem:
                fits = False
            if not fits:
                shown = fdef.type.to_text(value)[:60]
                raise SchemaError(
                    f"{shown!r} in {fdef.name!r} does not fit the new options; change the "
                    "field's type instead, which keeps the values that do not fit",
                    f"{fdef.name!r} 中的 {shown!r} 不符合新的选项；请改用类型转换，它会保留不符合的值",
                )


def _rewrite_choices(
    conn: Connection, table: TableSchema, fdef: FieldDef, mapping: dict[str, str | None]
) -> None:
    """Rename and clear option names in the rows, every option at once (so swapping two names
    works), in one statement per step."""
    if not mapping:
        return
    if fdef.type.is_list:
        _remap_lists(conn, table, fdef, mapping)
    elif fdef.rules.unique:
        # the unique index checks row by row: pass through placeholders so no step repeats a name
        names = list(mapping)
        _remap(conn, table, fdef, {a: PLACEHOLDER.format(i) for i, a in enumerate(names)})
        _remap(conn, table, fdef, {PLACEHOLDER.format(i): mapping[a] for i, a in enumerate(names)})
    else:
        _remap(conn, table, fdef, mapping)


def _remap(
    conn: Connection, table: TableSchema, fdef: FieldDef, mapping: dict[str, str | None]
) -> None:
    sql = table.sql
    col = sql.c[fdef.column]
    conn.execute(
        update(sql).where(col.in_(list(mapping))).values({fdef.column: case(mapping, value=col)})
    )


def _remap_lists(
    conn: Connection, table: TableSchema, fdef: FieldDef, mapping: dict[str, str | None]
) -> None:
    """Rename and remove names inside JSON lists, keeping their order; an emptied list is NULL."""
    params: dict[str, Any] = {}
    whens: list[str] = []
    removed: list[str] = []
    for i, (a, b) in enumerate(mapping.items()):
        params[f"a{i}"] = a
        if b is None:
            removed.append(f":a{i}")
        else:
            params[f"b{i}"] = b
            whens.append(f"WHEN :a{i} THEN CAST(:b{i} AS TEXT)")
    every = ", ".join(f":a{i}" for i in range(len(mapping)))
    # the names in the SQL are made from ids; every user value is a bound parameter
    t, c = table.physical_name, fdef.column
    renamed = f"CASE x.v {' '.join(whens)} ELSE x.v END" if whens else "x.v"
    keep = f"WHERE x.v NOT IN ({', '.join(removed)})" if removed else ""
    if conn.dialect.name == "postgresql":
        statement = (
            f'UPDATE "{t}" SET "{c}" = (SELECT jsonb_agg({renamed} ORDER BY x.o) '
            f'FROM jsonb_array_elements_text("{t}"."{c}") WITH ORDINALITY AS x(v, o) {keep}) '
            f'WHERE EXISTS (SELECT 1 FROM jsonb_array_elements_text("{t}"."{c}") AS k(v) '
            f"WHERE k.v IN ({every}))"
        )
    else:
        statement = (
            f'UPDATE "{t}" SET "{c}" = (SELECT CASE WHEN count(*) = 0 THEN NULL '
            f"ELSE json_group_array({renamed}) END "
            f'FROM (SELECT value AS v, key AS o FROM json_each("{t}"."{c}") ORDER BY key) AS x '
            f"{keep}) "
            f'WHERE EXISTS (SELECT 1 FROM json_each("{t}"."{c}") AS k WHERE k.value IN ({every}))'
        )
    conn.execute(sql_text(statement), params)
