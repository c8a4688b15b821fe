"""SQLite: built-in SQL where it has it, otherwise the deterministic Python functions that
`register_sqlite_functions` puts on each connection (all named tessera_*)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from .datefmt import ParseSpec
from .dialect import WHITESPACE, Dialect
from .regex import Pattern
from .values import SQL, num, txt

f = sa.func
_PARTS = {
    "year": "%Y",
    "month": "%m",
    "day": "%d",
    "hour": "%H",
    "minute": "%M",
    "second": "%S",
    "dow": "%w",
    "doy": "%j",
}


def _text(x: SQL) -> SQL:
    return sa.type_coerce(x, sa.Text())


class SQLiteDialect(Dialect):
    """SQLite parses nested subqueries with a small stack, so here nothing is put into a
    subquery: where a value is needed more than once, a Python function takes it once."""

    name = "sqlite"

    def let(self, value: SQL, body: Callable[[SQL], SQL]) -> SQL:
        return body(value)

    # --- numbers -------------------------------------------------------------------------------
    def num_text(self, x: SQL) -> SQL:
        return _text(f.tessera_num_text(x))

    def text_num(self, s: SQL) -> SQL:
        return sa.type_coerce(f.tessera_value(s), sa.Float())

    def integer(self, x: SQL, lo: int, hi: int) -> SQL:
        return sa.cast(f.min(f.max(x, num(lo)), num(hi)), sa.Integer())

    def decimal(self, op: str, x: SQL, y: SQL) -> SQL:
        return sa.type_coerce(f.tessera_decimal(txt(op), x, y), sa.Float())

    def power(self, base: SQL, exponent: SQL) -> SQL:
        return sa.type_coerce(f.tessera_power(base, exponent), sa.Float())

    def sqrt(self, x: SQL) -> SQL:
        return sa.type_coerce(f.tessera_sqrt(x), sa.Float())

    def exp(self, x: SQL) -> SQL:
        return sa.type_coerce(f.tessera_exp(x), sa.Float())

    def ln(self, x: SQL) -> SQL:
        return sa.type_coerce(f.tessera_ln(x), sa.Float())

    def log10(self, x: SQL) -> SQL:
        return sa.type_coerce(f.tessera_log10(x), sa.Float())

    # --- text ----------------------------------------------------------------------------------
    def lower(self, s: SQL) -> SQL:
        return _text(f.tessera_lower(s))

    def upper(self, s: SQL) -> SQL:
        return _text(f.tessera_upper(s))

    def trim(self, s: SQL) -> SQL:
        return _text(f.trim(s, txt(WHITESPACE)))

    def right(self, s: SQL, n: SQL) -> SQL:
        return _text(sa.case((n <= 0, txt("")), else_=f.substr(s, -n)))

    def strpos(self, hay: SQL, needle: SQL) -> SQL:
        return f.instr(hay, needle)

    def find(self, hay: SQL, needle: SQL, start: SQL) -> SQL:
        return sa.type_coerce(f.tessera_find(hay, needle, start), sa.Integer())

    def rept(self, s: SQL, n: SQL) -> SQL:
        # zeroblob(n) is n zero bytes; its hex is n "00"s, each replaced by s
        return _text(f.replace(f.hex(f.zeroblob(n)), txt("00"), s))

    def substitute_nth(self, s: SQL, old: SQL, new: SQL, n: SQL) -> SQL:
        return _text(f.tessera_substitute(s, old, new, n))

    def encode_url(self, s: SQL) -> SQL:
        return _text(f.tessera_encode_url(s))

    def regex_match(self, s: SQL, p: Pattern) -> SQL:
        return sa.type_coerce(f.tessera_regex_match(s, txt(p.python)), sa.Boolean())

    def regex_extract(self, s: SQL, p: Pattern) -> SQL:
        return _text(f.tessera_regex_extract(s, txt(p.python)))

    def regex_replace(self, s: SQL, p: Pattern, repl: SQL, repl_const: str | None) -> SQL:
        return _text(f.tessera_regex_replace(s, txt(p.python), repl))

    # --- arrays --------------------------------------------------------------------------------
    def array(self, column: SQL) -> SQL:
        return _text(column)

    def empty_array(self) -> SQL:
        return txt("[]")

    def array_of_one(self, x: SQL) -> SQL:
        return _text(f.tessera_array_of(x))

    def array_len(self, a: SQL) -> SQL:
        return f.tessera_array_len(a)

    def array_join(self, a: SQL, sep: SQL) -> SQL:
        return _text(f.tessera_array_join(a, sep))

    def array_op(self, op: str, a: SQL) -> SQL:
        return _text(f.tessera_array_op(txt(op), a))

    def aggregate(self, op: str, items: list[tuple[str, SQL]]) -> SQL:
        args = [a for kind, x in items for a in (txt(kind), x)]
        return sa.type_coerce(f.tessera_aggregate(txt(op), *args), sa.Float())

    # --- dates ---------------------------------------------------------------------------------
    def now(self) -> SQL:
        return _text(f.strftime(txt("%Y-%m-%d %H:%M:%f"), txt("now")).op("||")(txt("000")))

    def local_of_instant(self, ts: SQL, zone: str) -> SQL:
        return ts if zone == "UTC" else _text(f.tessera_tz_local(ts, txt(zone)))

    def local_of_date(self, d: SQL) -> SQL:
        return _text(d.op("||")(txt(" 00:00:00.000000")))

    def instant_of_local(self, local: SQL, zone: str) -> SQL:
        return local if zone == "UTC" else _text(f.tessera_tz_utc(local, txt(zone)))

    def date_of_local(self, local: SQL) -> SQL:
        return _text(f.substr(local, 1, 10))

    def date_text(self, d: SQL) -> SQL:
        return _text(d)

    def iso_text(self, ts: SQL) -> SQL:
        day, clock = f.substr(ts, 1, 10), f.substr(ts, 12, 12)
        return _text(day.op("||")(txt("T")).op("||")(clock).op("||")(txt("Z")))

    def part(self, local: SQL, name: str) -> SQL:
        return sa.cast(f.strftime(txt(_PARTS[name]), local), sa.Integer())

    def add(self, x: SQL, n: SQL, unit: str, frame: str) -> SQL:
        return _text(f.tessera_dt_add(x, n, txt(unit)))

    def diff(self, a: SQL, b: SQL, unit: str) -> SQL:
        return sa.type_coerce(f.tessera_dt_diff(a, b, txt(unit)), sa.Float())

    def trunc(self, local: SQL, unit: str) -> SQL:
        return _text(f.tessera_dt_trunc(local, txt(unit)))

    def format(self, instant: SQL, zone: str, fmt: str) -> SQL:
        return _text(f.tessera_dt_format(instant, txt(zone), txt(fmt)))

    def parse(self, s: SQL, spec: ParseSpec, zone: str) -> SQL:
        roles = ",".join(spec.roles)
        return _text(f.tessera_dt_parse(s, txt(spec.regex), txt(roles), txt(zone)))

    def workday(self, d: SQL, n: SQL, holidays: SQL) -> SQL:
        return _text(f.tessera_workday(d, n, holidays))

    def workday_diff(self, a: SQL, b: SQL, holidays: SQL) -> SQL:
        return sa.type_coerce(f.tessera_workday_diff(a, b, holidays), sa.Float())
