"""Checking a view before it is saved: its query compiles against the table, every field its
presentation names exists and fits the role it is given, and what it sorts and filters on is
indexed. A view that does not fit is a SchemaError, raised before anything is written.

What is checked is what is being saved: renaming a view does not re-check a config that a field
deletion has since left stale (reading a view skips fields that are gone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection

from engine.aggregates import aggregate_columns
from engine.errors import NotFound, QueryError, SchemaError
from engine.fields.choice import SingleSelectType
from engine.indexes import ensure_indexes
from engine.model import FieldDef, TableSchema
from engine.operators import value_kind
from engine.query import Compiler, QueryContext
from engine.saved_filters import condition_fields, with_field_ids
from schemas.query import Aggregate, QuerySpec

from .model import (
    CalendarConfig,
    CardConfig,
    FormConfig,
    FormField,
    GridConfig,
    KanbanConfig,
    ViewQuery,
)

STACK_KINDS = {"select", "user"}  # single select, one user
DATE_KINDS = {"date", "datetime"}


def invalid(what_en: str, what_zh: str, detail: str, detail_zh: str | None = None) -> SchemaError:
    return SchemaError(
        f"Invalid view {what_en}: {detail}", f"视图{what_zh}无效：{detail_zh or detail}"
    )


def field_of(schema: TableSchema, ref: int | str, what_en: str, what_zh: str) -> FieldDef:
    try:
        return schema.field(ref)
    except NotFound as e:
        raise invalid(what_en, what_zh, e.message_en, e.message_zh) from None


def _role(
    schema: TableSchema, ref: int | str, what_en: str, what_zh: str, kinds: set[str]
) -> FieldDef:
    f = field_of(schema, ref, what_en, what_zh)
    if value_kind(f.type) not in kinds:
        raise SchemaError(
            f"{f.name!r} ({f.type.label_en}) cannot be the {what_en} of this view",
            f"{f.name!r}（{f.type.label_zh}）不能作为此视图的{what_zh}",
        )
    return f


def _first(schema: TableSchema, kinds: set[str], *, writable: bool) -> int | None:
    for f in schema.fields:
        if value_kind(f.type) in kinds and not (writable and f.type.read_only):
            return f.id
    return None


def check_query(conn: Connection, schema: TableSchema, query: ViewQuery) -> ViewQuery:
    """The query compiled once against the table, returned with every field named by id."""
    try:
        spec = QuerySpec(
            filter=with_field_ids(schema, query.filter) if query.filter is not None else None,
            sorts=[s.model_copy(update={"field": schema.field(s.field).id}) for s in query.sorts],
            groups=[g.model_copy(update={"field": schema.field(g.field).id}) for g in query.groups],
        )
        compiler = Compiler(conn, schema, QueryContext(user_id=0))
        compiler.where(spec, [])
        compiler.order_keys(spec)
    except (QueryError, NotFound) as e:
        raise invalid("query", "查询", e.message_en, e.message_zh) from None
    return ViewQuery(filter=spec.filter, sorts=spec.sorts, groups=spec.groups)


def check_config(conn: Connection, schema: TableSchema, kind: str, config: Any) -> Any:
    """The config checked against the table, with the kanban stack and calendar date field
    chosen when none is given (the first field that fits, as Airtable does)."""
    if isinstance(config, GridConfig | CardConfig | CalendarConfig):
        refs = [*config.hidden, *config.order]
        if isinstance(config, GridConfig):
            refs += [*config.widths, *config.summaries]
        if isinstance(config, CardConfig | CalendarConfig):
            refs += config.card_fields
        for ref in refs:
            field_of(schema, ref, "field", "字段")
    if isinstance(config, GridConfig) and config.summaries:
        aggs = [Aggregate(field=fid, fn=fn) for fid, fn in config.summaries.items()]
        try:
            aggregate_columns(Compiler(conn, schema, QueryContext()), aggs)
        except QueryError as e:
            raise invalid("summary", "汇总", e.message_en, e.message_zh) from None
    if isinstance(config, CardConfig) and config.cover_field is not None:
        _role(schema, config.cover_field, "cover", "封面", {"attachment"})
    if isinstance(config, KanbanConfig):
        config = _kanban(schema, config)
    if isinstance(config, CalendarConfig):
        config = _calendar(schema, config)
    if isinstance(config, FormConfig):
        _form(schema, config)
    return config


def _kanban(schema: TableSchema, config: KanbanConfig) -> KanbanConfig:
    if config.stack_field is None:
        found = _first(schema, STACK_KINDS, writable=True)
        if found is None:
            raise SchemaError(
                "A kanban view needs a single select or user field to stack by",
                "看板视图需要一个单选或人员字段作为分组依据",
            )
        config = config.model_copy(update={"stack_field": found})
    assert config.stack_field is not None
    f = _role(schema, config.stack_field, "stack field", "分组字段", STACK_KINDS)
    if f.type.read_only:
        raise SchemaError(
            f"{f.name!r} is set by Tessera; cards could not move between its stacks",
            f"{f.name!r} 由系统设置，卡片无法在其分组间移动",
        )
    options = set(f.type.choice_names()) if isinstance(f.type, SingleSelectType) else None
    for key in [*config.stack_order, *config.collapsed]:
        fits = key == "" or (key in options if options is not None else key.isdecimal())
        if not fits:
            raise invalid(
                "stack",
                "分组",
                f"{key!r} is not a stack of {f.name!r}",
                f"{key!r} 不是 {f.name!r} 的分组",
            )
    return config


def _calendar(schema: TableSchema, config: CalendarConfig) -> CalendarConfig:
    if config.date_field is None:
        found = _first(schema, DATE_KINDS, writable=False)
        if found is None:
            raise SchemaError(
                "A calendar view needs a date or date-time field", "日历视图需要一个日期字段"
            )
        config = config.model_copy(update={"date_field": found})
    assert config.date_field is not None
    start = _role(schema, config.date_field, "date field", "日期字段", DATE_KINDS)
    if config.end_field is not None:
        end = _role(schema, config.end_field, "end date field", "结束日期字段", DATE_KINDS)
        if end.id == start.id:
            raise invalid(
                "end date field",
                "结束日期字段",
                "it is the start date field too",
                "它也是开始日期字段",
            )
    return config


def _form(schema: TableSchema, config: FormConfig) -> None:
    on_form: set[int] = set()
    for ff in config.fields:
        f = field_of(schema, ff.field, "form field", "表单字段")
        if f.type.read_only:
            raise SchemaError(
                f"{f.name!r} is computed and cannot be on a form",
                f"{f.name!r} 由系统计算，不能放在表单中",
            )
        on_form.add(f.id)
    for f in schema.fields:
        if f.rules.required and f.rules.default is None and f.id not in on_form:
            raise SchemaError(
                f"{f.name!r} is required, so the form must ask for it",
                f"{f.name!r} 是必填字段，表单中必须包含它",
            )


def default_form(schema: TableSchema) -> list[FormField]:
    """A new form asks for every field a person can fill in, in the table's order."""
    return [
        FormField(field=f.id, required=f.rules.required)
        for f in schema.fields
        if not f.type.read_only
    ]


def index_view(
    conn: Connection, schema: TableSchema, query: ViewQuery | None, config: BaseModel | None
) -> None:
    """Index what a view filters, sorts, groups, stacks and dates by, and the primary field."""
    refs: list[int | str] = []
    if schema.primary_field_id is not None:
        refs.append(schema.primary_field_id)
    if query is not None:
        refs += [s.field for s in query.sorts] + [g.field for g in query.groups]
        refs += condition_fields(conn, query.filter)
    if isinstance(config, KanbanConfig) and config.stack_field is not None:
        refs.append(config.stack_field)
    if isinstance(config, CalendarConfig) and config.date_field is not None:
        refs.append(config.date_field)
    ensure_indexes(conn, schema, _fields(schema, refs))


def _fields(schema: TableSchema, refs: Iterable[int | str]) -> list[FieldDef]:
    out: list[FieldDef] = []
    for ref in refs:
        try:
            out.append(schema.field(ref))
        except NotFound:
            continue  # a field deleted since: nothing to index
    return out


_FIELD_KEYS = ("stack_field", "cover_field", "date_field", "end_field")
_FIELD_LISTS = ("hidden", "order", "card_fields")


def config_with_ids(schema: TableSchema, config: Any) -> Any:
    """A config given as a mapping, with field names turned into ids (unknown names are left
    for the view check to refuse)."""
    if not isinstance(config, Mapping):
        return config

    def fid(ref: Any) -> Any:
        if isinstance(ref, str):
            try:
                return schema.field(ref).id
            except NotFound:
                return ref
        return ref

    out = dict(config)
    for key in _FIELD_KEYS:
        if key in out:
            out[key] = fid(out[key])
    for key in _FIELD_LISTS:
        if isinstance(out.get(key), Sequence):
            out[key] = [fid(r) for r in out[key]]
    for key in ("widths", "summaries"):
        if isinstance(out.get(key), Mapping):
            out[key] = {fid(k): v for k, v in out[key].items()}
    if isinstance(out.get("fields"), Sequence):
        out["fields"] = [
            {**ff, "field": fid(ff.get("field"))} if isinstance(ff, Mapping) else ff
            for ff in out["fields"]
        ]
    return out
