"""Naming the values that break a unique rule.

The database's unique index (live, non-empty values) is the guard; these functions say which
values of a batch it refused, so a ValidationError can list them with their rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from .batch import problem
from .errors import Problem, ValueProblem
from .model import FieldDef, TableSchema

CHUNK = 500


def unique_problems(
    conn: Connection,
    schema: TableSchema,
    columns: Mapping[FieldDef, list[Any]],
    row_numbers: Sequence[int],
    exclude_ids: Sequence[int] = (),
) -> list[Problem]:
    """Every value of a unique field that repeats within the batch or is held by a live record
    other than those in `exclude_ids` (the records being written, whose old values give way)."""
    problems: list[Problem] = []
    table = schema.sql
    excluded = set(exclude_ids)
    for f, values in columns.items():
        if not f.rules.unique or not f.type.stored:
            continue
        col = table.c[f.column]
        seen: dict[Any, int] = {}
        for i, v in enumerate(values):
            if v is None:
                continue
            if v in seen:
                problems.append(unique_problem(f, v, row_numbers[i]))
            else:
                seen[v] = i
        present = list(seen)
        taken: set[Any] = set()
        for k in range(0, len(present), CHUNK):
            q = select(table.c.id, col).where(
                col.in_(present[k : k + CHUNK]), table.c.trashed_at.is_(None)
            )
            taken.update(v for rid, v in conn.execute(q) if rid not in excluded)
        for v in taken:
            problems.append(unique_problem(f, v, row_numbers[seen[v]]))
    return problems


def batch_unique_problems(
    conn: Connection,
    schema: TableSchema,
    groups: Sequence[tuple[Mapping[FieldDef, list[Any]], Sequence[int]]],
    record_ids: Sequence[int],
) -> list[Problem]:
    """`unique_problems` of an update batch written in groups of (columns, row numbers);
    `record_ids[row]` is the record each row changes."""
    merged: dict[int, tuple[FieldDef, list[tuple[int, Any]]]] = {}
    for columns, rows in groups:
        for f, values in columns.items():
            if f.rules.unique:
                merged.setdefault(f.id, (f, []))[1].extend(zip(rows, values, strict=True))
    problems: list[Problem] = []
    for f, pairs in merged.values():
        pairs.sort(key=lambda pair: pair[0])
        rows = [row for row, _ in pairs]
        problems += unique_problems(
            conn, schema, {f: [v for _, v in pairs]}, rows, [record_ids[r] for r in rows]
        )
    return problems


def unique_problem(f: FieldDef, value: Any, row: int) -> Problem:
    shown = f.type.to_text(value)[:60]
    return problem(
        f,
        ValueProblem(
            "not_unique",
            f"{shown!r} is already used by another record; {f.name!r} must be unique",
            f"{shown!r} 已被其他记录使用；{f.name!r} 的值必须唯一",
        ),
        row,
    )
