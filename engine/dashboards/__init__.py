"""Dashboards (仪表盘): a base's KPI numbers, charts and pivot tables, computed in SQL."""

from .api import Dashboards
from .model import ChartWidget, Compare, Dimension, Measure, NumberWidget, PivotWidget, Widget
from .run import WidgetData, run_widget
from .store import Dashboard

__all__ = [
    "ChartWidget",
    "Compare",
    "Dashboard",
    "Dashboards",
    "Dimension",
    "Measure",
    "NumberWidget",
    "PivotWidget",
    "Widget",
    "WidgetData",
    "run_widget",
]
