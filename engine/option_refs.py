"""Filters and kanban stacks that name select options follow a renamed or removed option.

When the options of a single or multiple select field change (`engine.options.set_options`), in
the same transaction as the records:

- the conditions on the field in saved views' filters and in shared saved filters: a renamed
  option is renamed; a removed one is taken out of the condition's options, and a condition left
  with none (`is X`, `has any of [X]`) is dropped, as is a group emptied that way — the records
  that held the option hold nothing now, so no condition can be about it any more;
- kanban views stacked by the field: their stack order and collapsed stacks;
- the filters of dashboard widgets on the table.

Views are stored as `{"query": {...}, "config": {...}}` (see `views.store`); the engine keeps
these parts of them current because option changes are made by the engine, which may be used
without the views layer. Views and saved filters in the trash follow too, so a restored one fits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select, update

from . import meta
from .errors import ValueProblem
from .fields.choice import SingleSelectType
from .sqltypes import UTC

# the operators whose value is an option name or a list of them (engine.operators)
OPTION_OPS = frozenset(
    {
        "is",
        "is_not",
        "is_any_of",
        "is_none_of",
        "has_any_of",
        "has_all_of",
        "has_none_of",
        "is_exactly",
    }
)

Mapping = dict[str, str | None]  # old option name -> new name, None when removed


def follow(
    conn: Connection, table_id: int, field_id: int, old: SingleSelectType, mapping: Mapping
) -> None:
    """Rewrite the views and saved filters of table `table_id` that name options of field
    `field_id` (whose options were `old`) as `mapping` says."""
    if not mapping:
        return

    def canonical(name: str) -> str:  # a filter may name an option in another case
        try:
            return old.resolve(name)
        except ValueProblem:
            return name

    rewrite = _Rewrite(field_id, mapping, canonical)
    v = meta.views
    for row in conn.execute(select(v.c.id, v.c.config).where(v.c.table_id == table_id)).all():
        stored = row.config if isinstance(row.config, dict) else {}
        changed = rewrite.view(stored)
        if changed != stored:
            conn.execute(update(v).where(v.c.id == row.id).values(config=changed))
    s = meta.saved_filters
    rows = conn.execute(select(s.c.id, s.c.filter).where(s.c.table_id == table_id)).all()
    for row in rows:
        if not isinstance(row.filter, dict):
            continue
        changed = rewrite.group(row.filter)
        if changed != row.filter:
            conn.execute(
                update(s)
                .where(s.c.id == row.id)
                .values(filter=changed, updated_at=dt.datetime.now(UTC))
            )
    _follow_dashboards(conn, table_id, rewrite)


def _follow_dashboards(conn: Connection, table_id: int, rewrite: _Rewrite) -> None:
    """The filters of dashboard widgets on the table (the widget's and its measures')."""
    d, t = meta.dashboards, meta.tables
    base_id = select(t.c.base_id).where(t.c.id == table_id).scalar_subquery()
    for row in conn.execute(select(d.c.id, d.c.widgets).where(d.c.base_id == base_id)).all():
        widgets = row.widgets if isinstance(row.widgets, list) else []
        changed = [rewrite.widget(w) if w.get("table") == table_id else w for w in widgets]
        if changed != widgets:
            conn.execute(update(d).where(d.c.id == row.id).values(widgets=changed))


class _Rewrite:
    def __init__(self, field_id: int, mapping: Mapping, canonical: Callable[[str], str]) -> None:
        self.field_id = field_id
        self.mapping = mapping
        self.canonical = canonical

    def name(self, value: Any) -> tuple[bool, Any]:
        """(kept, new value) of one option name in a condition or a stack list."""
        if not isinstance(value, str):
            return True, value
        found = self.canonical(value)
        if found not in self.mapping:
            return True, value
        new = self.mapping[found]
        return new is not None, new

    def names(self, values: list[Any]) -> list[Any]:
        out: list[Any] = []
        for v in values:
            kept, new = self.name(v)
            if kept and new not in out:
                out.append(new)
        return out

    def view(self, stored: dict[str, Any]) -> dict[str, Any]:
        out = dict(stored)
        query = stored.get("query")
        if isinstance(query, dict) and isinstance(query.get("filter"), dict):
            out["query"] = {**query, "filter": self.group(query["filter"])}
        config = stored.get("config")
        if isinstance(config, dict) and config.get("stack_field") == self.field_id:
            config = dict(config)
            for key in ("stack_order", "collapsed"):
                if isinstance(config.get(key), list):
                    config[key] = self.names(config[key])
            out["config"] = config
        return out

    def widget(self, widget: dict[str, Any]) -> dict[str, Any]:
        out = dict(widget)
        if isinstance(widget.get("filter"), dict):
            out["filter"] = self.group(widget["filter"])
        for key in ("value", "ratio_of"):
            part = widget.get(key)
            if isinstance(part, dict) and isinstance(part.get("filter"), dict):
                out[key] = {**part, "filter": self.group(part["filter"])}
        return out

    def group(self, group: dict[str, Any]) -> dict[str, Any]:
        items: list[Any] = []
        for item in group.get("items", []):
            if not isinstance(item, dict):
                items.append(item)
            elif isinstance(item.get("items"), list):
                sub = self.group(item)
                if sub["items"] or not item["items"]:  # dropped only when emptied here
                    items.append(sub)
            elif item.get("field") == self.field_id and item.get("op") in OPTION_OPS:
                cond = self.condition(item)
                if cond is not None:
                    items.append(cond)
            else:
                items.append(item)
        return {**group, "items": items}

    def condition(self, cond: dict[str, Any]) -> dict[str, Any] | None:
        value = cond.get("value")
        if isinstance(value, list):
            names = self.names(value)
            return {**cond, "value": names} if names else None
        kept, new = self.name(value)
        return {**cond, "value": new} if kept else None
