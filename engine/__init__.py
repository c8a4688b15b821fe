"""Tessera's engine: tables, typed fields, validation, records — no HTTP, no HTML."""

from typing import TYPE_CHECKING

from .lazy import loader

if TYPE_CHECKING:
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

# each name and the module that defines it, loaded when first used: a process that needs one
# part of the engine (the .xlsx parse helper, the command line's help) loads only that part
_WHERE = {
    "Base": ".api",
    "Database": ".api",
    "Table": ".api",
    "connect": ".api",
    "Conflict": ".errors",
    "Forbidden": ".errors",
    "NotFound": ".errors",
    "Problem": ".errors",
    "RateLimited": ".errors",
    "SchemaError": ".errors",
    "TesseraError": ".errors",
    "Unauthorized": ".errors",
    "ValidationError": ".errors",
    "Record": ".record",
}


__getattr__ = loader(__name__, _WHERE)


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
