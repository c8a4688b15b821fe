"""Presets: the CRM preset validates in both locales, applies on both databases, and a base
exported as a preset and applied again has the same schema."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

import engine
from schemas.preset import Preset, PresetError, PresetSource
from server.cli import main as cli
from views.api import Views
from views.presets import PRESETS, apply_preset, export_preset, load_preset

CJK = re.compile(r"[\u3400-\u9fff]")


def source() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PRESETS / "crm.json").read_text(encoding="utf-8"))
    return data


def test_the_crm_preset_validates_in_every_locale() -> None:
    PresetSource.model_validate(source())
    zh, names = load_preset("crm", "zh-CN")
    en, _ = load_preset("crm", "en")
    assert names is not None and names.locale == "zh-CN"
    assert [t.name for t in zh.tables] == ["客户", "订单", "订单明细", "商品", "互动记录", "任务"]
    assert [t.name for t in en.tables] == [
        "Customers",
        "Orders",
        "Order items",
        "Products",
        "Interactions",
        "Tasks",
    ]
    # the same shape in both
    assert [len(t.fields) for t in zh.tables] == [len(t.fields) for t in en.tables]
    assert len(zh.views) == len(en.views) and len(zh.saved_filters) == len(en.saved_filters)
    # nothing a person reads is left in Chinese in English
    texts = json.dumps(en.model_dump(exclude={"demo"}), ensure_ascii=False)
    left = {m for m in CJK.findall(texts)}
    assert not left, left
    assert Preset.model_validate(en.model_dump()) == en


def test_english_formulas_and_filters_use_english_names() -> None:
    en, _ = load_preset("crm", "en")
    customers = en.table("Customers")
    tier = next(f for f in customers.fields if f.name == "RFM tier")
    assert '{R score} = 1, "Dormant"' in tier.options["formula"]
    assert '"High value"' in tier.options["formula"]
    recency = next(f for f in customers.fields if f.name == "R score")
    assert "{Days since last purchase} <= 30" in recency.options["formula"]
    count = next(f for f in customers.fields if f.name == "Order count")
    assert count.options == {
        "link_field": "Orders",
        "filter": {"items": [{"field": "Payment status", "op": "is", "value": "Paid"}]},
    }
    board = next(v for v in en.views if v.name == "Lifecycle board")
    assert board.config["stack_order"] == [
        "Prospect",
        "First purchase",
        "Repeat buyer",
        "Churned",
        "",
    ]
    sales = en.roles[0]
    assert sales.permissions[0].rows is not None
    assert sales.permissions[0].rows.items[0].saved_filter == "My customers"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["views"][0].update(table="无此表"), "unknown table"),
        (
            lambda d: d["views"][2]["query"]["sorts"].append({"field": "无此字段"}),
            "无此字段",
        ),
        (lambda d: d["tables"][0]["fields"][0]["name"].pop("en"), "should be given in"),
        (lambda d: d["tables"][0]["fields"].append(d["tables"][0]["fields"][0]), "two fields"),
        (lambda d: d["saved_filters"][0].update(table="订单"), "RFM分层"),
        (lambda d: d["roles"][0]["permissions"][0].update(fields={"密码": "read"}), "密码"),
    ],
)
def test_a_preset_that_does_not_hold_together_is_refused(change: Any, message: str) -> None:
    data = copy.deepcopy(source())
    change(data)
    with pytest.raises(PresetError, match=message):
        load_preset(data)


def test_a_cycle_of_computed_fields_is_refused(db: engine.Database) -> None:
    preset = {
        "name": "Loop",
        "tables": [
            {
                "name": "T",
                "fields": [
                    {"name": "A", "type": "number"},
                    {"name": "B", "type": "formula", "options": {"formula": "{C} + 1"}},
                    {"name": "C", "type": "formula", "options": {"formula": "{B} + 1"}},
                ],
            }
        ],
    }
    with pytest.raises(PresetError, match="cycle"):
        apply_preset(db, preset)
    assert db.bases() == []  # nothing half-made is left


def test_a_failing_preset_leaves_no_base(db: engine.Database) -> None:
    preset = {
        "name": "Broken",
        "tables": [
            {
                "name": "T",
                "fields": [
                    {"name": "A", "type": "number"},
                    {"name": "B", "type": "formula", "options": {"formula": "{A} +"}},
                ],
            }
        ],
    }
    with pytest.raises(engine.TesseraError, match="ends too early"):
        apply_preset(db, preset)
    assert db.bases() == []


def test_the_crm_applies(db: engine.Database) -> None:
    result = apply_preset(db, "crm")
    base = result.base
    assert base.name == "电商客户管理"
    assert result.skipped == []
    customers = base.table("客户")
    fields = {f.name: f for f in customers.fields}
    assert [f.name for f in customers.fields][:3] == ["姓名", "客户编号", "性别"]
    assert fields["订单"].type.name == "link"  # the inverse of 订单.客户, where `order` puts it
    assert [f.name for f in customers.fields].index("订单") == 17
    assert fields["累计消费"].type.options.result_type == "number"
    assert fields["最近购买日期"].type.options.result_type == "datetime"
    # formulas of TODAY(), and formulas of those, are computed when read
    for name in ("年龄", "距上次购买天数", "R评分", "RFM分层"):
        assert fields[name].type.options.volatile, name
    assert not fields["F评分"].type.options.volatile
    assert customers.schema().primary is fields["姓名"]
    orders = base.table("订单")
    items = base.table("订单明细")
    assert orders.field("订单明细").type.options.role == "children"
    assert orders.field("物流停滞小时").type.options.volatile  # NOW()
    assert items.field("所属订单").rules.required
    # the rules are live
    with pytest.raises(engine.ValidationError) as err:
        customers.create({"姓名": "王芳", "手机": "12345678901"})
    assert "11 位中国大陆手机号" in err.value.problems[0].message_zh
    customers.create({"姓名": "王芳", "手机": "13800138000", "邮箱": "wang@example.com"})
    with pytest.raises(engine.ValidationError):
        customers.create({"姓名": "王芳", "手机": "13800138000"})
    with pytest.raises(engine.ValidationError):
        customers.create({"姓名": "李娜", "手机": "13900139000", "邮箱": "li@@example.com"})
    # views and saved filters
    made = [v.name for t in base.tables() for v in Views(t).list()]
    assert sorted(made) == sorted(v.name for v in result.preset.views)
    assert {f.name for f in Views(orders).filters()} == {"未付款订单", "物流超时"}
    board = Views(customers).get("客户生命周期")
    assert board.kind == "kanban"
    assert result.users == {}  # demo users come with demo data


def test_the_crm_applies_in_english(db: engine.Database) -> None:
    result = apply_preset(db, "crm", locale="en", demo_rows=30)
    base = result.base
    assert base.name == "E-commerce CRM"
    customers = base.table("Customers")
    assert customers.count() == 30
    stages = {r["Lifecycle stage"] for r in customers.all(limit=100)}
    assert stages <= {"Prospect", "First purchase", "Repeat buyer", "Churned"}
    orders = base.table("Orders")
    assert {r["Payment status"] for r in orders.all(limit=1000)} <= {"Unpaid", "Paid", "Refunded"}
    # without a given day the demo data runs up to this moment, never beyond
    assert max(r["Order time"] for r in orders.all(limit=1000)) <= dt.datetime.now(dt.UTC)
    assert set(result.users) == {"Sales", "Service", "Manager", "Data reviewer", "Warehouse"}
    assert result.demo is not None and result.demo["订单"] == orders.count()
    unpaid = Views(orders).get("Unpaid orders")
    rows = Views(orders).rows(unpaid, page={"size": 1000}).records
    assert all(r["Payment status"] == "Unpaid" for r in rows)


def _without_name(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "name"}


def test_export_then_apply_recreates_the_schema(db: engine.Database) -> None:
    first = apply_preset(db, "crm").base
    exported = export_preset(db, first)
    json.dumps(exported)  # JSON-ready
    again = apply_preset(db, exported, base_name="CRM copy").base
    assert _without_name(export_preset(db, again)) == _without_name(exported)
    # and the export says what the preset said
    preset, _ = load_preset("crm")
    back = Preset.model_validate(exported)
    for mine, theirs in zip(preset.tables, back.tables, strict=True):
        assert mine.name == theirs.name
        assert [(f.name, f.type) for f in mine.fields] == [(f.name, f.type) for f in theirs.fields]
        assert [f.rules for f in mine.fields] == [f.rules for f in theirs.fields]
    assert [(v.table, v.name, v.kind) for v in back.views] == [
        (v.table, v.name, v.kind) for v in preset.views
    ]
    assert [(f.table, f.name) for f in back.saved_filters] == [
        (f.table, f.name) for f in preset.saved_filters
    ]

    # the roles and their permissions (the admin role is the workspace's, not the base's)
    def perms(role: Any) -> list[tuple[Any, ...]]:
        return sorted(
            (p.table, p.access, sorted(p.fields.items()), p.rows is not None)
            for p in role.permissions
            if p.access != "none"
        )

    assert [(r.name, perms(r)) for r in back.roles] == [
        (r.name, perms(r)) for r in preset.roles if not r.admin
    ]


def test_export_of_a_hand_made_base(db: engine.Database) -> None:
    """A base made with the API (a self-link, a rollup with a filter, a moved inverse field, a
    saved filter used by a view) survives export and apply."""
    base = db.create_base("Shop")
    people = base.create_table("People", [{"name": "Name"}, {"name": "Age", "type": "number"}])
    things = base.create_table(
        "Things",
        [{"name": "Title"}, {"name": "Price", "type": "currency", "rules": {"min": 0}}],
    )
    things.add_field("Owner", "link", options={"table": "People", "inverse_name": "Owns"})
    people.add_field("Friends", "link", options={"table": "People", "inverse_name": "Friend of"})
    people.add_field(
        "Dear things",
        "rollup",
        options={
            "link_field": "Owns",
            "target_field": "Price",
            "fn": "max",
            "filter": {"items": [{"field": "Price", "op": ">", "value": 10}]},
        },
    )
    people.add_field("Older", "formula", options={"formula": "{Age} + 1"}, description="next year")
    things.add_field("Label", "formula", options={"formula": "{Title} & ' ¥' & {Price}"})
    things.set_primary("Label")  # a computed primary field
    views = Views(people)
    adults = views.create_filter("Adults", {"items": [{"field": "Age", "op": ">=", "value": 18}]})
    views.create(
        "Grown-ups",
        "card",
        query={"filter": {"items": [{"saved_filter": adults.id}]}, "sorts": [{"field": "Age"}]},
        config={"card_fields": ["Age", "Older"]},
    )
    exported = export_preset(db, base)
    assert exported["locale"] == "en"
    again = apply_preset(db, exported, base_name="Shop 2").base
    assert _without_name(export_preset(db, again)) == _without_name(exported)
    assert [f.name for f in again.table("People").fields] == [f.name for f in people.fields]
    assert again.table("Things").schema().primary.name == "Label"  # type: ignore[union-attr]


def test_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    args = ["--db", url, "preset", "apply", "crm", "--demo-rows", "20", "--today", "2025-11-20"]
    assert cli(args) == 0
    out = capsys.readouterr().out
    assert "Created base '电商客户管理'" in out
    assert "sales@tessera-demo.example" in out
    assert cli([*args, "--if-missing"]) == 0
    assert "left as it is" in capsys.readouterr().out
    out_file = tmp_path / "crm-export.json"
    assert (
        cli(["--db", url, "preset", "export", "--base", "电商客户管理", "--out", str(out_file)])
        == 0
    )
    assert cli(["--db", url, "preset", "apply", str(out_file), "--base-name", "副本"]) == 0
    assert "Created base '副本'" in capsys.readouterr().out
    assert cli(["--db", url, "preset", "apply", "nope"]) == 2
    assert "No preset 'nope'" in capsys.readouterr().err
    assert cli(["--db", url, "preset", "list"]) == 0
    assert "crm\t电商客户管理 / E-commerce CRM" in capsys.readouterr().out
