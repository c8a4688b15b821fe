"""The "is duplicated" filter (查找重复): records whose value another record shares, on both
databases — texts alike but for case and surrounding spaces, numbers and dates as they are;
empty values never count, nor records in the trash, nor records outside the asker's rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import engine
from engine import meta
from engine.errors import QueryError
from tests.query_helpers import cond, names, query, where
from views.api import Views


@pytest.fixture
def people(build_table: Any) -> engine.Table:
    return build_table(
        [
            {"name": "名"},
            {"name": "邮箱", "type": "email"},
            {"name": "金额", "type": "number"},
            {"name": "生日", "type": "date"},
        ],
        [
            {"名": "a", "邮箱": "Li@Example.com", "金额": 1, "生日": "1990-01-02"},
            {"名": "b", "邮箱": " li@example.com", "金额": 2, "生日": "1990-01-02"},
            {"名": "c", "邮箱": "wang@example.com", "金额": 2},
            {"名": "d", "金额": 3},
            {"名": "e", "金额": None},
            {"名": "f", "邮箱": "zhao@example.com"},
            {"名": "g", "邮箱": "zhao@example.com", "生日": "1990-01-03"},
        ],
    )


def test_records_sharing_a_value_are_found(people: engine.Table) -> None:
    duplicated = lambda field: names(people, where(cond(field, "is_duplicate")))  # noqa: E731
    assert duplicated("邮箱") == ["a", "b", "f", "g"]  # case and spaces aside; empty never
    assert duplicated("金额") == ["b", "c"]
    assert duplicated("生日") == ["a", "b"]
    assert duplicated("名") == []
    # with other conditions, and its negation through a group
    assert names(people, where(cond("邮箱", "is_duplicate"), cond("金额", ">", 1))) == ["b"]
    # the trash does not count
    b = next(r for r in people.all() if r["名"] == "b")
    people.delete(b.id)
    assert duplicated("邮箱") == ["f", "g"]
    assert duplicated("金额") == []


def test_only_the_rows_a_user_may_see_count(db: engine.Database) -> None:
    owner = db.create_user("owner@example.com", "Owner")
    rep = db.create_user("rep@example.com", "Rep")
    base = db.acting_as(owner).create_base("CRM")
    base.add_member(rep, "editor")
    t = base.create_table("客户", [{"name": "名"}, {"name": "负责人", "type": "user"}])
    t.create_many(
        [
            {"名": "张伟", "负责人": rep},
            {"名": "张伟", "负责人": owner},  # the rep's 张伟 has a namesake they cannot see
            {"名": "李娜", "负责人": rep},
            {"名": "李娜", "负责人": rep},
        ]
    )
    mine = Views(t).create_filter("我的", {"items": [{"field": "负责人", "op": "is", "value": "me"}]})
    with db.write() as conn:
        conn.execute(
            meta.row_permissions.insert().values(
                table_id=t.id, filter_id=mine.id, role="editor", created_at=dt.datetime.now(dt.UTC)
            )
        )
    as_rep = engine.Table(db.acting_as(rep), t.id)
    views = Views(as_rep)
    grid = views.create("重复", "grid", query={"filter": where(cond("名", "is_duplicate"))})
    assert [r["名"] for r in views.rows(grid).records] == ["李娜", "李娜"]
    assert len(names(t, where(cond("名", "is_duplicate")))) == 4  # the owner sees all four


def test_a_formula_of_today_cannot_be_checked(build_table: Any) -> None:
    t = build_table([{"name": "名"}], [{"名": "a"}])
    t.add_field("今天", "formula", options={"formula": "TODAY()"})
    with pytest.raises(QueryError, match="今天"):
        query(t, {"filter": where(cond("今天", "is_duplicate"))})
