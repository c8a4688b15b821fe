"""The field editor's form, both ways: the options and validation rules a type's section of
the form describes, in the shape the engine's field types expect."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as PydanticValidationError

from engine.errors import ValueProblem
from engine.fields import REGISTRY
from engine.fields.choice import COLORS
from engine.fields.relational import ROLLUPS
from engine.model import TableSchema

from .routes._util import form_int, form_text

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("types_basic", ("text", "long_text", "number", "currency", "percent", "rating", "checkbox")),
    ("types_time", ("date", "datetime", "duration")),
    ("types_choice", ("single_select", "multiple_select", "user")),
    ("types_contact", ("email", "phone", "url", "attachment")),
    ("types_relational", ("link", "lookup", "rollup", "count", "formula")),
    (
        "types_system",
        ("autonumber", "created_time", "last_modified_time", "created_by", "last_modified_by"),
    ),
)
ROLLUP_FNS = ROLLUPS  # the engine's list, in its order
TIMEZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Tokyo",
    "Asia/Singapore",
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
)


def _checked(form: Any, name: str) -> bool:
    return form_text(form, name) in ("on", "true", "1")


def options_from_form(
    form: Any, type_name: str, schema: TableSchema, *, keep_blank: bool = False
) -> dict[str, Any]:
    """The options a type's section of the form describes (what the engine's type expects);
    `keep_blank` keeps options not named yet (the editor shows them again)."""
    o: dict[str, Any] = {}
    precision = form_int(form, "opt.precision")
    if type_name in ("number", "percent", "currency") and precision is not None:
        o["precision"] = precision
    if type_name == "currency":
        o["symbol"] = form_text(form, "opt.symbol") or "¥"
    if type_name == "rating":
        o["max"] = form_int(form, "opt.max") or 5
        o["icon"] = form_text(form, "opt.icon") or "star"
    if type_name in ("date", "datetime"):
        o["date_format"] = form_text(form, "opt.date_format") or "iso"
    if type_name == "datetime":
        o["time_format"] = form_text(form, "opt.time_format") or "24h"
        o["timezone"] = form_text(form, "opt.timezone") or "Asia/Shanghai"
    if type_name == "duration":
        o["format"] = form_text(form, "opt.format") or "h:mm"
    if type_name in ("single_select", "multiple_select"):
        choices = []
        ids = [str(x) for x in form.getlist("choice.id")]
        names = [str(x) for x in form.getlist("choice.name")]
        colors = [str(x) for x in form.getlist("choice.color")]
        for i, name in enumerate(names):
            if not name.strip() and not keep_blank:
                continue
            c: dict[str, Any] = {"name": name.strip()}
            if i < len(colors) and colors[i] in COLORS:
                c["color"] = colors[i]
            if i < len(ids) and ids[i]:
                c["id"] = ids[i]
            choices.append(c)
        o["choices"] = choices
    if type_name == "user":
        o["multiple"] = _checked(form, "opt.multiple")
    if type_name == "link":
        o["table"] = form_int(form, "opt.table")
        o["multiple"] = not _checked(form, "opt.single")
        if _checked(form, "opt.subtable"):
            o["role"] = "children"
    if type_name in ("lookup", "rollup", "count"):
        o["link_field"] = form_int(form, "opt.link_field")
    if type_name in ("lookup", "rollup"):
        o["target_field"] = form_int(form, "opt.target_field")
    if type_name == "rollup":
        o["fn"] = form_text(form, "opt.fn") or "sum"
    if type_name == "formula":
        o["formula"] = form_text(form, "opt.formula")
    return o


def _bound(type_name: str, options: dict[str, Any], text: str) -> Any:
    """A min / max as the field's values are (numbers as numbers; '50' of a percent is 50 %);
    text the type cannot read is given as it is, for the engine to refuse with its message."""
    if type_name in ("date", "datetime"):
        return text
    try:
        return REGISTRY[type_name].with_options(options).normalize(text)
    except (ValueProblem, PydanticValidationError, ValueError, TypeError):
        return text


def rules_from_form(
    form: Any, type_name: str, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    cls = REGISTRY[type_name]
    r: dict[str, Any] = {}
    if cls.read_only:
        return r
    if _checked(form, "rule.required"):
        r["required"] = True
    if _checked(form, "rule.unique") and cls.can_be_unique:
        r["unique"] = True
    if cls.has_range:
        for key in ("min", "max"):
            if form_text(form, f"rule.{key}"):
                r[key] = _bound(type_name, _plain(options), form_text(form, f"rule.{key}"))
    if cls.has_length:
        for key in ("min_length", "max_length"):
            n = form_int(form, f"rule.{key}")
            if n is not None:
                r[key] = n
        for key in ("pattern", "pattern_message"):
            if form_text(form, f"rule.{key}"):
                r[key] = form_text(form, f"rule.{key}")
    if form_text(form, "rule.default"):
        r["default"] = form_text(form, "rule.default")
    return r


def _plain(options: dict[str, Any] | None) -> dict[str, Any]:
    """Options the type's model reads (the editor's extra keys left out)."""
    return {k: v for k, v in (options or {}).items() if k not in ("table", "subtable")}
