"""The `automations` section of a preset: translated from an authored (multilingual) preset,
applied to a new base (after its saved filters and roles), and exported back by name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from engine import Base, Database, meta, roles
from engine.automations import store, templates
from engine.errors import NotFound
from engine.model import TableSchema
from schemas.preset import PresetAutomation, PresetFilter, SourceAutomation, pick
from schemas.query import FilterGroup

from .preset_filters import filter_dict, named_filter

if TYPE_CHECKING:
    from .presets import ApplyResult, Localizer

# --- an authored preset in one locale -----------------------------------------------------------------
def localize(names: Localizer, a: SourceAutomation) -> PresetAutomation:
    """The automation with its references and texts in the Localizer's locale."""
    loc = names.locale
    trig = dict(a.trigger)
    table = str(trig["table"])
    trig["table"] = names.table(table)
    if trig.get("filter") is not None:
        group = names.filter(table, PresetFilter.model_validate(trig["filter"]))
        trig["filter"] = group.model_dump(exclude_defaults=True)
    if trig.get("fields"):
        trig["fields"] = [names.field(table, f) for f in trig["fields"]]
    actions = []
    for action in a.actions:
        out = dict(action)
        kind = out.get("kind")
        if kind == "create_record":
            target = str(out["table"])
            out["table"] = names.table(target)
            out["values"] = [_value(names, table, target, v) for v in out.get("values", [])]
        elif kind == "update_record":
            target = table
            if out.get("link") is not None:
                target = names.links[table][str(out["link"])]
                out["link"] = names.field(table, out["link"])
            out["values"] = [_value(names, table, target, v) for v in out.get("values", [])]
        elif kind == "notify":
            if "user_fields" in out:
                out["user_fields"] = [names.field(table, f) for f in out["user_fields"]]
            if "roles" in out:
                out["roles"] = [names.roles.get(r, r) for r in out["roles"]]
            out["message"] = pick(out["message"], loc)
        actions.append(out)
    return PresetAutomation(name=pick(a.name, loc), enabled=a.enabled, trigger=trig, actions=actions)


def _value(names: Localizer, source: str, target: str, v: dict[str, Any]) -> dict[str, Any]:
    out = dict(v)
    field = str(v["field"])
    out["field"] = names.field(target, field)
    if "value" in v:
        value = pick(v["value"], names.src)
        out["value"] = names.value(target, field, value)
    if "template" in v:
        out["template"] = pick(v["template"], names.locale)
    if "copy" in v:
        out["copy"] = names.field(source, v["copy"])
    return out


# --- applying -------------------------------------------------------------------------------------
def apply_automations(
    db: Database,
    base: Base,
    specs: Sequence[PresetAutomation],
    filter_ids: Mapping[str, Mapping[str, int]],
    result: ApplyResult,
) -> None:
    """Create the automations (as the applying user); one the engine refuses is skipped, and
    why is said in `result.skipped`."""
    for spec in specs:
        trig = dict(spec.trigger)
        actions = [dict(a) for a in spec.actions]
        try:
            if trig.get("filter") is not None:
                group = PresetFilter.model_validate(trig["filter"])
                trig["filter"] = filter_dict(group, filter_ids.get(str(trig["table"]), {}))
            for action in actions:
                if action.get("kind") == "notify" and action.get("users"):
                    action["users"] = [_user(db, email) for email in action["users"]]
            base.create_automation(
                {"name": spec.name, "enabled": spec.enabled, "trigger": trig, "actions": actions}
            )
        except Exception as e:
            result.skipped.append(f"automation {spec.name}: {e}")


def _user(db: Database, email: Any) -> int:
    found = db.find_user(str(email))
    if found is None:
        raise NotFound(f"No user {email!r}", f"没有用户 {email!r}")
    return found.id


# --- exporting ------------------------------------------------------------------------------------
def export_automations(
    conn: Connection,
    base_id: int,
    by_id: Mapping[int, TableSchema],
    filter_names: Mapping[int, str],
) -> list[PresetAutomation]:
    """The base's automations, every reference by name."""
    role_names = {r.key: r.name for r in roles.list_roles(conn, base_id)}
    u = meta.users
    emails = {int(r.id): str(r.email) for r in conn.execute(select(u.c.id, u.c.email))}
    out = []
    for a in store.list_for_base(conn, base_id):
        source = by_id.get(a.table_id)
        if source is None:
            continue
        trig = dict(a.trigger)
        trig["table"] = source.name
        if trig.get("filter"):
            group = named_filter(FilterGroup.model_validate(trig["filter"]), source, filter_names)
            trig["filter"] = group.model_dump(exclude_defaults=True)
        if trig.get("fields"):
            trig["fields"] = [_name(source, f) for f in trig["fields"]]
        actions = [_export_action(x, source, by_id, role_names, emails) for x in a.actions]
        out.append(PresetAutomation(name=a.name, enabled=a.enabled, trigger=trig, actions=actions))
    return out


def _name(schema: TableSchema, ref: Any) -> str:
    try:
        return schema.field(int(ref)).name
    except (NotFound, ValueError, TypeError):
        return str(ref)


def _export_action(
    action: dict[str, Any],
    source: TableSchema,
    by_id: Mapping[int, TableSchema],
    role_names: Mapping[str, str],
    emails: Mapping[int, str],
) -> dict[str, Any]:
    out = dict(action)
    kind = out.get("kind")
    target = source
    if kind == "create_record":
        target = by_id[int(out["table"])]
        out["table"] = target.name
    if kind == "update_record" and out.get("link") is not None:
        link = source.field(int(out["link"]))
        target = by_id.get(link.type.options.table_id, source)
        out["link"] = link.name
    if kind in ("create_record", "update_record"):
        values = []
        for v in out.get("values", []):
            shown = dict(v, field=_name(target, v["field"]))
            if "copy" in v:
                shown["copy"] = _name(source, v["copy"])
            if "template" in v:
                shown["template"] = templates.to_names(str(v["template"]), source)
            values.append(shown)
        out["values"] = values
    if kind == "notify":
        out["user_fields"] = [_name(source, f) for f in out.get("user_fields", [])]
        out["roles"] = [role_names.get(r, r) for r in out.get("roles", [])]
        out["users"] = [emails.get(int(x), str(x)) for x in out.get("users", [])]
        out["message"] = templates.to_names(str(out["message"]), source)
        out = {k: v for k, v in out.items() if v != []}
    return out
