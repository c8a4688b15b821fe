"""The operators: which operand types each accepts (for the type checker) and their SQL.

Arithmetic treats blanks as 0 and true/false as 1/0; `/` by 0 is an error value. `&` joins
text. Comparisons compare numbers as numbers, text as text (by code point), dates as points in
time; blank equals 0, "", false and an empty list; text next to a date is read as a date."""

from __future__ import annotations

import sqlalchemy as sa

from . import coerce
from .types import NUMERIC, TEMPORAL, FType
from .values import SQL, Cond, Ctx, Val, any_err, div

ARITHMETIC = frozenset("+-*/")
COMPARISON = frozenset({"=", "!=", "<", ">", "<=", ">="})


class OperandProblem(Exception):
    """An operand of the wrong type; `side` is 0 (left), 1 (right) or None (the pairing)."""

    def __init__(self, en: str, zh: str, side: int | None) -> None:
        super().__init__(en)
        self.en, self.zh, self.side = en, zh, side


def check_arithmetic(op: str, left: FType, right: FType) -> None:
    for side, t in enumerate((left, right)):
        if t in NUMERIC or t is FType.BLANK:
            continue
        hint_en, hint_zh = "", ""
        if t is FType.TEXT:
            hint_en, hint_zh = (
                " (join text with &, or make a number with VALUE())",
                "（连接文本请用 &，转换为数字请用 VALUE()）",
            )
        elif t in TEMPORAL:
            hint_en, hint_zh = (
                " (use DATEADD or DATETIME_DIFF with dates)",
                "（日期请用 DATEADD 或 DATETIME_DIFF）",
            )
        raise OperandProblem(
            f"'{op}' needs numbers, but this is {t.label_en}{hint_en}",
            f"'{op}' 需要数字，但这里是{t.label_zh}{hint_zh}",
            side,
        )


def compare_mode(op: str, left: FType, right: FType) -> str:
    """How `left op right` compares: 'number', 'text', 'date', 'instant' or 'blank' (one side is
    BLANK(): compared with the other side's truthiness). Raises OperandProblem."""
    equality = op in ("=", "!=")
    if FType.BLANK in (left, right):
        other = right if left is FType.BLANK else left
        if other is FType.BLANK:
            return "number"
        if equality:
            return "blank"
        left = right = other
    if left in NUMERIC and right in NUMERIC:
        return "number"
    if left in TEMPORAL or right in TEMPORAL:
        if left is FType.DATE and right is FType.DATE:
            return "date"
        if {left, right} <= TEMPORAL | {FType.TEXT}:
            return "instant"
        other = right if left in TEMPORAL else left
        raise OperandProblem(
            f"Cannot compare a date with {other.label_en}",
            f"日期不能与{other.label_zh}比较",
            None,
        )
    if equality or {left, right} <= {FType.TEXT, FType.ARRAY}:
        return "text"
    raise OperandProblem(
        f"Cannot use '{op}' between {left.label_en} and {right.label_en} "
        "(make a number from text with VALUE())",
        f"'{op}' 不能用于{left.label_zh}和{right.label_zh}之间（可用 VALUE() 把文本转换为数字）",
        None,
    )


def arithmetic(c: Ctx, op: str, left: Val, right: Val) -> Val:
    a = coerce.number(c, left).sql
    b = coerce.number(c, right).sql
    err = any_err(left.err, right.err)
    if op == "/":
        value = div(c.d.float(a), sa.func.nullif(b, 0.0))
        return Val(value, FType.NUMBER, any_err(err, b == 0.0), nullable=False)
    value = {"+": a + b, "-": a - b, "*": a * b}[op]
    return Val(value, FType.NUMBER, err, nullable=False)


def concat(c: Ctx, left: Val, right: Val) -> Val:
    a, b = coerce.text(c, left), coerce.text(c, right)
    value = sa.type_coerce(a.sql.op("||")(b.sql), sa.Text())
    return Val(value, FType.TEXT, any_err(a.err, b.err), nullable=False)


def negate(c: Ctx, operand: Val) -> Val:
    x = coerce.number(c, operand)
    return Val(-x.sql, FType.NUMBER, x.err, nullable=False)


def _ordered(op: str, a: SQL, b: SQL) -> Cond:
    match op:
        case "<":
            return a < b
        case ">":
            return a > b
        case "<=":
            return a <= b
        case ">=":
            return a >= b
        case "=":
            return a == b
    return a != b


def compare(c: Ctx, op: str, left: Val, right: Val) -> Val:
    mode = compare_mode(op, left.ftype, right.ftype)
    if mode == "blank":
        other = right if left.ftype is FType.BLANK else left
        value = coerce.truthy(c, other)
        if op == "=":
            value = sa.not_(value)
        return Val(value, FType.BOOLEAN, any_err(left.err, right.err), nullable=False)
    if mode == "number":
        a, b = coerce.number(c, left), coerce.number(c, right)
    elif mode == "text":
        a, b = coerce.text(c, left), coerce.text(c, right)
        if op not in ("=", "!="):
            a, b = a.but(sql=c.d.text_order(a.sql)), b.but(sql=c.d.text_order(b.sql))
    else:
        a, b = coerce.temporal(c, left), coerce.temporal(c, right)
        if mode == "instant":
            a = a.but(sql=coerce.instant(c, a))
            b = b.but(sql=coerce.instant(c, b))
    err = any_err(a.err, b.err)
    if not (a.nullable or b.nullable):
        return Val(_ordered(op, a.sql, b.sql), FType.BOOLEAN, err, nullable=False)
    if op not in ("=", "!="):
        value = sa.func.coalesce(_ordered(op, a.sql, b.sql), sa.false())
        return Val(value, FType.BOOLEAN, err, nullable=False)

    # blank equals blank (IS on SQLite, IS NOT DISTINCT FROM on PostgreSQL)
    same = op == "="
    value = a.sql.is_not_distinct_from(b.sql) if same else a.sql.is_distinct_from(b.sql)
    return Val(value, FType.BOOLEAN, err, nullable=False)
