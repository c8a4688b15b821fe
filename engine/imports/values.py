"""What a sheet's cells become when written to their fields: each column converted at once to
the values its field type takes (text for text fields, whole numbers as integers, Excel date
serials as dates, junk words such as 'N/A' as empty), and `as_text`, how a cell reads as text
(for a companion field, a key or a report)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from .infer import EXCEL_EPOCH, JUNK_WORDS
from .plan import ColumnPlan

Convert = Callable[[Sequence[Any]], list[Any]]


def as_text(v: Any) -> Any:
    """A cell as text: whole numbers without '.0', booleans as TRUE/FALSE, dates in ISO."""
    if type(v) is str:
        return v
    if v is None:
        return None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    return str(v)


def _serial(v: Any, *, with_time: bool) -> Any:
    if isinstance(v, int | float) and not isinstance(v, bool):
        moment = dt.datetime.combine(EXCEL_EPOCH, dt.time()) + dt.timedelta(days=float(v))
        return moment if with_time else moment.date()
    return v


def converter(c: ColumnPlan) -> Convert:
    """How the column's cells become the values written to its field."""
    kind = "text" if c.link is not None and c.link.use else c.type
    pad = c.pad

    def padded(v: Any) -> Any:
        if isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer():
            return str(int(v)).zfill(pad or 0)
        return as_text(v)

    if kind in ("text", "long_text"):
        if pad:
            return lambda col: list(map(padded, col))
        return lambda col: (
            list(col) if _types(col) == _STR else [v if type(v) is str else as_text(v) for v in col]
        )

    def clean(col: Sequence[Any]) -> list[Any]:
        if JUNK_WORDS.isdisjoint(col):
            return list(col)
        return [None if type(v) is str and v in JUNK_WORDS else v for v in col]

    if pad:
        return lambda col: [None if v is None else padded(v) for v in clean(col)]
    if kind in ("email", "url"):

        def texts(col: Sequence[Any]) -> list[Any]:
            values = clean(col)
            if _types(values) <= _STR_NONE:
                return values
            return [v if type(v) is str or v is None else as_text(v) for v in values]

        return texts
    if kind == "number" and not c.options.get("precision"):
        return lambda col: _whole_as_int(clean(col))

    def serials(col: Sequence[Any], with_time: bool) -> list[Any]:
        values = clean(col)
        if set(map(type, values)).isdisjoint((int, float)):  # no serial numbers: as they are
            return values
        return [_serial(v, with_time=with_time) for v in values]

    if kind == "date" and c.serial_dates:
        return lambda col: serials(col, False)
    if kind == "datetime":
        return lambda col: serials(col, True)
    if kind == "duration":
        return lambda col: [
            v.total_seconds() if isinstance(v, dt.timedelta) else v for v in clean(col)
        ]
    if kind in ("single_select", "multiple_select"):

        def names(col: Sequence[Any]) -> list[Any]:
            values = clean(col)
            if _types(values) == _STR and "" not in values:
                return values
            return [
                None if v is None or v == "" else v if type(v) is str else as_text(v)
                for v in values
            ]

        return names
    return clean


_STR = frozenset({str})
_STR_NONE = frozenset({str, type(None)})


def _types(values: Sequence[Any]) -> set[type]:
    return set(map(type, values))


def _whole_as_int(values: list[Any]) -> list[Any]:
    """Whole floats as ints (a number field without decimals stores them as integers)."""
    if _types(values) == {float}:
        whole = list(map(float.is_integer, values))
        if all(whole):
            return list(map(int, values))
        if not any(whole):
            return values
    return [int(v) if type(v) is float and v.is_integer() else v for v in values]
