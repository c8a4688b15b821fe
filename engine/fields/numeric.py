"""Number-like types: number, currency, percent, rating, duration."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Float, Integer
from sqlalchemy.types import TypeEngine

from ..errors import ValueProblem
from .base import FieldType, problem, wrong_type

_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
CURRENCY_SIGNS = "￥¥$€£元"


def parse_number(text: str) -> float | int:
    """A number from text: ' 42 ', '1,234.5', '-1.5', full-width digits. '3,5' is not a number."""
    s = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if _GROUPED.match(s):
        s = s.replace(",", "")
    if not _PLAIN.match(s):
        raise problem("invalid_number", f"{text[:40]!r} is not a number", f"{text[:40]!r} 不是数字")
    if re.fullmatch(r"[+-]?\d+", s):
        return int(s)
    return float(s)


def _finite(value: float) -> float:
    if math.isnan(value) or math.isinf(value):
        raise problem("invalid_number", "The number is not finite", "数字无效（非有限值）")
    return value


def as_number(value: Any, strip: str = "") -> float | int | None:
    """A written value as a number (None for empty); strings may carry the signs in `strip`."""
    if value is None:
        return None
    t = type(value)
    if t is int:
        return int(value)
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
        for sign in strip:
            s = s.replace(sign, "")
        n = parse_number(s)
        return n
    raise wrong_type(value, "a number", "数字")


def round_to(value: float | int, precision: int) -> float | int:
    if isinstance(value, int):
        return value
    q = Decimal(1).scaleb(-precision)
    return float(Decimal(repr(value)).quantize(q, rounding=ROUND_HALF_UP))


class NumberOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    precision: int = Field(default=0, ge=0, le=8)


class NumberType(FieldType):
    """A number. Precision 0 means a whole number: 1.5 is refused rather than rounded away."""

    name = "number"
    label_en = "Number"
    label_zh = "数字"
    Options: ClassVar[type[BaseModel]] = NumberOptions
    has_range = True
    signs = ""

    def column_type(self) -> TypeEngine[Any]:
        return Float()

    def normalize(self, value: Any) -> float | int | None:
        n = as_number(value, self.signs)
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
            if abs(n) > 2**53:
                raise problem("out_of_range", "The number is too large", "数字过大")
            return n
        return round_to(n, precision)

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        if (
            self.options.precision == 0
            and all(type(v) is int for v in values)
            and (not values or (max(values) <= 2**53 and min(values) >= -(2**53)))
        ):
            return list(values), []
        return super().normalize_many(values)

    def from_db(self, raw: Any) -> Any:
        if raw is not None and self.options.precision == 0:
            return int(raw)
        return raw

    def to_text(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, int) or self.options.precision == 0:
            return str(int(value))
        return f"{value:.{self.options.precision}f}"


class CurrencyOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    symbol: str = Field(default="¥", max_length=8)
    precision: int = Field(default=2, ge=0, le=8)


class CurrencyType(NumberType):
    """An amount of money with a symbol; '¥1,299.00' and '￥12' are read as amounts."""

    name = "currency"
    label_en = "Currency"
    label_zh = "货币"
    Options = CurrencyOptions
    signs = CURRENCY_SIGNS

    def _fit(self, n: float | int) -> float | int:
        return round_to(n, self.options.precision)

    def from_db(self, raw: Any) -> Any:
        return raw

    def to_text(self, value: Any) -> str:
        if value is None:
            return ""
        return f"{self.options.symbol}{value:,.{self.options.precision}f}"


class PercentOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    precision: int = Field(default=0, ge=0, le=8)


class PercentType(NumberType):
    """A percentage stored as a fraction (0.5 is 50%). Text is read in percent: '50%' and '50'."""

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
        return FieldType.normalize_many(self, values)

    def from_db(self, raw: Any) -> Any:
        return raw

    def to_text(self, value: Any) -> str:
        if value is None:
            return ""
        return f"{value * 100:.{self.options.precision}f}%"

    def from_text(self, text: str) -> Any:
        return self.normalize(text)


class RatingOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max: int = Field(default=5, ge=1, le=10)
    icon: Literal["star", "heart", "thumb", "flag", "fire"] = "star"


class RatingType(FieldType):
    """A whole number of stars from 1 to max; 0 means not rated."""

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


class DurationOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["h:mm", "h:mm:ss", "h:mm:ss.s", "h:mm:ss.ss", "h:mm:ss.sss"] = "h:mm"


_CLOCK = re.compile(r"^(-)?(\d+):([0-5]?\d)(?::([0-5]?\d(?:\.\d+)?))?$")
_UNITS = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hours?|小时|时))?\s*"
    r"(?:(\d+(?:\.\d+)?)\s*(?:m|min|mins|minutes?|分钟|分))?\s*"
    r"(?:(\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds?|秒))?\s*$"
)


class DurationType(NumberType):
    """A length of time in seconds; text like '1:30', '1:30:15', '2h 5m' or '90分钟' is read."""

    name = "duration"
    label_en = "Duration"
    label_zh = "时长"
    Options = DurationOptions

    def normalize(self, value: Any) -> float | int | None:
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            m = _CLOCK.match(text)
            if m:
                sign, h, mi, s = m.groups()
                total = int(h) * 3600 + int(mi) * 60 + (float(s) if s else 0)
                return _whole(-total if sign else total)
            m = _UNITS.match(text)
            if m and any(m.groups()):
                h, mi, s = (float(g) if g else 0.0 for g in m.groups())
                return _whole(h * 3600 + mi * 60 + s)
        n = as_number(value)
        return None if n is None else _whole(n)

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        return FieldType.normalize_many(self, values)

    def from_db(self, raw: Any) -> Any:
        return None if raw is None else _whole(raw)

    def to_text(self, value: Any) -> str:
        if value is None:
            return ""
        sign = "-" if value < 0 else ""
        total = abs(float(value))
        h, rest = divmod(total, 3600)
        m, s = divmod(rest, 60)
        fmt = self.options.format
        if fmt == "h:mm":
            return f"{sign}{int(h)}:{int(m):02d}"
        decimals = len(fmt) - len("h:mm:ss.") if "." in fmt else 0
        if decimals:
            return f"{sign}{int(h)}:{int(m):02d}:{s:0{3 + decimals}.{decimals}f}"
        return f"{sign}{int(h)}:{int(m):02d}:{round(s):02d}"


def _whole(n: float | int) -> float | int:
    return int(n) if float(n).is_integer() else round(float(n), 3)
