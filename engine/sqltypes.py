"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no date or time types, so dates are stored as ISO text ('YYYY-MM-DD') and date-times as
fixed-width UTC text ('YYYY-MM-DD HH:MM:SS.ffffff'), which sort and compare correctly as text and
which SQLite's date functions understand. PostgreSQL gets DATE and TIMESTAMPTZ. Python always sees
`datetime.date` and timezone-aware UTC `datetime.datetime`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Dialect, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

UTC = dt.UTC


def to_utc(value: dt.datetime) -> dt.datetime:
    """An aware datetime in UTC; naive datetimes are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def utc_text(value: dt.datetime) -> str:
    """The SQLite storage form of a datetime: fixed-width UTC text."""
    return to_utc(value).strftime("%Y-%m-%d %H:%M:%S.%f")


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

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return dt.datetime.fromisoformat(value).replace(tzinfo=UTC)
        assert isinstance(value, dt.datetime)
        return to_utc(value)


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

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, str):
            return dt.date.fromisoformat(value)
        assert isinstance(value, dt.date)
        return value


def json_type() -> TypeEngine[Any]:
    """JSON on SQLite (text), JSONB on PostgreSQL (indexable, with containment operators)."""
    return JSON().with_variant(JSONB(), "postgresql")


def long_text() -> TypeEngine[str]:
    return Text()
