"""Cell values in Airtable's forms, both ways.

Reading (`cellFormat=json`): dates as `YYYY-MM-DD`, instants as ISO 8601 in UTC with a `Z`,
links as record ids (`rec…`), people as `{id, email, name}`, attachments as `{id, url,
filename, size, type}`, selects by option name; empty cells (and unchecked boxes) are left out,
as Airtable does. `cellFormat=string` gives each cell as the text a person reads, dates and times
in `timeZone` and in the order of `userLocale`.

Writing: field keys are names or field ids; links take record ids, people `{id}` or `{email}`,
attachments files already stored here (`{id}` of one read before, or its `url`). Without
`typecast` values must have the JSON type of the field (a number for a number field, ...), as in
Airtable; with it, text is read the way the engine reads it ("¥1,299", "是", "2024/3/5").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

import engine
from engine import meta
from engine.errors import NotFound, Problem, ValidationError
from engine.model import FieldDef, TableSchema

from . import ids
from .errors import bad_request

USER_TYPES = ("user", "created_by", "last_modified_by")
INSTANT_TYPES = ("datetime", "created_time", "last_modified_time")
_NUMBERS = ("number", "currency", "percent", "rating", "duration")
_TEXTS = ("text", "long_text", "email", "phone", "url", "single_select")
_FILE_URL = re.compile(r"/files/([0-9a-f]{64})")


@dataclass
class CellFormat:
    string: bool = False
    zone: dt.tzinfo | None = None  # timeZone, for cellFormat=string
    locale: str = "en-us"
    users: dict[int, tuple[str, str]] = field(default_factory=dict)  # id: (email, name)


def zone_of(name: str | None) -> dt.tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise bad_request(
            f"Unknown time zone {name!r}", f"未知的时区 {name!r}", airtable_type="INVALID_TIME_ZONE"
        ) from None


def load_users(db: engine.Database, found: Iterable[int]) -> dict[int, tuple[str, str]]:
    wanted = sorted({i for i in found if isinstance(i, int)})
    if not wanted:
        return {}
    u = meta.users
    with db.read() as conn:
        rows = conn.execute(select(u.c.id, u.c.email, u.c.name).where(u.c.id.in_(wanted))).all()
    return {r.id: (r.email, r.name or r.email) for r in rows}


def user_ids(schema: TableSchema, records: Iterable[engine.Record]) -> set[int]:
    fields = [f for f in schema.fields if f.type.name in USER_TYPES]
    out: set[int] = set()
    for r in records:
        for f in fields:
            v = r.by_id.get(f.id)
            if isinstance(v, list):
                out.update(x for x in v if isinstance(x, int))
            elif isinstance(v, int):
                out.add(v)
    return out


def instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _person(uid: int, fmt: CellFormat) -> dict[str, Any]:
    email, name = fmt.users.get(uid, ("", ""))
    return {"id": ids.encode("usr", uid), "email": email, "name": name}


def _attachment(item: dict[str, Any]) -> dict[str, Any]:
    digest = item.get("hash", "")
    kind = item.get("type") or "application/octet-stream"
    return {
        "id": "att" + digest,
        "url": f"/files/{digest}",
        "filename": item.get("name", ""),
        "size": item.get("size"),
        "type": kind,
    }


def _plain(value: Any) -> Any:
    """A computed value (lookup items, rollups, formulas) in JSON form."""
    if isinstance(value, dt.datetime):
        return instant(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict) and "id" in value and "title" in value:
        return ids.encode("rec", int(value["id"]))
    return value


def cell_json(f: FieldDef, value: Any, fmt: CellFormat) -> Any:
    t = f.type.name
    if t in USER_TYPES:
        if isinstance(value, list):
            return [_person(v, fmt) for v in value]
        return _person(int(value), fmt)
    if t == "link":
        return [ids.encode("rec", int(v["id"])) for v in value]
    if t == "attachment":
        return [_attachment(a) for a in value]
    return _plain(value)


_FORMATS = {"iso": "%Y-%m-%d", "us": "{m}/{d}/%Y", "european": "{d}/{m}/%Y"}


def _date_text(day: dt.date, f: FieldDef, fmt: CellFormat) -> str:
    name = getattr(f.type.options, "date_format", "iso")
    if name == "local":
        loc = fmt.locale.lower()
        name = (
            "us"
            if loc in ("en-us", "en")
            else "iso"
            if loc.startswith(("zh", "ja", "ko", "sv"))
            else "european"
        )
    if name == "friendly":
        return f"{day:%B} {day.day}, {day.year}"
    pattern = _FORMATS.get(name, _FORMATS["iso"])
    return day.strftime(pattern.format(m=day.month, d=day.day))


def _instant_text(value: dt.datetime, f: FieldDef, fmt: CellFormat) -> str:
    zone = fmt.zone or getattr(f.type, "zone", None) or dt.UTC
    local = value.astimezone(zone)
    if getattr(f.type.options, "time_format", "24h") == "12h":
        hour = local.hour % 12 or 12
        clock = f"{hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"
    else:
        clock = f"{local:%H:%M}"
    return f"{_date_text(local.date(), f, fmt)} {clock}"


def _text_of(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return instant(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "checked" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        return str(value.get("title") or value.get("name") or value.get("id") or "")
    if isinstance(value, list):
        return ", ".join(_text_of(v) for v in value)
    return "" if value is None else str(value)


def cell_string(f: FieldDef, value: Any, fmt: CellFormat) -> str:
    t = f.type.name
    if t in USER_TYPES:
        items = value if isinstance(value, list) else [value]
        return ", ".join(fmt.users.get(int(v), ("", str(v)))[1] for v in items)
    if t == "checkbox":
        return "checked" if value else ""
    if t == "date" and isinstance(value, dt.date):
        return _date_text(value, f, fmt)
    if t in INSTANT_TYPES and isinstance(value, dt.datetime):
        return _instant_text(value, f, fmt)
    if t == "attachment":
        return ", ".join(f"{a.get('name', '')} (/files/{a.get('hash', '')})" for a in value)
    if t in ("number", "currency", "percent", "duration"):
        return f.type.to_text(value)
    return _text_of(value)


def is_empty(value: Any) -> bool:
    return value is None or value is False or value == "" or value == []


def fields_out(
    schema: TableSchema,
    record: engine.Record,
    fmt: CellFormat,
    *,
    by_id: bool,
    only: set[int] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in schema.fields:
        if only is not None and f.id not in only:
            continue
        if f.id not in record.by_id:
            continue
        value = record.by_id[f.id]
        if is_empty(value):
            continue
        key = ids.encode("fld", f.id) if by_id else f.name
        out[key] = cell_string(f, value, fmt) if fmt.string else cell_json(f, value, fmt)
    return out


def record_out(
    schema: TableSchema,
    record: engine.Record,
    fmt: CellFormat,
    *,
    by_id: bool = False,
    only: set[int] | None = None,
) -> dict[str, Any]:
    return {
        "id": ids.encode("rec", record.id),
        "createdTime": instant(record.created_at),
        "fields": fields_out(schema, record, fmt, by_id=by_id, only=only),
    }


# --- writing ------------------------------------------------------------------------------------
def field_of(schema: TableSchema, key: str) -> FieldDef:
    """The field a write or a parameter names (by name or `fld…` id); Airtable's
    UNKNOWN_FIELD_NAME otherwise (a field hidden from the user is unknown too)."""
    if ids.is_id("fld", key):
        fid = ids.require("fld", key)
        for f in schema.fields:
            if f.id == fid:
                return f
    else:
        try:
            return schema.field(key)
        except NotFound:
            pass
    raise bad_request(
        f'Unknown field name: "{key}"', f"未知字段：“{key}”", airtable_type="UNKNOWN_FIELD_NAME"
    )


class Bad(ValueError):
    """One value that does not fit, said in English and Chinese."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en, self.zh = en, zh


def _record_id(value: Any) -> int:
    if isinstance(value, str) and ids.is_id("rec", value):
        return ids.require("rec", value)
    raise Bad(f"{value!r} is not a record id (rec…)", f"{value!r} 不是记录 ID（rec…）")


def _user(db: engine.Database, value: Any) -> int:
    if isinstance(value, dict):
        if isinstance(value.get("id"), str) and ids.is_id("usr", value["id"]):
            return ids.require("usr", value["id"])
        if isinstance(value.get("email"), str):
            found = db.find_user(value["email"])
            if found is not None:
                return found.id
            raise Bad(
                f"no user has the email {value['email']!r}", f"没有邮箱为 {value['email']!r} 的用户"
            )
    if isinstance(value, str) and ids.is_id("usr", value):
        return ids.require("usr", value)
    raise Bad(
        f"{value!r} is not a user ({{'id': 'usr…'}} or {{'email': …}})", f"{value!r} 不是用户"
    )


def _file(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        digest = None
        if isinstance(value.get("id"), str) and value["id"].startswith("att"):
            digest = value["id"][3:]
        elif isinstance(value.get("url"), str):
            m = _FILE_URL.search(value["url"])
            if m is None:
                raise Bad(
                    "only files stored in Tessera can be attached (upload the file first)",
                    "只能附加已存储在 Tessera 中的文件（请先上传）",
                )
            digest = m.group(1)
        if digest:
            item: dict[str, Any] = {"hash": digest}
            if isinstance(value.get("filename"), str):
                item["name"] = value["filename"]
            return item
    raise Bad(
        f"{value!r} is not an attachment ({{'id': 'att…'}} or {{'url': …}})", f"{value!r} 不是附件"
    )


_WANTED_ZH = {
    "a number": "数字",
    "true or false": "true 或 false",
    "text": "文本",
    "a list of option names": "选项名称的列表",
}


def _strict(f: FieldDef, value: Any) -> str | None:
    """What is wrong with a value's JSON type without typecast (None: nothing)."""
    t = f.type.name
    if value is None:
        return None
    if t in _NUMBERS and (isinstance(value, bool) or not isinstance(value, int | float)):
        return "a number"
    if t == "checkbox" and not isinstance(value, bool):
        return "true or false"
    if t in (*_TEXTS, "date", "datetime") and not isinstance(value, str):
        return "text"
    if t == "multiple_select" and not (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    ):
        return "a list of option names"
    return None


def fields_in(
    db: engine.Database, schema: TableSchema, raw: Any, *, typecast: bool, row: int | None = None
) -> dict[int, Any]:
    """A write's `fields` object as engine values by field id; every problem at once."""
    if not isinstance(raw, Mapping):
        raise bad_request(
            "fields must be an object",
            "fields 必须是对象",
            airtable_type="INVALID_REQUEST_MISSING_FIELDS",
        )
    out: dict[int, Any] = {}
    problems: list[Problem] = []
    for key, value in raw.items():
        f = field_of(schema, str(key))
        try:
            wrong = None if typecast else _strict(f, value)
            if wrong is not None:
                shown = repr(value)[:40]
                raise Bad(
                    f"cannot accept {shown}: it must be {wrong} (or send typecast: true)",
                    f"不能接受 {shown}：必须是{_WANTED_ZH[wrong]}（或使用 typecast: true）",
                )
            out[f.id] = convert_in(db, f, value)
        except Bad as e:
            problems.append(
                Problem(
                    "invalid_value",
                    f"Field {f.name!r} {e.en}",
                    f"字段 {f.name!r}：{e.zh}",
                    field_id=f.id,
                    field_name=f.name,
                    row=row,
                )
            )
    if problems:
        raise ValidationError(problems)
    return out


def convert_in(db: engine.Database, f: FieldDef, value: Any) -> Any:
    t = f.type.name
    if value is None:
        return None
    if t == "link":
        items = value if isinstance(value, list) else [value]
        return [_record_id(v) for v in items]
    if t == "user":
        if isinstance(value, list):
            return [_user(db, v) for v in value]
        return _user(db, value)
    if t == "attachment":
        items = value if isinstance(value, list) else [value]
        return [_file(v) for v in items]
    return value
