"""From a column's stats to a field type, its options and a confidence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .infer import (
    CURRENCY_FORMAT,
    DATE_HINT,
    DIGIT_WORDS,
    PADDED_FORMAT,
    PARTS_MAX,
    PHONE_HINT,
    SELECT_MAX,
    ColumnStats,
)

_DATE_FORMAT = re.compile(r"[ymd]", re.IGNORECASE)
_SYMBOLS = {"￥": "¥", "元": "¥"}
WEAK_WORDS = DIGIT_WORDS | {"x", "y", "n"}  # alone, these do not make a column a checkbox


@dataclass
class Guess:
    type: str
    options: dict[str, Any] = field(default_factory=dict)
    confidence: float = 1.0
    notes: list[tuple[str, str]] = field(default_factory=list)  # (English, Chinese)
    pad: int | None = None  # numbers stored by Excel for codes: zero-padded text of this width
    serial_dates: bool = False  # whole numbers are Excel date serials


def _text_decimals(s: ColumnStats) -> int:
    most = 0
    for v in list(s.distinct)[:500]:
        if isinstance(v, str) and "." in v:
            digits = re.sub(r"[^0-9.]", "", v.split(".")[-1])
            most = max(most, len(digits))
    return min(most, 8)


def guess(s: ColumnStats, threshold: float) -> Guess:
    n = s.nonempty
    if n == 0:
        return Guess("text", notes=[("The column is empty", "该列为空")])
    fmt = s.number_format or ""
    fits = s.text_fits
    hint_phone = bool(PHONE_HINT.search(s.header))
    if s.numbers and PADDED_FORMAT.fullmatch(fmt):
        width = len(fmt)
        note = (
            f"Numbers shown with leading zeros (format {fmt}) are kept as text",
            f"以前导零显示的数字（格式 {fmt}）按文本保留",
        )
        kind = "phone" if hint_phone else "text"
        return Guess(kind, confidence=s.numbers / n, notes=[note], pad=width)

    scores: list[tuple[str, float, dict[str, Any], list[tuple[str, str]]]] = []

    def add(kind: str, score: float, options: dict[str, Any] | None = None, *notes: Any) -> None:
        scores.append((kind, score / n, options or {}, list(notes)))

    if s.bools or (s.words - WEAK_WORDS):
        add("checkbox", s.bools + fits["checkbox"])
    phones = fits["phone"] + s.mobiles
    if hint_phone:
        phones = max(phones, fits["phone"] + s.integers)
    if phones:
        phone_notes: tuple[tuple[str, str], ...] = ()
        if s.numbers:
            phone_notes = (
                (
                    "Phone numbers stored as numbers are recovered as text",
                    "以数字存储的电话号码已恢复为文本",
                ),
            )
        add("phone", phones, None, *phone_notes)
    stamped = s.datetimes + fits["datetime"]
    if stamped:
        add("datetime", stamped + s.dates + fits["date"])
    serial = s.serials if (DATE_HINT.search(s.header) or _DATE_FORMAT.search(fmt)) else 0
    if s.dates or fits["date"] or serial:
        options: dict[str, Any] = {}
        notes: list[tuple[str, str]] = []
        if s.day_first > s.month_first:
            options["date_format"] = "european"
        if s.ambiguous and not (s.day_first or s.month_first):
            notes.append(
                (
                    f"{s.ambiguous} dates such as 3/5/2024 could be read day or month first; "
                    "read month first (March 5) — choose the European date format for day first",
                    f"{s.ambiguous} 个日期（如 3/5/2024）既可按日也可按月在前理解；已按月在前（3 月 5 日）读取，"
                    "如需日在前请选择欧洲日期格式",
                )
            )
        if s.day_first and s.month_first:
            notes.append(
                (
                    "Some dates are written day first and some month first",
                    "部分日期日在前，部分月在前",
                )
            )
        if serial:
            notes.append(
                ("Whole numbers are read as Excel date serials", "整数按 Excel 日期序号读取")
            )
        scores.append(("date", (s.dates + fits["date"] + serial) / n, options, notes))
    if s.durations:
        add("duration", s.durations)
    if "%" in fmt or fits["percent"]:
        numeric = s.numbers if "%" in fmt else 0
        decimals = max(0, s.decimals - 2) if "%" in fmt else _text_decimals(s)
        add("percent", numeric + fits["percent"] + fits["number"], {"precision": min(decimals, 6)})
    currency_format = CURRENCY_FORMAT.search(fmt)
    if currency_format or fits["currency"]:
        if currency_format:
            symbol = currency_format.group(1) or currency_format.group(0)
            symbol = symbol.strip('"') or "¥"
        else:
            symbol = s.symbols.most_common(1)[0][0]
        symbol = _SYMBOLS.get(symbol, symbol)
        precision = max(2, min(s.decimals, 4))
        add(
            "currency",
            s.numbers + fits["currency"] + fits["number"],
            {"symbol": symbol[:8], "precision": precision},
        )
    if s.numbers or fits["number"]:
        whole = s.integers == s.numbers and fits["integer"] == fits["number"]
        precision = 0 if whole else max(s.decimals, _text_decimals(s), 1)
        add("number", s.numbers + fits["number"], {"precision": min(precision, 8)})
    if fits["email"]:
        add("email", fits["email"])
    if fits["url"]:
        add("url", fits["url"])
    for kind, score, options, notes in scores:
        if score >= threshold:
            serials = kind in ("date", "datetime") and serial > 0 and s.serials > 0
            return Guess(kind, options, round(score, 3), notes, serial_dates=serials)
    texts = s.texts + s.numbers
    if texts / n >= threshold and s.lines == 0:
        parts = list(s.parts)
        if (
            s.listed
            and not s.parts_overflow
            and "list" not in s.dead
            and 2 <= len(parts) <= PARTS_MAX
            and n >= 2 * len(parts)
        ):
            return Guess("multiple_select", {"choices": parts}, 1.0)
        names = _option_names(s)
        if names is not None and 1 <= len(names) <= SELECT_MAX and n >= max(4, 2 * len(names)):
            return Guess("single_select", {"choices": names}, 1.0)
    best = max(scores, key=lambda x: x[1], default=None)
    notes = []
    if best is not None and best[1] >= 0.5:
        notes.append(
            (
                f"{best[1]:.0%} of the values look like {best[0]}, below the {threshold:.0%} "
                "needed: kept as text",
                f"{best[1]:.0%} 的值像 {best[0]}，低于所需的 {threshold:.0%}：按文本保留",
            )
        )
    if s.lines or s.max_length > 255:
        return Guess("long_text", notes=notes)
    return Guess("text", notes=notes)


def _option_names(s: ColumnStats) -> list[str] | None:
    if s.distinct_overflow or s.max_length > 60:
        return None
    names: list[str] = []
    for v in s.distinct:
        if isinstance(v, bool):
            return None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        text = str(v).strip()
        if text and text not in names:
            names.append(text)
    if any(not isinstance(v, str) for v in s.distinct):
        return None  # numbers with few values stay numbers
    return names
