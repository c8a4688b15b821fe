"""What a read returns: a record with its field values by field name, and its system values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Record(Mapping[str, Any]):
    """A record. `record["Name"]` reads a field by name; `record.fields` is the whole dict."""

    id: int
    fields: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    created_by: int | None = None
    updated_by: int | None = None
    version: int = 1
    trashed_at: dt.datetime | None = None
    by_id: dict[int, Any] = field(default_factory=dict, repr=False, compare=False)

    def __getitem__(self, key: str) -> Any:
        return self.fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)


_new = object.__new__


def make_record(
    id: int,
    fields: dict[str, Any],
    created_at: dt.datetime,
    updated_at: dt.datetime,
    created_by: int | None,
    updated_by: int | None,
    version: int,
    by_id: dict[int, Any],
) -> Record:
    """`Record(...)` with every attribute given, made about twice as fast: a frozen dataclass's
    `__init__` sets its attributes one by one through `object.__setattr__`, and a page makes
    hundreds of records."""
    record: Record = _new(Record)
    record.__dict__.update(
        id=id,
        fields=fields,
        created_at=created_at,
        updated_at=updated_at,
        created_by=created_by,
        updated_by=updated_by,
        version=version,
        trashed_at=None,
        by_id=by_id,
    )
    return record
