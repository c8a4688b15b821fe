"""A dimension as SQL: the expression a widget groups by, and how its values are labelled.

- select, text (and computed text), checkbox: the value itself;
- one user: the user's id (labelled with the user's name afterwards);
- a link: the title of the first linked record;
- a date or date-time: its local day, week (starting Monday), month, quarter or year, as sortable
  text ('2026-03-02', '2026-03', '2026-Q1', '2026'); date-times in the field's time zone, or the
  reader's;
- a number: its value, or, with edges, the index of its range (below the first edge is 0).

Every form of "empty" becomes NULL, one group of its own.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, String, case, cast, func, literal_column, type_coerce
from sqlalchemy.dialects.postgresql import JSONB

from .. import expressions
from ..errors import QueryError
from ..fields.choice import SingleSelectType
from ..formula.pg_dates import local_of_instant
from ..model import FieldDef
from ..operators import value_kind
from ..query import Compiler
from .model import Dimension

GROUPABLE = {"text", "select", "user", "link", "checkbox", "date", "datetime", "number"}
_PG_FORMAT = {"day": "YYYY-MM-DD", "month": "YYYY-MM", "quarter": 'YYYY-"Q"Q', "year": "YYYY"}
_SQLITE_FORMAT = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


@dataclass(frozen=True)
class Axis:
    """One dimension compiled: its SQL key, the field, and how a key reads."""

    field: FieldDef
    kind: str  # the field's value kind
    key: ColumnElement[Any]
    dimension: Dimension

    def label(self, key: Any) -> str | None:
        """A key as text (None for the empty group); users are named by the caller."""
        if key is None:
            return None
        edges = self.dimension.edges
        if self.kind == "number" and edges:
            return range_label(edges, int(key))
        if self.kind == "checkbox":
            return "✓" if key else "✗"
        if isinstance(key, float) and key.is_integer():
            return str(int(key))
        return str(key)

    def order(self, key: Any) -> Any:
        """A sort key: options in their order, everything else by value."""
        if isinstance(self.field.type, SingleSelectType) and self.kind == "select":
            names = self.field.type.choice_names()
            return names.index(key) if key in names else len(names)
        if self.kind == "checkbox":
            return 0 if key else 1
        return key


def range_label(edges: list[float], index: int) -> str:
    def n(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else str(x)

    if index == 0:
        return f"< {n(edges[0])}"
    if index >= len(edges):
        return f"≥ {n(edges[-1])}"
    return f"{n(edges[index - 1])}–{n(edges[index])}"


def axis(compiler: Compiler, dim: Dimension, zone: str) -> Axis:
    f = compiler.field(dim.field)
    kind = value_kind(f.type)
    if kind not in GROUPABLE:
        raise QueryError(
            f"A chart cannot group by field {f.name!r} ({f.type.label_en})",
            f"图表不能按字段 {f.name!r}（{f.type.label_zh}）分组",
        )
    if dim.bucket is not None and kind not in ("date", "datetime"):
        raise QueryError(
            f"Only a date field is grouped by {dim.bucket}; {f.name!r} is not one",
            f"只有日期字段可以按时间段分组；{f.name!r} 不是日期字段",
        )
    if dim.edges and kind != "number":
        raise QueryError(
            f"Only a number field is grouped into ranges; {f.name!r} is not one",
            f"只有数字字段可以按区间分组；{f.name!r} 不是数字字段",
        )
    col = compiler.column(f)
    dialect = compiler.dialect
    key: ColumnElement[Any]
    if kind in ("date", "datetime"):
        zone = getattr(f.type.options, "timezone", None) or zone
        key = _date_key(col, kind, dim.bucket or "day", zone, dialect)
    elif kind == "number" and dim.edges:
        key = case(
            *((col < edge, i) for i, edge in enumerate(dim.edges)),
            else_=len(dim.edges),
        )
        key = case((col.is_(None), None), else_=key)
    elif kind == "link":
        key = _first_title(col, dialect)
    elif kind == "checkbox":
        key = func.coalesce(col, False)
    else:
        key = expressions.value(col, dialect)
        if kind == "text":
            key = func.nullif(key, "")
    return Axis(f, kind, key, dim)


def _date_key(
    col: ColumnElement[Any], kind: str, bucket: str, zone: str, dialect: str
) -> ColumnElement[Any]:
    if dialect == "postgresql":
        there = local_of_instant(col, zone) if kind == "datetime" else col
        if bucket == "week":
            monday = func.date_trunc(literal_column("'week'"), there)
            return func.to_char(monday, literal_column("'YYYY-MM-DD'"))
        return func.to_char(there, literal_column(f"'{_PG_FORMAT[bucket]}'"))
    local: ColumnElement[Any] = col
    mods: list[ColumnElement[Any]] = []  # SQLite date-function modifiers: UTC to local time
    if kind == "datetime" and zone != "UTC":
        shift = _shift(col, zone)
        if shift is None:
            local = type_coerce(func.tessera_tz_local(col, zone), String())
        else:
            mods.append(shift)
    if bucket == "week":  # back six days, then forward to a Monday: the Monday on or before
        return func.date(local, *mods, literal_column("'-6 days'"), literal_column("'weekday 1'"))
    if bucket == "quarter":
        month = cast(func.strftime(literal_column("'%m'"), local, *mods), Integer)
        quarter = cast((month + 2) // 3, String)
        year = func.strftime(literal_column("'%Y'"), local, *mods)
        return year.op("||")(literal_column("'-Q'")).op("||")(quarter)
    return func.strftime(literal_column(f"'{_SQLITE_FORMAT[bucket]}'"), local, *mods)


def _shift(col: ColumnElement[Any], zone: str) -> ColumnElement[Any] | None:
    """A SQLite modifier ('+28800 seconds') that turns the UTC text in `col` into local time:
    a CASE over the zone's changes of offset since 1900 (Asia/Shanghai: a few, the last in
    1991). None for a zone that changes too often (daylight saving time every year); its times
    are converted by a Python function instead, about seven times slower."""
    changes = offsets(zone)
    if changes is None:
        return None
    first, *rest = changes

    def seconds(offset: int) -> ColumnElement[Any]:
        return literal_column(f"'{offset:+d} seconds'")

    if not rest:
        return seconds(first[1])
    whens = [(col >= literal_column(f"'{since}'"), seconds(off)) for since, off in reversed(rest)]
    return case(*whens, else_=seconds(first[1]))


@functools.lru_cache(maxsize=64)
def offsets(zone: str, limit: int = 40) -> list[tuple[str, int]] | None:
    """The zone's UTC offsets (seconds) from 1900 to 2100, each with the UTC time it starts
    (storage text); None with more than `limit` changes."""
    z = ZoneInfo(zone)
    t = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    step = dt.timedelta(days=1)

    def off(moment: dt.datetime) -> int:
        found = moment.astimezone(z).utcoffset()
        return int(found.total_seconds()) if found is not None else 0

    current = off(t)
    out = [("", current)]
    while t < end:
        nxt = t + step
        if off(nxt) != current:
            lo, hi = t, nxt  # the change lies in (lo, hi]: narrow it to the second
            while hi - lo > dt.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if off(mid) == current else (lo, mid)
            current = off(hi)
            since = hi.replace(microsecond=0, tzinfo=None).isoformat(sep=" ")
            out.append((since, current))
            if len(out) > limit:
                return None
        t = nxt
    return out


def _first_title(col: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        first = type_coerce(col, JSONB).op("->")(literal_column("0"))
        return first.op("->>")(literal_column("'title'"))
    return func.json_extract(col, literal_column("'$[0].title'"))
