"""Filter operators: a registry keyed by (value kind, operator name).

A field type's value kind ("text", "number", "date", ...) is its filtering capability; an operator
registers for the kinds it applies to. Each operator parses its value when the query is built — a
value that does not fit is a QueryError then, never a filter that quietly matches all or nothing —
and compiles to a SQLAlchemy expression.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, literal, not_, or_, select, true
from sqlalchemy.sql.util import ClauseAdapter

from . import expressions
from .dates import Clock, Span, resolve_day, resolve_within
from .errors import QueryError, ValueProblem
from .fields import FieldType
from .fields.choice import SingleSelectType
from .fields.numeric import MAX_EXACT, as_number
from .fields.relational import ComputedType

KIND_OF_TYPE = {
    "text": "text",
    "long_text": "text",
    "email": "text",
    "phone": "text",
    "url": "text",
    "number": "number",
    "currency": "number",
    "percent": "number",
    "rating": "number",
    "duration": "number",
    "autonumber": "number",
    "date": "date",
    "datetime": "datetime",
    "created_time": "datetime",
    "last_modified_time": "datetime",
    "single_select": "select",
    "multiple_select": "multi_select",
    "checkbox": "checkbox",
    "created_by": "user",
    "last_modified_by": "user",
    "attachment": "attachment",
}


RESULT_KINDS = {
    "number": "number",
    "text": "text",
    "date": "date",
    "datetime": "datetime",
    "boolean": "checkbox",
    "array": "array",
}


def value_kind(ftype: FieldType) -> str:
    """The filtering capability of a field type; computed fields filter by their result type."""
    if ftype.name == "user":
        return "multi_user" if ftype.options.multiple else "user"
    if isinstance(ftype, ComputedType):
        return RESULT_KINDS.get(ftype.result, "other")
    if ftype.name == "link":
        return "link"
    return KIND_OF_TYPE.get(ftype.name, "other")


@dataclass(frozen=True)
class Ctx:
    """What an operator needs to compile: the column, its field type, and who is asking when."""

    column: ColumnElement[Any]
    ftype: FieldType
    field_name: str
    dialect: str
    clock: Clock
    user_id: int | None
    # the conditions of the rows the asker may see, asked for only by operators that compare a
    # value with the rest of the column
    rows: Callable[[], Sequence[ColumnElement[bool]]] = tuple


Compile = Callable[[Ctx, Any], ColumnElement[bool]]
Parse = Callable[[Ctx, Any], Any]


@dataclass(frozen=True)
class Operator:
    name: str
    label_en: str
    label_zh: str
    parse: Parse
    compile: Compile


REGISTRY: dict[tuple[str, str], Operator] = {}


def register(
    kinds: tuple[str, ...], name: str, en: str, zh: str, parse: Parse, compile: Compile
) -> None:
    for kind in kinds:
        REGISTRY[(kind, name)] = Operator(name, en, zh, parse, compile)


def operators_for(ftype: FieldType) -> list[Operator]:
    kind = value_kind(ftype)
    return [op for (k, _), op in REGISTRY.items() if k == kind]


def find(ftype: FieldType, name: str, field_name: str) -> Operator:
    op = REGISTRY.get((value_kind(ftype), name))
    if op is None:
        valid = ", ".join(o.name for o in operators_for(ftype))
        raise QueryError(
            f"Operator {name!r} does not apply to field {field_name!r} ({ftype.label_en}); "
            f"use one of: {valid}",
            f"运算符 {name!r} 不适用于字段 {field_name!r}（{ftype.label_zh}）；可用：{valid}",
        )
    return op


def _bad_value(ctx: Ctx, value: Any, want_en: str, want_zh: str) -> QueryError:
    return QueryError(
        f"Filter on {ctx.field_name!r} needs {want_en}, not {value!r}",
        f"字段 {ctx.field_name!r} 的筛选条件需要{want_zh}，而不是 {value!r}",
    )


# --- value parsers ------------------------------------------------------------------------------
def p_none(ctx: Ctx, value: Any) -> None:
    if value not in (None, "", [], True):
        raise _bad_value(ctx, value, "no value", "不填值")


def p_text(ctx: Ctx, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float) or value == "":
        raise _bad_value(ctx, value, "some text", "文本")
    return str(value)


def p_number(ctx: Ctx, value: Any) -> float | int:
    """A number as the column holds it; text as the field reads it ('¥1,299', '50%', '1:30'),
    but never rounded to the field's precision: '> 12.5%' means more than 0.125."""
    n: float | int | None
    try:
        if isinstance(value, str) and ctx.ftype.name == "duration":
            n = ctx.ftype.normalize(value)
        elif isinstance(value, str) and ctx.ftype.name == "percent":
            n = as_number(value, "%％")
            n = None if n is None else n / 100
        else:
            symbols: tuple[str, ...] = getattr(ctx.ftype, "symbols", tuple)()
            n = as_number(value, "￥¥$€£元%", symbols=symbols)
    except ValueProblem:
        n = None
    if n is None:
        raise _bad_value(ctx, value, "a number", "数字")
    if isinstance(n, int) and abs(n) > MAX_EXACT:
        return float(n)  # no database binds a whole number this large; the column holds doubles
    return n


def p_range(ctx: Ctx, value: Any) -> tuple[float | int, float | int]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise _bad_value(ctx, value, "two numbers [low, high]", "两个数字 [下限, 上限]")
    lo, hi = p_number(ctx, value[0]), p_number(ctx, value[1])
    if lo > hi:
        raise _bad_value(ctx, value, "a low bound not above the high bound", "下限不大于上限")
    return lo, hi


def p_day(ctx: Ctx, value: Any) -> Span:
    return resolve_day(value, ctx.clock)


def p_within(ctx: Ctx, value: Any) -> Span:
    return resolve_within(value, ctx.clock)


def p_option(ctx: Ctx, value: Any) -> str:
    assert isinstance(ctx.ftype, SingleSelectType)
    if not isinstance(value, str) or not value.strip():
        raise _bad_value(ctx, value, "an option", "选项")
    try:
        return ctx.ftype.resolve(value)
    except ValueProblem as p:
        raise QueryError(
            f"Filter on {ctx.field_name!r}: {p.message_en}",
            f"字段 {ctx.field_name!r} 的筛选条件：{p.message_zh}",
        ) from None


def p_options(ctx: Ctx, value: Any) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    if not items:
        raise _bad_value(ctx, value, "at least one option", "至少一个选项")
    out: list[str] = []
    for item in items:
        name = p_option(ctx, item)
        if name not in out:
            out.append(name)
    return out


def p_user(ctx: Ctx, value: Any) -> int:
    if value == "me":
        if ctx.user_id is None:
            raise QueryError(
                f"Filter on {ctx.field_name!r} says 'me', but no user is signed in",
                f"字段 {ctx.field_name!r} 的筛选条件为“我”，但当前没有登录用户",
            )
        return ctx.user_id
    if isinstance(value, dict) and "id" in value:
        value = value["id"]
    user_id = None
    if isinstance(value, int | str) and not isinstance(value, bool):
        with contextlib.suppress(ValueError):
            user_id = int(value)
    if user_id is None or not 0 < user_id < 2**63:
        raise _bad_value(ctx, value, "a user id or 'me'", "用户 ID 或“我”")
    return user_id


def p_users(ctx: Ctx, value: Any) -> list[int]:
    items = value if isinstance(value, list | tuple) else [value]
    if not items:
        raise _bad_value(ctx, value, "at least one user", "至少一位用户")
    return sorted({p_user(ctx, v) for v in items})


# --- compilers ----------------------------------------------------------------------------------
def _or_empty(ctx: Ctx, expr: ColumnElement[bool]) -> ColumnElement[bool]:
    """Negative operators (is not, ≠, does not contain, none of) also match empty values."""
    return or_(c_empty(ctx, None), expr)


def c_empty(ctx: Ctx, _: Any) -> ColumnElement[bool]:
    return expressions.empty(ctx.column, ctx.ftype, ctx.dialect)


def c_not_empty(ctx: Ctx, _: Any) -> ColumnElement[bool]:
    return not_(c_empty(ctx, None))


def c_text_is(ctx: Ctx, v: str) -> ColumnElement[bool]:
    return func.lower(ctx.column) == func.lower(literal(v))


def c_text_is_not(ctx: Ctx, v: str) -> ColumnElement[bool]:
    return _or_empty(ctx, func.lower(ctx.column) != func.lower(literal(v)))


def c_contains(ctx: Ctx, v: str) -> ColumnElement[bool]:
    return ctx.column.icontains(v, autoescape=True)


def c_not_contains(ctx: Ctx, v: str) -> ColumnElement[bool]:
    return _or_empty(ctx, not_(ctx.column.icontains(v, autoescape=True)))


def c_starts(ctx: Ctx, v: str) -> ColumnElement[bool]:
    return ctx.column.istartswith(v, autoescape=True)


def c_ends(ctx: Ctx, v: str) -> ColumnElement[bool]:
    return ctx.column.iendswith(v, autoescape=True)


def _cmp(fn: Callable[[ColumnElement[Any], Any], ColumnElement[bool]]) -> Compile:
    return lambda ctx, v: fn(ctx.column, v)


def c_ne(ctx: Ctx, v: Any) -> ColumnElement[bool]:
    return _or_empty(ctx, ctx.column != v)


def c_between(ctx: Ctx, v: tuple[Any, Any]) -> ColumnElement[bool]:
    return and_(ctx.column >= v[0], ctx.column <= v[1])


def _bound(ctx: Ctx, day: dt.date) -> ColumnElement[Any]:
    """A day boundary as the column compares it: a date, or the UTC instant of local midnight."""
    if value_kind(ctx.ftype) == "datetime":
        try:
            moment = ctx.clock.midnight(day)
        except OverflowError:  # local midnight of 1 January of year 1 is before UTC's year 1
            moment = dt.datetime.min.replace(tzinfo=dt.UTC)
        return literal(moment, ctx.column.type)
    return literal(day, ctx.column.type)


def c_day_is(ctx: Ctx, span: Span) -> ColumnElement[bool]:
    return and_(ctx.column >= _bound(ctx, span[0]), ctx.column < _bound(ctx, span[1]))


def c_before(ctx: Ctx, span: Span) -> ColumnElement[bool]:
    return ctx.column < _bound(ctx, span[0])


def c_after(ctx: Ctx, span: Span) -> ColumnElement[bool]:
    return ctx.column >= _bound(ctx, span[1])


def c_on_or_before(ctx: Ctx, span: Span) -> ColumnElement[bool]:
    return ctx.column < _bound(ctx, span[1])


def c_on_or_after(ctx: Ctx, span: Span) -> ColumnElement[bool]:
    return ctx.column >= _bound(ctx, span[0])


def c_eq(ctx: Ctx, v: Any) -> ColumnElement[bool]:
    same: ColumnElement[bool] = ctx.column == v
    return same


def c_in(ctx: Ctx, vs: list[Any]) -> ColumnElement[bool]:
    return ctx.column.in_(vs)


def c_not_in(ctx: Ctx, vs: list[Any]) -> ColumnElement[bool]:
    return _or_empty(ctx, ctx.column.not_in(vs))


def c_checked(ctx: Ctx, _: Any) -> ColumnElement[bool]:
    return ctx.column == true()


def c_has_any(ctx: Ctx, vs: list[Any]) -> ColumnElement[bool]:
    return expressions.has_any(ctx.column, ctx.dialect, vs)


def c_has_all(ctx: Ctx, vs: list[Any]) -> ColumnElement[bool]:
    return expressions.has_all(ctx.column, ctx.dialect, vs)


def c_has_none(ctx: Ctx, vs: list[Any]) -> ColumnElement[bool]:
    return _or_empty(ctx, not_(c_has_any(ctx, vs)))


def c_exactly(ctx: Ctx, vs: list[Any]) -> ColumnElement[bool]:
    return expressions.exactly(ctx.column, ctx.dialect, vs)


def c_duplicate(ctx: Ctx, _: None) -> ColumnElement[bool]:
    """The value is shared with another record the asker may see ("查找重复"): texts alike but
    for case and surrounding spaces. One GROUP BY over the column (an alias of the table, with the
    asker's row limits moved onto it), never a loop over records."""
    column = ctx.column
    table = getattr(column, "table", None)
    if not isinstance(table, Table):  # a formula computed in the query: no column to group
        raise QueryError(
            f"Field {ctx.field_name!r} cannot be checked for duplicates",
            f"字段 {ctx.field_name!r} 不能查找重复",
        )
    key = func.lower(func.trim(column)) if value_kind(ctx.ftype) == "text" else column
    to_peer = ClauseAdapter(table.alias("peer"))
    peer_key = to_peer.traverse(key)
    shared = (
        select(peer_key)
        .where(to_peer.traverse(column).is_not(None), *(to_peer.traverse(r) for r in ctx.rows()))
        .group_by(peer_key)
        .having(func.count() > 1)
    )
    return and_(column.is_not(None), key.in_(shared))


ALL = (
    "text",
    "number",
    "date",
    "datetime",
    "select",
    "multi_select",
    "checkbox",
    "user",
    "multi_user",
    "attachment",
    "array",
    "link",
    "other",
)
TEXT = ("text",)
NUM = ("number",)
DATES = ("date", "datetime")

register(ALL, "is_empty", "is empty", "为空", p_none, c_empty)
register(ALL, "is_not_empty", "is not empty", "不为空", p_none, c_not_empty)
register(TEXT, "is", "is", "等于", p_text, c_text_is)
register(TEXT, "is_not", "is not", "不等于", p_text, c_text_is_not)
register(TEXT, "contains", "contains", "包含", p_text, c_contains)
register(TEXT, "not_contains", "does not contain", "不包含", p_text, c_not_contains)
register(TEXT, "starts_with", "starts with", "开头是", p_text, c_starts)
register(TEXT, "ends_with", "ends with", "结尾是", p_text, c_ends)
register(TEXT + NUM + ("date",), "is_duplicate", "is duplicated", "有重复", p_none, c_duplicate)
register(NUM, "=", "=", "等于", p_number, c_eq)
register(NUM, "!=", "≠", "不等于", p_number, c_ne)
register(NUM, "<", "<", "小于", p_number, _cmp(lambda c, v: c < v))
register(NUM, "<=", "≤", "小于等于", p_number, _cmp(lambda c, v: c <= v))
register(NUM, ">", ">", "大于", p_number, _cmp(lambda c, v: c > v))
register(NUM, ">=", "≥", "大于等于", p_number, _cmp(lambda c, v: c >= v))
register(NUM, "between", "between", "介于", p_range, c_between)
register(DATES, "is", "is", "是", p_day, c_day_is)
register(DATES, "is_before", "is before", "早于", p_day, c_before)
register(DATES, "is_after", "is after", "晚于", p_day, c_after)
register(DATES, "is_on_or_before", "is on or before", "不晚于", p_day, c_on_or_before)
register(DATES, "is_on_or_after", "is on or after", "不早于", p_day, c_on_or_after)
register(DATES, "is_within", "is within", "在范围内", p_within, c_day_is)
register(("select",), "is", "is", "是", p_option, c_eq)
register(("select",), "is_not", "is not", "不是", p_option, c_ne)
register(("select",), "is_any_of", "is any of", "是其中之一", p_options, c_in)
register(("select",), "is_none_of", "is none of", "不是其中任何一个", p_options, c_not_in)
register(("multi_select",), "has_any_of", "has any of", "包含任一", p_options, c_has_any)
register(("multi_select",), "has_all_of", "has all of", "包含全部", p_options, c_has_all)
register(("multi_select",), "has_none_of", "has none of", "不包含任何", p_options, c_has_none)
register(("multi_select",), "is_exactly", "is exactly", "恰好是", p_options, c_exactly)
register(("checkbox",), "is_checked", "is checked", "已勾选", p_none, c_checked)
register(("checkbox",), "is_unchecked", "is unchecked", "未勾选", p_none, c_empty)
register(("user",), "is", "is", "是", p_user, c_eq)
register(("user",), "is_not", "is not", "不是", p_user, c_ne)
register(("user",), "is_any_of", "is any of", "是其中之一", p_users, c_in)
register(("user",), "is_none_of", "is none of", "不是其中任何一个", p_users, c_not_in)
register(("multi_user",), "has_any_of", "has any of", "包含任一", p_users, c_has_any)
register(("multi_user",), "has_all_of", "has all of", "包含全部", p_users, c_has_all)
register(("multi_user",), "has_none_of", "has none of", "不包含任何", p_users, c_has_none)
register(("multi_user",), "is_exactly", "is exactly", "恰好是", p_users, c_exactly)


def c_list_contains(ctx: Ctx, v: str) -> ColumnElement[bool]:
    """Some element of a lookup (or some linked record's title) contains the text."""
    kind = value_kind(ctx.ftype)
    found = expressions.search(ctx.column, kind, ctx.dialect, v)
    assert found is not None
    return found


def c_list_not_contains(ctx: Ctx, v: str) -> ColumnElement[bool]:
    return or_(c_empty(ctx, None), not_(c_list_contains(ctx, v)))


def p_records(ctx: Ctx, value: Any) -> list[int]:
    items = value if isinstance(value, list | tuple) else [value]
    out: list[int] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("id")
        if isinstance(item, bool) or not isinstance(item, int) or item <= 0:
            raise _bad_value(ctx, value, "record ids", "记录 ID")
        out.append(item)
    if not out:
        raise _bad_value(ctx, value, "at least one record", "至少一条记录")
    return out


def c_links_any(ctx: Ctx, ids: list[int]) -> ColumnElement[bool]:
    return expressions.has_any_record(ctx.column, ctx.dialect, ids)


def c_links_none(ctx: Ctx, ids: list[int]) -> ColumnElement[bool]:
    return or_(c_empty(ctx, None), not_(c_links_any(ctx, ids)))


LISTS = ("array", "link")
register(LISTS, "contains", "contains", "包含", p_text, c_list_contains)
register(LISTS, "not_contains", "does not contain", "不包含", p_text, c_list_not_contains)
register(("link",), "has_any_of", "has any of", "包含任一", p_records, c_links_any)
register(("link",), "has_none_of", "has none of", "不包含任何", p_records, c_links_none)


# --- anniversaries: the month and day of a date are today's (birthdays) ----------------------------
def p_anniversary(ctx: Ctx, value: Any) -> dt.date:
    """The day whose month and day to match: today, or `{"days": n}` days from today (a greeting
    sent the day before a birthday)."""
    if value in (None, "", True, "today"):
        return ctx.clock.today()
    if isinstance(value, dict) and set(value) <= {"days", "relative"}:
        n = value.get("days", 0)
        if not isinstance(n, bool) and isinstance(n, int) and 0 <= n <= 366:
            return ctx.clock.today() + dt.timedelta(days=n)
    raise _bad_value(ctx, value, "nothing, or {'days': 0 to 366}", "不填值，或 {'days': 0 至 366}")


def _month_day(ctx: Ctx) -> ColumnElement[Any]:
    if ctx.dialect == "postgresql":
        return func.to_char(ctx.column, literal("MM-DD"))
    return func.substr(ctx.column, 6, 5)  # ISO text 'YYYY-MM-DD'


def c_anniversary(ctx: Ctx, day: dt.date) -> ColumnElement[bool]:
    """Same month and day; on 28 February of a year without 29 February, also 29 February."""
    days = [day.strftime("%m-%d")]
    if day.month == 2 and day.day == 28 and (day + dt.timedelta(days=1)).month == 3:
        days.append("02-29")
    return _month_day(ctx).in_(days)


register(
    ("date",),
    "is_anniversary",
    "has today's month and day",
    "月日与今天相同",
    p_anniversary,
    c_anniversary,
)
