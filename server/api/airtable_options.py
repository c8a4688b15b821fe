"""The options of a list call of the Airtable-compatible API, from the query string (`GET`) or
the body (`POST …/listRecords`), checked: page size, maxRecords, offset, view, fields, sorts,
filterByFormula, cellFormat with timeZone and userLocale, returnFieldsByFieldId."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import engine
from engine.model import TableSchema

from .airtable_values import (
    CellFormat,
    load_users,
    user_ids,
    zone_of,
)
from .errors import bad_request

MAX_PAGE = 100


# --- options ------------------------------------------------------------------------------------
@dataclass
class ListOptions:
    page_size: int = MAX_PAGE
    max_records: int | None = None
    offset: str | None = None
    view: str | None = None
    fields: list[str] | None = None
    sort: list[tuple[str, str]] = field(default_factory=list)
    formula: str | None = None
    cell_format: str = "json"
    time_zone: str | None = None
    user_locale: str | None = None
    by_field_id: bool = False


def _int(name: str, raw: Any, low: int, high: int | None = None) -> int:
    try:
        value = int(raw)
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValueError
    except (TypeError, ValueError):
        raise bad_request(f"{name} must be a whole number", f"{name} 必须是整数") from None
    if value < low or (high is not None and value > high):
        limit = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise bad_request(f"{name} must be {limit}", f"{name} 必须在 {low} 到 {high or '∞'} 之间")
    return value


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in ("1", "true", "yes", "on")


def _direction(raw: Any) -> str:
    d = str(raw or "asc").lower()
    if d not in ("asc", "desc"):
        raise bad_request(
            f"Sort direction must be asc or desc, not {raw!r}",
            f"排序方向必须是 asc 或 desc，而不是 {raw!r}",
        )
    return d


def options_from_query(params: Sequence[tuple[str, str]]) -> ListOptions:
    opts = ListOptions()
    sorts: dict[int, dict[str, str]] = {}
    fields: list[str] = []
    for key, value in params:
        if key == "pageSize":
            opts.page_size = _int("pageSize", value, 1, MAX_PAGE)
        elif key == "maxRecords":
            opts.max_records = _int("maxRecords", value, 1)
        elif key == "offset":
            opts.offset = value
        elif key == "view":
            opts.view = value
        elif key in ("fields[]", "fields"):
            fields.append(value)
        elif key == "filterByFormula":
            opts.formula = value
        elif key == "cellFormat":
            opts.cell_format = value
        elif key == "timeZone":
            opts.time_zone = value
        elif key == "userLocale":
            opts.user_locale = value
        elif key == "returnFieldsByFieldId":
            opts.by_field_id = _bool(value)
        elif key.startswith("sort["):
            parts = key[5:].rstrip("]").split("][")
            if len(parts) != 2 or not parts[0].isdecimal() or parts[1] not in ("field", "direction"):
                raise bad_request(f"Unknown parameter {key!r}", f"未知参数 {key!r}")
            sorts.setdefault(int(parts[0]), {})[parts[1]] = value
    if fields:
        opts.fields = fields
    for i in sorted(sorts):
        if "field" not in sorts[i]:
            raise bad_request(f"sort[{i}] needs a field", f"sort[{i}] 需要指定字段")
        opts.sort.append((sorts[i]["field"], _direction(sorts[i].get("direction"))))
    _check_format(opts)
    return opts


def options_from_body(data: Any, params: Sequence[tuple[str, str]]) -> ListOptions:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise bad_request("The body must be a JSON object", "请求体必须是 JSON 对象")
    # timeZone and userLocale may come in the query string, as pyairtable sends them
    opts = options_from_query([(k, v) for k, v in params if k in ("timeZone", "userLocale")])
    if "pageSize" in data:
        opts.page_size = _int("pageSize", data["pageSize"], 1, MAX_PAGE)
    if data.get("maxRecords") is not None:
        opts.max_records = _int("maxRecords", data["maxRecords"], 1)
    for key, attr in (("offset", "offset"), ("view", "view"), ("filterByFormula", "formula"),
                      ("cellFormat", "cell_format"), ("timeZone", "time_zone"),
                      ("userLocale", "user_locale")):  # fmt: skip
        if data.get(key) is not None:
            if not isinstance(data[key], str):
                raise bad_request(f"{key} must be text", f"{key} 必须是文本")
            setattr(opts, attr, data[key])
    if data.get("fields") is not None:
        if not isinstance(data["fields"], list) or not all(
            isinstance(f, str) for f in data["fields"]
        ):
            raise bad_request(
                "fields must be a list of field names or ids", "fields 必须是字段名或 ID 的列表"
            )
        opts.fields = data["fields"]
    for i, s in enumerate(data.get("sort") or []):
        if not isinstance(s, dict) or not isinstance(s.get("field"), str):
            raise bad_request(f"sort[{i}] needs a field", f"sort[{i}] 需要指定字段")
        opts.sort.append((s["field"], _direction(s.get("direction"))))
    if "returnFieldsByFieldId" in data:
        opts.by_field_id = _bool(data["returnFieldsByFieldId"])
    _check_format(opts)
    return opts


def _check_format(opts: ListOptions) -> None:
    if opts.cell_format not in ("json", "string"):
        raise bad_request(
            f"cellFormat must be json or string, not {opts.cell_format!r}",
            "cellFormat 必须是 json 或 string",
        )
    if opts.cell_format == "string" and (not opts.time_zone or not opts.user_locale):
        raise bad_request(
            "cellFormat=string needs timeZone and userLocale",
            "cellFormat=string 需要同时提供 timeZone 和 userLocale",
        )


def cell_format(
    opts: ListOptions, db: engine.Database, schema: TableSchema, records: Sequence[engine.Record]
) -> CellFormat:
    return CellFormat(
        string=opts.cell_format == "string",
        zone=zone_of(opts.time_zone),
        locale=opts.user_locale or "en-us",
        users=load_users(db, user_ids(schema, records)),
    )
