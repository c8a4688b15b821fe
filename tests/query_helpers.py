"""Small helpers for the query tests: run a spec against a table and name what came back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import engine
from engine.dates import Clock
from engine.model import load_table
from engine.query import QueryContext, QueryResult, run
from schemas.query import QuerySpec


def cond(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def where(*items: dict[str, Any], conjunction: str = "and") -> dict[str, Any]:
    return {"conjunction": conjunction, "items": list(items)}


def clock(local: str, zone: str = "Asia/Shanghai", week_start: int = 0) -> Clock:
    """A frozen clock at the local wall-clock time `local` ('2024-03-01T00:30') in `zone`."""
    from zoneinfo import ZoneInfo

    moment = dt.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone))
    return Clock(now=moment.astimezone(dt.UTC), timezone=zone, week_start=week_start)


def query(
    table: engine.Table,
    spec: dict[str, Any] | QuerySpec,
    *,
    user: int | None = None,
    at: Clock | None = None,
) -> QueryResult:
    parsed = spec if isinstance(spec, QuerySpec) else QuerySpec.model_validate(spec)
    ctx = QueryContext(user_id=user, clock=at or Clock())
    with table.db.read() as conn:
        return run(conn, load_table(conn, table.id), parsed, ctx)


def names(
    table: engine.Table,
    filter: dict[str, Any] | None = None,
    *,
    key: str = "名",
    user: int | None = None,
    at: Clock | None = None,
    **spec: Any,
) -> list[Any]:
    """The `key` values of the records that `filter` (and the rest of `spec`) selects, in order."""
    result = query(table, {"filter": filter, **spec}, user=user, at=at)
    return [r[key] for r in result.records]
