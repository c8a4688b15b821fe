"""PostgreSQL: built-in SQL only (no functions of our own to install). Every input that could
make PostgreSQL raise (a bad cast, 1/0, ln(0), an out-of-range date) is first turned into NULL,
so constant folding at plan time never raises either."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, JSONPATH, aggregate_order_by

from . import pg_dates
from .datefmt import ParseSpec
from .dialect import VALUE_DROP, VALUE_RE, WHITESPACE, Dialect
from .pyvalues import OVERFLOW, UNDERFLOW
from .regex import Pattern, pg_replacement
from .values import SQL, Cond, div, num, txt

f = sa.func
_NAMES = ("name", "title")  # what an object in a list shows as: attachments, linked records
_URL_SAFE = "^[A-Za-z0-9!'()*._~-]$"


def _text(x: SQL) -> SQL:
    return sa.type_coerce(x, sa.Text())


def _numeric(x: SQL) -> SQL:
    return sa.cast(x, sa.Numeric())


def _f8(x: SQL) -> SQL:
    return sa.cast(x, sa.Float())


def _jsonb(text: str) -> SQL:
    return sa.cast(txt(text), JSONB())


def _even_odd(op: str, x: SQL) -> SQL:
    """Away from zero to the next even (or odd) whole number, as pyvalues.decimal_op does."""
    shift = 0 if op == "even" else 1
    up = f.ceil(div(f.abs(x) + shift, num(2))) * 2 - shift
    return sa.case((x < 0, -up), else_=up)


def _matches(s: SQL, pattern: str) -> Cond:
    return s.op("~", is_comparison=True)(txt(pattern))


class PostgresDialect(Dialect):
    name = "postgresql"

    # --- numbers -------------------------------------------------------------------------------
    def num_text(self, x: SQL) -> SQL:
        return sa.cast(self.float(x) + num(0), sa.Text())  # + 0 turns -0 into 0

    def text_num(self, s: SQL) -> SQL:
        def value(t: SQL) -> SQL:
            number = _f8(f.rtrim(sa.case((_matches(t, VALUE_RE), t)), txt("%")))
            return number / sa.case((f.right(t, 1) == txt("%"), num(100)), else_=num(1))

        t = f.regexp_replace(f.btrim(s, txt(WHITESPACE)), txt(VALUE_DROP), txt(""), txt("g"))
        return self.let(sa.type_coerce(t, sa.Text()), value)

    def integer(self, x: SQL, lo: int, hi: int) -> SQL:
        return sa.cast(f.trunc(f.least(f.greatest(x, num(lo)), num(hi))), sa.Integer())

    def decimal(self, op: str, x: SQL, y: SQL) -> SQL:
        if op in ("even", "odd"):
            return self.let(x, lambda x: _even_odd(op, x))
        a = _numeric(x)
        if op in ("ceiling", "floor", "mod"):
            b = _numeric(y)
            if op == "mod":
                return _f8(f.mod(a, f.nullif(b, 0)))
            q = a / f.nullif(b, 0)
            whole = f.ceil(q) if op == "ceiling" else f.floor(q)
            return _f8(sa.case((b == 0, 0), else_=whole * b))

        def rounded(p: SQL) -> SQL:
            scale = _numeric(txt("1e").op("||")(sa.cast(p, sa.Text())))
            unscale = _numeric(txt("1e").op("||")(sa.cast(-p, sa.Text())))
            scaled = a * scale
            if op == "round":
                return _f8(f.floor(scaled + 0.5) * unscale)
            if op == "roundup":
                return _f8(self.let(scaled, lambda s: f.sign(s) * f.ceil(f.abs(s))) * unscale)
            return _f8(f.trunc(scaled) * unscale)

        return self.let(self.integer(y, -300, 300), rounded)

    def power(self, base: SQL, exponent: SQL) -> SQL:
        def value(b: SQL, e: SQL) -> SQL:
            log = e * f.ln(f.abs(f.nullif(b, 0)))
            fine = sa.and_(
                sa.or_(b != 0, e >= 0),
                sa.or_(b >= 0, e == f.floor(e)),
                sa.or_(b == 0, log <= OVERFLOW),
            )
            return sa.case(
                (sa.not_(fine), sa.cast(sa.null(), sa.Float())),
                (b == 0, sa.case((e == 0, num(1)), else_=num(0))),
                (log < UNDERFLOW, num(0)),
                else_=f.power(sa.case((fine, b)), e),
            )

        return self.let(base, lambda b: self.let(exponent, lambda e: value(b, e)))

    def sqrt(self, x: SQL) -> SQL:
        return self.let(x, lambda x: f.sqrt(sa.case((x >= 0, x))))

    def exp(self, x: SQL) -> SQL:
        def exp(x: SQL) -> SQL:
            return sa.case((x < -700, num(0)), else_=f.exp(sa.case((x <= 709, x))))

        return self.let(x, exp)

    def ln(self, x: SQL) -> SQL:
        return self.let(x, lambda x: f.ln(sa.case((x > 0, x))))

    def log10(self, x: SQL) -> SQL:
        return self.let(x, lambda x: f.log(sa.case((x > 0, x))))

    # --- text ----------------------------------------------------------------------------------
    def lower(self, s: SQL) -> SQL:
        return _text(f.lower(s))

    def upper(self, s: SQL) -> SQL:
        return _text(f.upper(s))

    def trim(self, s: SQL) -> SQL:
        return _text(f.btrim(s, txt(WHITESPACE)))

    def right(self, s: SQL, n: SQL) -> SQL:
        return _text(f.right(s, n))

    def strpos(self, hay: SQL, needle: SQL) -> SQL:
        return f.strpos(hay, needle)

    def find(self, hay: SQL, needle: SQL, start: SQL) -> SQL:
        found = f.strpos(f.substr(hay, start), needle)
        return self.let(found, lambda p: sa.case((p == 0, 0), else_=p + start - 1))

    def rept(self, s: SQL, n: SQL) -> SQL:
        return _text(f.repeat(s, n))

    def substitute_nth(self, s: SQL, old: SQL, new: SQL, n: SQL) -> SQL:
        def nth(s: SQL, old: SQL) -> SQL:
            parts = f.string_to_array(s, old, type_=ARRAY(sa.Text()))
            before = f.array_to_string(parts[1:n], old)
            after = f.array_to_string(parts[n + 1 : f.cardinality(parts)], old)
            return sa.case(
                (sa.or_(old == "", f.cardinality(parts) - 1 < n), s),
                else_=before.op("||")(new).op("||")(after),
            )

        return _text(self.let(s, lambda s: self.let(old, lambda old: nth(s, old))))

    def encode_url(self, s: SQL) -> SQL:
        chars = f.regexp_split_to_table(s, txt("")).table_valued("ch", with_ordinality="i")
        ch = chars.render_derived().c
        hexed = f.upper(
            f.regexp_replace(
                f.encode(f.convert_to(ch.ch, txt("UTF8")), txt("hex")),
                txt("(..)"),
                txt("%\\1"),
                txt("g"),
            )
        )
        piece = sa.case((_matches(ch.ch, _URL_SAFE), ch.ch), else_=hexed)
        joined = sa.select(f.string_agg(piece, aggregate_order_by(txt(""), ch.i)))
        return _text(f.coalesce(joined.correlate_except(None).scalar_subquery(), txt("")))

    def regex_match(self, s: SQL, p: Pattern) -> SQL:
        return _matches(s, p.pg)

    def regex_extract(self, s: SQL, p: Pattern) -> SQL:
        found = f.regexp_match(s, txt(p.pg_whole_match), type_=ARRAY(sa.Text()))
        return _text(found[1])

    def regex_replace(self, s: SQL, p: Pattern, repl: SQL, repl_const: str | None) -> SQL:
        if repl_const is not None:
            pg_repl = txt(pg_replacement(repl_const, p.groups))
        else:
            escaped = f.replace(repl, txt("\\"), txt("\\\\"))
            pg_repl = f.regexp_replace(escaped, txt(r"\$([1-9])"), txt(r"\\\1"), txt("g"))
        return _text(f.regexp_replace(s, txt(p.pg), pg_repl, txt("g")))

    def text_order(self, s: SQL) -> SQL:
        return sa.collate(s, "C")

    # --- arrays --------------------------------------------------------------------------------
    def array(self, column: SQL) -> SQL:
        return sa.cast(column, JSONB())

    def empty_array(self) -> SQL:
        return _jsonb("[]")

    def array_of_one(self, x: SQL) -> SQL:
        items = f.array_remove(postgresql.array([x]), sa.null())
        return sa.type_coerce(f.to_jsonb(items), JSONB())

    def array_len(self, a: SQL) -> SQL:
        return f.jsonb_array_length(sa.case((f.jsonb_typeof(a) == "array", a)))

    def _items(self, a: SQL, steps: int) -> sa.TableValuedAlias:
        path = sa.cast(txt("lax $" + "[*]" * steps), JSONPATH())
        items = f.jsonb_path_query(a, path).table_valued("v", with_ordinality="i")
        return items.render_derived()

    def _item_text(self, v: SQL) -> SQL:
        kind = f.jsonb_typeof(v)
        return sa.case(
            (kind == "string", f.jsonb_build_array(v).op("->>")(0)),
            (kind == "number", self.num_text(_f8(v))),
            (kind == "boolean", sa.case((v == _jsonb("true"), txt("1")), else_=txt("0"))),
            (kind == "null", txt("")),
            (
                kind == "object",
                f.coalesce(*(v.op("->>")(txt(k)) for k in _NAMES), sa.cast(v, sa.Text())),
            ),
            else_=sa.cast(v, sa.Text()),
        )

    def array_join(self, a: SQL, sep: SQL) -> SQL:
        items = self._items(a, 4)
        joined = sa.select(
            f.string_agg(self._item_text(items.c.v), aggregate_order_by(sep, items.c.i))
        )
        return _text(f.coalesce(joined.correlate_except(None).scalar_subquery(), txt("")))

    def array_op(self, op: str, a: SQL) -> SQL:
        items = self._items(a, 4)
        v, i = items.c.v, items.c.i
        if op == "unique":
            firsts = sa.select(v.label("v"), f.min(i).label("i")).group_by(v).subquery()
            agg = sa.select(f.jsonb_agg(aggregate_order_by(firsts.c.v, firsts.c.i)))
        else:
            agg = sa.select(f.jsonb_agg(aggregate_order_by(v, i)))
            if op == "compact":
                agg = agg.where(f.jsonb_typeof(v) != "null", v != _jsonb('""'))
        return sa.type_coerce(
            f.coalesce(agg.correlate_except(None).scalar_subquery(), _jsonb("[]")), JSONB()
        )

    def aggregate(self, op: str, given: list[tuple[str, SQL]]) -> SQL:
        packed = sa.type_coerce(f.jsonb_build_array(*(x for _, x in given)), JSONB())
        items = self._items(packed, 5)
        v = items.c.v
        is_number = f.jsonb_typeof(v) == "number"
        number = sa.case((is_number, _f8(v)))
        if op == "countall":
            value: SQL = f.count()
        elif op == "counta":
            value = f.count().filter(f.jsonb_typeof(v) != "null", v != _jsonb('""'))
        elif op == "count":
            value = f.count().filter(is_number)
        elif op == "sum":
            value = f.coalesce(f.sum(number), num(0))
        elif op == "avg":
            value = f.avg(number)
        elif op == "min":
            value = f.min(number)
        else:
            value = f.max(number)
        return _f8(sa.select(value).select_from(items).correlate_except(None).scalar_subquery())

    # --- dates ---------------------------------------------------------------------------------
    def now(self) -> SQL:
        return f.now()

    def local_of_instant(self, ts: SQL, zone: str) -> SQL:
        return pg_dates.local_of_instant(ts, zone)

    def local_of_date(self, d: SQL) -> SQL:
        return sa.cast(d, sa.DateTime())

    def instant_of_local(self, local: SQL, zone: str) -> SQL:
        return pg_dates.instant_of_local(local, zone)

    def date_of_local(self, local: SQL) -> SQL:
        return sa.cast(local, sa.Date())

    def date_text(self, d: SQL) -> SQL:
        return _text(f.to_char(d, txt("YYYY-MM-DD")))

    def iso_text(self, ts: SQL) -> SQL:
        utc = pg_dates.local_of_instant(ts, "UTC")
        return _text(f.to_char(utc, txt('YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))

    def part(self, local: SQL, name: str) -> SQL:
        return pg_dates.part(local, name)

    def add(self, x: SQL, n: SQL, unit: str, frame: str) -> SQL:
        return pg_dates.add(x, n, unit, frame)

    def diff(self, a: SQL, b: SQL, unit: str) -> SQL:
        return pg_dates.diff(a, b, unit)

    def trunc(self, local: SQL, unit: str) -> SQL:
        return pg_dates.trunc(local, unit)

    def format(self, instant: SQL, zone: str, fmt: str) -> SQL:
        return pg_dates.format(instant, zone, fmt)

    def parse(self, s: SQL, spec: ParseSpec, zone: str) -> SQL:
        return pg_dates.parse(s, spec, zone)

    def workday(self, d: SQL, n: SQL, holidays: SQL) -> SQL:
        return pg_dates.workday(d, n, holidays)

    def workday_diff(self, a: SQL, b: SQL, holidays: SQL) -> SQL:
        return pg_dates.workday_diff(a, b, holidays)
