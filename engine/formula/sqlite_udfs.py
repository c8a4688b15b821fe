"""The functions SQLite lacks, as deterministic Python functions on a connection.

The engine calls `register_sqlite_functions` from its SQLite on-connect hook. Each function
returns NULL (never raises) for input it cannot handle, so a bad row never aborts a statement;
the compiled SQL turns that NULL into the formula's error value where one is due.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
import sqlite3
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from . import pydates, pyvalues
from .datefmt import ParseSpec
from .dialect import value_of_text
from .regex import expand

_Fn = Callable[..., Any]


def _safe(fn: _Fn) -> _Fn:
    """NULL in, NULL out; and NULL instead of an exception."""

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        if any(a is None for a in args):
            return None
        try:
            return fn(*args)
        except (ValueError, TypeError, OverflowError, ArithmeticError, KeyError, re.error):
            return None

    return wrapper


def _never_raise(fn: _Fn) -> _Fn:
    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        try:
            return fn(*args)
        except (ValueError, TypeError, OverflowError, ArithmeticError, KeyError):
            return None

    return wrapper


def _text_of(value: dt.datetime) -> str:
    return value.isoformat(sep=" ", timespec="microseconds")


def _read(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@functools.lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _substitute(s: str, old: str, new: str, n: float) -> str:
    k = int(n)
    if old == "" or k < 1:
        return s
    parts = s.split(old)
    if len(parts) - 1 < k:
        return s
    return old.join(parts[:k]) + new + old.join(parts[k:])


def _dt_add(x: str, n: float, unit: str) -> str | None:
    if len(x) == 10:
        moved = pydates.add(dt.datetime.fromisoformat(x), n, unit)
        return None if moved is None else moved.date().isoformat()
    moved = pydates.add(_read(x), n, unit)
    return None if moved is None else _text_of(moved)


def _dt_parse(s: str, regex: str, roles: str, zone: str) -> str | None:
    found = pydates.parse(s, ParseSpec(regex, tuple(r for r in roles.split(",") if r)), zone)
    return None if found is None or not 1 <= found.year <= 9999 else _text_of(found)


def _workday(d: str, n: float, hol: str) -> str | None:
    day = pydates.workday(dt.date.fromisoformat(d), n, hol)
    return None if day is None else day.isoformat()


def _aggregate(op: str, *args: Any) -> float | None:
    items: list[Any] = []
    for kind, value in zip(args[::2], args[1::2], strict=True):
        if kind == "array":
            items.append(json.loads(value) if value is not None else [])
        else:
            items.append(value)
    return pyvalues.aggregate(op, items)


def _array_of(x: Any) -> str:
    return pyvalues.dumps([] if x is None else [x])


def _find(hay: str, needle: str, start: int) -> int:
    """As PostgreSQL's strpos(substr(hay, start), needle), shifted back to `hay`."""
    found = hay[int(start) - 1 :].find(needle) + 1
    return 0 if found == 0 else found + int(start) - 1


def _regex_match(s: str, p: str) -> int:
    return int(_regex(p).search(s) is not None)


def _regex_extract(s: str, p: str) -> str | None:
    m = _regex(p).search(s)
    return None if m is None else m.group(0)


def _regex_replace(s: str, p: str, r: str) -> str:
    return _regex(p).sub(lambda m: expand(r, m), s)


def _workday_diff(a: str, b: str, hol: str) -> int | None:
    return pydates.workday_diff(dt.date.fromisoformat(a), dt.date.fromisoformat(b), hol)


FUNCTIONS: dict[str, tuple[int, _Fn]] = {
    "tessera_num_text": (1, lambda x: pyvalues.float_text(float(x))),
    "tessera_value": (1, value_of_text),
    "tessera_decimal": (3, lambda op, x, y: pyvalues.decimal_op(op, float(x), float(y))),
    "tessera_log10": (1, lambda x: math.log10(float(x))),
    "tessera_ln": (1, lambda x: math.log(float(x))),
    "tessera_sqrt": (1, lambda x: math.sqrt(float(x))),
    "tessera_exp": (1, pyvalues.exp),
    "tessera_find": (3, _find),
    "tessera_power": (2, lambda b, e: pyvalues.power(float(b), float(e))),
    "tessera_lower": (1, str.lower),
    "tessera_upper": (1, str.upper),
    "tessera_substitute": (4, _substitute),
    "tessera_encode_url": (1, lambda s: quote(s, safe="!'()*-._~")),
    "tessera_regex_match": (2, _regex_match),
    "tessera_regex_extract": (2, _regex_extract),
    "tessera_regex_replace": (3, _regex_replace),
    "tessera_array_len": (1, pyvalues.array_len),
    "tessera_array_join": (2, pyvalues.array_join),
    "tessera_array_op": (2, lambda op, a: pyvalues.array_op(op, a)),
    "tessera_tz_local": (2, lambda ts, z: _text_of(pydates.to_local(_read(ts), z))),
    "tessera_tz_utc": (2, lambda local, z: _text_of(pydates.to_instant(_read(local), z))),
    "tessera_dt_add": (3, _dt_add),
    "tessera_dt_diff": (3, lambda a, b, u: pydates.diff(_read(a), _read(b), u)),
    "tessera_dt_trunc": (2, lambda local, u: _text_of(pydates.trunc(_read(local), u))),
    "tessera_dt_format": (3, lambda ts, z, f: pydates.format_instant(_read(ts), z, f)),
    "tessera_dt_parse": (4, _dt_parse),
    "tessera_workday": (3, _workday),
    "tessera_workday_diff": (3, _workday_diff),
}

# math functions that SQLite has only when compiled with SQLITE_ENABLE_MATH_FUNCTIONS
MATH: dict[str, _Fn] = {"ceil": math.ceil, "floor": math.floor}


def register_sqlite_functions(dbapi_connection: sqlite3.Connection) -> None:
    """Put Tessera's formula functions on a SQLite connection (deterministic, so they may be
    used in indexes and generated columns); add the math functions if this SQLite lacks them."""
    for name, (nargs, fn) in FUNCTIONS.items():
        dbapi_connection.create_function(name, nargs, _safe(fn), deterministic=True)
    # blanks among their arguments are meaningful
    aggregate = _never_raise(_aggregate)
    dbapi_connection.create_function("tessera_aggregate", -1, aggregate, deterministic=True)
    array_of = _never_raise(_array_of)
    dbapi_connection.create_function("tessera_array_of", 1, array_of, deterministic=True)
    for name, fn in MATH.items():
        try:
            dbapi_connection.execute(f"SELECT {name}(1)")
        except sqlite3.OperationalError:
            dbapi_connection.create_function(name, 1, _safe(fn), deterministic=True)
