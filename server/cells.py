"""How a value of each field type is shown and edited in the interface.

`kind` names the renderer of a field (the cell template picks chips, checkboxes, stars, ...),
`text` is a value as a person reads it in their language, `copy_text` the plain form that goes
to the clipboard (and comes back from Excel), `Editor` what an editor shows — built from a
stored value, or from what the user typed, so a rejected edit keeps the user's input.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.model import FieldDef, TableSchema

from .i18n import Translator

COMPUTED_KIND = {
    "number": "number",
    "text": "text",
    "date": "date",
    "datetime": "datetime",
    "boolean": "checkbox",
    "array": "list",
    "blank": "text",
}
SAME = (
    "text",
    "long_text",
    "email",
    "phone",
    "url",
    "number",
    "currency",
    "percent",
    "duration",
    "rating",
    "checkbox",
    "date",
    "datetime",
    "single_select",
    "multiple_select",
    "attachment",
    "link",
    "autonumber",
)
# computed values that are numbers: shown right-aligned
NUMERIC = {"number", "currency", "percent", "duration", "rating", "autonumber"}


def kind(f: FieldDef) -> str:
    """The renderer of a field's cells."""
    name = f.type.name
    if name in SAME:
        return name
    if name in ("created_time", "last_modified_time"):
        return "datetime"
    if name in ("created_by", "last_modified_by"):
        return "user"
    if name == "user":
        return "users" if f.type.options.multiple else "user"
    if name == "lookup":
        return "list"
    if name in ("rollup", "count", "formula"):
        return COMPUTED_KIND.get(str(getattr(f.type.options, "result_type", "text")), "text")
    return "text"


def editable(f: FieldDef) -> bool:
    return not f.type.read_only and f.type.stored and not f.locked


def may_add(schema: TableSchema) -> bool:
    """Whether the user may create (and delete) records of the table: buttons that would only
    be refused are not shown."""
    return schema.access is None or schema.access.table == "full"


def editor_kind(f: FieldDef) -> str | None:
    """Which editor a field's cells open with; None for values Tessera keeps itself."""
    if not editable(f):
        return None
    k = kind(f)
    if k in ("text", "email", "phone", "url"):
        return "text"
    if k in ("number", "currency", "percent", "duration"):
        return "number"
    if k == "single_select":
        return "select"
    if k == "multiple_select":
        return "multi_select"
    return k  # long_text, rating, checkbox, date, datetime, user, users, link, attachment


def zone(f: FieldDef) -> dt.tzinfo | None:
    return getattr(f.type, "zone", None)


def options(f: FieldDef) -> Any:
    return f.type.options


def choices(f: FieldDef) -> list[Any]:
    return list(getattr(f.type.options, "choices", []) or [])


def choice_color(f: FieldDef, name: str) -> str:
    for c in choices(f):
        if c.name == name:
            return str(c.color)
    return "gray"


def _number_text(f: FieldDef, v: Any, tr: Translator) -> str:
    name = f.type.name
    o = f.type.options
    if name == "currency":
        return tr.currency(v, o.symbol, o.precision)
    if name == "percent":
        return tr.percent(v, o.precision)
    if name == "duration":
        return tr.duration(v, o.format)
    if name == "number":
        return tr.number(v, o.precision)
    precision = getattr(o, "precision", None)
    return tr.number(v, precision if isinstance(precision, int) else None)


def _date_of(v: Any) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v[:10])
        except ValueError:
            return None
    return None


def _moment_of(v: Any) -> dt.datetime | None:
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, str):
        try:
            return dt.datetime.fromisoformat(v)
        except ValueError:
            return None
    return None


def _item_text(v: Any) -> str:
    if isinstance(v, dict):
        return str(v.get("title") or v.get("name") or v.get("id") or "")
    if isinstance(v, bool):
        return "✓" if v else ""
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return "" if v is None else str(v)


def text(f: FieldDef, v: Any, tr: Translator, users: Mapping[int, str] | None = None) -> str:
    """A value as a person reads it, in their language."""
    if v is None or v == [] or v == "":
        return ""
    k = kind(f)
    if k in NUMERIC or k == "number":
        if isinstance(v, int | float) and not isinstance(v, bool):
            return _number_text(f, v, tr)
        return str(v)
    style = getattr(f.type.options, "date_format", "local")
    if k == "date":
        day = _date_of(v)
        return tr.date(day, style) if day else str(v)
    if k == "datetime":
        moment = _moment_of(v)
        clock = getattr(f.type.options, "time_format", "24h")
        return tr.datetime(moment, zone(f), style, clock) if moment else str(v)
    if k == "checkbox":
        return "✓" if v else ""
    if k in ("user", "users"):
        ids = v if isinstance(v, list) else [v]
        names = users or {}
        return ", ".join(names.get(int(i), f"#{i}") for i in ids if i is not None)
    if k == "attachment":
        return ", ".join(str(a.get("name", "")) for a in v)
    if isinstance(v, list):
        return ", ".join(_item_text(x) for x in v)
    return _item_text(v)


def copy_text(f: FieldDef, v: Any, users: Mapping[int, str] | None = None) -> str:
    """The plain text of a value for the clipboard (what Excel reads and a paste writes back)."""
    if v is None or v == []:
        return ""
    k = kind(f)
    if k in ("user", "users"):
        ids = v if isinstance(v, list) else [v]
        names = users or {}
        return ", ".join(names.get(int(i), str(i)) for i in ids if i is not None)
    if k == "checkbox":
        return "TRUE" if v else "FALSE"
    if k in ("number", "currency") and isinstance(v, int | float) and not isinstance(v, bool):
        return f"{v}" if not (isinstance(v, float) and v.is_integer()) else str(int(v))
    try:
        return f.type.to_text(v)
    except (AttributeError, TypeError, ValueError):
        return text(f, v, _PLAIN)


_PLAIN = Translator("en")


def stars(f: FieldDef) -> int:
    return int(getattr(f.type.options, "max", 5))


def attachments(v: Any) -> list[dict[str, Any]]:
    return [a for a in (v or []) if isinstance(a, dict)]


def is_image(a: Mapping[str, Any]) -> bool:
    return str(a.get("type", "")).startswith("image/")


def links(v: Any) -> list[dict[str, Any]]:
    out = []
    for item in v or []:
        if isinstance(item, dict):
            out.append({"id": item.get("id"), "title": item.get("title") or f"#{item.get('id')}"})
        else:
            out.append({"id": item, "title": f"#{item}"})
    return out


# --- editors ------------------------------------------------------------------------------------
@dataclass
class Editor:
    """What an editor shows: the text of a text-like input, the chosen options, users or
    records (with their titles), the files kept; and the problem with it, if any."""

    text: str = ""
    chosen: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def editor_from_value(f: FieldDef, v: Any) -> Editor:
    k = editor_kind(f)
    if v is None or v == []:
        return Editor()
    if k == "number":
        if f.type.name == "percent" and isinstance(v, int | float):
            p = f.type.options.precision
            return Editor(text=f"{v * 100:.{p}f}")
        if f.type.name == "duration":
            return Editor(text=f.type.to_text(v) if hasattr(f.type, "to_text") else str(v))
        if isinstance(v, float) and v.is_integer():
            return Editor(text=str(int(v)))
        return Editor(text=str(v))
    if k == "date":
        day = _date_of(v)
        return Editor(text=day.isoformat() if day else "")
    if k == "datetime":
        moment = _moment_of(v)
        if moment is None:
            return Editor()
        local = moment.astimezone(zone(f)) if zone(f) else moment
        return Editor(text=local.strftime("%Y-%m-%dT%H:%M"))
    if k == "checkbox":
        return Editor(text="true" if v else "")
    if k == "multi_select":
        return Editor(chosen=[str(x) for x in v])
    if k in ("user", "users"):
        ids = v if isinstance(v, list) else [v]
        return Editor(chosen=[str(i) for i in ids], text=str(ids[0]) if ids else "")
    if k == "link":
        items = links(v)
        return Editor(
            chosen=[str(i["id"]) for i in items],
            titles={str(i["id"]): str(i["title"]) for i in items},
        )
    if k == "attachment":
        return Editor(files=attachments(v))
    if k == "rating":
        return Editor(text=str(v))
    return Editor(text=f.type.to_text(v))


def editor_from_form(f: FieldDef, form: Any, getlist: Any) -> Editor:
    """The editor as the user left it (for showing it again with a problem)."""
    k = editor_kind(f)
    if k in ("multi_select", "users", "link"):
        chosen = [str(x) for x in getlist("value")]
        titles = {}
        for item in getlist("title"):
            rid, _, title = str(item).partition(":")
            titles[rid] = title
        return Editor(chosen=chosen, titles=titles)
    if k == "attachment":
        return Editor(files=_kept_files(getlist("keep")))
    raw = form.get("value", "")
    value = raw if isinstance(raw, str) else ""
    return Editor(text=value, chosen=[value] if value else [])


def _kept_files(items: Sequence[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        try:
            data = json.loads(str(item))
        except ValueError:
            continue
        if isinstance(data, dict):
            out.append(data)
    return out


def value_from_form(
    f: FieldDef, form: Any, getlist: Any, uploaded: Sequence[dict[str, Any]] = ()
) -> Any:
    """The value to write from an editor's form; the engine normalises and validates it."""
    k = editor_kind(f)
    if k == "checkbox":
        return str(form.get("value", "")).lower() in ("true", "on", "1", "yes")
    if k in ("multi_select",):
        chosen = [str(x) for x in getlist("value") if str(x).strip()]
        return chosen or None
    if k in ("users", "link"):
        ids = [int(x) for x in getlist("value") if str(x).strip().isdecimal()]
        return ids or None
    if k == "user":
        raw = str(form.get("value", "")).strip()
        return int(raw) if raw.isdecimal() else (raw or None)
    if k == "attachment":
        kept = _kept_files(getlist("keep"))
        return [*kept, *uploaded] or None
    raw = form.get("value", "")
    return raw if isinstance(raw, str) else None


def safe_url(v: Any) -> bool:
    """Only web addresses become links (never javascript: or data: URLs)."""
    return isinstance(v, str) and v.lower().startswith(("http://", "https://"))


def item_text(x: Any, f: FieldDef, tr: Translator) -> str:
    """One item of a lookup (or another list a computed field holds) as a person reads it."""
    if isinstance(x, dict):
        return str(x.get("title") or x.get("name") or x.get("id") or "")
    if isinstance(x, bool):
        return "✓" if x else "✗"
    if isinstance(x, dt.datetime):
        return tr.datetime(x)
    if isinstance(x, dt.date):
        return tr.date(x)
    if isinstance(x, int | float):
        return tr.number(x)
    if isinstance(x, str) and len(x) >= 10 and x[4:5] == "-" and x[7:8] == "-":
        day = _date_of(x)
        if day is not None and len(x) == 10:
            return tr.date(day)
    return "" if x is None else str(x)


def user_ids(v: Any) -> list[int]:
    if v is None:
        return []
    return [int(i) for i in (v if isinstance(v, list) else [v]) if i is not None]


ICONS = {
    "text": "A",
    "long_text": "¶",
    "number": "#",
    "currency": "¥",
    "percent": "%",
    "rating": "★",
    "checkbox": "☑",
    "date": "◷",
    "datetime": "◷",
    "duration": "◔",
    "single_select": "◉",
    "multiple_select": "☰",
    "email": "@",
    "phone": "☏",
    "url": "↗",
    "autonumber": "№",
    "created_time": "◷",
    "last_modified_time": "◷",
    "created_by": "☺",
    "last_modified_by": "☺",
    "user": "☺",
    "attachment": "⎘",
    "link": "⇄",
    "lookup": "⤷",
    "rollup": "Σ",
    "count": "∑",
    "formula": "ƒ",
}


def type_icon(f: FieldDef) -> str:
    return ICONS.get(f.type.name, "A")


def first_image(value: Any) -> dict[str, Any] | None:
    """The first image of an attachment value (a card's cover)."""
    for a in attachments(value):
        if is_image(a):
            return a
    return None
