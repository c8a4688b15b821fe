"""Tessera's engine: tables, typed fields, validation, records — no HTTP, no HTML."""

from .api import Base, Database, Table, connect
from .errors import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    SchemaError,
    TesseraError,
    ValidationError,
)
from .record import Record

__all__ = [
    "Base",
    "Conflict",
    "Database",
    "Forbidden",
    "NotFound",
    "Problem",
    "Record",
    "SchemaError",
    "Table",
    "TesseraError",
    "ValidationError",
    "connect",
]
