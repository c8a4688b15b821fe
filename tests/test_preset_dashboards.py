"""Dashboards in presets: a hand-made dashboard survives export and apply (same widgets, same
numbers), and a preset's widget that does not fit its tables is skipped and said."""

from __future__ import annotations

from typing import Any

import engine
from views.api import Views
from views.presets import apply_preset, export_preset


def _without_name(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "name"}


def numbers(base: engine.Base) -> list[Any]:
    return [(s.widget.title, s.result) for s in base.dashboards.data("Overview")]


def test_a_dashboard_survives_export_and_apply(db: engine.Database) -> None:
    base = db.create_base("Shop")
    people = base.create_table(
        "People",
        [
            {"name": "Name"},
            {"name": "Age", "type": "number"},
            {"name": "Tier", "type": "single_select", "options": {"choices": ["Gold", "Plain"]}},
            {"name": "Joined", "type": "date"},
        ],
    )
    people.create_many(
        [
            {"Name": "a", "Age": 17, "Tier": "Gold", "Joined": "2025-01-05"},
            {"Name": "b", "Age": 30, "Tier": "Plain", "Joined": "2025-02-11"},
            {"Name": "c", "Age": 52, "Tier": "Gold", "Joined": "2025-02-20"},
        ]
    )
    adults = Views(people).create_filter(
        "Adults", {"items": [{"field": "Age", "op": ">=", "value": 18}]}
    )
    gold = {"items": [{"field": "Tier", "op": "is", "value": "Gold"}]}
    base.dashboards.create(
        "Overview",
        [
            {"kind": "number", "title": "Gold share", "table": "People",
             "value": {"filter": gold}, "ratio_of": {"filter": {"items": [{"saved_filter": adults.id}]}},
             "format": "percent", "compare": {"field": "Joined", "period": "month"}},
            {"kind": "bar", "title": "Ages", "table": "People", "width": 2,
             "group": {"field": "Age", "edges": [18, 40]}, "series": {"field": "Tier"},
             "stacked": True, "sort": "value", "direction": "desc", "limit": 2},
            {"kind": "pivot", "title": "Joined", "table": "People", "filter": gold,
             "rows": {"field": "Tier"}, "columns": {"field": "Joined", "bucket": "month"},
             "value": {"fn": "average", "field": "Age"}},
        ],
    )  # fmt: skip
    exported = export_preset(db, base)
    (board,) = exported["dashboards"]
    assert board["widgets"][0]["ratio_of"] == {"filter": {"items": [{"saved_filter": "Adults"}]}}
    assert board["widgets"][1]["group"] == {"field": "Age", "edges": [18.0, 40.0]}
    again = apply_preset(db, exported, base_name="Shop 2")
    assert again.skipped == []
    assert _without_name(export_preset(db, again.base)) == _without_name(exported)
    again.base.table("People").create_many(
        [
            {"Name": "a", "Age": 17, "Tier": "Gold", "Joined": "2025-01-05"},
            {"Name": "b", "Age": 30, "Tier": "Plain", "Joined": "2025-02-11"},
            {"Name": "c", "Age": 52, "Tier": "Gold", "Joined": "2025-02-20"},
        ]
    )
    assert numbers(again.base) == numbers(base)


def test_a_widget_that_does_not_fit_is_skipped(db: engine.Database) -> None:
    preset = {
        "name": "Tiny",
        "tables": [{"name": "T", "fields": [{"name": "Name"}, {"name": "N", "type": "number"}]}],
        "dashboards": [
            {
                "name": "Overview",
                "widgets": [
                    {"kind": "number", "title": "Sum", "table": "T",
                     "value": {"fn": "sum", "field": "N"}},
                    {"kind": "number", "title": "Bad", "table": "T",
                     "value": {"fn": "sum", "field": "Name"}},
                ],
            }
        ],
    }  # fmt: skip
    result = apply_preset(db, preset)
    assert len(result.skipped) == 1 and "Overview/Bad" in result.skipped[0]
    assert [w.title for w in result.base.dashboards.get("Overview").widgets] == ["Sum"]
