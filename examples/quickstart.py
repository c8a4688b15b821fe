"""Tessera from Python, without a server: a table, typed fields with rules, records.

Run: .venv/bin/python examples/quickstart.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import engine


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="tessera-quickstart-"))
    db = engine.connect(f"sqlite:///{folder / 'crm.db'}")
    crm = db.create_base("CRM")
    customers = crm.create_table(
        "客户",
        fields=[
            {"name": "姓名", "type": "text", "rules": {"required": True}},
            {"name": "手机", "type": "phone", "rules": {"unique": True}},
            {"name": "邮箱", "type": "email"},
            {
                "name": "生命周期",
                "type": "single_select",
                "options": {"choices": ["潜在客户", "首次购买", "复购客户", "流失客户"]},
            },
            {
                "name": "累计消费",
                "type": "currency",
                "options": {"symbol": "¥", "precision": 2},
                "rules": {"min": 0},
            },
            {"name": "生日", "type": "date"},
        ],
    )
    zhang = customers.create(
        {
            "姓名": "张三",
            "手机": "13800138000",
            "邮箱": "zhang@example.com",
            "生命周期": "潜在客户",
            "累计消费": "¥1,299.00",
            "生日": "1990年3月5日",
        }
    )
    customers.update(zhang.id, {"生命周期": "首次购买"})
    print("created:", dict(customers.get(zhang.id)))

    # A rejected write names every problem, in English and Chinese, and writes nothing.
    try:
        customers.create_many(
            [
                {"姓名": "李四", "手机": "13800138000", "邮箱": "li@@example"},
                {"姓名": "", "累计消费": -5},
            ]
        )
    except engine.ValidationError as err:
        for problem in err.problems:
            print("rejected:", problem)
    assert customers.count() == 1

    # Changing a field's type shows what would happen first, and keeps what does not convert.
    preview = customers.preview_type_change("手机", "number")
    print(f"phone → number: {preview.converted} of {preview.total} values convert")

    # A dashboard: a KPI and a chart, each one GROUP BY in SQL.
    boards = crm.dashboards
    board = boards.create("概览")
    boards.add_widget(board, {"kind": "number", "title": "客户数", "table": "客户"})
    boards.add_widget(
        board,
        {"kind": "pie", "title": "生命周期", "table": "客户", "group": {"field": "生命周期"}},
    )
    for shown in boards.data(board):
        print("dashboard:", shown.widget.title, shown.result)

    customers.delete(zhang.id)
    assert customers.count() == 0
    customers.restore(zhang.id)
    assert customers.count() == 1
    print("quickstart finished in", folder)


if __name__ == "__main__":
    main()
