"""The filter builder's form and the filter tree, both ways.

Every item of the tree has a path ("0", "0.2", "1.0.3"; the root group is ""), and the form
lists the items in document order as `node` = "<path>:<cond|group|saved>", with the item's
inputs named after its path: `<path>.conj` for a group, `<path>.field`, `<path>.op`,
`<path>.value` (several for a list of options), `<path>.value2` (the upper bound of
"between") and `<path>.date` (an exact day) for a condition, `<path>.saved` for a saved filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine import operators
from engine.dates import RELATIVE, WITHIN
from engine.model import FieldDef, TableSchema
from schemas.query import Condition, FilterGroup, SavedFilterRef

NO_VALUE = {"is_empty", "is_not_empty", "is_checked", "is_unchecked", "is_duplicate", "is_anniversary"}
DAY_CHOICES = ("exact", *(r for r in RELATIVE if r not in ("days_ago", "days_from_now")))
WITHIN_CHOICES = tuple(w for w in WITHIN if w not in ("past_days", "next_days"))

Item = Condition | FilterGroup | SavedFilterRef


def value_editor(f: FieldDef | None, op: str) -> str:
    """Which value input a condition shows."""
    if f is None or op in NO_VALUE:
        return "none"
    kind = operators.value_kind(f.type)
    if kind == "text":
        return "text"
    if kind == "number":
        return "range" if op == "between" else "text"
    if kind in ("date", "datetime"):
        return "within" if op == "is_within" else "day"
    if kind == "select":
        return "option" if op in ("is", "is_not") else "options"
    if kind == "multi_select":
        return "options"
    if kind == "user":
        return "user" if op in ("is", "is_not") else "users"
    if kind == "multi_user":
        return "users"
    if kind == "link" and op in ("has_any_of", "has_none_of"):
        return "records"
    return "text"  # contains / does not contain of lists, and kinds this builder does not know


def filterable(schema: TableSchema) -> list[FieldDef]:
    return [f for f in schema.fields if operators.operators_for(f.type)]


def default_condition(schema: TableSchema) -> Condition | None:
    fields = filterable(schema)
    if not fields:
        return None
    f = fields[0]
    ops = [o.name for o in operators.operators_for(f.type)]
    valued = [o for o in ops if o not in NO_VALUE]
    return Condition(field=f.id, op=(valued or ops)[0])


def _items(form: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for node in form.getlist("node"):
        path, _, kind = str(node).rpartition(":")
        out.append((path, kind))
    return out


def _get(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def parse(form: Any, schema: TableSchema) -> FilterGroup:
    """The tree the builder's form describes, conditions as the user left them (possibly
    incomplete: see `complete`)."""
    groups: dict[str, FilterGroup] = {"": FilterGroup(conjunction=_conj(_get(form, ".conj")))}
    for path, kind in _items(form):
        parent = path.rpartition(".")[0] if "." in path else ""
        group = groups.get(parent)
        if group is None:
            continue
        item: Item | None = None
        if kind == "group":
            item = groups[path] = FilterGroup(conjunction=_conj(_get(form, f"{path}.conj")))
        elif kind == "saved" and _get(form, f"{path}.saved").isdecimal():
            item = SavedFilterRef(saved_filter=int(_get(form, f"{path}.saved")))
        elif kind == "cond":
            item = _condition(form, path, schema)
        if item is not None:
            group.items.append(item)
    return groups[""]


def _conj(text: str) -> Any:
    return "or" if text == "or" else "and"


def _condition(form: Any, path: str, schema: TableSchema) -> Condition | None:
    ref = _get(form, f"{path}.field")
    try:
        f = schema.field(int(ref)) if ref.isdecimal() else None
    except Exception:
        f = None
    if f is None:
        return None
    names = [o.name for o in operators.operators_for(f.type)]
    op = _get(form, f"{path}.op")
    if op not in names:
        op = names[0]
    editor = value_editor(f, op)
    value: Any = None
    values = [str(v) for v in form.getlist(f"{path}.value") if str(v).strip()]
    if editor == "text":
        value = _get(form, f"{path}.value") or None
    elif editor == "range":
        value = [_get(form, f"{path}.value"), _get(form, f"{path}.value2")]
    elif editor == "day":
        chosen = _get(form, f"{path}.value") or "exact"
        value = (_get(form, f"{path}.date") or None) if chosen == "exact" else chosen
    elif editor == "within":
        value = _get(form, f"{path}.value") or WITHIN_CHOICES[0]
    elif editor in ("option", "user"):
        value = _get(form, f"{path}.value") or None
        if editor == "user" and value and value.isdecimal():
            value = int(value)
    elif editor in ("options", "users"):
        value = [int(v) if editor == "users" and v.isdecimal() else v for v in values] or None
    elif editor == "records":
        value = [int(v) for v in values if v.isdecimal()] or None
    return Condition(field=f.id, op=op, value=value)


def complete(group: FilterGroup) -> FilterGroup | None:
    """The tree without conditions still waiting for a value and without empty groups; None
    when nothing is left (no filter)."""
    items: list[Item] = []
    for item in group.items:
        if isinstance(item, Condition):
            if item.op in NO_VALUE or _filled(item.value):
                items.append(item)
        elif isinstance(item, FilterGroup):
            inner = complete(item)
            if inner is not None:
                items.append(inner)
        else:
            items.append(item)
    return FilterGroup(conjunction=group.conjunction, items=items) if items else None


def _filled(value: Any) -> bool:
    if value is None or value == "" or value == []:
        return False
    if isinstance(value, list):
        return all(v not in (None, "") for v in value)
    return True


def edit(group: FilterGroup, action: str, schema: TableSchema) -> FilterGroup:
    """Apply a builder button: add a condition / group / saved filter, or remove an item."""
    verb, _, path = action.partition(":")
    if verb == "remove":
        return _remove(group, path)
    if verb == "add_saved":
        if path.isdecimal():
            group.items.append(SavedFilterRef(saved_filter=int(path)))
        return group
    target = _at(group, path)
    if not isinstance(target, FilterGroup):
        return group
    if verb == "add_cond":
        cond = default_condition(schema)
        if cond is not None:
            target.items.append(cond)
    elif verb == "add_group":
        cond = default_condition(schema)
        inner = FilterGroup(
            conjunction="or" if target.conjunction == "and" else "and",
            items=[cond] if cond else [],
        )
        target.items.append(inner)
    return group


def _at(group: FilterGroup, path: str) -> Item | None:
    node: Item = group
    for part in [p for p in path.split(".") if p]:
        if not isinstance(node, FilterGroup) or not part.isdecimal() or int(part) >= len(node.items):
            return None
        node = node.items[int(part)]
    return node


def _remove(group: FilterGroup, path: str) -> FilterGroup:
    parent_path, _, index = path.rpartition(".")
    parent = _at(group, parent_path)
    if isinstance(parent, FilterGroup) and index.isdecimal() and int(index) < len(parent.items):
        del parent.items[int(index)]
    return group


@dataclass
class Row:
    """One line of the builder as the template draws it."""

    path: str
    depth: int
    kind: str  # "cond", "group", "saved", "end" (closes a group)
    item: Any
    field: FieldDef | None = None
    ops: Sequence[Any] = ()
    editor: str = "none"


def rows(group: FilterGroup, schema: TableSchema) -> list[Row]:
    out: list[Row] = []

    def walk(g: FilterGroup, prefix: str, depth: int) -> None:
        for i, item in enumerate(g.items):
            path = f"{prefix}.{i}" if prefix else str(i)
            if isinstance(item, FilterGroup):
                out.append(Row(path, depth, "group", item))
                walk(item, path, depth + 1)
                out.append(Row(path, depth, "end", item))
            elif isinstance(item, SavedFilterRef):
                out.append(Row(path, depth, "saved", item))
            else:
                f = _field(schema, item.field)
                ops = operators.operators_for(f.type) if f is not None else []
                out.append(Row(path, depth, "cond", item, f, ops, value_editor(f, item.op)))

    walk(group, "", 0)
    return out


def _field(schema: TableSchema, ref: Any) -> FieldDef | None:
    try:
        return schema.field(ref)
    except Exception:
        return None


def record_ids(group: FilterGroup, field_id: int) -> list[int]:
    """The records the link conditions on `field_id` name (their titles are shown)."""
    out: list[int] = []
    for item in group.items:
        if isinstance(item, FilterGroup):
            out += record_ids(item, field_id)
        elif (
            isinstance(item, Condition) and item.field == field_id and isinstance(item.value, list)
        ):
            out += [v for v in item.value if isinstance(v, int)]
    return out


def count(group: FilterGroup | None) -> int:
    if group is None:
        return 0
    n = 0
    for item in group.items:
        n += count(item) if isinstance(item, FilterGroup) else 1
    return n


def listed(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v) for v in items]


def from_form(form: Any, schema: TableSchema) -> dict[str, Any] | None:
    """The filter an inline builder (`_filter_builder.html`) describes, conditions still waiting
    for a value left out, AND the shared filter chosen beside it; None when there is neither."""
    items: list[Any] = []
    if "node" in form or ".conj" in form:
        tree = complete(parse(form, schema))
        if tree is not None:
            items.append(tree.model_dump(mode="json"))
    saved = _get(form, "saved_filter")
    if saved.isdecimal():
        items.append({"saved_filter": int(saved)})
    if not items:
        return None
    if len(items) == 1 and "items" in items[0]:
        single: dict[str, Any] = items[0]
        return single
    return {"conjunction": "and", "items": items}
