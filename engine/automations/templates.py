"""Message and value templates: `{客户}` / `{Name}` tokens replaced by the trigger record's values.

A template is written with field names and kept with field ids (`{#12}`), so a renamed field keeps
working; `{{` and `}}` are literal braces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from ..errors import NotFound, SchemaError
from ..model import FieldDef, TableSchema
from ..record import Record

TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def _bad(template: str, name: str, where: str) -> SchemaError:
    return SchemaError(
        f"{where}: the template {template!r} names {name!r}, which is not a field of the table",
        f"{where}：模板 {template!r} 中的 {name!r} 不是该表的字段",
    )


def to_ids(template: str, schema: TableSchema, where: str) -> str:
    """The stored form of a template written with names (or with `#id` tokens already)."""

    def swap(m: re.Match[str]) -> str:
        inner = m.group(1)
        if inner is None:
            return m.group(0)
        ref: str | int = inner.strip()
        if isinstance(ref, str) and ref.startswith("#") and ref[1:].isdecimal():
            ref = int(ref[1:])
        try:
            f = schema.field(ref)
        except NotFound:
            raise _bad(template, inner, where) from None
        return "{#" + str(f.id) + "}"

    check_braces(template, where)
    return TOKEN.sub(swap, template)


def check_braces(template: str, where: str) -> None:
    rest = TOKEN.sub("", template)
    if "{" in rest or "}" in rest:
        raise SchemaError(
            f"{where}: the template {template!r} has an unmatched brace (write {{{{ or }}}} for one)",
            f"{where}：模板 {template!r} 中有不成对的花括号（单个花括号请写作 {{{{ 或 }}}}）",
        )


def field_ids(template: str) -> list[int]:
    return [int(m.group(1)[1:]) for m in TOKEN.finditer(template) if m.group(1)]


def to_names(template: str, schema: TableSchema) -> str:
    """A stored template as a person writes it: `{#12}` becomes `{Name}`."""

    def swap(m: re.Match[str]) -> str:
        inner = m.group(1)
        if inner is None or not inner.startswith("#"):
            return m.group(0)
        try:
            return "{" + schema.field(int(inner[1:])).name + "}"
        except (NotFound, ValueError):
            return m.group(0)

    return TOKEN.sub(swap, template)


def render(
    template: str, schema: TableSchema, record: Record, user_names: Mapping[int, str]
) -> str:
    """The template's text for one record; a field it cannot read renders empty, a user field
    renders the users' names."""
    return _render(template, lambda f: text_of(f, record, user_names), schema)


def text_of(f: FieldDef, record: Record, user_names: Mapping[int, str]) -> str:
    value = record.by_id.get(f.id)
    if value is None or value == [] or value == "":
        return ""
    if f.type.name in ("user", "created_by", "last_modified_by"):
        ids = value if isinstance(value, list) else [value]
        return ", ".join(user_names.get(int(u), str(u)) for u in ids if isinstance(u, int))
    return f.type.to_text(value)


def _render(template: str, text: Callable[[FieldDef], str], schema: TableSchema) -> str:
    def swap(m: re.Match[str]) -> str:
        whole = m.group(0)
        if whole == "{{":
            return "{"
        if whole == "}}":
            return "}"
        inner = m.group(1) or ""
        try:
            return text(schema.field(int(inner[1:])))
        except (NotFound, ValueError):
            return ""

    return TOKEN.sub(swap, template)
