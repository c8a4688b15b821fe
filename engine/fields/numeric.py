"""Number-like types: number, currency, percent, rating (duration is in `duration`)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from itertools import repeat
from operator import eq
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Float, Integer
from sqlalchemy.types import TypeEngine

from ..errors import ValueProblem
from .base import FieldType, problem, wrong_type

_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
CURRENCY_SIGNS = "￥¥$€£元"
MAX_EXACT = 2**53  # whole numbers up to this are exact in a double-precision column
_MAX_INT = 10**300  # larger whole numbers have no float at all


def _not_a_number(text: str) -> ValueProblem:
    return problem("invalid_number", f"{text[:40]!r} is not a number", f"{text[:40]!r} 不是数字")


def parse_number(text: str) -> float | int:
    """A number from text: ' 42 ', '1,234.5', '-1.5', '1e3', full-width digits. '3,5' is not a
    number: it is 3.5 in much of Europe and 35 elsewhere, so it is refused rather than guessed."""
    s = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if _GROUPED.match(s):
        s = s.replace(",", "")
    if not _PLAIN.match(s):
        raise _not_a_number(text)
    if re.fullmatch(r"[+-]?\d+", s):
        return _bounded(int(s))
    return _finite(float(s))


def _finite(value: float) -> float:
    if math.isnan(value) or math.isinf(value):
        raise problem("invalid_number", "The number is not finite", "数字无效（非有限值）")
    return value


def _bounded(value: int) -> int:
    if abs(value) > _MAX_INT:
        raise problem("out_of_range", "The number is too large", "数字过大")
    return value


def _unsign(text: str, signs: str, symbols: Sequence[str]) -> str:
    """`text` without one currency or percent sign at its start or end: '-¥5', '¥-5', '5元',
    '50%'. A sign in the middle ('1$2') is left for the number parser to refuse."""
    s = unicodedata.normalize("NFKC", text).strip()
    tokens = sorted(
        {unicodedata.normalize("NFKC", t) for t in (*signs, *symbols) if t.strip()},
        key=len,
        reverse=True,
    )
    sign = ""
    if s[:1] in ("+", "-"):
        sign, s = s[0], s[1:].lstrip()
    for t in tokens:
        if s.startswith(t):
            s = s[len(t) :].strip()
            break
    for t in tokens:
        if s.endswith(t):
            s = s[: -len(t)].strip()
            break
    if sign and s[:1] in ("+", "-"):
        raise _not_a_number(text)
    return sign + s


def as_number(value: Any, strip: str = "", *, symbols: Sequence[str] = ()) -> float | int | None:
    """A written value as a number (None for empty); text may carry one of the signs in `strip`
    (single characters) or `symbols` (any text) at its start or end."""
    if value is None:
        return None
    t = type(value)
    if t is int:
        return _bounded(value)
    if t is float:
        return _finite(value)
    if t is bool:
        raise wrong_type(value, "a number", "数字")
    if isinstance(value, Decimal):
        return _finite(float(value))
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return None
        if strip or symbols:
            s = _unsign(s, strip, symbols)
            if not s:
                raise _not_a_number(value)
        try:
            return parse_number(s)
        except ValueProblem as p:
            if p.code == "invalid_number":
                raise _not_a_number(value) from None
            raise
    raise wrong_type(value, "a number", "数字")


def round_to(value: float | int, precision: int) -> float | int:
    """`value` rounded half-up to `precision` decimals, as written in decimal (2.675 -> 2.68).
    Whole numbers beyond exact float range become floats, as the column will keep them."""
    if isinstance(value, int):
        return value if abs(value) <= MAX_EXACT else float(value)
    if abs(value) >= 2**52:  # no float this large has a fraction
        return value
    q = Decimal(1).scaleb(-precision)
    return float(Decimal(repr(value)).quantize(q, rounding=ROUND_HALF_UP))


_INT_FLOAT: frozenset[type] = frozenset((int, float, type(None)))
_FLOAT: frozenset[type] = frozenset((float, type(None)))


def _kept_by_rounding(values: Sequence[Any], decimals: int, types: frozenset[type]) -> bool:
    """Whether each of `values` is None or a number of one of `types` that `as_number` takes
    and `round_to(value, decimals)` gives back unchanged. Checked column-wise with C-level
    builtins (a column that repeats itself, each value once), for the fast paths.

    A finite v below 10**(14 - decimals) with round(v, decimals) == v is a float that some
    decimal with at most `decimals` places rounds to; then so is its repr (the shortest such
    decimal could only have more places just below a power of ten, with 16 or more digits),
    which `round_to` quantizes exactly and gives back as v. Whole numbers that small are kept
    too. A NaN is not equal to its rounding."""
    if not set(map(type, values)) <= types:
        return False
    column: Sequence[Any] | set[Any] = values
    if len(set(values[:1000])) <= 100:  # an int and an equal float go alike here
        column = set(values)
    present = [v for v in column if v is not None] if None in column else column
    if not present:
        return True
    bound = 10 ** (14 - decimals)
    return (
        -bound < min(present)
        and max(present) < bound
        and all(map(eq, map(round, present, repeat(decimals)), present))
    )


class NumberOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    precision: int = Field(default=0, ge=0, le=8)


class NumberType(FieldType):
    """A number. Precision 0 means a whole number: 1.5 is refused rather than rounded away; a
    higher precision rounds half-up (2.675 -> 2.68 at precision 2)."""

    name = "number"
    label_en = "Number"
    label_zh = "数字"
    Options: ClassVar[type[BaseModel]] = NumberOptions
    has_range = True
    signs = ""

    def column_type(self) -> TypeEngine[Any]:
        return Float()

    def symbols(self) -> tuple[str, ...]:
        return ()

    def normalize(self, value: Any) -> float | int | None:
        n = as_number(value, self.signs, symbols=self.symbols())
        if n is None:
            return None
        return self._fit(n)

    def _fit(self, n: float | int) -> float | int:
        precision = self.options.precision
        if precision == 0:
            if isinstance(n, float):
                if not n.is_integer():
                    raise problem(
                        "not_integer",
                        f"{n} is not a whole number",
                        f"{n} 不是整数",
                    )
                n = int(n)
            if abs(n) > MAX_EXACT:
                raise problem(
                    "out_of_range",
                    f"The number is too large (whole numbers go up to ±{MAX_EXACT:,})",
                    f"数字过大（整数最大为 ±{MAX_EXACT:,}）",
                )
            return n
        return round_to(n, precision)

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        if (
            self.options.precision == 0
            and set(map(type, values)) <= {int}
            and (not values or (max(values) <= MAX_EXACT and min(values) >= -MAX_EXACT))
        ):
            return list(values), []
        # fast path where `_fit` is `round_to`: numbers already at the precision are kept
        rounds = self.options.precision > 0 or isinstance(self, CurrencyType)
        if rounds and _kept_by_rounding(values, self.options.precision, _INT_FLOAT):
            return list(values), []
        return super().normalize_many(values)

    def from_db(self, raw: Any) -> Any:
        if raw is not None and self.options.precision == 0:
            return int(raw)
        return raw

    def convert_from(self, value: Any, source: FieldType) -> Any:
        # between number-like types the stored number carries over ('¥1,299.50' would not
        # read back as a plain number, '50%' would read as 0.5 in a percent field only)
        if isinstance(source, NumberType | RatingType) and isinstance(value, int | float):
            return self.normalize(value)
        return super().convert_from(value, source)

    def to_text(self, value: Any) -> str:
        if value is None:
            return ""
        if self.options.precision == 0:
            return str(int(value))
        return f"{float(value):.{self.options.precision}f}"


class CurrencyOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    symbol: str = Field(default="¥", max_length=8)
    precision: int = Field(default=2, ge=0, le=8)


class CurrencyType(NumberType):
    """An amount of money with a symbol. Text may carry the field's symbol or any of ¥ ￥ $ € £ 元
    at its start or end, and thousands separators: '¥1,299.00', '-￥12', '100元', '$1,299.50'.
    Amounts are rounded half-up to the precision (2 by default)."""

    name = "currency"
    label_en = "Currency"
    label_zh = "货币"
    Options = CurrencyOptions
    signs = CURRENCY_SIGNS

    def symbols(self) -> tuple[str, ...]:
        return (self.options.symbol,)

    def _fit(self, n: float | int) -> float | int:
        return round_to(n, self.options.precision)

    def from_db(self, raw: Any) -> Any:
        return raw

    def to_text(self, value: Any) -> str:
        if value is None:
            return ""
        sign = "-" if value < 0 else ""
        return f"{sign}{self.options.symbol}{abs(value):,.{self.options.precision}f}"


class PercentOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    precision: int = Field(default=0, ge=0, le=8)


class PercentType(NumberType):
    """A percentage stored as a fraction (0.5 is 50%), rounded half-up to `precision` decimals
    of a percent. Text is read in percent: '50%' and '50' are both 0.5; a number is a fraction."""

    name = "percent"
    label_en = "Percent"
    label_zh = "百分比"
    Options = PercentOptions

    def normalize(self, value: Any) -> float | int | None:
        if isinstance(value, str):
            n = as_number(value, "%％")
            if n is None:
                return None
            return round_to(float(n) / 100, self.options.precision + 2)
        n = as_number(value)
        if n is None:
            return None
        return round_to(float(n), self.options.precision + 2)

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        # fast path: fractions already at the precision are kept
        if _kept_by_rounding(values, self.options.precision + 2, _FLOAT):
            return list(values), []
        return FieldType.normalize_many(self, values)

    def from_db(self, raw: Any) -> Any:
        return raw

    def to_text(self, value: Any) -> str:
        if value is None:
            return ""
        return f"{value * 100:.{self.options.precision}f}%"


class RatingOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max: int = Field(default=5, ge=1, le=10)
    icon: Literal["star", "heart", "thumb", "flag", "fire"] = "star"


class RatingType(FieldType):
    """A whole number of stars from 1 to max; 0 means not rated. '★★★' is read as 3."""

    name = "rating"
    label_en = "Rating"
    label_zh = "评分"
    Options = RatingOptions
    has_range = True

    def column_type(self) -> TypeEngine[Any]:
        return Integer()

    def normalize(self, value: Any) -> int | None:
        if isinstance(value, str):
            stripped = value.strip()
            if stripped and set(stripped) <= set("★⭐☆"):
                value = stripped.count("★") + stripped.count("⭐")
        n = as_number(value)
        if n is None or n == 0:
            return None
        if isinstance(n, float):
            if not n.is_integer():
                raise problem("not_integer", f"{n} is not a whole number", f"{n} 不是整数")
            n = int(n)
        top = self.options.max
        if not 1 <= n <= top:
            raise problem(
                "out_of_range",
                f"A rating must be between 1 and {top}, not {n}",
                f"评分必须在 1 到 {top} 之间，而不是 {n}",
            )
        return n

    def to_text(self, value: Any) -> str:
        return "" if value is None else str(value)
