"""A preset's filters turned into the engine's and back: a preset names fields and saved
filters, the engine keeps saved filters (and, once stored, fields) by id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import NotFound
from engine.model import TableSchema
from schemas.preset import PresetFilter, SavedFilterName
from schemas.query import Condition, FilterGroup, SavedFilterRef


class Unavailable(Exception):
    """Something a view or saved filter needs was left out."""


def name_key(name: str) -> str:
    """The key a preset's names are matched by: surrounding spaces and case ignored (unlike
    `engine.names.name_key`, which does not strip and normalises to NFKC)."""
    return name.strip().casefold()


def filter_dict(group: PresetFilter, ids: Mapping[str, int]) -> dict[str, Any]:
    """A preset filter as the engine takes it: saved filters by id (fields stay named).
    `ids`: saved filter name key -> id."""
    items: list[Any] = []
    for item in group.items:
        if isinstance(item, Condition):
            items.append(item.model_dump())
        elif isinstance(item, PresetFilter):
            items.append(filter_dict(item, ids))
        else:
            found = ids.get(name_key(item.saved_filter))
            if found is None:
                raise Unavailable(f"saved filter {item.saved_filter!r} was not made")
            items.append({"saved_filter": found})
    return {"conjunction": group.conjunction, "items": items}


def named_filter(group: FilterGroup, s: TableSchema, filters: Mapping[int, str]) -> PresetFilter:
    """A stored filter (fields and saved filters by id) with names instead."""
    items: list[Condition | PresetFilter | SavedFilterName] = []
    for item in group.items:
        if isinstance(item, Condition):
            name = field_name(s, item.field)
            items.append(item.model_copy(update={"field": name}))
        elif isinstance(item, FilterGroup):
            items.append(named_filter(item, s, filters))
        elif isinstance(item, SavedFilterRef):
            items.append(SavedFilterName(saved_filter=filters.get(item.saved_filter, "?")))
    return PresetFilter(conjunction=group.conjunction, items=items)


def field_name(s: TableSchema, ref: int | str) -> str:
    """The name of a field of `s` given by id or name (the reference itself if it is gone)."""
    try:
        return s.field(ref).name
    except NotFound:
        return str(ref)
