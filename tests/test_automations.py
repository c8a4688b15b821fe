"""Record triggers, templates and actions: each trigger fires for exactly the right records of a
write (batches included), each action does what it says as the automation's owner, and a run is
one transaction that is logged either way."""

from __future__ import annotations

import datetime as dt

import pytest

import engine
from engine.automations import templates
from engine.automations.runner import MAX_DEPTH
from engine.dates import Clock
from tests.automation_helpers import Shop, notify_me


def created_flow(shop: Shop, **trigger: object) -> int:
    return shop.base.create_automation(
        {
            "name": "新订单",
            "trigger": {"kind": "record_created", "table": "订单", **trigger},
            "actions": [
                {
                    "kind": "create_record",
                    "table": "任务",
                    "values": [
                        {"field": "标题", "template": "跟进 {订单号}（{状态}）"},
                        {"field": "订单", "trigger_record": True},
                        {"field": "客户", "copy": "客户"},
                        {"field": "截止", "today": 2},
                    ],
                }
            ],
        }
    ).id


def test_record_created_sees_every_record_of_a_batch_that_matches(shop: Shop) -> None:
    flow = created_flow(shop, filter={"items": [{"field": "状态", "op": "is", "value": "已付款"}]})
    zhang = shop.customers.create({"名": "张三"})
    made = shop.orders.create_many(
        [
            {"订单号": "A1", "状态": "已付款", "客户": [zhang.id]},
            {"订单号": "A2", "状态": "未付款"},
            {"订单号": "A3", "状态": "已付款"},
        ]
    )
    assert shop.titles() == ["跟进 A1（已付款）", "跟进 A3（已付款）"]
    [run] = shop.runs(flow)
    assert run.status == "ok" and run.trigger == "record_created"
    assert run.record_ids == [made[0].id, made[2].id]  # one run for the batch, matching ones only
    task = next(t for t in shop.tasks.all() if t["标题"].startswith("跟进 A1"))
    assert [x["id"] for x in task["订单"]] == [made[0].id]
    assert [x["id"] for x in task["客户"]] == [zhang.id]
    today = Clock(timezone="Asia/Shanghai").today()  # the owner's time zone
    assert task["截止"] in (today + dt.timedelta(days=2), today + dt.timedelta(days=3))
    assert task.created_by == shop.owner  # written as the automation's owner
    shop.orders.update(made[1].id, {"状态": "已付款"})  # an update is no creation
    assert len(shop.runs(flow)) == 1


def test_record_updated_only_when_a_watched_field_changes(shop: Shop) -> None:
    flow = shop.base.create_automation(
        {
            "name": "改了金额",
            "trigger": {"kind": "record_updated", "table": "订单", "fields": ["金额"]},
            "actions": [notify_me(shop, "{订单号} 金额改为 {金额}")],
        }
    ).id
    a, b = shop.orders.create_many([{"订单号": "A1"}, {"订单号": "B1"}])
    shop.orders.update(a.id, {"状态": "已付款"})
    assert shop.runs(flow) == []
    shop.orders.update_many([(a.id, {"金额": 99}), (b.id, {"状态": "未付款"})])
    [run] = shop.runs(flow)
    assert run.record_ids == [a.id]
    assert [n.message for n in shop.db.notifications()] == ["A1 金额改为 99"]
    shop.orders.update_many([(a.id, {"金额": 99}), (b.id, {"金额": 5})])  # a keeps its value
    assert [r.record_ids for r in shop.runs(flow)] == [[a.id], [b.id]]


def test_record_enters_a_condition_once_not_while_it_stays(shop: Shop) -> None:
    flow = shop.base.create_automation(
        {
            "name": "大单",
            "trigger": {
                "kind": "record_matches",
                "table": "订单",
                "filter": {"items": [{"field": "金额", "op": ">", "value": 500}]},
            },
            "actions": [notify_me(shop, "大单 {订单号}")],
        }
    ).id
    small, big = shop.orders.create_many([{"订单号": "S", "金额": 10}, {"订单号": "B", "金额": 900}])
    assert [r.record_ids for r in shop.runs(flow)] == [[big.id]]  # created inside: entered
    shop.orders.update_many([(small.id, {"金额": 600}), (big.id, {"金额": 1000})])
    assert [r.record_ids for r in shop.runs(flow)] == [[big.id], [small.id]]  # big stayed in
    shop.orders.update(small.id, {"金额": 1})  # leaves
    shop.orders.update(small.id, {"金额": 501})  # and enters again
    assert [r.record_ids for r in shop.runs(flow)] == [[big.id], [small.id], [small.id]]


def test_a_table_without_automations_is_untouched_and_disabled_ones_do_not_run(shop: Shop) -> None:
    flow = created_flow(shop)
    shop.customers.create_many([{"名": f"客{i}"} for i in range(50)])
    assert shop.runs(flow) == []
    shop.db.enable_automation(flow, False)
    shop.orders.create({"订单号": "X"})
    assert shop.runs(flow) == [] and shop.titles() == []


def test_templates_keep_field_ids_and_render_values(shop: Shop) -> None:
    schema = shop.orders.schema()
    stored = templates.to_ids("{订单号} 共 {金额} 元 {{原样}}", schema, "t")
    no = schema.field("订单号").id
    assert stored.startswith("{#" + str(no) + "}")
    shop.orders.rename_field("订单号", "单号")
    assert templates.to_names(stored, shop.orders.schema()) == "{单号} 共 {金额} 元 {{原样}}"
    with pytest.raises(engine.SchemaError) as bad:
        templates.to_ids("{没有这个字段}", schema, "t")
    assert "没有这个字段" in bad.value.message_zh and "not a field" in bad.value.message_en
    with pytest.raises(engine.SchemaError):
        templates.to_ids("单个 { 括号", schema, "t")


def test_update_the_trigger_record_and_its_linked_records(shop: Shop) -> None:
    shop.base.create_automation(
        {
            "name": "付款后",
            "trigger": {
                "kind": "record_matches",
                "table": "订单",
                "filter": {"items": [{"field": "状态", "op": "is", "value": "已付款"}]},
            },
            "actions": [
                {"kind": "update_record", "values": [{"field": "金额", "value": 1}]},
                {
                    "kind": "update_record",
                    "link": "客户",
                    "values": [
                        {"field": "等级", "value": 5},
                        {"field": "负责人", "value": shop.owner},
                    ],
                },
            ],
        }
    )
    zhang = shop.customers.create({"名": "张三"})
    order = shop.orders.create({"订单号": "A1", "客户": [zhang.id]})
    shop.orders.update(order.id, {"状态": "已付款"})
    assert shop.orders.get(order.id)["金额"] == 1
    assert shop.customers.get(zhang.id)["等级"] == 5
    assert shop.customers.get(zhang.id)["负责人"] == shop.owner


def test_notify_users_of_a_field_and_of_a_role_only_if_they_see_the_table(shop: Shop) -> None:
    shop.base.create_automation(
        {
            "name": "通知负责人",
            "trigger": {"kind": "record_updated", "table": "客户", "fields": ["等级"]},
            "actions": [
                {"kind": "notify", "user_fields": ["负责人"], "message": "{名} 升级了（负责人 {负责人}）"},
                {"kind": "notify", "roles": ["editor"], "message": "编辑们：{名}"},
            ],
        }
    )
    c = shop.customers.create({"名": "李四", "负责人": shop.owner})
    shop.customers.update(c.id, {"等级": 3})
    [mine] = shop.db.notifications()
    assert mine.message == "李四 升级了（负责人 老板）"
    assert (mine.table_id, mine.record_id) == (shop.customers.id, c.id)
    editor = shop.as_user(shop.editor)
    assert [n.message for n in editor.notifications()] == ["编辑们：李四"]
    assert shop.as_user(shop.outsider).notifications() == []
    # notifications only reach their users: marking another's does nothing
    assert shop.as_user(shop.outsider).mark_notifications_read([mine.id]) == 0
    with pytest.raises(engine.NotFound):
        shop.as_user(shop.outsider).notification(mine.id)
    assert shop.db.notification(mine.id).message == mine.message
    assert shop.db.unread_notifications() == 1
    assert shop.db.mark_notifications_read([mine.id]) == 1
    assert shop.db.unread_notifications() == 0 and editor.unread_notifications() == 1


def test_a_failing_action_writes_nothing_of_its_run_and_is_logged(shop: Shop) -> None:
    flow = shop.base.create_automation(
        {
            "name": "会失败",
            "trigger": {"kind": "record_created", "table": "订单"},
            "actions": [
                notify_me(shop),
                {"kind": "create_record", "table": "任务", "values": [{"field": "标题", "template": "{订单号}"}]},
            ],
        }
    ).id
    order = shop.orders.create({"订单号": ""})  # the task's required title comes out empty
    assert shop.orders.get(order.id)["订单号"] in ("", None)  # the user's write stands
    [run] = shop.runs(flow)
    assert run.status == "failed" and run.actions == []
    assert run.error and "标题" in run.error
    assert shop.titles() == [] and shop.db.notifications() == []  # nothing of the run


def test_automations_triggering_automations_stop_at_the_loop_guard(shop: Shop) -> None:
    flow = shop.base.create_automation(
        {
            "name": "自我复制",
            "trigger": {"kind": "record_created", "table": "任务"},
            "actions": [
                {"kind": "create_record", "table": "任务", "values": [{"field": "标题", "template": "{标题}+"}]}
            ],
        }
    ).id
    shop.tasks.create({"标题": "种子"})
    assert shop.titles() == ["种子", "种子+", "种子++", "种子+++"]
    statuses = [r.status for r in shop.runs(flow)]
    assert statuses == ["ok"] * MAX_DEPTH + ["skipped"]
    assert "loop" in (shop.runs(flow)[-1].error or "")


def test_a_write_in_a_transaction_that_fails_triggers_nothing(shop: Shop) -> None:
    flow = created_flow(shop)
    with pytest.raises(RuntimeError), shop.db.transaction() as tx:
        tx.base("网店").table("订单").create({"订单号": "X"})
        raise RuntimeError("give up")
    assert shop.runs(flow) == []
    with shop.db.transaction() as tx:
        orders = tx.base("网店").table("订单")
        with pytest.raises(engine.ValidationError):
            orders.create({"订单号": "Y", "金额": "不是数字"})
        orders.create({"订单号": "Z"})
    assert shop.titles() == ["跟进 Z（）"]


def test_only_owners_and_creators_manage_automations(shop: Shop) -> None:
    flow = created_flow(shop)
    editor = shop.as_user(shop.editor)
    spec = {"name": "x", "trigger": {"kind": "record_created", "table": "订单"},
            "actions": [notify_me(shop)]}  # fmt: skip
    with pytest.raises(engine.Forbidden):
        editor.base("网店").create_automation(spec)
    with pytest.raises(engine.Forbidden):
        editor.delete_automation(flow)
    with pytest.raises(engine.Forbidden):
        editor.enable_automation(flow, False)
    with pytest.raises(engine.NotFound):
        shop.as_user(shop.outsider).automation(flow)


@pytest.mark.parametrize(
    ("change", "en", "zh"),
    [
        ({"trigger": {"kind": "record_created", "table": "无此表"}}, "No table", "没有表"),
        (
            {"trigger": {"kind": "record_created", "table": "订单",
                         "filter": {"items": [{"field": "金额", "op": ">", "value": "多"}]}}},
            "Trigger filter", "触发条件",
        ),
        (
            {"actions": [{"kind": "create_record", "table": "任务",
                          "values": [{"field": "无此字段", "value": 1}]}]},
            "Action 1", "第 1 个动作",
        ),
        (
            {"actions": [{"kind": "create_record", "table": "任务",
                          "values": [{"field": "客户", "trigger_record": True}]}]},
            "not a link to table", "不是关联到表",
        ),
        ({"actions": [{"kind": "notify", "roles": ["无此角色"], "message": "x"}]}, "No role", "没有角色"),
        ({"actions": [{"kind": "notify", "message": "x"}]}, "recipient", "定义无效"),
        ({"trigger": {"kind": "scheduled", "table": "客户"}}, "daily time", "定义无效"),
    ],
)  # fmt: skip
def test_bad_definitions_are_refused_naming_the_problem(shop: Shop, change: dict[str, object], en: str, zh: str) -> None:  # fmt: skip
    spec = {"name": "坏", "trigger": {"kind": "record_created", "table": "订单"},
            "actions": [notify_me(shop)], **change}  # fmt: skip
    with pytest.raises(engine.SchemaError) as bad:
        shop.base.create_automation(spec)
    assert en in bad.value.message_en and zh in bad.value.message_zh
    assert shop.base.automations() == []
