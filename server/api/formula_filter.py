"""`filterByFormula`: a formula of the formula language, compiled to one SQL condition through
the engine's formula compiler (never evaluated in Python), against the table as the user may see
it — a field hidden from them is an unknown field. A record is kept where the formula's value
counts as true and is not an error, as in Airtable."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, literal

from engine.computed import formula_type
from engine.formula import FieldInfo, compile_condition, parse
from engine.model import TableSchema
from engine.query import Compiler, QueryContext
from engine.sqltypes import UTCDateTime


def condition(
    conn: Connection, schema: TableSchema, text: str, ctx: QueryContext
) -> ColumnElement[bool]:
    def by_name(name: str) -> FieldInfo | None:
        for f in schema.fields:
            if f.name == name:
                return FieldInfo(f.id, f.name, formula_type(f))
        key = name.strip().casefold()
        for f in schema.fields:
            if f.name.strip().casefold() == key:
                return FieldInfo(f.id, f.name, formula_type(f))
        return None

    formula = parse(text, by_name)
    compiler = Compiler(conn, schema, ctx)
    t = schema.sql

    def column(fid: int) -> ColumnElement[Any]:
        return compiler.column(schema.field(fid))

    return compile_condition(
        formula,
        column,
        dialect=conn.dialect.name,
        record_id=t.c.id,
        created=t.c.created_at,
        modified=t.c.updated_at,
        timezone=ctx.clock.timezone,
        now=literal(ctx.clock.now, UTCDateTime()),
    )
