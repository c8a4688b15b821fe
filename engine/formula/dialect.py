"""The SQL each database needs for what formulas do. Function modules speak only to this
interface; `SQLiteDialect` (Python functions registered on the connection where SQLite has no
built-in) and `PostgresDialect` (built-in SQL only) implement it. Every method returns NULL,
never raises, for input it cannot handle, so one bad row never aborts a statement.

Date values come in three frames: a *date* (SQLite 'YYYY-MM-DD', PostgreSQL DATE), a *local*
wall-clock time (SQLite 'YYYY-MM-DD HH:MM:SS.ffffff', PostgreSQL TIMESTAMP) and an *instant*
(the same text in UTC on SQLite, TIMESTAMPTZ on PostgreSQL).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from itertools import islice

import sqlalchemy as sa
from sqlalchemy.sql import visitors

from .datefmt import ParseSpec
from .regex import Pattern
from .values import SQL

# VALUE(): thousands separators, currency signs and spaces are dropped, a trailing % divides by 100
VALUE_DROP = "[,$¥€£￥ ]"
VALUE_RE = r"^[+-]?([0-9]{1,200}(\.[0-9]{0,200})?|\.[0-9]{1,200})([eE][+-]?[0-9]{1,2})?%?$"
WHITESPACE = " \t\n\r\v\f\u00a0\u3000\ufeff"


def value_of_text(text: str) -> float | None:
    """What VALUE() makes of `text` (the Python twin of the SQL)."""
    t = re.sub(VALUE_DROP, "", text.strip(WHITESPACE))
    if not re.match(VALUE_RE, t):
        return None
    number = float(t.rstrip("%"))
    return number / 100 if t.endswith("%") else number


def let(value: SQL, body: Callable[[SQL], SQL]) -> SQL:
    """body(value), with `value` computed once: a big expression that `body` uses more than
    once goes into a subquery of its own (OFFSET 0 keeps the planner from inlining it again),
    so nested formulas grow linearly, never exponentially. Nothing `body` builds from its
    argument may be used outside its result.

    Every subquery here correlates to all enclosing statements (SQLAlchemy's automatic
    correlation looks only one level up), so the table must be in the FROM of the statement
    the formula is used in."""
    if len(list(islice(visitors.iterate(value), 9))) <= 8:  # small: just repeat it
        return body(value)
    bound = sa.select(value.label("v")).correlate_except(None).offset(0).subquery()
    return sa.select(body(bound.c.v)).select_from(bound).correlate_except(None).scalar_subquery()


class Dialect(ABC):
    name: str

    def let(self, value: SQL, body: Callable[[SQL], SQL]) -> SQL:
        """body(value) with `value` computed once where that helps (see `let`)."""
        return let(value, body)

    # --- numbers -------------------------------------------------------------------------------
    def float(self, x: SQL) -> SQL:
        return sa.cast(x, sa.Float())

    def bool_num(self, b: SQL) -> SQL:
        return sa.cast(b, sa.Integer())

    @abstractmethod
    def num_text(self, x: SQL) -> SQL:
        """A number as text: '1' for 1.0, '1.5', shortest round-trip digits."""

    @abstractmethod
    def text_num(self, s: SQL) -> SQL:
        """VALUE(s): the number written in `s`, or NULL."""

    @abstractmethod
    def integer(self, x: SQL, lo: int, hi: int) -> SQL:
        """`x` (never NULL) clamped to [lo, hi] and truncated to an integer."""

    @abstractmethod
    def decimal(self, op: str, x: SQL, y: SQL) -> SQL:
        """Rounding and MOD in decimal arithmetic (of `x` and `y` to 15 significant digits);
        EVEN and ODD (`y` unused) in floating point."""

    @abstractmethod
    def power(self, base: SQL, exponent: SQL) -> SQL:
        """POWER, NULL for 0 to a negative power, a root of a negative number, overflow."""

    @abstractmethod
    def sqrt(self, x: SQL) -> SQL:
        """The square root, NULL below 0."""

    @abstractmethod
    def exp(self, x: SQL) -> SQL:
        """e**x, 0 below e**-700, NULL above e**709."""

    @abstractmethod
    def ln(self, x: SQL) -> SQL:
        """ln(x), NULL unless x > 0."""

    @abstractmethod
    def log10(self, x: SQL) -> SQL:
        """log10(x), NULL unless x > 0."""

    # --- text ----------------------------------------------------------------------------------
    @abstractmethod
    def lower(self, s: SQL) -> SQL: ...

    @abstractmethod
    def upper(self, s: SQL) -> SQL: ...

    @abstractmethod
    def trim(self, s: SQL) -> SQL:
        """`s` without leading and trailing whitespace."""

    @abstractmethod
    def right(self, s: SQL, n: SQL) -> SQL:
        """The last `n` (a non-negative integer) characters of `s`."""

    @abstractmethod
    def strpos(self, hay: SQL, needle: SQL) -> SQL:
        """1-based position of `needle` in `hay`, 0 if absent."""

    @abstractmethod
    def find(self, hay: SQL, needle: SQL, start: SQL) -> SQL:
        """1-based position of `needle` in `hay` at or after `start` (>= 1), 0 if absent."""

    @abstractmethod
    def rept(self, s: SQL, n: SQL) -> SQL:
        """`s` repeated `n` (a non-negative integer) times."""

    @abstractmethod
    def substitute_nth(self, s: SQL, old: SQL, new: SQL, n: SQL) -> SQL:
        """`s` with only the n-th (n >= 1) occurrence of `old` replaced."""

    @abstractmethod
    def encode_url(self, s: SQL) -> SQL:
        """encodeURIComponent(s)."""

    @abstractmethod
    def regex_match(self, s: SQL, p: Pattern) -> SQL: ...

    @abstractmethod
    def regex_extract(self, s: SQL, p: Pattern) -> SQL:
        """The first match, or NULL."""

    @abstractmethod
    def regex_replace(self, s: SQL, p: Pattern, repl: SQL, repl_const: str | None) -> SQL:
        """Every match replaced; $1…$9 in the replacement are the groups."""

    def text_order(self, s: SQL) -> SQL:
        """`s` for < and > comparisons: by code point on both databases."""
        return s

    # --- arrays --------------------------------------------------------------------------------
    @abstractmethod
    def array(self, column: SQL) -> SQL:
        """A JSON list column as the formula's array value."""

    @abstractmethod
    def empty_array(self) -> SQL: ...

    @abstractmethod
    def array_of_one(self, x: SQL) -> SQL:
        """A list holding `x` (a number or text); the empty list when `x` is NULL."""

    @abstractmethod
    def array_len(self, a: SQL) -> SQL:
        """How many items `a` has at its top level (NULL for NULL)."""

    @abstractmethod
    def array_join(self, a: SQL, sep: SQL) -> SQL:
        """The items of `a`, flattened, as text joined by `sep` ('' for an empty list)."""

    @abstractmethod
    def array_op(self, op: str, a: SQL) -> SQL:
        """ARRAYUNIQUE ('unique'), ARRAYCOMPACT ('compact'), ARRAYFLATTEN ('flatten')."""

    @abstractmethod
    def aggregate(self, op: str, items: list[tuple[str, SQL]]) -> SQL:
        """SUM, AVERAGE, MIN, MAX, COUNT, COUNTA or COUNTALL over ('number' | 'text' | 'array',
        value) items, lists flattened."""

    # --- dates ---------------------------------------------------------------------------------
    @abstractmethod
    def now(self) -> SQL: ...

    @abstractmethod
    def local_of_instant(self, ts: SQL, zone: str) -> SQL: ...

    @abstractmethod
    def local_of_date(self, d: SQL) -> SQL: ...

    @abstractmethod
    def instant_of_local(self, local: SQL, zone: str) -> SQL: ...

    @abstractmethod
    def date_of_local(self, local: SQL) -> SQL: ...

    @abstractmethod
    def date_text(self, d: SQL) -> SQL:
        """'YYYY-MM-DD'."""

    @abstractmethod
    def iso_text(self, ts: SQL) -> SQL:
        """'YYYY-MM-DDTHH:MM:SS.mmmZ'."""

    @abstractmethod
    def part(self, local: SQL, name: str) -> SQL:
        """year, month, day, hour, minute, second, dow (0 = Sunday) or doy, as an integer."""

    @abstractmethod
    def add(self, x: SQL, n: SQL, unit: str, frame: str) -> SQL:
        """`x` (frame 'date', 'local' or 'instant') moved by `n` units; NULL if out of range."""

    @abstractmethod
    def diff(self, a: SQL, b: SQL, unit: str) -> SQL:
        """a - b (both local or both instants) in whole units, truncated toward zero."""

    @abstractmethod
    def trunc(self, local: SQL, unit: str) -> SQL:
        """The start of the unit (weeks start on Sunday) that `local` is in."""

    @abstractmethod
    def format(self, instant: SQL, zone: str, fmt: str) -> SQL:
        """DATETIME_FORMAT of an instant on the wall clock of `zone`."""

    @abstractmethod
    def parse(self, s: SQL, spec: ParseSpec, zone: str) -> SQL:
        """DATETIME_PARSE: the instant written in `s`, or NULL."""

    @abstractmethod
    def workday(self, d: SQL, n: SQL, holidays: SQL) -> SQL:
        """The date `n` working days (Monday to Friday, not a holiday) after date `d`."""

    @abstractmethod
    def workday_diff(self, a: SQL, b: SQL, holidays: SQL) -> SQL:
        """Working days from date `a` to date `b`, both counted; negative when b < a."""
