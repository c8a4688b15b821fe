"""A widget's numbers: one SQL statement per widget, through the query compiler and the
permission layer.

The table is read as the user may see it (`permissions.schema_for`): a hidden field cannot be
grouped, summed or filtered on, and a row rule limits the rows counted. The statement is a
GROUP BY over a subquery that computes each row's group keys and measure inputs (a measure's own
filter, or a period of a comparison, becomes a CASE inside it), so a number widget's value, its
rate's denominator and both periods of its comparison come from one pass over the table.

Totals of a pivot, and the "others" of a chart with a limit, are combined from the groups: sums
and counts add up, averages are carried as sum and count, minima and maxima combine; a count of
distinct values cannot be combined, and its totals are left empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    and_,
    case,
    cast,
    distinct,
    func,
    literal_column,
    select,
)

from schemas.query import Condition, FilterGroup, QuerySpec

from .. import expressions, meta, permissions
from ..errors import QueryError
from ..model import TableSchema
from ..operators import value_kind
from ..query import Compiler, QueryContext
from .buckets import Axis, axis
from .model import ChartWidget, Measure, NumberWidget, PivotWidget

MAX_GROUPS = 5000
NUMBER_KINDS = {"number"}
_PERIODS = {
    "day": ("today", "yesterday"),
    "week": ("this_week", "last_week"),
    "month": ("this_month", "last_month"),
    "year": ("this_year", "last_year"),
}


@dataclass(frozen=True)
class Label:
    key: Any
    text: str | None  # None: the group of empty values
    others: bool = False  # the groups past a chart's limit, together


@dataclass
class NumberResult:
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    previous: float | None = None
    growth: float | None = None  # (value - previous) / previous
    kind: str = "number"


@dataclass
class MatrixResult:
    """A chart's or pivot's numbers: `values[i][j]` for label i and series j (one series, j = 0,
    when the widget has none), with the totals of each label, each series and all."""

    kind: str
    labels: list[Label]
    series: list[Label]
    values: list[list[float | None]]
    label_totals: list[float | None] = field(default_factory=list)
    series_totals: list[float | None] = field(default_factory=list)
    total: float | None = None


@dataclass(frozen=True)
class _Part:
    """One group's aggregate, and what combining it with others needs (average: sum, n)."""

    value: float | None
    sum: float | None = None
    n: int = 0


def _num(v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, bool):
        return float(v)
    return v if isinstance(v, int | float) else None


def combine(fn: str, parts: Sequence[_Part]) -> _Part:
    values = [p.value for p in parts if p.value is not None]
    if fn == "count":
        return _Part(sum(values) if values else 0)
    if fn == "sum":
        return _Part(sum(values) if values else None)
    if fn == "average":
        s = sum(p.sum for p in parts if p.sum is not None)
        n = sum(p.n for p in parts)
        return _Part(s / n if n else None, s, n)
    if fn == "min":
        return _Part(min(values) if values else None)
    if fn == "max":
        return _Part(max(values) if values else None)
    return _Part(parts[0].value if len(parts) == 1 else None)  # distinct


# --- SQL ----------------------------------------------------------------------------------------
def _input(
    compiler: Compiler, m: Measure, extra: Sequence[ColumnElement[bool]] = ()
) -> ColumnElement[Any]:
    """Each row's input to the measure: NULL where the measure's own filter does not match."""
    base: ColumnElement[Any]
    if m.fn == "count" or m.field is None:
        base = literal_column("1")
    else:
        f = compiler.field(m.field)
        kind = value_kind(f.type)
        if m.fn != "distinct" and kind not in NUMBER_KINDS:
            raise QueryError(
                f"The aggregate {m.fn!r} needs a number field; {f.name!r} is {f.type.label_en}",
                f"汇总方式 {m.fn!r} 需要数字字段；{f.name!r} 是{f.type.label_zh}",
            )
        col = compiler.column(f)
        base = expressions.value(col, compiler.dialect) if m.fn == "distinct" else col
        if m.fn == "distinct" and kind == "text":
            base = func.nullif(base, "")
    conds = list(extra)
    if m.filter is not None:
        conds.append(compiler.group(m.filter))
    return case((and_(*conds), base)) if conds else base


def _outer(fn: str, col: Any, name: str) -> list[Any]:
    if fn == "count":
        return [func.count(col).label(name)]
    if fn == "sum":
        return [func.sum(col).label(name)]
    if fn == "average":
        return [
            cast(func.avg(col), Float).label(name),
            func.sum(col).label(name + "_s"),
            func.count(col).label(name + "_n"),
        ]
    if fn in ("min", "max"):
        return [getattr(func, fn)(col).label(name)]
    return [func.count(distinct(col)).label(name)]


def _part(fn: str, m: Any, name: str) -> _Part:
    if fn == "average":
        return _Part(_num(m[name]), _num(m[name + "_s"]), int(m[name + "_n"] or 0))
    return _Part(_num(m[name]))


def _compiler(
    conn: Any, table_id: int | str, ctx: QueryContext, schema: TableSchema | None
) -> Compiler:
    """The compiler over the table as the user may see it (`schema`, when the caller has it)."""
    if not isinstance(table_id, int):
        raise QueryError(f"No saved table {table_id!r}", f"没有已保存的表 {table_id!r}")
    if schema is None:
        schema = permissions.schema_for(conn, table_id, ctx.user_id)
    return Compiler(conn, schema, ctx)


def _where(compiler: Compiler, group: FilterGroup | None) -> list[ColumnElement[bool]]:
    return compiler.where(QuerySpec(filter=group), [])


# --- number ---------------------------------------------------------------------------------------
def run_number(
    conn: Any, w: NumberWidget, ctx: QueryContext, schema: TableSchema | None = None
) -> NumberResult:
    compiler = _compiler(conn, w.table, ctx, schema)
    periods: list[list[ColumnElement[bool]]] = [[]]
    if w.compare is not None:
        this, last = _PERIODS[w.compare.period]
        fid = w.compare.field
        periods = [
            [compiler.condition(Condition(field=fid, op="is", value={"relative": rel}))]
            for rel in (this, last)
        ]
    measures = [w.value] if w.ratio_of is None else [w.value, w.ratio_of]
    inner_cols = []
    for i, m in enumerate(measures):
        for p, extra in enumerate(periods):
            inner_cols.append(_input(compiler, m, extra).label(f"v{i}_{p}"))
    inner = select(*inner_cols).where(*_where(compiler, w.filter)).subquery()
    outer = []
    for i, m in enumerate(measures):
        for p in range(len(periods)):
            outer += _outer(m.fn, inner.c[f"v{i}_{p}"], f"a{i}_{p}")
    row = conn.execute(select(*outer)).one()._mapping

    def shown(p: int) -> tuple[float | None, float | None, float | None]:
        num = _part(w.value.fn, row, f"a0_{p}").value
        if w.ratio_of is None:
            return num, num, None
        den = _part(w.ratio_of.fn, row, f"a1_{p}").value
        ratio = num / den if num is not None and den else None
        return ratio, num, den

    value, numerator, denominator = shown(0)
    result = NumberResult(value, numerator, denominator)
    if w.compare is not None:
        previous = shown(1)[0]
        result.previous = previous
        if value is not None and previous:
            result.growth = (value - previous) / abs(previous)
    return result


# --- charts and pivots ----------------------------------------------------------------------------
def run_matrix(
    conn: Any,
    w: ChartWidget | PivotWidget,
    ctx: QueryContext,
    zone: str,
    schema: TableSchema | None = None,
) -> MatrixResult:
    compiler = _compiler(conn, w.table, ctx, schema)
    if isinstance(w, ChartWidget):
        dims = [w.group] + ([w.series] if w.series is not None else [])
    else:
        dims = [w.rows] + ([w.columns] if w.columns is not None else [])
    axes = [axis(compiler, d, zone) for d in dims]
    fn = w.value.fn
    inner = (
        select(
            *(a.key.label(f"k{i}") for i, a in enumerate(axes)),
            _input(compiler, w.value).label("v"),
        )
        .where(*_where(compiler, w.filter))
        .subquery()
    )
    keys = [inner.c[f"k{i}"] for i in range(len(axes))]
    stmt = select(*keys, *_outer(fn, inner.c.v, "a")).group_by(*keys).limit(MAX_GROUPS + 1)
    rows = conn.execute(stmt).all()
    if len(rows) > MAX_GROUPS:
        raise QueryError(
            f"Too many groups (over {MAX_GROUPS}): group by a date period or number ranges",
            f"分组太多（超过 {MAX_GROUPS} 个）：请按时间段或数值区间分组",
        )
    cells: dict[tuple[Any, Any], _Part] = {}
    for r in rows:
        m = r._mapping
        series_key = m["k1"] if len(axes) > 1 else None
        cells[(m["k0"], series_key)] = _part(fn, m, "a")
    names = _user_names(conn, axes, cells)
    x_axis = axes[0]
    x_keys = sorted({k for k, _ in cells}, key=lambda k: (k is None, x_axis.order(k)))
    s_keys: list[Any] = [None]
    if len(axes) > 1:
        s_axis = axes[1]
        s_keys = sorted({s for _, s in cells}, key=lambda k: (k is None, s_axis.order(k)))

    def row_total(k: Any) -> _Part:
        return combine(fn, [cells[(k, s)] for s in s_keys if (k, s) in cells])

    if isinstance(w, ChartWidget) and w.sort == "value":
        x_keys.sort(key=lambda k: (row_total(k).value is None, row_total(k).value or 0))
    if isinstance(w, ChartWidget) and w.direction == "desc":
        x_keys.reverse()
    labels = [Label(k, _text(x_axis, k, names)) for k in x_keys]
    grid = [[cells.get((k, s)) for s in s_keys] for k in x_keys]
    if isinstance(w, ChartWidget) and w.limit is not None and len(x_keys) > w.limit:
        rest = grid[w.limit :]
        others: list[_Part | None] = [
            combine(fn, [p for r in rest if (p := r[j]) is not None]) for j in range(len(s_keys))
        ]
        labels = [*labels[: w.limit], Label(None, None, others=True)]
        grid = [*grid[: w.limit], others]
    series = [] if len(axes) == 1 else [Label(s, _text(axes[1], s, names)) for s in s_keys]
    parts = [p for r in grid for p in r if p is not None]
    return MatrixResult(
        kind=w.kind,
        labels=labels,
        series=series,
        values=[[None if p is None else p.value for p in r] for r in grid],
        label_totals=[combine(fn, [p for p in r if p is not None]).value for r in grid],
        series_totals=[
            combine(fn, [p for r in grid if (p := r[j]) is not None]).value
            for j in range(len(s_keys))
        ],
        total=combine(fn, parts).value,
    )


def _text(a: Axis, key: Any, names: dict[int, str]) -> str | None:
    if a.kind == "user" and key is not None:
        return names.get(int(key), f"#{key}")
    return a.label(key)


def _user_names(
    conn: Any, axes: Sequence[Axis], cells: dict[tuple[Any, Any], _Part]
) -> dict[int, str]:
    ids: set[int] = set()
    for i, a in enumerate(axes):
        if a.kind == "user":
            ids |= {int(k[i]) for k in cells if k[i] is not None}
    if not ids:
        return {}
    u = meta.users
    rows = conn.execute(select(u.c.id, u.c.name).where(u.c.id.in_(sorted(ids)))).all()
    return {int(r.id): str(r.name) for r in rows}
