"""Automations in presets: the CRM's rules in both languages, and export → apply round trips."""

from __future__ import annotations

import json

import engine
from views.presets import apply_preset, export_preset, load_preset


def test_the_crm_rules_read_in_english(db: engine.Database) -> None:
    preset, _ = load_preset("crm", "en")
    [paid, birthday, recall, late, first, repeat, churned] = preset.automations
    assert paid.trigger["filter"] == {"items": [{"field": "Payment status", "op": "is", "value": "Paid"}]}
    assert paid.actions[0]["roles"] == ["Warehouse"]
    assert paid.actions[1]["values"][4] == {"field": "Type", "value": "Notice"}
    assert paid.actions[2]["user_fields"] == ["Customer owner"]
    assert recall.trigger["filter"] == {"items": [{"saved_filter": "Dormant, to win back"}]}
    assert birthday.actions[0]["values"][0]["template"] == "Birthday greeting: {Name}"
    assert late.trigger["every_hours"] == 1
    assert repeat.actions[0]["values"] == [{"field": "Lifecycle stage", "value": "Repeat buyer"}]
    assert churned.trigger["filter"]["items"][1] == {
        "field": "Days since last purchase", "op": ">", "value": 180
    }  # fmt: skip
    assert first.name == "Lifecycle stage kept current: first purchase"
    base = apply_preset(db, "crm", locale="en").base
    assert [a.name for a in base.automations()] == [a.name for a in preset.automations]


def test_export_then_apply_keeps_the_automations(db: engine.Database) -> None:
    first = apply_preset(db, "crm").base
    exported = export_preset(db, first)
    json.dumps(exported)
    preset, _ = load_preset("crm")
    assert exported["automations"] == [
        a.model_dump(mode="json", exclude_defaults=True) for a in preset.automations
    ]
    again = apply_preset(db, exported, base_name="副本").base
    assert export_preset(db, again)["automations"] == exported["automations"]


def test_a_hand_made_automation_with_people_survives(db: engine.Database) -> None:
    boss = db.create_user("boss@example.com", "老板")
    me = db.acting_as(boss)
    base = me.create_base("店")
    orders = base.create_table("订单", [{"name": "号"}, {"name": "跟进人", "type": "user"}])
    base.create_automation(
        {
            "name": "提醒",
            "enabled": False,
            "trigger": {"kind": "record_updated", "table": "订单", "fields": ["跟进人"],
                        "filter": {"items": [{"field": "号", "op": "contains", "value": "A"}]}},
            "actions": [
                {"kind": "notify", "users": [boss], "user_fields": ["跟进人"], "roles": ["editor"],
                 "message": "{号} 换了跟进人"},
                {"kind": "update_record", "values": [{"field": "号", "template": "{号}!"}]},
                {"kind": "webhook", "url": "http://127.0.0.1:9/hook", "retries": 0},
            ],
        }
    )  # fmt: skip
    exported = export_preset(me, base)
    [a] = exported["automations"]
    assert a["enabled"] is False and a["trigger"]["fields"] == ["跟进人"]
    assert a["actions"][0] == {
        "kind": "notify", "users": ["boss@example.com"], "user_fields": ["跟进人"],
        "roles": ["editor"], "message": "{号} 换了跟进人",
    }  # fmt: skip
    copy = apply_preset(me, exported, base_name="店2")
    assert copy.skipped == []
    [b] = copy.base.automations()
    assert b.actions[0]["users"] == [boss] and b.table_id == copy.base.table("订单").id
    assert export_preset(me, copy.base)["automations"] == exported["automations"]
    assert orders.id != b.table_id
