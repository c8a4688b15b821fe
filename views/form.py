"""Form views: a page that creates records, with per-field labels, help and required marks.

A submission writes only the fields the form shows: a value for any other field, or for no
field at all, is a problem. Problems name fields by the label the form gives them, and every
problem — the form's own (required, not on the form) and the table's (types, rules) — is
reported at once, with nothing written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from engine import records
from engine.errors import NotFound, Problem, SchemaError, ValidationError
from engine.model import FieldDef, TableSchema

from .model import FormConfig, FormField, View


def _config(view: View) -> FormConfig:
    if view.kind != "form":
        raise SchemaError("This view is not a form", "此视图不是表单")
    config: FormConfig = view.config
    return config


def _empty(f: FieldDef, value: Any) -> bool:
    if f.type.name == "checkbox":  # a required box on a form must be ticked, as in Airtable
        return value is None or value is False or (isinstance(value, str) and not value.strip())
    if isinstance(value, str):
        return not value.strip()
    return value is None or value == [] or value == {}


def submit(
    ctx: records.WriteContext, schema: TableSchema, view: View, data: Mapping[Any, Any]
) -> int:
    """Create a record from a form submission (keys: field ids or names); its id."""
    config = _config(view)
    on_form: dict[int, FormField] = {}
    for ff in config.fields:
        if any(f.id == ff.field for f in schema.fields):
            on_form[ff.field] = ff
    problems: list[Problem] = []
    values: dict[int, Any] = {}
    for key, value in data.items():
        try:
            f = schema.field(key)
        except NotFound:
            problems.append(
                Problem(
                    "unknown_field",
                    f"The form has no field {key!r}",
                    f"表单中没有字段 {key!r}",
                    field_name=str(key),
                )
            )
            continue
        if f.id not in on_form:
            problems.append(
                Problem(
                    "not_on_form",
                    f"{f.name!r} is not on this form",
                    f"{f.name!r} 不在此表单中",
                    field_id=f.id,
                    field_name=f.name,
                )
            )
        elif f.id in values:
            problems.append(
                Problem(
                    "duplicate_key",
                    f"{f.name!r} is given twice",
                    f"{f.name!r} 被重复给出",
                    field_id=f.id,
                    field_name=f.name,
                )
            )
        else:
            values[f.id] = value
    for fid, ff in on_form.items():
        if ff.required and _empty(schema.field(fid), values.get(fid)):
            problems.append(
                Problem("required", "A value is required", "此字段为必填项", field_id=fid)
            )
    try:
        with ctx.conn.begin_nested():  # rolled back unless the whole submission is good
            ids = records.create(ctx, schema, [values])
            if problems:
                raise ValidationError(list(problems))
    except ValidationError as err:
        said = {(p.field_id, p.code) for p in problems}
        merged = problems + [p for p in err.problems if (p.field_id, p.code) not in said]
        raise ValidationError([_labelled(p, schema, on_form) for p in merged]) from None
    return ids[0]


def _labelled(p: Problem, schema: TableSchema, on_form: Mapping[int, FormField]) -> Problem:
    """The problem as the form shows it: the field called by its form label, no batch row."""
    name = p.field_name
    if p.field_id is not None and p.field_id in on_form:
        name = on_form[p.field_id].label or schema.field(p.field_id).name
    return dataclasses.replace(p, field_name=name, row=None)
