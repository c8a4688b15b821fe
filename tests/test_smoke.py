"""The engine end to end in a few lines: a table, typed fields, validation, records."""

from __future__ import annotations

import pytest

import engine


def test_create_update_read(build_table):
    t = build_table(
        [
            {"name": "姓名", "type": "text", "rules": {"required": True}},
            {"name": "手机", "type": "phone", "rules": {"unique": True}},
            {"name": "金额", "type": "currency"},
        ]
    )
    rec = t.create({"姓名": "张三", "手机": "13800138000", "金额": "¥1,299.50"})
    assert rec["金额"] == 1299.5
    assert rec["手机"] == "13800138000"
    t.update(rec.id, {"金额": 10})
    again = t.get(rec.id)
    assert again["金额"] == 10 and again["姓名"] == "张三"
    assert again.version == 2


def test_failed_batch_writes_nothing(build_table):
    t = build_table(
        [{"name": "Name", "rules": {"required": True}}, {"name": "N", "type": "number"}]
    )
    with pytest.raises(engine.ValidationError) as err:
        t.create_many([{"Name": "ok", "N": 1}, {"Name": "", "N": "x"}])
    codes = sorted(p.code for p in err.value.problems)
    assert codes == ["invalid_number", "required"]
    assert t.count() == 0
