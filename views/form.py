"""Form views: a page that creates records, with per-field labels, help and required marks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import records
from engine.errors import Problem, ValidationError
from engine.model import TableSchema

from .model import View


def submit(
    ctx: records.WriteContext, schema: TableSchema, view: View, data: Mapping[Any, Any]
) -> int:
    """Create a record from a form submission. Only the form's fields are taken; a field the
    form marks required must be filled. Every problem is reported at once, nothing half-written."""
    if view.kind != "form":
        raise ValueError("not a form view")
    allowed = {ff.field: ff for ff in view.config.fields}
    values: dict[int, Any] = {}
    problems: list[Problem] = []
    for key, value in data.items():
        f = schema.field(key)
        if f.id not in allowed:
            continue  # a form never writes a field it does not show
        values[f.id] = value
    for fid, ff in allowed.items():
        f = schema.field(fid)
        value = values.get(fid)
        if ff.required and (value is None or value == "" or value == []):
            problems.append(
                Problem(
                    "required",
                    "A value is required",
                    "此字段为必填项",
                    field_id=f.id,
                    field_name=ff.label or f.name,
                )
            )
    try:
        ids = records.create(ctx, schema, [values])
    except ValidationError as err:
        said = {(p.field_id, p.code) for p in problems}
        raise ValidationError(
            problems + [p for p in err.problems if (p.field_id, p.code) not in said]
        ) from None
    if problems:  # the transaction rolls back: nothing of this submission is kept
        raise ValidationError(problems)
    return ids[0]
