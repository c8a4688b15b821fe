"""The duration type: a length of time, in seconds."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..errors import ValueProblem
from .base import FieldType, problem
from .numeric import NumberType, as_number


class DurationOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["h:mm", "h:mm:ss", "h:mm:ss.s", "h:mm:ss.ss", "h:mm:ss.sss"] = "h:mm"


_CLOCK = re.compile(r"^(-)?(\d+):([0-5]?\d)(?::([0-5]?\d(?:\.\d+)?))?$")
_UNITS = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)\s*(?:d|days?|天))?\s*"
    r"(?:(\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hours?|小时|时))?\s*"
    r"(?:(\d+(?:\.\d+)?)\s*(?:m|min|mins|minutes?|分钟|分))?\s*"
    r"(?:(\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds?|秒))?\s*$",
    re.IGNORECASE,
)


class DurationType(NumberType):
    """A length of time in seconds. A number is seconds; text like '1:30' (h:mm), '1:30:15',
    '2h 5m', '1天2小时' or '90分钟' is read. Kept to the millisecond."""

    name = "duration"
    label_en = "Duration"
    label_zh = "时长"
    Options = DurationOptions

    def normalize(self, value: Any) -> float | int | None:
        if isinstance(value, str):
            text = unicodedata.normalize("NFKC", value).strip()
            if not text:
                return None
            m = _CLOCK.match(text)
            if m:
                sign, h, mi, s = m.groups()
                total = int(h) * 3600 + int(mi) * 60 + (float(s) if s else 0)
                return _whole(-total if sign else total)
            m = _UNITS.match(text)
            if m and any(m.groups()):
                d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
                return _whole(d * 86400 + h * 3600 + mi * 60 + s)
            try:
                n = as_number(text)
            except ValueProblem as p:
                if p.code != "invalid_number":
                    raise
                raise problem(
                    "invalid_duration",
                    f"{value[:40]!r} is not a duration (write seconds, h:mm, h:mm:ss or '2h 5m')",
                    f"{value[:40]!r} 不是有效的时长（请写秒数、h:mm、h:mm:ss 或“2小时5分钟”）",
                ) from None
        else:
            n = as_number(value)
        return None if n is None else _whole(n)

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        return FieldType.normalize_many(self, values)

    def from_db(self, raw: Any) -> Any:
        return None if raw is None else _whole(raw)

    def to_text(self, value: Any) -> str:
        """The value in the field's format, rounded half-up to its last digit."""
        if value is None:
            return ""
        fmt = self.options.format
        decimals = len(fmt) - len("h:mm:ss.") if "." in fmt else 0
        if fmt == "h:mm":
            minutes = _round_half_up(value, 1, 60)
            sign = "-" if value < 0 and minutes else ""
            h, m = divmod(minutes, 60)
            return f"{sign}{h}:{m:02d}"
        scale = 10**decimals
        units = _round_half_up(value, scale, 1)
        sign = "-" if value < 0 and units else ""
        h, rest = divmod(units, 3600 * scale)
        m, s = divmod(rest, 60 * scale)
        if decimals:
            return f"{sign}{h}:{m:02d}:{s // scale:02d}.{s % scale:0{decimals}d}"
        return f"{sign}{h}:{m:02d}:{s:02d}"


def _round_half_up(value: float | int, times: int, per: int) -> int:
    """abs(value) * times / per, rounded half-up to a whole number, computed in decimal."""
    with localcontext() as ctx:
        ctx.prec = 400  # enough for any float
        exact = Decimal(repr(abs(float(value)))) * times / per
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _whole(n: float | int) -> float | int:
    f = float(n)
    return int(f) if f.is_integer() else round(f, 3)
