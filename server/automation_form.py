"""The automation editor's form, both ways: what a person fills in becomes an automation
definition (names, not ids: the engine checks and resolves them), and a stored automation fills
the form in again."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from engine.automations import templates
from engine.automations.store import Automation
from engine.model import TableSchema

from . import filters

ACTION_KINDS = ("create_record", "update_record", "notify", "webhook")
TRIGGER_KINDS = ("record_created", "record_updated", "record_matches", "scheduled")
TODAY = re.compile(r"^@today\s*([+-]\s*\d+)?$")


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _values(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _, raw = line.partition(":")
        if not _:
            name, _, raw = line.partition("：")
        name, raw = name.strip(), raw.strip()
        entry: dict[str, Any] = {"field": name}
        today = TODAY.match(raw)
        if raw == "@record":
            entry["trigger_record"] = True
        elif raw.startswith("@copy "):
            entry["copy"] = raw[len("@copy ") :].strip()
        elif today:
            entry["today"] = int((today.group(1) or "0").replace(" ", ""))
        elif "{" in raw:
            entry["template"] = raw
        else:
            entry["value"] = raw
        out.append(entry)
    return out


def _action(form: FormData, j: int) -> dict[str, Any] | None:
    kind = _text(form, f"a{j}_kind")
    if kind not in ACTION_KINDS:
        return None
    if kind == "create_record":
        table = _text(form, f"a{j}_table")
        return {"kind": kind, "table": int(table) if table.isdecimal() else table,
                "values": _values(_text(form, f"a{j}_values"))}  # fmt: skip
    if kind == "update_record":
        out: dict[str, Any] = {"kind": kind, "values": _values(_text(form, f"a{j}_values"))}
        link = _text(form, f"a{j}_link")
        if link:
            out["link"] = int(link) if link.isdecimal() else link
        return out
    if kind == "notify":
        users = [int(u) for u in form.getlist(f"a{j}_users") if isinstance(u, str) and u.isdecimal()]
        field_ = _text(form, f"a{j}_user_field")
        role = _text(form, f"a{j}_role")
        return {
            "kind": kind,
            "users": users,
            "user_fields": [int(field_)] if field_.isdecimal() else [],
            "roles": [role] if role else [],
            "message": _text(form, f"a{j}_message"),
        }
    return {"kind": kind, "url": _text(form, f"a{j}_url")}


def to_spec(form: FormData, actions: int, schema: TableSchema | None = None) -> dict[str, Any]:
    """The definition the form describes (checked by the engine, which names what is wrong)."""
    kind = _text(form, "kind")
    table = _text(form, "table")
    trigger: dict[str, Any] = {"kind": kind, "table": int(table) if table.isdecimal() else table}
    flt = filters.from_form(form, schema) if schema is not None else None
    if flt is not None:
        trigger["filter"] = flt
    if kind == "record_updated":
        names = [n.strip() for n in re.split(r"[,，]", _text(form, "fields")) if n.strip()]
        trigger["fields"] = names
    if kind == "scheduled":
        every = _text(form, "every_hours")
        if every.isdecimal():
            trigger["every_hours"] = int(every)
        else:
            trigger["at"] = _text(form, "at") or "09:00"
        once = _text(form, "once_per_days")
        if once.isdecimal():
            trigger["once_per_days"] = int(once)
    found = [a for a in (_action(form, j) for j in range(actions + 1)) if a is not None]
    return {
        "name": _text(form, "name"),
        "enabled": form.get("enabled") == "on",
        "trigger": trigger,
        "actions": found,
    }


# --- filling the form in ------------------------------------------------------------------------
@dataclass
class Filled:
    """The editor's values: plain strings and lists, by form name."""

    values: dict[str, Any] = field(default_factory=dict)
    actions: list[dict[str, Any]] = field(default_factory=list)


def _names(schema: TableSchema, ids: list[int]) -> list[str]:
    out = []
    for fid in ids:
        try:
            out.append(schema.field(fid).name)
        except Exception:
            out.append(str(fid))
    return out


def _lines(schema: TableSchema, target: TableSchema, values: list[dict[str, Any]]) -> str:
    lines = []
    for v in values:
        name = _names(target, [int(v["field"])])[0]
        if v.get("trigger_record"):
            raw = "@record"
        elif "copy" in v:
            raw = "@copy " + _names(schema, [int(v["copy"])])[0]
        elif "today" in v:
            n = int(v["today"])
            raw = "@today" + (f"{n:+d}" if n else "")
        elif "template" in v:
            raw = templates.to_names(str(v["template"]), schema)
        else:
            raw = "" if v.get("value") is None else str(v["value"])
        lines.append(f"{name}: {raw}")
    return "\n".join(lines)


def fill(a: Automation, schemas: dict[int, TableSchema]) -> Filled:
    """The form's values for a stored automation (`schemas`: the base's tables by id)."""
    trig = a.trigger
    source = schemas[a.table_id]
    out = Filled()
    v = out.values
    v |= {"name": a.name, "enabled": a.enabled, "kind": trig["kind"], "table": a.table_id}
    v["fields"] = ", ".join(_names(source, list(trig.get("fields", []))))
    v["at"] = trig.get("at", "")
    v["every_hours"] = str(trig.get("every_hours", ""))
    v["once_per_days"] = str(trig.get("once_per_days", ""))
    v["filter"] = trig.get("filter") or {}
    for action in a.actions:
        kind = action["kind"]
        shown: dict[str, Any] = {"kind": kind}
        if kind == "create_record":
            target = schemas.get(int(action["table"]), source)
            shown |= {"table": target.id, "values": _lines(source, target, action.get("values", []))}
        elif kind == "update_record":
            target = source
            if action.get("link") is not None:
                link = source.field(int(action["link"]))
                target = schemas.get(link.type.options.table_id, source)
                shown["link"] = link.id
            shown["values"] = _lines(source, target, action.get("values", []))
        elif kind == "notify":
            shown |= {
                "users": action.get("users", []),
                "user_field": (action.get("user_fields") or [""])[0],
                "role": (action.get("roles") or [""])[0],
                "message": templates.to_names(str(action["message"]), source),
            }
        else:
            shown["url"] = action.get("url", "")
        out.actions.append(shown)
    return out
