"""The formula language: Airtable's syntax and semantics, parsed (a hand-written Pratt parser),
type-checked and compiled to one SQLAlchemy expression that runs on SQLite and PostgreSQL.

    formula = parse("IF({Price} > 100, 'big', 'small')", fields_by_name)
    stored = formula.stored                       # fields as {fld:12}, safe across renames
    expr = compile_formula(formula, columns, dialect="sqlite", record_id=t.c.id, ...)
    conn.execute(update(t).values({col: expr}).where(t.c.id.in_(ids)))
"""

from __future__ import annotations

from .compiler import compile_condition, compile_error, compile_formula, compile_parts
from .errors import FormulaError
from .formula import Formula, parse, parse_stored, to_display, to_stored
from .nodes import Node
from .sqlite_udfs import register_sqlite_functions
from .types import FieldInfo, FType, ftype_of_field_type, unify

__all__ = [
    "FType",
    "FieldInfo",
    "Formula",
    "FormulaError",
    "Node",
    "compile_condition",
    "compile_error",
    "compile_formula",
    "compile_parts",
    "ftype_of_field_type",
    "parse",
    "parse_stored",
    "register_sqlite_functions",
    "to_display",
    "to_stored",
    "unify",
]
