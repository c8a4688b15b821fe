"""The field editor: every type can be made from the form, with its options and rules; a type
change is previewed before it is made."""

from __future__ import annotations

from typing import Any

import pytest

from engine.fields import REGISTRY
from tests.ui_helpers import parse, words


def create(ui: Any, table_id: int, data: dict[str, Any]) -> Any:
    return ui.post(f"/t/{table_id}/fields", data)


def test_editor_lists_every_type_with_the_engines_labels(ui, ui_en, customers):
    form = parse(ui.get(f"/t/{customers.id}/fields/new", htmx=True).text)
    options = form.one("select", id="field-type").all("option")
    assert {o["value"] for o in options} == set(REGISTRY)
    labels = {o["value"]: words(o.text) for o in options}
    assert labels["single_select"] == "单选" and labels["link"] == "关联记录"
    en = parse(ui_en.get(f"/t/{customers.id}/fields/new", htmx=True).text)
    labels = {o["value"]: words(o.text) for o in en.one("select", id="field-type").all("option")}
    assert labels["single_select"] == "Single select"


@pytest.mark.parametrize(
    ("type_name", "extra", "check"),
    [
        ("text", {"rule.max_length": "5", "rule.pattern": "^A"}, lambda f: f.rules.max_length == 5),
        ("long_text", {}, lambda f: True),
        (
            "number",
            {"opt.precision": "2", "rule.min": "0"},
            lambda f: f.type.options.precision == 2,
        ),
        (
            "currency",
            {"opt.symbol": "$", "opt.precision": "0"},
            lambda f: f.type.options.symbol == "$",
        ),
        ("percent", {"opt.precision": "1"}, lambda f: f.type.options.precision == 1),
        ("rating", {"opt.max": "10"}, lambda f: f.type.options.max == 10),
        ("checkbox", {}, lambda f: True),
        (
            "date",
            {"opt.date_format": "friendly"},
            lambda f: f.type.options.date_format == "friendly",
        ),
        (
            "datetime",
            {"opt.timezone": "Asia/Tokyo", "opt.time_format": "12h"},
            lambda f: f.type.options.timezone == "Asia/Tokyo",
        ),
        ("duration", {"opt.format": "h:mm:ss"}, lambda f: f.type.options.format == "h:mm:ss"),
        (
            "single_select",
            {"choice.name": ["A", "B"], "choice.color": ["red", "green"], "choice.id": ["", ""]},
            lambda f: (
                [(c.name, c.color) for c in f.type.options.choices]
                == [("A", "red"), ("B", "green")]
            ),
        ),
        (
            "multiple_select",
            {"choice.name": ["x"], "choice.color": ["blue"], "choice.id": [""]},
            lambda f: f.type.choice_names() == ["x"],
        ),
        ("email", {"rule.unique": "on"}, lambda f: f.rules.unique),
        ("phone", {"rule.required": "on"}, lambda f: f.rules.required),
        ("url", {}, lambda f: True),
        ("attachment", {}, lambda f: True),
        ("user", {"opt.multiple": "on"}, lambda f: f.type.options.multiple),
        ("user", {"rule.default": "me"}, lambda f: f.rules.default == "me"),
        ("autonumber", {}, lambda f: True),
        ("created_time", {}, lambda f: True),
        ("last_modified_time", {}, lambda f: True),
        ("created_by", {}, lambda f: True),
        ("last_modified_by", {}, lambda f: True),
        (
            "formula",
            {"opt.formula": "{消费} * 2"},
            lambda f: f.type.options.result_type == "number",
        ),
    ],
)
def test_every_type_is_made_from_the_form(ui, customers, type_name, extra, check):
    r = create(ui, customers.id, {"name": "新字段", "type": type_name, **extra})
    assert r.status_code == 204, r.text
    f = customers.field("新字段")
    assert f.type.name == type_name and check(f)


def test_links_lookups_rollups_and_counts(ui, app_db):
    base = app_db.create_base("B")
    orders = base.create_table("订单", [{"name": "单号"}, {"name": "金额", "type": "number"}])
    people = base.create_table("客户", [{"name": "姓名"}])
    assert (
        create(
            ui, people.id, {"name": "订单", "type": "link", "opt.table": str(orders.id)}
        ).status_code
        == 204
    )
    link = people.field("订单")
    # the config of a lookup offers the fields of the linked table
    config = parse(
        ui.get(f"/t/{people.id}/fields/config?type=lookup&opt.link_field={link.id}", htmx=True).text
    )
    targets = [words(o.text) for o in config.one("select", name="opt.target_field").all("option")]
    assert targets[:2] == ["单号", "金额"]
    amount = orders.field("金额").id
    data = {"opt.link_field": str(link.id), "opt.target_field": str(amount)}
    assert create(ui, people.id, {"name": "金额们", "type": "lookup", **data}).status_code == 204
    assert (
        create(
            ui, people.id, {"name": "总额", "type": "rollup", "opt.fn": "sum", **data}
        ).status_code
        == 204
    )
    assert create(ui, people.id, {"name": "单数", "type": "count", **data}).status_code == 204
    o = orders.create_many([{"单号": "1", "金额": 5}, {"单号": "2", "金额": 7}])
    p = people.create({"姓名": "A", "订单": [o[0].id, o[1].id]})
    got = people.get(p.id)
    assert (got["总额"], got["单数"]) == (12, 2)
    sub = create(
        ui,
        orders.id,
        {"name": "明细", "type": "link", "opt.table": str(people.id), "opt.subtable": "on"},
    )
    assert sub.status_code == 204
    assert orders.field("明细").type.options.role == "children"


def test_a_bad_definition_is_shown_in_the_editor(ui, customers):
    r = create(ui, customers.id, {"name": "姓名", "type": "text"})
    assert r.status_code == 422
    form = parse(r.text)
    assert "已存在名为 '姓名' 的字段" in words(form.one("div", "form-error").text)
    assert form.one("input", id="field-name")["value"] == "姓名"  # the input is kept


def test_editing_options_rules_and_name(ui, customers):
    f = customers.field("等级")
    choices = f.type.options.choices
    r = ui.post(
        f"/t/{customers.id}/fields/{f.id}",
        {
            "name": "客户等级",
            "type": "single_select",
            "choice.id": [choices[0].id, choices[1].id, ""],
            "choice.name": ["普通", "贵宾", "SVIP"],
            "choice.color": ["blue", "red", "purple"],
            "rule.required": "on",
        },
    )
    assert r.status_code == 204, r.text
    f = customers.field("客户等级")
    assert f.type.choice_names() == ["普通", "贵宾", "SVIP"] and f.rules.required
    # renaming an option rewrote the records that held it
    assert customers.all()[0]["客户等级"] == "贵宾"


def test_a_type_change_is_previewed_then_applied(ui, customers):
    f = customers.field("消费")
    r = ui.post(f"/t/{customers.id}/fields/{f.id}", {"name": "消费", "type": "text"})
    assert r.status_code == 200
    preview = parse(r.text).one("div", id="conversion-preview")
    assert "2 个值中 2 个可以转换，0 个不能" in words(preview.text)
    examples = [words(td.text) for td in preview.one("table").all("td")]
    assert examples == ["¥1,299.50", "¥1,299.50", "¥10.00", "¥10.00"]
    assert "将不再适用的规则： min" in words(preview.text)
    assert preview.one("input", name="confirm")["value"] == "1"
    assert customers.field("消费").type.name == "currency"  # nothing changed yet
    r = ui.post(
        f"/t/{customers.id}/fields/{f.id}", {"name": "消费", "type": "text", "confirm": "1"}
    )
    assert r.status_code == 204
    assert customers.field("消费").type.name == "text"
    assert customers.all()[0]["消费"] == "¥1,299.50"


def test_failures_of_a_conversion_are_listed(ui, customers):
    f = customers.field("姓名")
    r = ui.post(f"/t/{customers.id}/fields/{f.id}", {"name": "姓名", "type": "number"})
    preview = parse(r.text).one("div", id="conversion-preview")
    failed = [words(li.text) for li in preview.one("ul", "failures").all("li")]
    assert failed == ["张三 — '张三' 不是数字", "李四 — '李四' 不是数字", "王五 — '王五' 不是数字"]


def test_delete_field_and_make_primary(ui, customers):
    email = customers.field("邮箱")
    assert ui.post(f"/t/{customers.id}/fields/{email.id}/primary").status_code == 204
    assert customers.schema().primary_field_id == email.id
    name = customers.field("姓名")
    assert ui.post(f"/t/{customers.id}/fields/{name.id}/delete").status_code == 204
    assert "姓名" not in [x.name for x in customers.fields]
