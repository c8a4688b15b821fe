"""A widget's numbers as the page shows them: a KPI's formatted value and growth, a chart's
Chart.js configuration (JSON the page's script hands to Chart.js as it is), and the data table
under every chart and pivot."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from engine.dashboards import ChartWidget, NumberWidget, WidgetData
from engine.dashboards.compute import Label, MatrixResult, NumberResult

from .i18n import Translator

PALETTE = (
    "#3370ff",
    "#34c724",
    "#ff8800",
    "#7f3bf5",
    "#f54a45",
    "#14c0ff",
    "#ffc60a",
    "#f14bb0",
    "#00b3a1",
    "#8f959e",
)


@dataclass
class Shown:
    """What the widget template needs."""

    data: WidgetData
    error: str | None = None
    value: str = ""  # a KPI's value, formatted
    growth: float | None = None
    growth_text: str = ""
    detail: str = ""  # a KPI's rate parts or previous period
    chart: str | None = None  # Chart.js configuration, JSON
    head: list[str] = field(default_factory=list)  # the data table's header
    rows: list[list[str]] = field(default_factory=list)
    foot: list[str] | None = None


def label_text(tr: Translator, label: Label) -> str:
    if label.others:
        return tr("dash_others")
    return tr("dash_empty") if label.text is None else label.text


def _fmt(tr: Translator, value: float | None, w: NumberWidget | None = None) -> str:
    if value is None:
        return "—"
    if w is not None and (
        w.format == "percent" or (w.ratio_of is not None and w.format == "number")
    ):
        return tr.percent(value, w.precision or 1)
    if w is not None and w.format == "currency":
        return tr.currency(value, "¥", w.precision)
    precision = w.precision if w is not None else (None if float(value).is_integer() else 2)
    return tr.number(round(value, 6), precision)


def show(tr: Translator, data: WidgetData) -> Shown:
    out = Shown(data)
    if data.result is None:
        out.error = tr.pick(data.error_en or "", data.error_zh or "")
        return out
    if isinstance(data.result, NumberResult):
        assert isinstance(data.widget, NumberWidget)
        return _number(tr, out, data.widget, data.result)
    return _matrix(tr, out, data.result)


def _number(tr: Translator, out: Shown, w: NumberWidget, r: NumberResult) -> Shown:
    out.value = _fmt(tr, r.value, w)
    if r.growth is not None:
        out.growth = r.growth
        sign = "↑" if r.growth > 0 else "↓" if r.growth < 0 else "→"
        out.growth_text = f"{sign} {tr.percent(abs(r.growth), 1)}"
    if w.compare is not None:
        out.detail = tr("dash_previous", value=_fmt(tr, r.previous, w))
    elif w.ratio_of is not None:
        out.detail = tr("dash_of", num=_fmt(tr, r.numerator), den=_fmt(tr, r.denominator))
    return out


def _matrix(tr: Translator, out: Shown, r: MatrixResult) -> Shown:
    labels = [label_text(tr, x) for x in r.labels]
    series = [label_text(tr, s) for s in r.series]
    total = tr("dash_total")
    out.head = ["", *series, total] if series else ["", total]
    for name, row, row_total in zip(labels, r.values, r.label_totals, strict=True):
        cells = [_fmt(tr, v) for v in row] if series else []
        out.rows.append([name, *cells, _fmt(tr, row_total)])
    if series:
        out.foot = [total, *(_fmt(tr, v) for v in r.series_totals), _fmt(tr, r.total)]
    else:
        out.foot = [total, _fmt(tr, r.total)]
    if isinstance(out.data.widget, ChartWidget):
        text = json.dumps(chart_config(out.data.widget, labels, series, r), ensure_ascii=False)
        # inside <script>: no text of a label may close the element
        out.chart = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return out


def chart_config(
    w: ChartWidget, labels: list[str], series: list[str], r: MatrixResult
) -> dict[str, Any]:
    """The Chart.js configuration of a chart widget."""
    names = series or [w.title or ""]
    datasets: list[dict[str, Any]] = []
    # no records is a count (or sum) of 0: a line or a stack goes on through it, not around
    zero = w.value.fn in ("count", "sum") and w.kind != "pie"
    for j, name in enumerate(names):
        values = [0 if zero and row[j] is None else row[j] for row in r.values]
        color = PALETTE[j % len(PALETTE)]
        ds: dict[str, Any] = {"label": name, "data": values}
        if w.kind == "pie":
            ds["backgroundColor"] = [PALETTE[i % len(PALETTE)] for i in range(len(labels))]
        elif w.kind == "area":
            ds |= {"backgroundColor": color + "99", "borderColor": color}
            ds["fill"] = "origin" if j == 0 or not w.stacked else "-1"
        else:
            ds |= {"backgroundColor": color, "borderColor": color}
        datasets.append(ds)
    kind = {"pie": "doughnut" if w.donut else "pie", "area": "line"}.get(w.kind, w.kind)
    options: dict[str, Any] = {
        "responsive": True,
        "maintainAspectRatio": False,
        "animation": False,
        "plugins": {"legend": {"display": bool(series) or w.kind == "pie"}},
    }
    if w.kind != "pie":
        stacked = w.stacked
        options["scales"] = {
            "x": {"stacked": stacked},
            "y": {"stacked": stacked, "beginAtZero": True},
        }
    return {"type": kind, "data": {"labels": labels, "datasets": datasets}, "options": options}
