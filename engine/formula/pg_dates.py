"""PostgreSQL SQL for dates: local wall-clock times are TIMESTAMP, instants TIMESTAMPTZ."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, INTERVAL

from .datefmt import EXACT_SECONDS, MONTHS, PG_PATTERNS, ParseSpec, format_tokens, pg_quote
from .dialect import let
from .pydates import MAX_COUNT, MAX_MICROS, MAX_WORKDAYS
from .values import SQL, Cond, num, txt

f = sa.func
_TRUNC = {
    "ms": "milliseconds",
    "s": "second",
    "m": "minute",
    "h": "hour",
    "d": "day",
    "M": "month",
    "Q": "quarter",
    "y": "year",
}


def _int(x: SQL) -> SQL:
    return sa.cast(x, sa.Integer())


def _interval(text: str) -> SQL:
    return sa.cast(txt(text), INTERVAL())


def local_of_instant(ts: SQL, zone: str) -> SQL:
    return sa.type_coerce(f.timezone(txt(zone), ts), sa.DateTime())


def instant_of_local(local: SQL, zone: str) -> SQL:
    return sa.type_coerce(f.timezone(txt(zone), local), sa.DateTime(timezone=True))


def part(local: SQL, name: str) -> SQL:
    value = sa.extract(name, local)
    return _int(f.floor(value) if name == "second" else value)


def _in_range(x: SQL) -> SQL:
    """`x`, or NULL when its year is outside 1…9999 (where Python's dates end)."""
    return let(x, lambda x: sa.case((sa.extract("year", x).between(1, 9999), x)))


def add(x: SQL, n: SQL, unit: str, frame: str) -> SQL:
    if unit in EXACT_SECONDS:
        per = EXACT_SECONDS[unit] * 1_000_000
        bounded = sa.case((f.abs(n) <= MAX_MICROS / per + 1, n))  # no float overflow
        micros = f.floor(bounded * num(per) + 0.5)
        steps = sa.cast(sa.case((f.abs(micros) <= MAX_MICROS, micros)), sa.BigInteger())
        step = sa.literal(dt.timedelta(microseconds=1), sa.Interval())
        return _in_range(x + steps * step)
    count = f.floor(n + 0.5)
    safe = sa.case((f.abs(count) <= MAX_COUNT[unit], count))
    k = _int(safe * {"d": 1, "w": 7, "M": 1, "Q": 3, "y": 12}[unit])
    if unit in ("d", "w"):
        moved = x + k if frame == "date" else x + k * _interval("1 day")
    else:
        moved = x + k * _interval("1 month")
        if frame == "date":
            moved = sa.cast(moved, sa.Date())
    return _in_range(moved)


def _epoch(interval: SQL) -> SQL:
    return sa.extract("epoch", interval)


def diff(a: SQL, b: SQL, unit: str) -> SQL:
    if unit not in ("M", "Q", "y"):
        per = EXACT_SECONDS.get(unit) or (604_800 if unit == "w" else 86_400)
        micros = _epoch(a - b) * 1_000_000
        return sa.cast(f.trunc(micros / sa.literal(int(per * 1_000_000), sa.Numeric())), sa.Float())
    whole = (sa.extract("year", a) - sa.extract("year", b)) * 12 + (
        sa.extract("month", a) - sa.extract("month", b)
    )
    month = _interval("1 month")
    ahead = sa.case((b + _int(whole) * month > a, 1), else_=0)
    behind = sa.case((a + _int(-whole) * month > b, 1), else_=0)
    months = sa.case((a >= b, whole - ahead), else_=whole + behind)
    return sa.cast(f.trunc(months / {"M": 1, "Q": 3, "y": 12}[unit]), sa.Float())


def trunc(local: SQL, unit: str) -> SQL:
    if unit == "w":
        day = _interval("1 day")
        return sa.type_coerce(f.date_trunc(txt("week"), local + day) - day, sa.DateTime())
    return sa.type_coerce(f.date_trunc(txt(_TRUNC[unit]), local), sa.DateTime())


def _offset(local: SQL, instant: SQL, colon: bool) -> SQL:
    secs = _int(_epoch(local - local_of_instant(instant, "UTC")))
    hours = sa.cast(f.abs(secs) // 3600, sa.Text())
    minutes = sa.cast(f.abs(secs) % 3600 // 60, sa.Text())
    sign = sa.case((secs < 0, txt("-")), else_=txt("+"))
    out = sign.op("||")(f.lpad(hours, 2, txt("0")))
    if colon:
        out = out.op("||")(txt(":"))
    return out.op("||")(f.lpad(minutes, 2, txt("0")))


def _expression(token: str, local: SQL, instant: SQL) -> SQL:
    if token == "d":
        return sa.cast(part(local, "dow"), sa.Text())
    if token == "dd":
        return f.left(f.to_char(local, txt("Dy")), 2)
    if token in ("k", "kk"):
        hour = sa.case((part(local, "hour") == 0, 24), else_=part(local, "hour"))
        text = sa.cast(hour, sa.Text())
        return f.lpad(text, 2, txt("0")) if token == "kk" else text
    if token in ("S", "SS"):
        return f.left(f.to_char(local, txt("MS")), len(token))
    if token in ("Z", "ZZ"):
        return _offset(local, instant, colon=token == "Z")
    seconds = _epoch(instant) * (1000 if token == "x" else 1)
    return sa.cast(sa.cast(f.floor(seconds), sa.BigInteger()), sa.Text())


def format(instant: SQL, zone: str, fmt: str) -> SQL:
    return let(instant, lambda instant: _format(instant, zone, fmt))


def _format(instant: SQL, zone: str, fmt: str) -> SQL:
    local = local_of_instant(instant, zone)
    pieces: list[SQL] = []
    pattern: list[str] = []

    def flush() -> None:
        if pattern:
            pieces.append(f.to_char(local, txt("".join(pattern))))
            pattern.clear()

    for kind, value in format_tokens(fmt):
        if kind == "lit":
            pattern.append(pg_quote(value))
        elif value in PG_PATTERNS:
            pattern.append(PG_PATTERNS[value])
        else:
            flush()
            pieces.append(_expression(value, local, instant))
    flush()
    if not pieces:
        return txt("")
    out = pieces[0]
    for piece in pieces[1:]:
        out = out.op("||")(piece)
    return sa.type_coerce(out, sa.Text())


def _days_in_month(year: SQL, month: SQL) -> SQL:
    leap = sa.or_(sa.and_(year % 4 == 0, year % 100 != 0), year % 400 == 0)
    return sa.case(
        (month == 2, sa.case((leap, 29), else_=28)),
        (month.in_([4, 6, 9, 11]), 30),
        else_=31,
    )


def _parts(s: SQL, spec: ParseSpec) -> sa.Subquery:
    """One row of the date parts `spec`'s regular expression finds in `s` (as integers; the
    expression only lets digits through), with `matched` and the `offset` text."""
    arr = f.regexp_match(s, txt(spec.regex), type_=ARRAY(sa.Text())).column_valued()

    def group(role: str) -> SQL | None:
        return arr[spec.roles.index(role) + 1] if role in spec.roles else None

    def number(role: str, default: int) -> SQL:
        g = group(role)
        return sa.literal(default, sa.Integer()) if g is None else _int(f.coalesce(g, str(default)))

    year = number("year", 1970)
    if (yy := group("year2")) is not None:
        year = sa.case((_int(yy) > 68, 1900 + _int(yy)), else_=2000 + _int(yy))
    month = number("month", 1)
    if (name := group("monthname")) is not None:
        month = sa.case(
            *((f.lower(f.left(name, 3)) == m[:3].lower(), i + 1) for i, m in enumerate(MONTHS))
        )
    hour = number("hour", 0)
    if (ampm := group("ampm")) is not None:
        pm, am = f.lower(ampm) == "pm", f.lower(ampm) == "am"
        hour = sa.case(
            (sa.and_(pm, hour < 12), hour + 12), (sa.and_(am, hour == 12), 0), else_=hour
        )
    frac = group("fraction")
    micros = _int(f.rpad(f.coalesce(frac, "0"), 6, txt("0"))) if frac is not None else 0
    offset = group("offset")
    return sa.select(
        arr.is_not(None).label("matched"),
        year.label("year"),
        month.label("month"),
        number("day", 1).label("day"),
        hour.label("hour"),
        number("minute", 0).label("minute"),
        number("second", 0).label("second"),
        sa.literal(micros, sa.Integer()).label("micros")
        if isinstance(micros, int)
        else micros.label("micros"),
        (offset if offset is not None else sa.cast(sa.null(), sa.Text())).label("offset"),
    ).subquery()


def _offset_minutes(o: SQL) -> SQL:
    """'Z', '+08', '+0800' or '+08:00' in minutes east of UTC."""
    sign = sa.case((f.left(o, 1) == "-", -1), else_=1)
    mins = sa.case((f.length(o) > 3, _int(f.right(o, 2))), else_=0)
    return sa.case((f.upper(o) == "Z", 0), else_=sign * (_int(f.substr(o, 2, 2)) * 60 + mins))


def parse(s: SQL, spec: ParseSpec, zone: str) -> SQL:
    if "unix" in spec.roles or "unixms" in spec.roles:
        arr = f.regexp_match(s, txt(spec.regex), type_=ARRAY(sa.Text())).column_valued()
        epoch = sa.cast(arr[1], sa.Float()) / (1000 if "unixms" in spec.roles else 1)
        stamp = sa.type_coerce(f.to_timestamp(epoch), sa.DateTime(timezone=True))
        return sa.select(stamp).correlate_except(None).scalar_subquery()
    parts = _parts(s, spec)
    p = parts.c
    valid: Cond = sa.and_(
        p.matched,
        p.year.between(1, 9999),
        p.month.between(1, 12),
        p.day.between(1, _days_in_month(p.year, p.month)),
        p.hour.between(0, 23),
        p.minute.between(0, 59),
        p.second.between(0, 59),
    )
    seconds = sa.cast(p.second, sa.Float()) + sa.cast(p.micros, sa.Float()) / num(1_000_000)
    local = f.make_timestamp(sa.case((valid, p.year)), p.month, p.day, p.hour, p.minute, seconds)

    def instant(local: SQL) -> SQL:
        shifted = local - _offset_minutes(p.offset) * _interval("1 minute")
        return sa.case(
            (p.offset.is_(None), instant_of_local(local, zone)),
            else_=instant_of_local(shifted, "UTC"),
        )

    def checked(i: SQL) -> SQL:
        return sa.case((sa.extract("year", local_of_instant(i, "UTC")).between(1, 9999), i))

    value = let(sa.type_coerce(local, sa.DateTime()), lambda local: let(instant(local), checked))
    return sa.select(value).select_from(parts).correlate_except(None).scalar_subquery()


def _holidays(text: SQL) -> SQL:
    spaceless = f.regexp_replace(f.coalesce(text, txt("")), txt(r"\s"), txt(""), txt("g"))
    return f.string_to_array(spaceless, txt(","), type_=ARRAY(sa.Text()))


def _is_workday(day: SQL, holidays: SQL) -> Cond:
    iso = f.to_char(day, txt("YYYY-MM-DD"))
    return sa.and_(sa.extract("isodow", day) < 6, sa.not_(iso == sa.any_(holidays)))


def workday(d: SQL, n: SQL, holidays: SQL) -> SQL:
    return let(d, lambda d: let(n, lambda n: _workday(d, n, holidays)))


def _workday(d: SQL, n: SQL, holidays: SQL) -> SQL:
    count = _int(sa.case((f.abs(n) <= MAX_WORKDAYS, f.trunc(n))))
    hol = _holidays(holidays)
    bound = _int(f.ceil((f.abs(count) + f.coalesce(f.cardinality(hol), 0)) * 7.0 / 5)) + 7
    i = f.generate_series(1, bound).column_valued()
    day = d + sa.case((count > 0, i), else_=-i)
    found = (
        sa.select(day)
        .where(_is_workday(day, hol))
        .order_by(i)
        .offset(f.greatest(f.abs(count) - 1, 0))
        .limit(1)
    )
    return sa.case((count == 0, d), else_=found.correlate_except(None).scalar_subquery())


def workday_diff(a: SQL, b: SQL, holidays: SQL) -> SQL:
    return let(a, lambda a: let(b, lambda b: _workday_diff(a, b, holidays)))


def _workday_diff(a: SQL, b: SQL, holidays: SQL) -> SQL:
    lo, hi = f.least(a, b), f.greatest(a, b)
    span = hi - lo
    i = f.generate_series(0, sa.case((span <= MAX_WORKDAYS, span))).column_valued()
    count = sa.select(f.count()).where(_is_workday(lo + i, _holidays(holidays)))
    signed = count.correlate_except(None).scalar_subquery() * sa.case((a <= b, 1), else_=-1)
    given = sa.and_(a.is_not(None), b.is_not(None))
    return sa.cast(sa.case((sa.and_(given, span <= MAX_WORKDAYS), signed)), sa.Float())
