"""The widget form: its fields as plain strings, read from a widget (to edit it) and turned into
the widget the engine checks (`engine.dashboards`). The chart's group and series are the
pivot's rows and columns; a measure's own filters are the table's shared saved filters (the
widget's filter comes from the form's filter builder, `server/filters.py` `from_form`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.dashboards import ChartWidget, NumberWidget, Widget
from engine.dashboards.buckets import GROUPABLE
from engine.dashboards.model import KINDS, Dimension
from engine.model import TableSchema
from engine.operators import value_kind

FNS = ("count", "sum", "average", "min", "max", "distinct")
BUCKETS = ("day", "week", "month", "quarter", "year")
PERIODS = ("day", "week", "month", "year")
FORMATS = ("number", "percent", "currency")
FIELDS = [
    "title",
    "table",
    "kind",
    "width",
    "group_field",
    "group_bucket",
    "group_edges",
    "series_field",
    "series_bucket",
    "fn",
    "value_field",
    "value_filter",
    "ratio_fn",
    "ratio_field",
    "ratio_filter",
    "compare_field",
    "period",
    "format",
    "precision",
    "stacked",
    "donut",
    "sort",
    "desc",
    "limit",
]


def empty_form() -> dict[str, str]:
    return {name: "" for name in FIELDS} | {"kind": "bar", "width": "1", "fn": "count"}


def read_form(form: Mapping[str, Any]) -> dict[str, str]:
    out = empty_form()
    for name in FIELDS:
        value = form.get(name)
        if isinstance(value, str):
            out[name] = value.strip()
    return out


def _saved(group: Any) -> str:
    """The saved filter a stored filter group is (`{"items": [{"saved_filter": id}]}`), or ''."""
    if group is None:
        return ""
    items = group.items
    if len(items) == 1 and hasattr(items[0], "saved_filter"):
        return str(items[0].saved_filter)
    return ""


def _dim(values: dict[str, str], prefix: str, d: Dimension | None) -> None:
    if d is None:
        return
    values[f"{prefix}_field"] = str(d.field)
    values[f"{prefix}_bucket"] = d.bucket or ""
    if prefix == "group" and d.edges:
        values["group_edges"] = ", ".join(f"{e:g}" for e in d.edges)


def form_of(widget: Widget) -> dict[str, str]:
    v = empty_form()
    v |= {
        "title": widget.title,
        "table": str(widget.table),
        "kind": widget.kind,
        "width": str(widget.width),
        "fn": widget.value.fn,
        "value_field": "" if widget.value.field is None else str(widget.value.field),
        "value_filter": _saved(widget.value.filter),
    }
    if isinstance(widget, NumberWidget):
        v |= {"format": widget.format, "precision": str(widget.precision)}
        if widget.ratio_of is not None:
            r = widget.ratio_of
            v |= {"ratio_fn": r.fn, "ratio_field": "" if r.field is None else str(r.field)}
            v["ratio_filter"] = _saved(r.filter)
        if widget.compare is not None:
            v |= {"compare_field": str(widget.compare.field), "period": widget.compare.period}
    elif isinstance(widget, ChartWidget):
        _dim(v, "group", widget.group)
        _dim(v, "series", widget.series)
        v |= {
            "stacked": "1" if widget.stacked else "",
            "donut": "1" if widget.donut else "",
            "sort": widget.sort,
            "desc": "1" if widget.direction == "desc" else "",
            "limit": "" if widget.limit is None else str(widget.limit),
        }
    else:
        _dim(v, "group", widget.rows)
        _dim(v, "series", widget.columns)
    return v


def _int(text: str) -> int | str:
    return int(text) if text.isdecimal() else text


def _filter(saved: str) -> dict[str, Any] | None:
    return {"items": [{"saved_filter": int(saved)}]} if saved.isdecimal() else None


def _edges(text: str) -> list[Any] | None:
    parts = [p for p in text.replace("，", ",").replace("、", ",").split(",") if p.strip()]
    if not parts:
        return None
    out: list[Any] = []
    for p in parts:
        try:
            out.append(float(p))
        except ValueError:
            out.append(p.strip())  # the engine names the value that is not a number
    return out


def _measure(fn: str, field: str, saved: str) -> dict[str, Any]:
    m: dict[str, Any] = {"fn": fn or "count"}
    if field and m["fn"] != "count":
        m["field"] = _int(field)
    if _filter(saved):
        m["filter"] = _filter(saved)
    return m


def widget_of(v: dict[str, str]) -> dict[str, Any]:
    """The widget the form describes, as data for the engine to check."""
    kind = v["kind"] if v["kind"] in KINDS else "bar"
    w: dict[str, Any] = {
        "kind": kind,
        "title": v["title"],
        "table": _int(v["table"]),
        "width": _int(v["width"] or "1"),
        "value": _measure(v["fn"], v["value_field"], v["value_filter"]),
    }
    if kind == "number":
        w["format"] = v["format"] or "number"
        w["precision"] = _int(v["precision"] or "0")
        if v["ratio_fn"]:
            w["ratio_of"] = _measure(v["ratio_fn"], v["ratio_field"], v["ratio_filter"])
        if v["compare_field"]:
            w["compare"] = {"field": _int(v["compare_field"]), "period": v["period"] or "week"}
        return w
    group: dict[str, Any] = {"field": _int(v["group_field"])}
    if v["group_bucket"]:
        group["bucket"] = v["group_bucket"]
    edges = _edges(v["group_edges"])
    if edges:
        group["edges"] = edges
    series: dict[str, Any] | None = None
    if v["series_field"] and kind != "pie":
        series = {"field": _int(v["series_field"])}
        if v["series_bucket"]:
            series["bucket"] = v["series_bucket"]
    if kind == "pivot":
        return w | {"rows": group, "columns": series}
    w |= {"group": group, "series": series, "sort": v["sort"] or "label"}
    w |= {"stacked": bool(v["stacked"]), "donut": bool(v["donut"])}
    w["direction"] = "desc" if v["desc"] else "asc"
    if v["limit"]:
        w["limit"] = _int(v["limit"])
    return w


def field_choices(schema: TableSchema) -> dict[str, list[tuple[int, str]]]:
    """The table's fields each select of the form offers: groupable, numeric, dates."""
    kinds = {f.id: value_kind(f.type) for f in schema.fields}
    return {
        "group": [(f.id, f.name) for f in schema.fields if kinds[f.id] in GROUPABLE],
        "number": [(f.id, f.name) for f in schema.fields if kinds[f.id] == "number"],
        "date": [(f.id, f.name) for f in schema.fields if kinds[f.id] in ("date", "datetime")],
        "all": [(f.id, f.name) for f in schema.fields],
    }
