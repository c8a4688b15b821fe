"""An automation checked against its base: every table, field, filter, template, user and role it
names exists and fits, and every reference becomes an id. Errors say which part is wrong, in
English and Chinese."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Connection, select

from schemas.query import FilterGroup

from .. import meta, permissions, roles
from ..dates import Clock
from ..errors import NotFound, QueryError, SchemaError, TesseraError, ValueProblem
from ..model import FieldDef, TableSchema, load_table
from ..names import name_key
from ..query import Compiler, QueryContext
from ..saved_filters import with_field_ids
from . import templates
from .model import (
    Action,
    AutomationSpec,
    CreateRecord,
    FieldValue,
    Notify,
    RecordUpdated,
    Scheduled,
    Trigger,
    UpdateRecord,
    Webhook,
)

USER_TYPES = ("user", "created_by", "last_modified_by")
DATE_TYPES = ("date", "datetime")


def parse(raw: AutomationSpec | dict[str, Any]) -> AutomationSpec:
    """A definition, checked for shape; a SchemaError (not Pydantic's) when it is wrong."""
    if isinstance(raw, AutomationSpec):
        return raw
    try:
        return AutomationSpec.model_validate(raw)
    except PydanticValidationError as e:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'automation'}: {err['msg']}"
            for err in e.errors()
        )
        raise SchemaError(
            f"Invalid automation: {detail}", f"自动化流程的定义无效：{detail}"
        ) from None


def _in(where_en: str, where_zh: str, e: TesseraError) -> SchemaError:
    return SchemaError(f"{where_en}: {e.message_en}", f"{where_zh}：{e.message_zh}")


def table_of(conn: Connection, base_id: int, ref: int | str) -> TableSchema:
    t = meta.tables
    cond = t.c.id == ref if isinstance(ref, int) else t.c.name_key == name_key(str(ref).strip())
    found = conn.execute(
        select(t.c.id).where(t.c.base_id == base_id, t.c.trashed_at.is_(None), cond)
    ).scalar()
    if found is None:
        raise SchemaError(f"No table {ref!r} in this base", f"此库中没有表 {ref!r}")
    return load_table(conn, int(found))


def _field(schema: TableSchema, ref: int | str, where_en: str, where_zh: str) -> FieldDef:
    try:
        return schema.field(ref)
    except NotFound as e:
        raise _in(where_en, where_zh, e) from None


def check_filter(
    conn: Connection, schema: TableSchema, group: FilterGroup | None, owner: int | None
) -> dict[str, Any] | None:
    if group is None:
        return None
    try:
        ids = with_field_ids(schema, group)
        Compiler(conn, schema, QueryContext(user_id=owner, clock=Clock())).group(ids)
    except (QueryError, NotFound) as e:
        raise _in("Trigger filter", "触发条件的筛选", e) from None
    return ids.model_dump(mode="json", exclude_defaults=True)


def check_trigger(
    conn: Connection, base_id: int, trigger: Trigger, owner: int | None
) -> tuple[TableSchema, dict[str, Any]]:
    schema = table_of(conn, base_id, trigger.table)
    out: dict[str, Any] = {"kind": trigger.kind, "table": schema.id}
    flt = check_filter(conn, schema, trigger.filter, owner)
    if flt is not None:
        out["filter"] = flt
    if isinstance(trigger, RecordUpdated) and trigger.fields:
        out["fields"] = [_field(schema, f, "Trigger", "触发条件").id for f in trigger.fields]
    if isinstance(trigger, Scheduled):
        zone = trigger.timezone
        if zone is not None:
            try:
                Clock(timezone=zone).zone  # noqa: B018 - checks the name
            except QueryError as e:
                raise _in("Trigger", "触发条件", e) from None
        out |= trigger.model_dump(
            mode="json",
            include={"at", "every_hours", "timezone", "once_per_days"},
            exclude_none=True,
        )
    return schema, out


def _where(i: int, what_en: str, what_zh: str) -> tuple[str, str]:
    return f"Action {i + 1} ({what_en})", f"第 {i + 1} 个动作（{what_zh}）"


def _value(
    source: TableSchema, target: TableSchema, fv: FieldValue, where: tuple[str, str]
) -> dict[str, Any]:
    w_en, w_zh = where
    f = _field(target, fv.field, w_en, w_zh)
    if f.type.read_only:
        raise SchemaError(
            f"{w_en}: {f.name!r} is computed by Tessera and cannot be written",
            f"{w_zh}：{f.name!r} 由系统计算，不能写入",
        )
    out: dict[str, Any] = {"field": f.id}
    kind = fv.source
    if kind == "value":
        try:
            f.type.normalize(fv.value)
        except ValueProblem as p:
            raise SchemaError(
                f"{w_en}: {f.name!r}: {p.message_en}", f"{w_zh}：{f.name!r}：{p.message_zh}"
            ) from None
        out["value"] = fv.value
    elif kind == "template":
        assert fv.template is not None
        out["template"] = templates.to_ids(fv.template, source, w_en)
    elif kind == "copy":
        assert fv.copy_from is not None
        out["copy"] = _field(source, fv.copy_from, w_en, w_zh).id
    elif kind == "trigger_record":
        if f.type.name != "link" or f.type.options.table_id != source.id:
            raise SchemaError(
                f"{w_en}: {f.name!r} is not a link to table {source.name!r}, so it cannot be "
                "set to the trigger record",
                f"{w_zh}：{f.name!r} 不是关联到表 {source.name!r} 的字段，不能设为触发记录",
            )
        out["trigger_record"] = True
    else:
        if f.type.name not in DATE_TYPES:
            raise SchemaError(
                f"{w_en}: {f.name!r} is not a date, so it cannot be set to today",
                f"{w_zh}：{f.name!r} 不是日期字段，不能设为今天",
            )
        out["today"] = fv.today
    return out


def check_action(
    conn: Connection, base_id: int, source: TableSchema, i: int, action: Action
) -> dict[str, Any]:
    if isinstance(action, CreateRecord):
        where = _where(i, "create a record", "新建记录")
        try:
            target = table_of(conn, base_id, action.table)
        except SchemaError as e:
            raise _in(*where, e) from None
        values = [_value(source, target, v, where) for v in action.values]
        return {"kind": action.kind, "table": target.id, "values": values}
    if isinstance(action, UpdateRecord):
        where = _where(i, "update records", "更新记录")
        target = source
        out: dict[str, Any] = {"kind": action.kind}
        if action.link is not None:
            link = _field(source, action.link, *where)
            if link.type.name != "link":
                raise SchemaError(
                    f"{where[0]}: {link.name!r} is not a link field",
                    f"{where[1]}：{link.name!r} 不是关联字段",
                )
            target = load_table(conn, link.type.options.table_id)
            out["link"] = link.id
        out["values"] = [_value(source, target, v, where) for v in action.values]
        return out
    if isinstance(action, Notify):
        return _notify(conn, base_id, source, i, action)
    assert isinstance(action, Webhook)
    return {"kind": action.kind, **action.model_dump(include={"url", "timeout", "retries"})}


def _notify(
    conn: Connection, base_id: int, source: TableSchema, i: int, action: Notify
) -> dict[str, Any]:
    w_en, w_zh = _where(i, "notify", "发送通知")
    fields = []
    for ref in action.user_fields:
        f = _field(source, ref, w_en, w_zh)
        element = getattr(f.type.options, "element_type", None)
        if f.type.name not in USER_TYPES and element not in USER_TYPES:
            raise SchemaError(
                f"{w_en}: {f.name!r} holds no users", f"{w_zh}：字段 {f.name!r} 中没有成员"
            )
        fields.append(f.id)
    keys = []
    for ref in action.roles:
        try:
            keys.append(roles.find_role(conn, base_id, ref))
        except NotFound as e:
            raise _in(w_en, w_zh, e) from None
    for uid in action.users:
        if permissions.role_of(conn, uid, base_id) is None:
            raise SchemaError(
                f"{w_en}: user {uid} is not a member of this base",
                f"{w_zh}：用户 {uid} 不是此库的成员",
            )
    return {
        "kind": action.kind,
        "users": list(action.users),
        "user_fields": fields,
        "roles": keys,
        "message": templates.to_ids(action.message, source, w_en),
    }


def check(
    conn: Connection, base_id: int, spec: AutomationSpec, owner: int | None
) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
    """(trigger table id, stored trigger, stored actions) of a definition, or a SchemaError."""
    source, trigger = check_trigger(conn, base_id, spec.trigger, owner)
    actions = [check_action(conn, base_id, source, i, a) for i, a in enumerate(spec.actions)]
    return source.id, trigger, actions
