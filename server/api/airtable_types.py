"""Field types and options in Airtable's names, both ways, in one table.

`field_model` describes a Tessera field as Airtable's field model (`{id, name, type, options,
description}`); `field_spec` reads Airtable's field model (from `POST …/fields`, `POST …/tables`,
`POST /v0/meta/bases`) into Tessera's type and options. Formulas, lookups, rollups and counts can
be created too (Airtable itself refuses those through its API).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from engine.fields.choice import COLORS
from engine.formula import to_display
from engine.model import FieldDef, TableSchema

from . import ids
from .errors import bad_request

# Tessera type -> Airtable type (users: singleCollaborator or multipleCollaborators by option)
TO_AIRTABLE = {
    "text": "singleLineText",
    "long_text": "multilineText",
    "number": "number",
    "currency": "currency",
    "percent": "percent",
    "rating": "rating",
    "checkbox": "checkbox",
    "date": "date",
    "datetime": "dateTime",
    "duration": "duration",
    "single_select": "singleSelect",
    "multiple_select": "multipleSelects",
    "email": "email",
    "phone": "phoneNumber",
    "url": "url",
    "autonumber": "autoNumber",
    "created_time": "createdTime",
    "last_modified_time": "lastModifiedTime",
    "created_by": "createdBy",
    "last_modified_by": "lastModifiedBy",
    "user": "singleCollaborator",
    "attachment": "multipleAttachments",
    "link": "multipleRecordLinks",
    "lookup": "multipleLookupValues",
    "rollup": "rollup",
    "count": "count",
    "formula": "formula",
}
FROM_AIRTABLE = {v: k for k, v in TO_AIRTABLE.items()}
FROM_AIRTABLE.update(multipleCollaborators="user", richText="long_text")

_DATE_FORMATS = {  # Tessera name: (Airtable name, format)
    "iso": ("iso", "YYYY-MM-DD"),
    "local": ("local", "l"),
    "us": ("us", "M/D/YYYY"),
    "european": ("european", "D/M/YYYY"),
    "friendly": ("friendly", "LL"),
}
_TIME_FORMATS = {"24h": ("24hour", "HH:mm"), "12h": ("12hour", "h:mma")}
_RATING_ICONS = {
    "star": "star",
    "heart": "heart",
    "thumb": "thumbsUp",
    "flag": "flag",
    "fire": "dot",
}
# Airtable rollup formulas over `values` and the Tessera rollup function of each
_ROLLUPS = {
    "SUM": "sum",
    "AVERAGE": "average",
    "MIN": "min",
    "MAX": "max",
    "COUNT": "count",
    "COUNTA": "count_filled",
    "COUNTALL": "count",
    "ARRAYJOIN": "array_join",
    "CONCATENATE": "array_join",
    "ARRAYUNIQUE": "array_unique",
    "AND": "and",
    "OR": "or",
}
_ROLLUP_OF = {"sum": "SUM", "average": "AVERAGE", "min": "MIN", "max": "MAX", "count": "COUNTALL",
              "count_filled": "COUNTA", "array_join": "ARRAYJOIN", "array_unique": "ARRAYUNIQUE",
              "and": "AND", "or": "OR"}  # fmt: skip
_RESULT = {"number": "number", "text": "singleLineText", "date": "date", "datetime": "dateTime",
           "boolean": "checkbox", "array": "multipleLookupValues"}  # fmt: skip


def airtable_type(f: FieldDef) -> str:
    if f.type.name == "user" and f.type.options.multiple:
        return "multipleCollaborators"
    return TO_AIRTABLE.get(f.type.name, f.type.name)


def _date_options(o: dict[str, Any]) -> dict[str, Any]:
    name, fmt = _DATE_FORMATS.get(o.get("date_format", "iso"), _DATE_FORMATS["iso"])
    return {"dateFormat": {"name": name, "format": fmt}}


def _datetime_options(o: dict[str, Any]) -> dict[str, Any]:
    name, fmt = _TIME_FORMATS.get(o.get("time_format", "24h"), _TIME_FORMATS["24h"])
    return {
        **_date_options(o),
        "timeFormat": {"name": name, "format": fmt},
        "timeZone": o.get("timezone", "UTC"),
    }


def _result(kind: str, o: dict[str, Any]) -> dict[str, Any]:
    """The `result` of a computed field: the field model of its values' type."""
    t = _RESULT.get(kind, "singleLineText")
    if t == "number":
        return {"type": "number", "options": {"precision": o.get("precision") or 0}}
    if t == "date":
        return {"type": "date", "options": _date_options(o)}
    if t == "dateTime":
        return {"type": "dateTime", "options": _datetime_options(o)}
    if t == "checkbox":
        return {"type": "checkbox", "options": {"icon": "check", "color": "greenBright"}}
    return {"type": t}


def field_model(
    table: TableSchema, f: FieldDef, names: Callable[[int], str | None]
) -> dict[str, Any]:
    """Airtable's field model of `f`; `names(field_id)` names the fields a formula reads."""
    o = f.type.options_dict()
    t = f.type.name
    options: dict[str, Any] | None = None
    if t in ("number", "percent"):
        options = {"precision": o["precision"]}
    elif t == "currency":
        options = {"precision": o["precision"], "symbol": o["symbol"]}
    elif t == "rating":
        options = {
            "max": o["max"],
            "icon": _RATING_ICONS.get(o["icon"], "star"),
            "color": "yellowBright",
        }
    elif t == "checkbox":
        options = {"icon": "check", "color": "greenBright"}
    elif t == "date":
        options = _date_options(o)
    elif t in ("datetime",):
        options = _datetime_options(o)
    elif t in ("created_time", "last_modified_time"):
        options = {"isValid": True, "result": {"type": "dateTime", "options": _datetime_options(o)}}
    elif t == "duration":
        options = {"durationFormat": o["format"]}
    elif t in ("single_select", "multiple_select"):
        options = {"choices": [dict(c) for c in o["choices"]]}
    elif t == "attachment":
        options = {"isReversed": False}
    elif t == "link":
        options = {
            "linkedTableId": ids.encode("tbl", o["table_id"]),
            "isReversed": False,
            "prefersSingleRecordLink": not o["multiple"],
            "inverseLinkFieldId": (
                ids.encode("fld", o["inverse_field_id"]) if o.get("inverse_field_id") else None
            ),
        }
    elif t in ("lookup", "rollup", "count"):
        options = {"isValid": True, "recordLinkFieldId": ids.encode("fld", o["link_field_id"])}
        if t != "count":
            options["fieldIdInLinkedTable"] = ids.encode("fld", o["target_field_id"])
            options["result"] = _result(o.get("result_type", "array"), o)
        if t == "rollup":
            options["referencedFieldIds"] = [options["fieldIdInLinkedTable"]]
            options["formula"] = f"{_ROLLUP_OF.get(o['fn'], o['fn'].upper())}(values)"
    elif t == "formula":
        stored = o["formula"]
        refs = [int(m) for m in re.findall(r"\{fld:([0-9]+)\}", stored)]
        options = {
            "formula": to_display(stored, names),
            "isValid": True,
            "referencedFieldIds": [ids.encode("fld", r) for r in dict.fromkeys(refs)],
            "result": _result(o.get("result_type", "text"), o),
        }
    model: dict[str, Any] = {
        "id": ids.encode("fld", f.id),
        "name": f.name,
        "type": airtable_type(f),
    }
    if f.description:
        model["description"] = f.description
    if options is not None:
        model["options"] = options
    return model


def _field_ref(value: Any, what: str) -> int:
    if isinstance(value, str) and ids.is_id("fld", value):
        return ids.require("fld", value)
    raise bad_request(
        f"Option {what} must be a field id (fld…), not {value!r}",
        f"选项 {what} 必须是字段 ID（fld…），而不是 {value!r}",
        airtable_type="INVALID_FIELD_TYPE_OPTIONS",
    )


def _choices(o: dict[str, Any]) -> list[dict[str, Any] | str]:
    out: list[dict[str, Any] | str] = []
    for c in o.get("choices") or []:
        if isinstance(c, str):
            out.append(c)
            continue
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            raise bad_request(
                "Each choice needs a name",
                "每个选项都需要名称",
                airtable_type="INVALID_FIELD_TYPE_OPTIONS",
            )
        choice: dict[str, Any] = {"name": c["name"]}
        color = re.sub(r"[0-9]+$", "", str(c.get("color") or ""))
        color = color.replace("Light", "").replace("Bright", "Dark")
        if color in COLORS:
            choice["color"] = color
        out.append(choice)
    return out


def field_spec(model: dict[str, Any]) -> dict[str, Any]:
    """A Tessera field definition (`name`, `type`, `options`, `description`) from Airtable's
    field model."""
    name, atype = model.get("name"), model.get("type")
    if not isinstance(name, str) or not isinstance(atype, str):
        raise bad_request(
            "A field needs a name and a type",
            "字段需要名称和类型",
            airtable_type="INVALID_REQUEST_UNKNOWN",
        )
    kind = FROM_AIRTABLE.get(atype)
    if kind is None:
        known = ", ".join(sorted(FROM_AIRTABLE))
        raise bad_request(
            f"Unsupported field type {atype!r}; supported: {known}",
            f"不支持的字段类型 {atype!r}；支持：{known}",
            airtable_type="UNSUPPORTED_FIELD_TYPE",
        )
    o = model.get("options") or {}
    if not isinstance(o, dict):
        raise bad_request(
            "options must be an object",
            "options 必须是对象",
            airtable_type="INVALID_FIELD_TYPE_OPTIONS",
        )
    opts: dict[str, Any] = {}
    if kind in ("number", "percent", "currency") and "precision" in o:
        opts["precision"] = o["precision"]
    if kind == "currency" and "symbol" in o:
        opts["symbol"] = o["symbol"]
    if kind == "rating":
        if "max" in o:
            opts["max"] = o["max"]
        icons = {v: k for k, v in _RATING_ICONS.items()}
        if o.get("icon") in icons:
            opts["icon"] = icons[o["icon"]]
    if kind in ("date", "datetime"):
        fmt = (
            (o.get("dateFormat") or {}).get("name")
            if isinstance(o.get("dateFormat"), dict)
            else None
        )
        if fmt in _DATE_FORMATS:
            opts["date_format"] = fmt
    if kind == "datetime":
        tf = o.get("timeFormat")
        tf = tf if isinstance(tf, dict) else {}
        opts["time_format"] = "12h" if tf.get("name") == "12hour" else "24h"
        zone = o.get("timeZone")
        if isinstance(zone, str) and zone not in ("client", "utc"):
            opts["timezone"] = zone
    if kind == "duration" and "durationFormat" in o:
        opts["format"] = o["durationFormat"]
    if kind in ("single_select", "multiple_select"):
        opts["choices"] = _choices(o)
    if kind == "user":
        opts["multiple"] = atype == "multipleCollaborators"
    if kind == "link":
        table = o.get("linkedTableId")
        if not isinstance(table, str) or not ids.is_id("tbl", table):
            raise bad_request(
                "A link field needs options.linkedTableId (tbl…)",
                "关联字段需要 options.linkedTableId（tbl…）",
                airtable_type="INVALID_FIELD_TYPE_OPTIONS",
            )
        opts["table"] = ids.require("tbl", table)
        opts["multiple"] = not bool(o.get("prefersSingleRecordLink", False))
    if kind in ("lookup", "rollup", "count"):
        opts["link_field"] = _field_ref(o.get("recordLinkFieldId"), "recordLinkFieldId")
    if kind in ("lookup", "rollup"):
        opts["target_field"] = _field_ref(o.get("fieldIdInLinkedTable"), "fieldIdInLinkedTable")
    if kind == "rollup":
        fn = o.get("fn")
        text = o.get("formula")
        if fn is None and isinstance(text, str):
            m = re.fullmatch(r"\s*([A-Za-z]+)\s*\(\s*values\s*(?:,\s*(['\"])(.*)\2\s*)?\)\s*", text)
            if m is None or m.group(1).upper() not in _ROLLUPS:
                raise bad_request(
                    f"Unsupported rollup formula {text!r}; use one of "
                    + ", ".join(f"{k}(values)" for k in _ROLLUPS),
                    f"不支持的汇总公式 {text!r}",
                    airtable_type="INVALID_FIELD_TYPE_OPTIONS",
                )
            fn = _ROLLUPS[m.group(1).upper()]
            if m.group(3) is not None:
                opts["separator"] = m.group(3)
        opts["fn"] = fn or "sum"
    if kind == "formula":
        opts["formula"] = o.get("formula")
    spec: dict[str, Any] = {"name": name, "type": kind, "options": opts}
    if isinstance(model.get("description"), str):
        spec["description"] = model["description"]
    return spec
