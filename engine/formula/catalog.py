"""Every formula function, by name, in one explicit list."""

from __future__ import annotations

from .functions_array import FUNCTIONS as ARRAY_FUNCTIONS
from .functions_date import FUNCTIONS as DATE_FUNCTIONS
from .functions_logic import FUNCTIONS as LOGIC_FUNCTIONS
from .functions_number import FUNCTIONS as NUMBER_FUNCTIONS
from .functions_record import FUNCTIONS as RECORD_FUNCTIONS
from .functions_text import FUNCTIONS as TEXT_FUNCTIONS
from .registry import Function

_ALL: list[Function] = [
    *TEXT_FUNCTIONS,
    *LOGIC_FUNCTIONS,
    *NUMBER_FUNCTIONS,
    *DATE_FUNCTIONS,
    *ARRAY_FUNCTIONS,
    *RECORD_FUNCTIONS,
]
FUNCTIONS: dict[str, Function] = {f.name: f for f in _ALL}
assert len(FUNCTIONS) == len(_ALL), "a function is declared twice"
