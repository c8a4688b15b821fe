"""Keyset paging: the condition for the rows after a page's last row, and the page token that
carries that row's order key values (bound to the spec's filter, sorts, groups and search by a
fingerprint, so a token of another query is refused)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_

from schemas.query import QuerySpec

from .errors import QueryError


def _after(
    keys: list[tuple[ColumnElement[Any], bool]], bounds: Sequence[ColumnElement[Any] | None]
) -> ColumnElement[bool]:
    """Rows strictly after the row whose key values are `bounds` (None: empty)."""
    ors: list[ColumnElement[bool]] = []
    equal: list[ColumnElement[bool]] = []
    for (expr, desc), bound in zip(keys, bounds, strict=True):
        beyond: ColumnElement[bool]
        same: ColumnElement[bool]
        if bound is None:
            beyond = expr.is_not(None) if not desc else false()
            same = expr.is_(None)
        else:
            beyond = or_(expr < bound, expr.is_(None)) if desc else expr > bound
            same = expr == bound
        ors.append(and_(*equal, beyond) if equal else beyond)
        equal.append(same)
    # Implied by the OR, said again as a range on the first key that an index can seek to
    # (a database does not find it in the OR by itself, and would read from the start).
    (first, desc), bound = keys[0], bounds[0]
    if bound is not None and not desc:
        return and_(first >= bound, or_(*ors))
    if bound is None and desc:
        return and_(first.is_(None), or_(*ors))
    return or_(*ors)


def _fingerprint(spec: QuerySpec) -> str:
    data = json.dumps(
        [
            spec.filter.model_dump() if spec.filter else None,
            [s.model_dump() for s in spec.sorts],
            [g.model_dump() for g in spec.groups],
            spec.search,
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def _encode(values: list[Any], fingerprint: str) -> str:
    def tag(v: Any) -> Any:
        if hasattr(v, "isoformat"):
            return {"$": type(v).__name__, "v": v.isoformat()}
        return v

    raw = json.dumps({"k": [tag(v) for v in values], "f": fingerprint}, ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(token: str, fingerprint: str) -> list[Any]:
    import datetime as dt

    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if data["f"] != fingerprint:
            raise ValueError("spec changed")
        out: list[Any] = []
        for v in data["k"]:
            if isinstance(v, dict):
                kind = {"date": dt.date, "datetime": dt.datetime}[v["$"]]
                out.append(kind.fromisoformat(v["v"]))
            else:
                out.append(v)
        return out
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise _bad_token() from None


def _bad_token() -> QueryError:
    return QueryError(
        "The page token is not valid for this query (it may belong to another filter or sort)",
        "分页标记对此查询无效（可能属于其他筛选或排序）",
    )
