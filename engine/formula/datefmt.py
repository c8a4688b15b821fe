"""Date units, and moment.js-style format strings (Airtable's DATETIME_FORMAT and
DATETIME_PARSE) as tokens: formatted in Python for SQLite's functions, translated to to_char
patterns for PostgreSQL, and turned into one regular expression for parsing on both."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .registry import LiteralProblem

# --- units -------------------------------------------------------------------------------------
_UNIT_NAMES = {
    "millisecond": "ms",
    "second": "s",
    "minute": "m",
    "hour": "h",
    "day": "d",
    "week": "w",
    "month": "M",
    "quarter": "Q",
    "year": "y",
}
_UNIT_SHORT = {"ms", "s", "m", "h", "d", "w", "M", "Q", "y"}
EXACT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}  # units of elapsed time
CALENDAR = ("d", "w", "M", "Q", "y")  # units counted on the local calendar


def unit(text: str) -> str:
    """The short name of a unit: 'days', 'day', 'd' → 'd'; 'M' is months, 'm' minutes."""
    s = text.strip()
    if s in _UNIT_SHORT:
        return s
    low = s.lower()
    name = low[:-1] if low.endswith("s") and low[:-1] in _UNIT_NAMES else low
    if name in _UNIT_NAMES:
        return _UNIT_NAMES[name]
    raise LiteralProblem(
        f"Unknown unit {text!r}; use years, quarters, months, weeks, days, hours, minutes, "
        "seconds or milliseconds",
        f"未知的时间单位 {text!r}；可用 years、quarters、months、weeks、days、hours、minutes、"
        "seconds、milliseconds",
    )


def weekday_start(text: str) -> int:
    """0 when weeks start on Sunday, 1 on Monday."""
    low = text.strip().lower()
    if low in ("sunday", "sun"):
        return 0
    if low in ("monday", "mon"):
        return 1
    raise LiteralProblem(
        f"Weeks start on 'Sunday' or 'Monday', not {text!r}",
        f"一周只能从 'Sunday' 或 'Monday' 开始，而不是 {text!r}",
    )


# --- format tokens -----------------------------------------------------------------------------
MACROS = {
    "LLLL": "dddd, MMMM D, YYYY h:mm A",
    "LLL": "MMMM D, YYYY h:mm A",
    "LTS": "h:mm:ss A",
    "LT": "h:mm A",
    "LL": "MMMM D, YYYY",
    "L": "MM/DD/YYYY",
    "llll": "ddd, MMM D, YYYY h:mm A",
    "lll": "MMM D, YYYY h:mm A",
    "ll": "MMM D, YYYY",
    "l": "M/D/YYYY",
}
TOKENS = sorted(
    [
        *("YYYY", "YY", "Q", "MMMM", "MMM", "MM", "M", "DDDD", "DDD", "Do", "DD", "D"),
        *("dddd", "ddd", "dd", "d", "WW", "W", "GGGG", "HH", "H", "hh", "h", "kk", "k"),
        *("mm", "m", "ss", "s", "SSS", "SS", "S", "A", "a", "ZZ", "Z", "X", "x"),
    ],
    key=len,
    reverse=True,
)
_MACRO_KEYS = sorted(MACROS, key=len, reverse=True)
DEFAULT_FORMAT = "YYYY-MM-DDTHH:mm:ss.SSSZ"

Piece = tuple[str, str]  # ("tok", token) or ("lit", text)


def format_tokens(fmt: str) -> list[Piece]:
    out: list[Piece] = []

    def lit(text: str) -> None:
        if out and out[-1][0] == "lit":
            out[-1] = ("lit", out[-1][1] + text)
        else:
            out.append(("lit", text))

    i = 0
    while i < len(fmt):
        if fmt[i] == "[":
            close = fmt.find("]", i + 1)
            if close != -1:
                lit(fmt[i + 1 : close])
                i = close + 1
                continue
        macro = next((m for m in _MACRO_KEYS if fmt.startswith(m, i)), None)
        if macro is not None:
            out.extend(format_tokens(MACROS[macro]))
            i += len(macro)
            continue
        tok = next((t for t in TOKENS if fmt.startswith(t, i)), None)
        if tok is None:
            lit(fmt[i])
            i += 1
        else:
            out.append(("tok", tok))
            i += len(tok)
    return out


def check_format(fmt: str) -> list[Piece]:
    return format_tokens(fmt)


MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


# to_char patterns for the tokens PostgreSQL formats itself; the rest are built as expressions
PG_PATTERNS = {
    "YYYY": "YYYY",
    "YY": "YY",
    "Q": "Q",
    "MMMM": "FMMonth",
    "MMM": "Mon",
    "MM": "MM",
    "M": "FMMM",
    "DDDD": "DDD",
    "DDD": "FMDDD",
    "Do": "FMDDth",
    "DD": "DD",
    "D": "FMDD",
    "dddd": "FMDay",
    "ddd": "Dy",
    "WW": "IW",
    "W": "FMIW",
    "GGGG": "IYYY",
    "HH": "HH24",
    "H": "FMHH24",
    "hh": "HH12",
    "h": "FMHH12",
    "mm": "MI",
    "m": "FMMI",
    "ss": "SS",
    "s": "FMSS",
    "SSS": "MS",
    "A": "AM",
    "a": "am",
}


def pg_quote(text: str) -> str:
    """Literal text inside a to_char pattern."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- parsing -----------------------------------------------------------------------------------
def _ci(word: str) -> str:
    """A case-insensitive regex for an ASCII word, valid in Python and PostgreSQL alike."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)


_MONTH_NAMES = "|".join(_ci(m) for m in MONTHS) + "|" + "|".join(_ci(m[:3]) for m in MONTHS)
_DAY_NAMES = "|".join(_ci(d) for d in DAYS) + "|" + "|".join(_ci(d[:3]) for d in DAYS)
_OFFSET = "([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)"
_PARSE = {
    "YYYY": ("([0-9]{4})", "year"),
    "YY": ("([0-9]{2})", "year2"),
    "MMMM": (f"({_MONTH_NAMES})", "monthname"),
    "MMM": (f"({_MONTH_NAMES})", "monthname"),
    "MM": ("([0-9]{1,2})", "month"),
    "M": ("([0-9]{1,2})", "month"),
    "DD": ("([0-9]{1,2})", "day"),
    "D": ("([0-9]{1,2})", "day"),
    "Do": ("([0-9]{1,2})(?:st|nd|rd|th)", "day"),
    "dddd": (f"(?:{_DAY_NAMES})", ""),
    "ddd": (f"(?:{_DAY_NAMES})", ""),
    "HH": ("([0-9]{1,2})", "hour"),
    "H": ("([0-9]{1,2})", "hour"),
    "hh": ("([0-9]{1,2})", "hour"),
    "h": ("([0-9]{1,2})", "hour"),
    "mm": ("([0-9]{1,2})", "minute"),
    "m": ("([0-9]{1,2})", "minute"),
    "ss": ("([0-9]{1,2})", "second"),
    "s": ("([0-9]{1,2})", "second"),
    "SSS": ("([0-9]{1,6})", "fraction"),
    "SS": ("([0-9]{1,6})", "fraction"),
    "S": ("([0-9]{1,6})", "fraction"),
    "A": ("([AaPp][Mm])", "ampm"),
    "a": ("([AaPp][Mm])", "ampm"),
    "ZZ": (_OFFSET, "offset"),
    "Z": (_OFFSET, "offset"),
    "X": ("(-?[0-9]{1,11})", "unix"),
    "x": ("(-?[0-9]{1,14})", "unixms"),
}


@dataclass(frozen=True)
class ParseSpec:
    regex: str  # valid in Python and in PostgreSQL, anchored at both ends
    roles: tuple[str, ...]  # what each capture group holds


DEFAULT_PARSE = ParseSpec(
    r"^\s*([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})[日号]?"
    r"(?:(?:[T ]|\s+)([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,6})[0-9]*)?)?)?"
    rf"\s*{_OFFSET}?\s*$",
    ("year", "month", "day", "hour", "minute", "second", "fraction", "offset"),
)


def parse_spec(fmt: str | None) -> ParseSpec:
    """The regular expression that reads text written in format `fmt` (ISO 8601 and
    2024年3月5日 when there is none)."""
    if fmt is None:
        return DEFAULT_PARSE
    parts: list[str] = [r"^\s*"]
    roles: list[str] = []
    for kind, value in format_tokens(fmt):
        if kind == "lit":
            for ch in value:
                parts.append(r"\s*" if ch.isspace() else re.escape(ch))
            continue
        if value not in _PARSE:
            raise LiteralProblem(
                f"{value!r} cannot be read by DATETIME_PARSE",
                f"DATETIME_PARSE 无法读取格式 {value!r}",
            )
        pattern, role = _PARSE[value]
        parts.append(pattern)
        if role:
            roles.append(role)
    parts.append(r"\s*$")
    if len(set(roles)) != len(roles):
        raise LiteralProblem(
            "The format names the same part of the date twice", "格式中同一日期部分出现了两次"
        )
    return ParseSpec("".join(parts), tuple(roles))


def check_parse_format(fmt: str) -> ParseSpec:
    return parse_spec(fmt)


def year_of_two_digits(yy: int) -> int:
    return 1900 + yy if yy > 68 else 2000 + yy


def month_of_name(name: str) -> int:
    return [m[:3].lower() for m in MONTHS].index(name[:3].lower()) + 1
