"""The stored options of lookup, rollup, count and formula fields, made from what users give.

Users name fields and tables; the options keep ids (so renames break nothing) and the result type
(so the column type is known), and a filter names its fields by id (so the dependency graph knows
what it reads). `recheck` reads stored options again after a field they read changed type.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from . import computed
from .errors import QueryError, SchemaError
from .fields import field_type
from .fields.relational import ComputedType
from .formula import FormulaError
from .model import FieldDef, TableSchema, load_table


def link_of(table: TableSchema, ref: Any) -> FieldDef:
    f = table.field(ref)
    if f.type.name != "link":
        raise SchemaError(f"{f.name!r} is not a link field", f"{f.name!r} 不是关联字段")
    return f


def _filter(conn: Connection, target: TableSchema, raw: Any) -> dict[str, Any]:
    """A condition on the linked table, checked now and stored with field ids."""
    from schemas.query import FilterGroup, SavedFilterRef

    from .query import Compiler, QueryContext
    from .saved_filters import parse_filter, with_field_ids

    def refs(group: FilterGroup) -> bool:
        return any(
            isinstance(i, SavedFilterRef) or (isinstance(i, FilterGroup) and refs(i))
            for i in group.items
        )

    try:
        group = with_field_ids(target, parse_filter(raw))
        if refs(group):
            raise SchemaError(
                "The condition of a computed field cannot use a saved filter; write the "
                "conditions out",
                "计算字段的条件不能引用已保存的筛选，请直接写出条件",
            )
        Compiler(conn, target, QueryContext()).group(group)  # a bad condition is refused now
    except QueryError as e:
        raise SchemaError(e.message_en, e.message_zh) from None
    return group.model_dump(mode="json")


def _ref(opts: dict[str, Any], key: str) -> str | int:
    """A field named by `key` (a name or an id) or by `<key>_id`."""
    ref = opts.get(key, opts.get(f"{key}_id"))
    if isinstance(ref, bool) or not isinstance(ref, str | int):
        raise SchemaError(f"Option {key!r} must name a field", f"选项 {key!r} 必须指定一个字段")
    return ref


def relation_options(
    conn: Connection, table: TableSchema, kind: str, opts: dict[str, Any]
) -> dict[str, Any]:
    """Stored options of a lookup, rollup or count field of `table`."""
    link = link_of(table, _ref(opts, "link_field"))
    target = load_table(conn, link.type.options.table_id)
    out: dict[str, Any] = {"link_field_id": link.id}
    if opts.get("filter") is not None:
        out["filter"] = _filter(conn, target, opts["filter"])
        for fid in computed.filter_fields(out["filter"]):
            _not_volatile(target.field(fid))
    if kind == "count":
        return dict(field_type("count", out).options_dict())
    x = target.field(_ref(opts, "target_field"))
    _not_volatile(x)
    out["target_field_id"] = x.id
    if kind == "lookup":
        out["element_type"] = element_type(x)
        return dict(field_type("lookup", out).options_dict())
    fn = opts.get("fn", "sum")
    out["fn"] = fn
    for key in ("separator", "precision"):
        if key in opts:
            out[key] = opts[key]
    field_type("rollup", out)  # an unknown fn is refused before its result is worked out
    out["result_type"] = rollup_result(fn, x)
    return dict(field_type("rollup", out).options_dict())


def _not_volatile(x: FieldDef) -> None:
    """A formula of the current time is computed when read, so nothing stored can read it."""
    if computed.is_volatile(x):
        raise SchemaError(
            f"{x.name!r} uses the current time (TODAY() or NOW()) and is computed when read, so "
            "lookups, rollups and conditions of other fields cannot use it",
            f"{x.name!r} 使用当前时间（TODAY() 或 NOW()），在读取时计算，不能被查找引用、汇总或用作条件",
        )


def element_type(x: FieldDef) -> str:
    """The type of the items a lookup of `x` holds: a lookup of a lookup holds its items."""
    if x.type.name == "lookup":
        return str(x.type.options.element_type)
    if isinstance(x.type, ComputedType):  # the type of a plain field of the same values
        kinds = {"number": "number", "boolean": "checkbox", "date": "date", "datetime": "datetime"}
        return kinds.get(x.type.result, "text")
    return x.type.name


def rollup_result(fn: str, x: FieldDef) -> str:
    element = computed.formula_type(x)
    if fn in ("sum", "average"):
        if element != "number":
            raise SchemaError(
                f"Cannot {fn} the values of {x.name!r} ({x.type.label_en}): they are not numbers",
                f"无法对 {x.name!r}（{x.type.label_zh}）求{'和' if fn == 'sum' else '平均值'}：它们不是数字",
            )
        return "number"
    if fn in ("count", "count_filled", "count_unique"):
        return "number"
    if fn in ("earliest", "latest"):
        if element not in ("date", "datetime"):
            raise SchemaError(
                f"{x.name!r} holds no dates, so it has no earliest or latest",
                f"{x.name!r} 不是日期，无法取最早或最晚",
            )
        return element
    if fn in ("min", "max"):
        if element not in ("number", "date", "datetime"):
            raise SchemaError(
                f"{x.name!r} holds neither numbers nor dates", f"{x.name!r} 既不是数字也不是日期"
            )
        return element
    if fn in ("and", "or"):
        return "boolean"
    if fn == "array_join":
        return "text"
    if fn == "array_unique":
        return "array"
    return element if element in ("number", "text", "date", "datetime", "boolean") else "text"


def formula_options(table: TableSchema, opts: dict[str, Any]) -> dict[str, Any]:
    """Stored options of a formula field of `table`: fields by id, result type, volatility."""
    from .formula import FieldInfo, parse, parse_stored

    text = opts.get("formula")
    if not isinstance(text, str) or not text.strip():
        raise SchemaError("A formula field needs a formula", "公式字段需要填写公式")

    def by_name(name: str) -> FieldInfo | None:
        try:
            f = table.field(name)
        except Exception:
            return None
        return FieldInfo(f.id, f.name, computed.formula_type(f))

    def by_id(fid: int) -> FieldInfo | None:
        for f in table.fields:
            if f.id == fid:
                return FieldInfo(f.id, f.name, computed.formula_type(f))
        return None

    formula = parse_stored(text, by_id) if "{fld:" in text else parse(text, by_name)
    # a formula of a formula of the current time changes with the time too
    reads_volatile = any(
        computed.is_volatile(f) for f in table.fields if f.id in formula.references
    )
    out = {
        "formula": formula.stored,
        "result_type": str(formula.result_type),
        "volatile": bool(formula.volatile) or reads_volatile,
        "timezone": opts.get("timezone", "UTC"),
    }
    if opts.get("precision") is not None:
        out["precision"] = opts["precision"]
    return dict(field_type("formula", out).options_dict())


def computed_options(
    conn: Connection, table: TableSchema, kind: str, opts: dict[str, Any]
) -> dict[str, Any]:
    if kind == "formula":
        return formula_options(table, opts)
    if kind in ("lookup", "rollup", "count"):
        return relation_options(conn, table, kind, opts)
    raise SchemaError(f"{kind!r} is not a computed type", f"{kind!r} 不是计算类型")


def recheck(conn: Connection, table: TableSchema, f: FieldDef) -> dict[str, Any]:
    """`f`'s options made again from its stored options, with the current types of the fields
    it reads; a SchemaError if they no longer fit, or if its result type would change."""
    old = f.type.options_dict()
    try:
        new = computed_options(conn, table, f.type.name, dict(old))
    except (SchemaError, FormulaError) as e:
        raise SchemaError(
            f"{f.name!r} would no longer work: {e.message_en}",
            f"{f.name!r} 将无法计算：{e.message_zh}",
        ) from None
    if new.get("result_type") != old.get("result_type"):
        raise SchemaError(
            f"{f.name!r} would change its type; change or delete it first",
            f"{f.name!r} 的类型会改变；请先修改或删除它",
        )
    return new


__all__ = ["computed_options", "link_of", "recheck", "rollup_result"]
