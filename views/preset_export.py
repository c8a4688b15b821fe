"""Exporting a base as preset data ("save as template"): fields, links from the side that made
them, computed fields with names instead of ids, saved filters, shared views, roles, dashboards
and automations, so that applying the file recreates the schema exactly."""


from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from engine import Base, Database, meta
from engine.formula import to_display
from engine.model import FieldDef, TableSchema, load_table
from engine.saved_filters import list_filters
from schemas.field import FieldSpec
from schemas.preset import (
    CONFIG_FIELD,
    CONFIG_FIELD_KEYS,
    CONFIG_FIELDS,
    Preset,
    PresetTable,
    SavedFilterSpec,
    ViewQuerySpec,
    ViewSpec,
)
from schemas.query import FilterGroup

from . import store
from .preset_automations import export_automations
from .preset_dashboards import export_dashboards
from .preset_filters import field_name, named_filter
from .preset_localize import SELECTS
from .preset_roles import export_roles


# --- exporting ---------------------------------------------------------------------------------
def export_preset(
    db: Database, base: Base | str | int, *, locale: str | None = None
) -> dict[str, Any]:
    """The base as preset data (JSON-ready): apply it to recreate the base's schema."""
    b = base if isinstance(base, Base) else db.base(base)
    with db.read() as conn:
        schemas = [load_table(conn, t.id) for t in b.tables()]
        by_id = {s.id: s for s in schemas}
        described = dict(
            conn.execute(
                select(meta.tables.c.id, meta.tables.c.description).where(
                    meta.tables.c.base_id == b.id
                )
            ).all()
        )
        tables = [_export_table(s, by_id, described.get(s.id) or "") for s in schemas]
        filters: list[SavedFilterSpec] = []
        views: list[ViewSpec] = []
        filter_names: dict[int, str] = {}
        for s in schemas:
            saved = list_filters(conn, s.id)
            names = {x.id: x.name for x in saved}
            filter_names |= names
            filters += [
                SavedFilterSpec(table=s.name, name=x.name, filter=named_filter(x.filter, s, names))
                for x in saved
            ]
            views += [
                _export_view(v, s, names)
                for v in store.list_views(conn, s.id, None)
                if v.visibility != "personal"
            ]
        roles = export_roles(conn, b.id, by_id, filter_names)
        dashboards = export_dashboards(conn, b.id, by_id, filter_names)
        automations = export_automations(conn, b.id, by_id, filter_names)
    chosen = locale or ("zh-CN" if _has_cjk(b.name, *(s.name for s in schemas)) else "en")
    preset = Preset(
        name=b.name,
        locale=chosen,
        tables=tables,
        saved_filters=filters,
        views=views,
        roles=roles,
        dashboards=dashboards,
        automations=automations,
    )
    return preset.model_dump(mode="json", exclude_defaults=True)


def _has_cjk(*texts: str) -> bool:
    return any(re.search(r"[\u3400-\u9fff]", t) for t in texts)


def _export_table(s: TableSchema, by_id: dict[int, TableSchema], description: str) -> PresetTable:
    fields: list[FieldSpec] = []
    inverse = False
    for f in s.fields:
        if f.type.name == "link" and f.type.options.side == "b":
            inverse = True
            continue
        fields.append(
            FieldSpec(
                name=f.name,
                type=f.type.name,
                options=_export_options(f, s, by_id),
                rules=f.rules.model_dump(mode="json", exclude_defaults=True),
                description=f.description,
            )
        )
    primary = s.primary
    return PresetTable(
        name=s.name,
        fields=fields,
        primary=primary.name if primary is not None else None,
        description=description,
        order=[f.name for f in s.fields] if inverse else [],
    )


def _export_options(f: FieldDef, s: TableSchema, by_id: dict[int, TableSchema]) -> dict[str, Any]:
    o = f.type.options
    name = f.type.name
    if name in SELECTS:
        return {"choices": [{"name": c.name, "color": c.color} for c in o.choices]}
    if name == "link":
        target = by_id[o.table_id]
        inv = target.field(o.inverse_field_id) if o.inverse_field_id is not None else None
        out: dict[str, Any] = {"table": target.name, "multiple": o.multiple}
        if o.role != "link":
            out["role"] = o.role
        if inv is not None:
            out["inverse_name"] = inv.name
            out["inverse_multiple"] = inv.type.options.multiple
        return out
    if name in ("lookup", "rollup", "count"):
        link = s.field(o.link_field_id)
        target = by_id[link.type.options.table_id]
        out = {"link_field": link.name}
        if name != "count":
            out["target_field"] = target.field(o.target_field_id).name
        if name == "rollup":
            out["fn"] = o.fn
            if o.separator != ", ":
                out["separator"] = o.separator
            if o.precision != 2:
                out["precision"] = o.precision
        if o.filter:
            group = FilterGroup.model_validate(o.filter)
            out["filter"] = named_filter(group, target, {}).model_dump(
                mode="json", exclude_defaults=True
            )
        return out
    if name == "formula":
        names = {x.id: x.name for x in s.fields}
        out = {"formula": to_display(o.formula, names.get)}
        if o.timezone != "UTC":
            out["timezone"] = o.timezone
        if o.precision is not None:
            out["precision"] = o.precision
        return out
    return f.type.options_dict()


def _export_view(v: Any, s: TableSchema, filters: Mapping[int, str]) -> ViewSpec:
    q = v.query
    query = ViewQuerySpec(
        filter=named_filter(q.filter, s, filters) if q.filter is not None else None,
        sorts=[x.model_copy(update={"field": field_name(s, x.field)}) for x in q.sorts],
        groups=[x.model_copy(update={"field": field_name(s, x.field)}) for x in q.groups],
    )
    raw = v.config.model_dump(mode="json", exclude_defaults=True) if v.config is not None else {}
    return ViewSpec(
        table=s.name,
        name=v.name,
        kind=v.kind,
        visibility=v.visibility,
        query=query,
        config=_config_names(raw, s),
    )


def _config_names(config: dict[str, Any], s: TableSchema) -> dict[str, Any]:
    out = dict(config)
    for key in CONFIG_FIELD:
        if out.get(key) is not None:
            out[key] = field_name(s, int(out[key]))
    for key in CONFIG_FIELDS:
        if key in out:
            out[key] = [field_name(s, int(r)) for r in out[key]]
    for key in CONFIG_FIELD_KEYS:
        if key in out:
            out[key] = {field_name(s, int(r)): x for r, x in out[key].items()}
    if "fields" in out:
        out["fields"] = [{**ff, "field": field_name(s, int(ff["field"]))} for ff in out["fields"]]
    return out
