"""The conversion matrix: ten awkward values written into every field type through the engine.

Each cell is what a read returns after `table.create({field: value})`, or the code of the error
the write was refused with. The whole table is one literal, so a change in any cell shows here.
"""

from __future__ import annotations

from typing import Any

import pytest

import engine
from engine.fields import REGISTRY

LONG = "长" * 10_000  # a 10,000-character string (30,000 bytes of UTF-8)

INPUTS: list[Any] = [None, "", " 42 ", 0, -1.5, "3,5", "2024-02-30", "是", "😀", LONG]

FIELDS: list[dict[str, Any]] = [
    {"name": "text", "type": "text"},
    {"name": "long_text", "type": "long_text"},
    {"name": "number", "type": "number"},
    {"name": "currency", "type": "currency"},
    {"name": "percent", "type": "percent"},
    {"name": "rating", "type": "rating"},
    {"name": "checkbox", "type": "checkbox"},
    {"name": "date", "type": "date"},
    {"name": "datetime", "type": "datetime", "options": {"timezone": "Asia/Shanghai"}},
    {"name": "duration", "type": "duration"},
    {"name": "single_select", "type": "single_select", "options": {"choices": ["是", "否", "42"]}},
    {
        "name": "multiple_select",
        "type": "multiple_select",
        "options": {"choices": ["是", "否", "3", "5", "42"]},
    },
    {"name": "email", "type": "email"},
    {"name": "phone", "type": "phone"},
    {"name": "url", "type": "url"},
    {"name": "user", "type": "user"},
    {"name": "attachment", "type": "attachment"},
    {"name": "autonumber", "type": "autonumber"},
    {"name": "created_time", "type": "created_time"},
    {"name": "last_modified_time", "type": "last_modified_time"},
    {"name": "created_by", "type": "created_by"},
    {"name": "last_modified_by", "type": "last_modified_by"},
    {"name": "link", "type": "link", "options": {"table": "T"}},  # to the table itself
    {"name": "lookup", "type": "lookup", "options": {"link_field": "link", "target_field": "text"}},
    {
        "name": "rollup",
        "type": "rollup",
        "options": {"link_field": "link", "target_field": "number", "fn": "sum"},
    },
    {"name": "count", "type": "count", "options": {"link_field": "link"}},
    {"name": "formula", "type": "formula", "options": {"formula": "{number} * 2"}},
]

RO = ["read_only"] * len(INPUTS)
# " 42 " into the self-link is record 42 of the matrix table, which exists by then (its text is
# empty, so its title is too); a missing record is "unknown_record" (tests/test_links.py)

# fmt: off
EXPECTED: dict[str, list[Any]] = {
    #                  None   ""     " 42 "            0                 -1.5              "3,5"               "2024-02-30"        "是"                "😀"                LONG
    "text":            [None, None,  " 42 ",           "0",              "-1.5",           "3,5",              "2024-02-30",       "是",               "😀",               LONG],
    "long_text":       [None, None,  " 42 ",           "0",              "-1.5",           "3,5",              "2024-02-30",       "是",               "😀",               LONG],
    "number":          [None, None,  42,               0,                "not_integer",    "invalid_number",   "invalid_number",   "invalid_number",   "invalid_number",   "invalid_number"],
    "currency":        [None, None,  42.0,             0.0,              -1.5,             "invalid_number",   "invalid_number",   "invalid_number",   "invalid_number",   "invalid_number"],
    "percent":         [None, None,  0.42,             0.0,              -1.5,             "invalid_number",   "invalid_number",   "invalid_number",   "invalid_number",   "invalid_number"],
    "rating":          [None, None,  "out_of_range",   None,             "not_integer",    "invalid_number",   "invalid_number",   "invalid_number",   "invalid_number",   "invalid_number"],
    "checkbox":        [False, False, "invalid_type",  False,            "invalid_type",   "invalid_type",     "invalid_type",     True,               "invalid_type",     "invalid_type"],
    "date":            [None, None,  "invalid_date",   "invalid_type",   "invalid_type",   "invalid_date",     "invalid_date",     "invalid_date",     "invalid_date",     "invalid_date"],
    "datetime":        [None, None,  "invalid_datetime", "invalid_type", "invalid_type",   "invalid_datetime", "invalid_datetime", "invalid_datetime", "invalid_datetime", "invalid_datetime"],
    "duration":        [None, None,  42,               0,                -1.5,             "invalid_duration", "invalid_duration", "invalid_duration", "invalid_duration", "invalid_duration"],
    "single_select":   [None, None,  "42",             "unknown_option", "unknown_option", "unknown_option",   "unknown_option",   "是",               "unknown_option",   "unknown_option"],
    "multiple_select": [None, None,  ["42"],           "unknown_option", "unknown_option", ["3", "5"],         "unknown_option",   ["是"],             "unknown_option",   "unknown_option"],
    "email":           [None, None,  "invalid_email",  "invalid_email",  "invalid_email",  "invalid_email",    "invalid_email",    "invalid_email",    "invalid_email",    "invalid_email"],
    "phone":           [None, None,  "invalid_phone",  "invalid_phone",  "invalid_phone",  "invalid_phone",    "2024-02-30",       "invalid_phone",    "invalid_phone",    "invalid_phone"],
    "url":             [None, None,  "invalid_url",    "invalid_url",    "invalid_url",    "invalid_url",      "invalid_url",      "invalid_url",      "invalid_url",      "invalid_url"],
    "user":            [None, None,  "unknown_user",   "invalid_type",   "invalid_type",   "invalid_type",     "invalid_type",     "invalid_type",     "invalid_type",     "invalid_type"],
    "attachment":      [None, None,  "invalid_type",   "invalid_type",   "invalid_type",   "invalid_type",     "invalid_type",     "invalid_type",     "invalid_type",     "invalid_type"],
    "autonumber":         RO,
    "created_time":       RO,
    "last_modified_time": RO,
    "created_by":         RO,
    "last_modified_by":   RO,
    "link":            [[],   [],    [{"id": 42, "title": None}], "invalid_type",   "invalid_type",   "invalid_type",     "invalid_type",     "invalid_type",     "invalid_type",     "invalid_type"],
    "lookup":             RO,
    "rollup":             RO,
    "count":              RO,
    "formula":            RO,
}
# fmt: on


def _cell(table: engine.Table, name: str, value: Any) -> Any:
    """What the engine makes of `value` written into field `name`: the value read back in a
    fresh transaction, or the code of the one problem the write was refused with."""
    before = table.count()
    try:
        rec = table.create({name: value})
    except engine.ValidationError as err:
        assert table.count() == before  # a refused write writes nothing
        assert len(err.problems) == 1, err.problems
        p = err.problems[0]
        assert p.field_name == name
        assert p.message_en and p.message_zh and p.message_en != p.message_zh, p
        return p.code
    again = table.get(rec.id)
    assert again[name] == rec[name]
    return again[name]


def test_the_matrix_covers_every_type() -> None:
    assert sorted(f["type"] for f in FIELDS) == sorted(REGISTRY)
    assert list(EXPECTED) == [f["name"] for f in FIELDS]


def test_conversion_matrix(build_table: Any) -> None:
    table = build_table(FIELDS)
    actual = {f["name"]: [_cell(table, f["name"], v) for v in INPUTS] for f in FIELDS}
    assert actual == EXPECTED
    # 42 == 42.0 and True == 1 in Python: the kinds must match too
    kinds = {k: [type(v).__name__ for v in row] for k, row in actual.items()}
    assert kinds == {k: [type(v).__name__ for v in row] for k, row in EXPECTED.items()}


@pytest.mark.parametrize("name", [f["name"] for f in FIELDS if REGISTRY[f["type"]].read_only])
def test_read_only_types_refuse_on_update_too(build_table: Any, name: str) -> None:
    table = build_table(FIELDS)
    rec = table.create({"text": "x"})
    with pytest.raises(engine.ValidationError) as err:
        table.update(rec.id, {name: None})
    assert [p.code for p in err.value.problems] == ["read_only"]
    assert table.get(rec.id).version == 1
