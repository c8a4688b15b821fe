"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no date or time types, so dates are stored as ISO text ('YYYY-MM-DD') and date-times as
fixed-width UTC text ('YYYY-MM-DD HH:MM:SS.ffffff'), which sort and compare correctly as text and
which SQLite's date functions understand. PostgreSQL gets DATE and TIMESTAMPTZ. Python always sees
`datetime.date` and timezone-aware UTC `datetime.datetime`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import repeat
from operator import add, attrgetter
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Dialect, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

UTC = dt.UTC

_tzinfo = attrgetter("tzinfo")
_MICROS = repeat("microseconds")


def to_utc(value: dt.datetime) -> dt.datetime:
    """An aware datetime in UTC; naive datetimes are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def utc_text(value: dt.datetime) -> str:
    """The SQLite storage form of a datetime: fixed-width UTC text."""
    # isoformat pads years below 1000 to four digits, where strftime("%Y") does not
    return to_utc(value).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A point in time, stored in UTC, returned as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(26))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return utc_text(value)
        return to_utc(value)

    @staticmethod
    def sqlite_bind_many(values: Sequence[Any]) -> list[Any] | None:
        """What `process_bind_param` makes of each of `values` on SQLite, made column-wise with
        C-level builtins; None (use the processor) unless every value is a UTC datetime of a
        four-digit year, whose ISO text is then the same as `utc_text`'s."""
        present = values if None not in values else [v for v in values if v is not None]
        if not present:
            return list(values)
        if (
            set(map(type, present)) != {dt.datetime}
            or set(map(_tzinfo, present)) != {UTC}
            or min(present).year < 1000
        ):
            return None
        # 'YYYY-MM-DD ' made once per day (a batch repeats its days), then 'HH:MM:SS.ffffff'
        days = list(map(dt.datetime.date, present))
        day_text = {d: d.isoformat() + " " for d in set(days)}
        clock = map(dt.time.isoformat, map(dt.datetime.time, present), _MICROS)
        texts = list(map(add, map(day_text.__getitem__, days), clock))
        if present is values:
            return texts
        it = iter(texts)
        return [None if v is None else next(it) for v in values]

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            # the stored text is UTC: parsing it with its offset is faster than replace()
            return dt.datetime.fromisoformat(value + "+00:00")
        assert isinstance(value, dt.datetime)
        return to_utc(value)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """On SQLite, `process_result_value` as one plain function (a page reads hundreds of
        date-times; the decorator's layers of calls around it cost more than the parsing)."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        parse = dt.datetime.fromisoformat
        slow = self.process_result_value

        def process(value: Any) -> dt.datetime | None:
            if value.__class__ is str:
                return parse(value + "+00:00")
            return None if value is None else slow(value, dialect)

        return process


class ISODate(TypeDecorator[dt.date]):
    """A calendar date without time; ISO text on SQLite, DATE on PostgreSQL."""

    impl = Date
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(10))
        return dialect.type_descriptor(Date())

    def process_bind_param(self, value: dt.date | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return value.isoformat()
        return value

    @staticmethod
    def sqlite_bind_many(values: Sequence[Any]) -> list[Any] | None:
        """What `process_bind_param` makes of each of `values` on SQLite, made column-wise;
        None (use the processor) unless every value is a `datetime.date`."""
        if set(map(type, values)) - {dt.date, type(None)}:
            return None
        # each day once: a batch repeats its days
        text = {d: None if d is None else d.isoformat() for d in set(values)}
        return list(map(text.__getitem__, values))

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, str):
            return dt.date.fromisoformat(value)
        assert isinstance(value, dt.date)
        return value

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """On SQLite, `process_result_value` as one plain function (see UTCDateTime's)."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        parse = dt.date.fromisoformat
        slow = self.process_result_value

        def process(value: Any) -> dt.date | None:
            if value.__class__ is str:
                return parse(value)
            return None if value is None else slow(value, dialect)

        return process


def json_type() -> TypeEngine[Any]:
    """JSON on SQLite (text), JSONB on PostgreSQL (indexable, with containment operators).
    Python None is SQL NULL, not the JSON value `null`, so an empty list field is empty to SQL."""
    return JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def long_text() -> TypeEngine[str]:
    return Text()
