"""Type inference by streaming over a column's values, a chunk of rows at a time.

Each column keeps counters: how many values fit each candidate type, plus what the options of
that type need (decimals, currency symbols, date order, distinct values). A candidate that can
no longer reach the threshold stops being tested, so a column costs little once its type is
clear. Junk values ('', '-', 'N/A', '无', Excel errors) count as empty. The first type (in order,
specific before general) that fits at least `threshold` of the non-empty values wins; below it a
column stays text. The cells' number formats, where the source has them, decide percent,
currency and zero-padded codes."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import compress, filterfalse
from typing import Any

from ..fields.choice import FALSE_WORDS, TRUE_WORDS
from ..fields.text import EMAIL_RE

JUNK = frozenset(
    {"", "-", "--", "—", "/", "N/A", "n/a", "NA", "#N/A", "null", "NULL", "无", "#DIV/0!"}
    | {"#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"}
)
JUNK_WORDS = JUNK - {""}
SELECT_MAX = 25  # at most this many options for a single select guess
PARTS_MAX = 40  # ... and option names for a multiple select guess
DISTINCT_KEPT = 2000  # distinct values remembered per column (options, examples, links)
KEYS_KEPT = 200_000  # distinct values remembered while a column may be a key of its sheet

_NUM = r"(?:\d{1,3}(?:,\d{3})+|0|[1-9]\d*)(?:\.\d+)?|\.\d+|0\.\d+"
NUMBER = re.compile(rf"[+-]?(?:{_NUM})")
INTEGER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|0|[1-9]\d*)")
CURRENCY = re.compile(rf"[+-]?\s*([￥¥$€£])\s*[+-]?(?:{_NUM})|[+-]?(?:{_NUM})\s*(元|[￥¥$€£])")
PERCENT = re.compile(rf"[+-]?(?:{_NUM})\s*[%％]")
DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?|(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})"
)
DATETIME = re.compile(
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})"
    r"[T ]\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
PHONE = re.compile(
    r"(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}"  # a Chinese mobile, maybe with +86
    r"|\(?0\d{2,3}\)?[ -]?\d{7,8}(?:-\d{1,6})?"  # a landline with its area code
    r"|\+\d{1,3}[ -]?\(?\d{1,4}\)?(?:[ -]?\d{2,5}){2,4}"  # an international number
)
URL = re.compile(r"(?:https?|ftp)://[^\s/?#]+\S*|www\.[^\s/?#]+\.[^\s/?#]+\S*", re.IGNORECASE)
SEPARATORS = re.compile(r"\s*[,;，；、]\s*")
SEPARATOR = re.compile(r"[,;，；、]")  # whether a text holds one: a search without backtracking
BOOL_WORDS = frozenset(TRUE_WORDS | FALSE_WORDS)
DIGIT_WORDS = frozenset({"0", "1"})
PHONE_HINT = re.compile(r"电话|手机|联系方式|phone|mobile|tel|cell|whatsapp", re.IGNORECASE)
DATE_HINT = re.compile(r"日期|时间|生日|date|day|time|birth", re.IGNORECASE)
KEY_HINT = re.compile(r"id$|^id|编号|代码|编码|号$|号码|code|no\.?$|key|sku", re.IGNORECASE)
CURRENCY_FORMAT = re.compile(r"[￥¥$€£]|\[\$([^\]-]*)")
PADDED_FORMAT = re.compile(r"0{2,}")
EXCEL_EPOCH = dt.date(1899, 12, 30)
MIDNIGHT = dt.time()
MOBILE_LOW, MOBILE_HIGH = 13_000_000_000, 20_000_000_000

# candidates tested on text values, and the pattern each value must match
TEXT_CANDIDATES: dict[str, re.Pattern[str]] = {
    "number": NUMBER,
    "integer": INTEGER,
    "currency": CURRENCY,
    "percent": PERCENT,
    "date": DATE,
    "datetime": DATETIME,
    "email": EMAIL_RE,
    "phone": PHONE,
    "url": URL,
}


@dataclass
class ColumnStats:
    """What has been seen in one column so far."""

    header: str
    number_format: str | None = None
    nonempty: int = 0
    empty: int = 0
    numbers: int = 0  # numeric cells (int or float, not bool)
    integers: int = 0  # ... of them whole
    mobiles: int = 0  # ... of them 11-digit Chinese mobile numbers
    serials: int = 0  # ... of them whole numbers in the range of Excel dates 1954-2064
    decimals: int = 0  # most decimals seen in a number
    bools: int = 0
    dates: int = 0
    datetimes: int = 0  # with a time of day other than midnight
    times: int = 0
    durations: int = 0
    texts: int = 0
    text_fits: Counter[str] = field(default_factory=Counter)  # candidate -> text values fitting
    dead: set[str] = field(default_factory=set)  # candidates no longer tested
    symbols: Counter[str] = field(default_factory=Counter)
    day_first: int = 0  # dates like 13/5/2024
    month_first: int = 0  # dates like 5/13/2024
    ambiguous: int = 0  # dates like 3/5/2024
    words: set[str] = field(default_factory=set)  # checkbox words seen
    max_length: int = 0
    lines: int = 0  # values with a line break
    listed: int = 0  # values with a list separator
    distinct: dict[Any, int] = field(default_factory=dict)  # value -> count, while few
    distinct_overflow: bool = False
    parts: dict[str, None] = field(default_factory=dict)
    parts_overflow: bool = False
    keys: set[Any] | None = None  # every value, while all are distinct (a key candidate)
    examples: list[str] = field(default_factory=list)


def _decimals(values: Sequence[float]) -> int:
    most = 0
    for v in values[:500]:
        text = repr(v)
        if "e" in text or "E" in text:
            return 8
        if "." in text:
            most = max(most, len(text.split(".")[1].rstrip("0")))
    return min(most, 8)


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class Inferrer:
    """Feeds chunks of rows (lists of equal length) into the stats of their columns."""

    def __init__(
        self,
        headers: Sequence[str],
        formats: Sequence[str | None],
        *,
        threshold: float,
        expected_rows: int | None,
        track_keys: bool,
    ) -> None:
        self.columns = [ColumnStats(h, f) for h, f in zip(headers, formats, strict=True)]
        self.threshold = threshold
        self.expected = expected_rows
        self.rows = 0
        if track_keys:
            for c in self.columns:
                c.keys = set()

    def feed(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        self.rows += len(rows)
        for stats, column in zip(self.columns, zip(*rows, strict=True), strict=False):
            self._column(stats, column)

    def feed_columns(self, columns: Sequence[Sequence[Any]], n: int) -> None:
        """`feed` given the chunk's `n` rows column by column."""
        if not n:
            return
        self.rows += n
        for stats, column in zip(self.columns, columns, strict=False):
            self._column(stats, column)

    def _column(self, s: ColumnStats, column: Sequence[Any]) -> None:
        counts = Counter(column)
        for junk in JUNK.intersection(counts):
            s.empty += counts.pop(junk)
        if not counts:
            return
        n = sum(counts.values())
        s.nonempty += n
        if len(s.examples) < 3:
            for v in counts:
                shown = _show(v)
                if shown not in s.examples:
                    s.examples.append(shown)
                if len(s.examples) >= 3:
                    break
        if s.keys is not None:
            if len(counts) != n or len(s.keys) + n > KEYS_KEPT or not s.keys.isdisjoint(counts):
                s.keys = None
            else:
                s.keys.update(map(_key_text, counts))
        if not s.distinct_overflow:
            for v, k in counts.items():
                s.distinct[v] = s.distinct.get(v, 0) + k
            if len(s.distinct) > DISTINCT_KEPT:
                s.distinct_overflow = True
                s.distinct = {}
        kinds = list(dict.fromkeys(map(type, counts)))  # in the order first seen
        by_type: dict[type, list[Any]] = (
            {kinds[0]: list(counts)}
            if len(kinds) == 1
            else {k: [v for v in counts if type(v) is k] for k in kinds}
        )
        # how many cells hold the given values: their number when every value is distinct
        weigh: Callable[[list[Any]], int] = (
            len if len(counts) == n else lambda vs: sum(map(counts.__getitem__, vs))
        )
        for kind, values in by_type.items():
            if kind is str:
                self._texts(s, values, counts)
            elif kind is bool:
                s.bools += weigh(values)
            elif kind is int or kind is float:
                self._numbers(s, kind, values, weigh)
            elif kind is dt.datetime:
                times = list(map(dt.datetime.time, values))
                midnight = (
                    times.count(MIDNIGHT)
                    if weigh is len
                    else weigh(list(compress(values, map(MIDNIGHT.__eq__, times))))
                )
                s.dates += midnight
                s.datetimes += weigh(values) - midnight
            elif kind is dt.date:
                s.dates += weigh(values)
            elif kind is dt.time:
                s.times += weigh(values)
            elif kind is dt.timedelta:
                s.durations += weigh(values)

    def _numbers(
        self, s: ColumnStats, kind: type, values: list[Any], weigh: Callable[[list[Any]], int]
    ) -> None:
        s.numbers += weigh(values)
        whole = list(filter(float.is_integer, values)) if kind is float else values
        s.integers += weigh(whole)
        s.mobiles += weigh([v for v in whole if MOBILE_LOW <= v < MOBILE_HIGH])
        s.serials += weigh([v for v in whole if 20_000 <= v <= 60_000])
        if kind is float and len(whole) < len(values) and s.decimals < 8:
            fractions = list(filterfalse(float.is_integer, values))
            s.decimals = max(s.decimals, _decimals(fractions))

    def _alive(self, s: ColumnStats, candidate: str, fails: int) -> bool:
        """Whether a candidate can still fit `threshold` of the column."""
        if candidate in s.dead:
            return False
        allowed = (1 - self.threshold) * max(self.expected or 0, s.nonempty)
        if fails > allowed and (self.expected is not None or s.nonempty >= 2000):
            s.dead.add(candidate)
            return False
        return True

    def _texts(self, s: ColumnStats, values: list[str], counts: Counter[Any]) -> None:
        count = counts.__getitem__
        total = sum(map(count, values))
        s.texts += total
        s.max_length = max(s.max_length, max(map(len, values)))
        joined = "\x00".join(values)
        if "\n" in joined or "\r" in joined:
            s.lines += sum(counts[v] for v in values if "\n" in v or "\r" in v)
        stripped = list(map(str.strip, values))
        for name, pattern in TEXT_CANDIDATES.items():
            if not self._alive(s, name, s.texts - total - s.text_fits[name]):
                continue
            fits = list(compress(range(len(stripped)), map(pattern.fullmatch, stripped)))
            s.text_fits[name] += sum(map(count, map(values.__getitem__, fits)))
            if name == "currency":
                for i in fits:
                    m = CURRENCY.fullmatch(stripped[i])
                    if m:
                        s.symbols[m.group(1) or m.group(2)] += counts[values[i]]
            elif name == "date":
                for i in fits:
                    m = DATE.fullmatch(stripped[i])
                    if m and m.group(4):
                        a, b = int(m.group(4)), int(m.group(5))
                        if a > 12 >= b:
                            s.day_first += 1
                        elif b > 12 >= a:
                            s.month_first += 1
                        elif a != b:
                            s.ambiguous += 1
        if self._alive(s, "checkbox", s.texts - total - s.text_fits["checkbox"]):
            words = list(map(str.casefold, stripped))
            if not BOOL_WORDS.isdisjoint(words):
                for v, word in zip(values, words, strict=True):
                    if word in BOOL_WORDS:
                        s.words.add(word)
                        s.text_fits["checkbox"] += counts[v]
        if "list" not in s.dead and SEPARATOR.search(joined):  # one search for the chunk
            listed = [v for v in values if SEPARATOR.search(v)]
            if listed:
                s.listed += sum(counts[v] for v in listed)
                if not s.parts_overflow:
                    for v in values:
                        for part in SEPARATORS.split(v.strip()):
                            if part:
                                s.parts[part] = None
                    if len(s.parts) > PARTS_MAX or max(map(len, s.parts), default=0) > 40:
                        s.parts_overflow = True
                        s.dead.add("list")


def _key_text(value: Any) -> str:
    return _show(value).strip()
