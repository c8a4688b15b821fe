"""A plain-Python reference of what a query means, for hypothesis to hold the SQL compiler to.

It shares no code with engine.query, engine.operators, engine.expressions or engine.dates, and
knows nothing of SQL. Rows are dicts: `id`, `position`, and each field's value by field name, as
the engine reads it back (str, int/float, date, aware datetime, bool, option name, list, user id).

The semantics it writes down — the ones the engine promises:

Empty values
  None, an empty list, and an unchecked checkbox are empty. `is_empty` / `is_not_empty` apply to
  every type. Every other operator never matches an empty value, except the negative ones
  (`is_not`, `!=`, `not_contains`, `is_none_of`, `has_none_of`), which match it too.
Text
  Case-insensitive with ASCII case folding only (A-Z to a-z; SQLite's lower() and LIKE fold no
  more). `contains` / `starts_with` / `ends_with` are plain substrings: % and _ are not wildcards.
Numbers
  = ≠ < ≤ > ≥ compare as numbers; `between [lo, hi]` includes both ends.
Dates
  A condition's value names a span of local days [start, end) in the clock's time zone. A date
  is its day; a date-time is compared by its day in the clock's zone. is / is_within:
  start ≤ day < end; is_before: day < start; is_after: day ≥ end; is_on_or_before: day < end;
  is_on_or_after: day ≥ start. Relative days: today, yesterday, tomorrow, N days ago / from now,
  this / last / next week (weeks start on the clock's week_start, 0 = Monday), month, year.
  Within: past N days = N days ago through today; next N days = today through N days ahead;
  past / next week = 7 days; past / next month and year = the same day a month or year away
  (the month's last day where it has no such day) through today, or from today.
Select, lists, users
  is / is_not / is_any_of / is_none_of on a single value; has_any_of / has_all_of / has_none_of
  / is_exactly (same set, any order) on lists. A user condition's "me" is the asking user.
Groups
  and / or over items; an empty group matches everything; a saved filter reference matches what
  the saved filter matches.
Order
  Group-by fields, then sorts, each ascending or descending; empty values first ascending and last
  descending; text by its ASCII-folded form, then exactly, both by code point; single select by
  option order; lists by their compact JSON text; checkbox unchecked first; numbers, dates, users
  by value. Ties are broken by id — by (position, id) when there is no group or sort at all.
Quick search
  Case-insensitive (ASCII) substring of the text, option name, any list option, number (whole
  numbers without '.0') or ISO date of any visible searchable field; surrounding spaces are
  dropped, and a search of only spaces is no search.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from schemas.query import Condition, FilterGroup, SavedFilterRef, Sort

Row = dict[str, Any]
TEXT_TYPES = {"text", "long_text", "email", "phone", "url"}
NUMBER_TYPES = {"number", "currency", "percent", "rating", "duration", "autonumber"}
_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class RefField:
    name: str
    type: str
    choices: tuple[str, ...] = ()
    multiple: bool = False  # user fields

    @property
    def is_list(self) -> bool:
        return self.type == "multiple_select" or (self.type == "user" and self.multiple)


@dataclass
class RefContext:
    now: dt.datetime  # aware
    timezone: str = "UTC"
    week_start: int = 0
    user_id: int | None = None
    saved: dict[int, FilterGroup] = field(default_factory=dict)

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(ZoneInfo(self.timezone)).date()

    def local_day(self, value: dt.date | dt.datetime) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.astimezone(ZoneInfo(self.timezone)).date()
        return value


def fold(text: str) -> str:
    return text.translate(_FOLD)


def is_empty(f: RefField, value: Any) -> bool:
    if f.type == "checkbox":
        return value is not True
    return value is None or value == []


# --- dates ----------------------------------------------------------------------------------
Span = tuple[dt.date, dt.date]
DAY = dt.timedelta(days=1)


def _month_start(year: int, month: int) -> dt.date:
    while month < 1:
        year, month = year - 1, month + 12
    while month > 12:
        year, month = year + 1, month - 12
    return dt.date(year, month, 1)


def _month_shift(day: dt.date, months: int) -> dt.date:
    first = _month_start(day.year, day.month + months)
    last = calendar.monthrange(first.year, first.month)[1]
    return first.replace(day=min(day.day, last))


def _period(kind: str, offset: int, ctx: RefContext) -> Span:
    t = ctx.today
    if kind == "week":
        start = t
        while start.weekday() != ctx.week_start:
            start -= DAY
        start += 7 * offset * DAY
        return start, start + 7 * DAY
    if kind == "month":
        return _month_start(t.year, t.month + offset), _month_start(t.year, t.month + offset + 1)
    return dt.date(t.year + offset, 1, 1), dt.date(t.year + offset + 1, 1, 1)


def day_span(value: Any, ctx: RefContext) -> Span:
    """The days an exact or relative date names."""
    if isinstance(value, str) and "-" not in value:
        value = {"relative": value}
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    if isinstance(value, dt.date):
        return value, value + DAY
    if "date" in value:
        return day_span(value["date"], ctx)
    rel, t = value["relative"], ctx.today
    offsets = {"today": 0, "yesterday": -1, "tomorrow": 1}
    if rel in offsets:
        return t + offsets[rel] * DAY, t + (offsets[rel] + 1) * DAY
    if rel in ("days_ago", "days_from_now"):
        day = t + (value["days"] if rel == "days_from_now" else -value["days"]) * DAY
        return day, day + DAY
    which, kind = rel.split("_")
    return _period(kind, {"last": -1, "this": 0, "next": 1}[which], ctx)


def within_span(value: Any, ctx: RefContext) -> Span:
    """The days of 'is within'."""
    if isinstance(value, str):
        value = {"within": value}
    name, t = value["within"], ctx.today
    which, kind = name.split("_")
    if which == "this":
        return _period(kind, 0, ctx)
    if kind == "days":
        n = value["days"]
    elif kind == "week":
        n = 7
    else:
        other = _month_shift(t, (1 if kind == "month" else 12) * (-1 if which == "past" else 1))
        n = abs((other - t).days)
    return (t - n * DAY, t + DAY) if which == "past" else (t, t + (n + 1) * DAY)


# --- conditions -----------------------------------------------------------------------------
def _user(value: Any, ctx: RefContext) -> int:
    return ctx.user_id if value == "me" else int(value)  # type: ignore[return-value]


def _many(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _text_test(op: str, q: str) -> Callable[[str], bool]:
    q = fold(q)
    return {
        "is": lambda x: x == q,
        "contains": lambda x: q in x,
        "starts_with": lambda x: x.startswith(q),
        "ends_with": lambda x: x.endswith(q),
    }[op]


NEGATIVE = {"is_not", "!=", "not_contains", "is_none_of", "has_none_of"}
POSITIVE_OF = {"is_not": "is", "!=": "=", "not_contains": "contains"}


def condition(cond: Condition, row: Row, fields: dict[str, RefField], ctx: RefContext) -> bool:
    f = fields[str(cond.field)]
    x, op, v = row[f.name], cond.op, cond.value
    if op == "is_empty":
        return is_empty(f, x)
    if op == "is_not_empty":
        return not is_empty(f, x)
    if f.type == "checkbox":
        return (x is True) == (op == "is_checked")
    if op in NEGATIVE:
        if is_empty(f, x):
            return True
        if op == "is_none_of":
            return not condition(cond.model_copy(update={"op": "is_any_of"}), row, fields, ctx)
        if op == "has_none_of":
            return not condition(cond.model_copy(update={"op": "has_any_of"}), row, fields, ctx)
        return not condition(cond.model_copy(update={"op": POSITIVE_OF[op]}), row, fields, ctx)
    if is_empty(f, x):
        return False
    if f.type in TEXT_TYPES:
        return _text_test(op, str(v))(fold(x))
    if f.type in NUMBER_TYPES:
        if op == "between":
            return bool(v[0] <= x <= v[1])
        compare: dict[str, Callable[[Any, Any], bool]] = {
            "=": lambda a, b: a == b,
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
        }
        return compare[op](x, v)
    if f.type in ("date", "datetime", "created_time", "last_modified_time"):
        day = ctx.local_day(x)
        start, end = within_span(v, ctx) if op == "is_within" else day_span(v, ctx)
        return {
            "is": start <= day < end,
            "is_within": start <= day < end,
            "is_before": day < start,
            "is_after": day >= end,
            "is_on_or_before": day < end,
            "is_on_or_after": day >= start,
        }[op]
    wanted = [_user(u, ctx) for u in _many(v)] if f.type == "user" else _many(v)
    if not f.is_list:
        return x in wanted  # is / is_any_of
    have = set(x)
    if op == "has_any_of":
        return bool(have & set(wanted))
    if op == "has_all_of":
        return set(wanted) <= have
    assert op == "is_exactly", op
    return have == set(wanted)


def matches(row: Row, group: FilterGroup, fields: dict[str, RefField], ctx: RefContext) -> bool:
    results: list[bool] = []
    for item in group.items:
        if isinstance(item, Condition):
            results.append(condition(item, row, fields, ctx))
        elif isinstance(item, SavedFilterRef):
            results.append(matches(row, ctx.saved[item.saved_filter], fields, ctx))
        else:
            results.append(matches(row, item, fields, ctx))
    return all(results) if group.conjunction == "and" else (any(results) or not results)


def filter_rows(
    rows: Iterable[Row], group: FilterGroup | None, fields: dict[str, RefField], ctx: RefContext
) -> list[Row]:
    return [r for r in rows if group is None or matches(r, group, fields, ctx)]


# --- quick search ---------------------------------------------------------------------------
def _number_text(x: float | int) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def searchable_texts(f: RefField, x: Any) -> list[str]:
    if is_empty(f, x) and f.type != "checkbox":
        return []
    if f.type in TEXT_TYPES or f.type == "single_select":
        return [x]
    if f.type == "multiple_select":
        return list(x)
    if f.type in NUMBER_TYPES:
        return [_number_text(x)]
    if f.type == "date":
        return [x.isoformat()]
    return []


def search_rows(rows: Iterable[Row], q: str, visible: Sequence[RefField]) -> list[Row]:
    needle = fold(q.strip())
    if not needle:  # only spaces: no search
        return list(rows)
    return [
        r
        for r in rows
        if any(needle in fold(t) for f in visible for t in searchable_texts(f, r[f.name]))
    ]


# --- order ----------------------------------------------------------------------------------
def sort_value(f: RefField, x: Any) -> Any:
    if f.type in TEXT_TYPES:
        return (fold(x), x)
    if f.type == "single_select":
        return f.choices.index(x)
    if f.is_list:
        return json.dumps(x, ensure_ascii=False, separators=(",", ":"))
    return x


def order(rows: Iterable[Row], keys: Sequence[Sort], fields: dict[str, RefField]) -> list[Row]:
    """Rows in query order; `keys` are the group-by fields, then the sorts."""
    out = sorted(rows, key=lambda r: r["id"] if keys else (r["position"], r["id"]))
    for key in reversed(keys):
        f = fields[str(key.field)]

        def k(r: Row, f: RefField = f) -> tuple[int, Any]:
            x = r[f.name]
            return (0, None) if is_empty(f, x) else (1, sort_value(f, x))

        out.sort(key=k, reverse=key.direction == "desc")
    return out


def group_counts(
    ordered: Sequence[Row], group_fields: Sequence[RefField]
) -> list[tuple[int, tuple[Any, ...], int]]:
    """(level, key, count) of each group at each level, each level in order of first row."""
    out: list[tuple[int, tuple[Any, ...], int]] = []
    for level in range(len(group_fields)):
        counts: dict[tuple[Any, ...], int] = {}
        for r in ordered:
            key = tuple(hashable(f, r[f.name]) for f in group_fields[: level + 1])
            counts[key] = counts.get(key, 0) + 1
        out.extend((level, key, n) for key, n in counts.items())
    return out


def hashable(f: RefField, x: Any) -> Any:
    if f.type == "checkbox":
        return bool(x)
    if x is None or x == []:
        return None
    return tuple(x) if isinstance(x, list) else x
