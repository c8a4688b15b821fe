"""Tessera's engine: tables, typed fields, validation, records — no HTTP, no HTML."""

from .api import Base, Database, Table, connect
from .errors import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    RateLimited,
    SchemaError,
    TesseraError,
    Unauthorized,
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
    "RateLimited",
    "Record",
    "SchemaError",
    "Table",
    "TesseraError",
    "Unauthorized",
    "ValidationError",
    "connect",
]
