"""Focused cases for the text, contact and reference types: text, long text, email, phone, URL,
user and attachment (the other types are in test_field_types.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import engine
from engine.errors import ValueProblem
from engine.fields import FieldType, field_type


def ft(name: str, **options: Any) -> FieldType:
    return field_type(name, options)


def code(ftype: FieldType, value: Any) -> str:
    """The code of the problem `ftype` raises for `value`, which must be told in English and
    Chinese."""
    with pytest.raises(ValueProblem) as err:
        ftype.normalize(value)
    p = err.value
    assert p.message_en.strip() and p.message_zh.strip() and p.message_en != p.message_zh
    return p.code


# --- text ----------------------------------------------------------------------------------------
def test_text_is_kept_as_typed() -> None:
    t, long = ft("text"), ft("long_text")
    assert t.normalize(" 42 ") == " 42 "
    assert [t.normalize(v) for v in ["", "   ", "\n", None]] == [None] * 4
    assert t.normalize("a\nb\r\nc") == "a b c"  # single line
    assert long.normalize("a\nb\r\nc") == "a\nb\r\nc"
    assert [t.normalize(v) for v in [42, 1.5, dt.date(2024, 3, 5)]] == ["42", "1.5", "2024-03-05"]
    assert code(t, True) == "invalid_type"
    assert code(t, "x" * 100_001) == "too_long"


@pytest.mark.parametrize("text", ["a\x00b", "a\ud800b"])
def test_text_refuses_what_no_database_can_keep(text: str) -> None:
    assert code(ft("text"), text) == "invalid_text"
    values, problems = ft("long_text").normalize_many(["ok", text])
    assert values[0] == "ok" and [(i, p.code) for i, p in problems] == [(1, "invalid_text")]


@pytest.mark.parametrize(
    ("value", "email"),
    [
        ("a@b.com", "a@b.com"),
        (" Zhang.San@Example.COM ", "Zhang.San@example.com"),
        ("mailto:a@b.co", "a@b.co"),
        ("张三@例子.中国", "张三@例子.中国"),
    ],
)
def test_email_reads(value: str, email: str) -> None:
    assert ft("email").normalize(value) == email


@pytest.mark.parametrize(
    "value", ["a@@b.com", "a@b@c.com", "ab.com", "a@b", "a@b.", "a@.com", "@b.com", "a b@c.com"]
)
def test_email_refuses(value: str) -> None:
    assert code(ft("email"), value) == "invalid_email"


@pytest.mark.parametrize(
    ("value", "phone"),
    [
        ("013800138000", "013800138000"),
        ("+86 138 0013 8000", "+86 138 0013 8000"),
        ("+86-13800138000", "+86-13800138000"),
        (13800138000.0, "13800138000"),  # a phone number that Excel kept as a number
        (13800138000, "13800138000"),
        ("(010) 6552-1234", "(010) 6552-1234"),
        ("１３８００１３８０００", "13800138000"),  # full-width digits
        ("010-12345678 转 123", "010-12345678 转 123"),
    ],
)
def test_phone_reads(value: Any, phone: str) -> None:
    assert ft("phone").normalize(value) == phone


@pytest.mark.parametrize("value", ["😀", "12", "abc", "138-0013-800a", 1.5, "+"])
def test_phone_refuses(value: Any) -> None:
    assert code(ft("phone"), value) == "invalid_phone"


def test_phone_is_text_in_the_database(build_table: Any) -> None:
    t = build_table([{"name": "Tel", "type": "phone"}])
    rec = t.create({"Tel": "0086 13800138000"})
    assert t.get(rec.id)["Tel"] == "0086 13800138000"


@pytest.mark.parametrize(
    "value",
    [
        "https://example.com/x?y=1#z",
        "http://localhost:8000",
        "example.com",
        "www.example.com.cn/路径",
        "淘宝.中国",
        "mailto:a@b.com",
        "tel:10086",
        "weixin://dl/chat",
    ],
)
def test_url_reads(value: str) -> None:
    assert ft("url").normalize(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "not a url",
        "example.com and more",
        "1.5",
        "javascript:alert(1)",
        "data:text/html,x",
        "http://",
    ],
)
def test_url_refuses(value: str) -> None:
    assert code(ft("url"), value) == "invalid_url"


# --- references ----------------------------------------------------------------------------------
def refusal(table: engine.Table, values: dict[str, Any]) -> list[str]:
    with pytest.raises(engine.ValidationError) as err:
        table.create(values)
    for p in err.value.problems:
        assert p.message_en and p.message_zh and p.message_en != p.message_zh
    return [p.code for p in err.value.problems]


def test_user(db: engine.Database, build_table: Any) -> None:
    ann, bob = db.create_user("ann@example.com", admin=True), db.create_user("bob@example.com", admin=True)
    t = build_table(
        [
            {"name": "Owner", "type": "user"},
            {"name": "Team", "type": "user", "options": {"multiple": True}},
        ]
    )
    rec = t.create({"Owner": {"id": ann}, "Team": [bob, ann, bob]})
    assert (rec["Owner"], rec["Team"]) == (ann, [bob, ann])
    assert t.create({"Team": f"{ann}, {bob}"})["Team"] == [ann, bob]
    assert refusal(t, {"Owner": 99_999}) == ["unknown_user"]
    assert refusal(t, {"Team": [ann, 99_999]}) == ["unknown_user"]
    assert refusal(t, {"Owner": True}) == ["invalid_type"]
    assert refusal(t, {"Owner": [ann, bob]}) == ["too_many"]


def test_attachment(db: engine.Database, build_table: Any) -> None:
    stored = db.attachments.add_bytes("你好".encode(), "问候.txt")
    t = build_table([{"name": "Name"}, {"name": "Files", "type": "attachment"}])
    rec = t.create({"Files": [stored]})
    assert t.get(rec.id)["Files"] == [
        {"hash": stored["hash"], "name": "问候.txt", "size": 6, "type": "text/plain"}
    ]
    assert refusal(t, {"Files": [{"hash": "0" * 64, "name": "x.txt"}]}) == ["unknown_attachment"]
    assert refusal(t, {"Files": [{"hash": "abc"}]}) == ["invalid_attachment"]
    assert refusal(t, {"Files": [{**stored, "size": "big"}]}) == ["invalid_attachment"]
    assert refusal(t, {"Files": [{**stored, "url": "http://x"}]}) == ["invalid_attachment"]
    assert t.count() == 1
