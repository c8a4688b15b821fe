"""What a worksheet cell's XML means as a Python value, as python-calamine reads it: numbers are
floats; a number whose style has a date or time format is a date, a datetime, a time (below one
day) or a timedelta (for elapsed-time formats such as [h]:mm), in the workbook's 1900 or 1904
date system; booleans are bools; errors (#N/A...) and empty cells are ''; text has its XML
entities and its _xHHHH_ escapes decoded and, unless marked xml:space="preserve", is trimmed of
XML white space. Everything here works a whole column of a chunk at a time where it can."""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Sequence
from enum import Enum
from itertools import compress, repeat
from typing import Any

XML_SPACE = " \t\n\r"
_ENTITY = re.compile(r"&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|(amp|lt|gt|quot|apos));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_EPOCH_ORDINAL = dt.date(1899, 12, 30).toordinal()
_MIDNIGHTS: dict[int, dt.datetime] = {}  # days since the epoch -> that day's midnight
_DAY_MS = 86_400_000.0
_DAYS_1904 = 1462.0
_EPOCH = dt.datetime(1899, 12, 30)
_LAST_DAY = float(dt.date(9999, 12, 31).toordinal() - _EPOCH_ORDINAL)
_ZEROS = (repeat(0), repeat(0), repeat(0))  # timedelta(days, seconds, microseconds, ms)


class Format(Enum):
    """What a cell style's number format makes of a number (calamine's three cases)."""

    OTHER = 0
    DATETIME = 1
    TIMEDELTA = 2


def custom_format(code: str) -> Format:
    """Whether a custom number format shows a date or time, an elapsed time, or neither: the
    first section only, ignoring quoted, escaped and bracketed text."""
    escaped = quoted = ap = hms = False
    brackets = 0
    prev = " "
    for ch in code:
        if escaped:
            escaped = False
        elif ch in "_\\*":
            escaped = True
        elif quoted:
            if ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == ";":
            return Format.OTHER
        elif ch == "[":
            brackets += 1
        elif ch == "]" and brackets == 1 and hms:
            return Format.TIMEDELTA
        elif ch == "]":
            brackets = max(brackets - 1, 0)
        elif ch in "aA" and not ap and brackets == 0:
            ap = True
        elif brackets == 0 and ch in ("pm/PM" if ap else "dmhysDMHYS"):
            return Format.DATETIME
        elif not (hms and ch.lower() == prev.lower()):
            hms = prev == "[" and ch in "mhsMHS"
        prev = ch
    return Format.OTHER


def builtin_format(format_id: int) -> Format:
    if 14 <= format_id <= 22 or format_id in (45, 47):
        return Format.DATETIME
    if format_id == 46:
        return Format.TIMEDELTA
    return Format.OTHER


# --- text -----------------------------------------------------------------------------------------
def _entity(m: re.Match[str]) -> str:
    dec, hexa, name = m.groups()
    if name:
        return _NAMED[name]
    return chr(int(dec) if dec else int(hexa, 16))


def _escape(m: re.Match[str]) -> str:
    code = int(m.group(1), 16)
    return m.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)


def xml_text(raw: str) -> str:
    """Raw XML character data as text: line ends as a parser reads them, entities decoded."""
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    return _ENTITY.sub(_entity, raw) if "&" in raw else raw


def unescape(text: str) -> str:
    """Text with its _xHHHH_ escapes (how OOXML stores control characters) decoded."""
    return _ESCAPE.sub(_escape, text) if "_x" in text else text


def cell_text(raw: str, *, preserve: bool) -> str:
    """The value of a <t> element given its raw character data."""
    text = xml_text(raw)
    if not preserve:
        text = text.strip(XML_SPACE)
    return unescape(text)


def texts(raw: Sequence[str], *, trim: bool) -> list[str]:
    """`cell_text` of a column of raw values (trimmed when `trim`), with a fast path for the
    common column that has nothing to decode."""
    joined = "\x00".join(raw)
    if "&" not in joined and "_x" not in joined and "\r" not in joined:
        if not trim:
            return list(raw)
        if joined.strip(XML_SPACE) == joined and not any(
            s in joined for s in (" \x00", "\x00 ", "\t", "\n")
        ):
            return list(raw)
        return [s.strip(XML_SPACE) for s in raw]
    if trim:
        return [unescape(xml_text(s).strip(XML_SPACE)) for s in raw]
    return [unescape(xml_text(s)) for s in raw]


# --- numbers and dates ----------------------------------------------------------------------------
def _round(x: float) -> int:
    """Rounded half away from zero, as Rust rounds."""
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


def moment(serial: float, date1904: bool) -> Any:
    """A date-formatted number as calamine gives it: a time below one, else a date for a whole
    number, else a datetime (to the millisecond); the number itself if it is out of range."""
    days = serial + _DAYS_1904 if date1904 else serial
    if days < 60:
        days += 1.0  # Excel's 1900 counts a 29 February that never was
    whole, ms = divmod(_round(days * _DAY_MS), 86_400_000)
    day = _MIDNIGHTS.get(whole)
    if day is None:
        try:
            day = dt.datetime.fromordinal(_EPOCH_ORDINAL + whole)
        except (ValueError, OverflowError):
            return serial
        if len(_MIDNIGHTS) < 100_000:
            _MIDNIGHTS[whole] = day
    if serial < 1.0:
        return (day + dt.timedelta(milliseconds=ms)).time()
    if serial.is_integer():
        return day.date()
    return day + dt.timedelta(milliseconds=ms)


def elapsed(serial: float) -> Any:
    try:
        return dt.timedelta(milliseconds=_round(serial * _DAY_MS))
    except OverflowError:
        return serial


def iso_moment(text: str) -> Any:
    """A cell of type d (an ISO 8601 date, time or date and time)."""
    try:
        if "T" in text:
            return dt.datetime.fromisoformat(text.rstrip("Z"))
        if ":" in text:
            return dt.time.fromisoformat(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        return text


def moments(serials: list[float], date1904: bool) -> list[Any] | None:
    """`moment` of every number of a column, by C-level builtins (None unless each is a date
    or datetime in range: from 1 March 1900 to the year 9999)."""
    days = list(map(_DAYS_1904.__add__, serials)) if date1904 else serials
    if not days or min(days) < 60 or max(days) >= _LAST_DAY or min(serials) < 1.0:
        return None
    ms = map(int, map((0.5).__add__, map(_DAY_MS.__mul__, days)))  # rounded half up
    out: list[Any] = list(map(_EPOCH.__add__, map(dt.timedelta, *_ZEROS, ms)))
    for i in compress(range(len(serials)), map(float.is_integer, serials)):
        out[i] = out[i].date()
    return out


def numbers(
    raw: Sequence[str | bytes], fmt: Format, date1904: bool, seen: dict[float, Any] | None = None
) -> list[Any]:
    """A column of number cells, none empty (as text or as bytes: float reads both); `seen`
    remembers the dates (or durations) made of numbers in this format, which repeat."""
    values = list(map(float, raw))
    if fmt is Format.OTHER:
        return values
    if seen is None:
        seen = {}
    elif len(seen) > 50_000:
        seen.clear()
    out = list(map(seen.get, values))
    if None not in out:
        return out
    missing = list(set(compress(values, map(operator.is_, out, repeat(None)))))
    made = moments(missing, date1904) if fmt is Format.DATETIME else None
    if made is None:
        made = [moment(x, date1904) if fmt is Format.DATETIME else elapsed(x) for x in missing]
    seen.update(zip(missing, made, strict=True))
    return list(map(seen.__getitem__, values))


def number(raw: str, fmt: Format, date1904: bool) -> Any:
    if not raw:
        return ""
    x = float(raw)
    if fmt is Format.DATETIME:
        return moment(x, date1904)
    if fmt is Format.TIMEDELTA:
        return elapsed(x)
    return x


def value(kind: str, raw: str | None, fmt: Format, date1904: bool, shared: Sequence[str]) -> Any:
    """One cell read by an XML parser: its type attribute `kind`, the text of its <v> (None if
    it has none; for an inline string, the text read from its <is>), its style's format."""
    if raw is None:
        return ""
    if kind == "n":
        return number(raw, fmt, date1904)
    if kind == "s":
        return shared[int(raw)] if raw else ""
    if kind == "inlineStr":
        return raw
    if kind == "str":
        return unescape(raw)
    if kind == "b":
        return raw == "1" if raw else ""
    if kind == "d":
        return iso_moment(raw) if raw else ""
    return ""  # e: an error such as #N/A reads as an empty cell
