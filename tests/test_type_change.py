"""Changing a field's type (values converted, none lost) and its options (select renames)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import inspect

import engine
from engine import indexes

D = dt.date(2024, 3, 5)

# from type, its options, values written, to type, its options, values after, values kept aside
CONVERSIONS: list[tuple[str, dict[str, Any], list[Any], str, dict[str, Any], list[Any], Any]] = [
    (
        "text", {}, ["1", "1,234", " 42 ", "abc", None, "3.5"],
        "number", {}, [1, 1234, 42, None, None, None], [None, None, None, "abc", None, "3.5"],
    ),
    (
        "text", {}, ["¥1,299.50", "12", "abc"],
        "currency", {}, [1299.5, 12.0, None], [None, None, "abc"],
    ),
    ("number", {}, [12, 0, -3], "currency", {"symbol": "$"}, [12.0, 0.0, -3.0], None),
    ("number", {}, [7, -3, None], "text", {}, ["7", "-3", None], None),
    ("currency", {}, [1299.5], "text", {}, ["¥1,299.50"], None),
    (
        "text", {}, ["50%", "12.5", "x"],
        "percent", {"precision": 1}, [0.5, 0.125, None], [None, None, "x"],
    ),
    ("percent", {}, [0.5, 1.25], "text", {}, ["50%", "125%"], None),
    (
        "text", {}, ["2024-03-05", "2024年3月5日", "3/5/2024", "soon"],
        "date", {}, [D, D, D, None], [None, None, None, "soon"],
    ),
    ("date", {}, ["2024-03-05", None], "text", {}, ["2024-03-05", None], None),
    (
        "text", {}, ["yes", "是", "no", "maybe", "✓", None],
        "checkbox", {}, [True, True, False, False, True, False], [None, None, None, "maybe", None, None],
    ),
    ("number", {}, [1, 0, 2], "checkbox", {}, [True, False, False], [None, None, "2"]),
    # into a select type without options: one option per distinct value, in order of appearance
    ("text", {}, ["B", "A", "B", None, "a"], "single_select", {}, ["B", "A", "B", None, "a"], None),
    ("number", {}, [3, 2024, 3], "single_select", {}, ["3", "2024", "3"], None),
    ("date", {}, ["2024-03-05"], "single_select", {}, ["2024-03-05"], None),
    (
        "text", {}, ["A, B", "B", "C；D", None],
        "multiple_select", {}, [["A", "B"], ["B"], ["C", "D"], None], None,
    ),
    # select to select keeps the options
    ("single_select", {"choices": ["A", "B"]}, ["A", "B", None], "multiple_select", {}, [["A"], ["B"], None], None),
    (
        "multiple_select", {"choices": ["A", "B"]}, [["A"], ["A", "B"], None],
        "single_select", {}, ["A", None, None], [None, "A, B", None],
    ),
    ("single_select", {"choices": ["A", "B"]}, ["A", "B", None], "text", {}, ["A", "B", None], None),
    ("multiple_select", {"choices": ["A", "B"]}, [["B", "A"]], "text", {}, ["B, A"], None),
    ("single_select", {"choices": ["1", "x"]}, ["1", "x"], "number", {}, [1, None], [None, "x"]),
    (
        "single_select", {"choices": ["2024-03-05", "later"]}, ["2024-03-05", "later"],
        "date", {}, [D, None], [None, "later"],
    ),
    ("single_select", {"choices": ["是", "否"]}, ["是", "否", None], "checkbox", {}, [True, False, False], None),
]  # fmt: skip


def values(table: engine.Table, name: str) -> list[Any]:
    return [r.get(name) for r in table.all()]


def empty(v: Any) -> bool:
    return v is None or v is False or v == []


@pytest.mark.parametrize(
    ("src", "src_options", "written", "dst", "dst_options", "expected", "kept"),
    CONVERSIONS,
    ids=[f"{c[0]}->{c[3]}-{i}" for i, c in enumerate(CONVERSIONS)],
)
def test_conversion(build_table, src, src_options, written, dst, dst_options, expected, kept):
    t = build_table(
        [{"name": "Name"}, {"name": "F", "type": src, "options": src_options}],
        [{"Name": str(i), "F": v} for i, v in enumerate(written)],
    )
    before = values(t, "F")
    preview = t.preview_type_change("F", dst, dst_options)
    assert t.field("F").type.name == src and values(t, "F") == before  # a preview changes nothing
    assert [f.name for f in t.fields] == ["Name", "F"]
    result = t.change_type("F", dst, dst_options)
    assert t.field("F").type.name == dst
    assert values(t, "F") == expected
    failed = [k for k in kept or [] if k is not None]
    total = len([v for v in before if not empty(v)])
    assert (result.total, result.converted, result.failed) == (
        total,
        total - len(failed),
        len(failed),
    )
    assert (preview.total, preview.converted, preview.failed) == (
        result.total,
        result.converted,
        result.failed,
    )
    assert preview.new_choices == result.new_choices
    if kept is None:
        assert result.kept_in_field_id is None
        assert [f.name for f in t.fields] == ["Name", "F"]
    else:
        assert t.field(result.kept_in_field_id).name == "F (original)"
        assert t.field("F (original)").type.name == "long_text"
        assert values(t, "F (original)") == kept
    assert [r["Name"] for r in t.all()] == [str(i) for i in range(len(written))]


def test_options_made_from_values(build_table):
    t = build_table([{"name": "F"}], [{"F": v} for v in ["VIP", "新客", "VIP", None, "流失"]])
    assert t.preview_type_change("F", "single_select").new_choices == ["VIP", "新客", "流失"]
    t.change_type("F", "single_select")
    assert t.field("F").type.choice_names() == ["VIP", "新客", "流失"]
    assert values(t, "F") == ["VIP", "新客", "VIP", None, "流失"]
    # options given are used as given: values outside them do not convert, and are kept
    u = build_table([{"name": "F"}], [{"F": "VIP"}, {"F": "other"}], name="U")
    result = u.change_type("F", "single_select", {"choices": ["VIP"]})
    assert result.new_choices == [] and values(u, "F") == ["VIP", None]
    assert values(u, "F (original)") == [None, "other"]


def test_preview_reports_failures_and_examples(build_table):
    t = build_table([{"name": "F"}], [{"F": v} for v in ["1", "abc", "2", "abc", None]])
    ids = [r.id for r in t.all()]
    p = t.preview_type_change("F", "number")
    assert (p.total, p.converted, p.failed) == (4, 2, 2)
    assert p.examples == [("1", "1"), ("2", "2")]
    assert [(f.record_id, f.value) for f in p.failures] == [(ids[1], "abc"), (ids[3], "abc")]
    assert all(f.message_en and f.message_zh and f.message_en != f.message_zh for f in p.failures)
    assert values(t, "F") == ["1", "abc", "2", "abc", None]


def test_dropping_what_does_not_convert(build_table):
    t = build_table([{"name": "F"}], [{"F": "1"}, {"F": "abc"}])
    result = t.change_type("F", "number", keep_unconverted=False)
    assert result.failed == 1 and result.kept_in_field_id is None
    assert [f.name for f in t.fields] == ["F"] and values(t, "F") == [1, None]


def test_the_kept_field_gets_a_free_name(build_table):
    t = build_table([{"name": "F"}, {"name": "f (ORIGINAL)"}], [{"F": "abc"}])
    result = t.change_type("F", "number")
    assert t.field(result.kept_in_field_id).name == "F (original) 2"


def test_into_and_out_of_computed_types(build_table):
    t = build_table([{"name": "Name"}, {"name": "F"}], [{"F": "x"}, {}])
    result = t.change_type("F", "created_time")
    assert (result.total, result.failed) == (1, 1)
    assert values(t, "F (original)") == ["x", None]
    assert [r["F"] for r in t.all()] == [r.created_at for r in t.all()]
    t.change_type("F", "text")
    assert values(t, "F") == [r.created_at.isoformat(timespec="seconds") for r in t.all()]
    n = t.add_field("No", "autonumber")
    t.change_type(n.id, "number")
    assert values(t, "No") == [r.id for r in t.all()]


# --- rules --------------------------------------------------------------------------------------
RULES = [
    # from, rules, to, rules after, dropped
    (
        "text", {"required": True, "unique": True, "max_length": 10, "pattern": r"\d+"},
        "number", {"required": True, "unique": True}, ["max_length", "pattern"],
    ),
    ("number", {"min": 0, "max": 100, "default": 5}, "text", {"default": "5"}, ["min", "max"]),
    ("number", {"min": 0, "unique": True}, "currency", {"min": 0, "unique": True}, []),
    ("number", {"unique": True, "required": True}, "checkbox", {"required": True}, ["unique"]),
    ("text", {"default": "abc", "unique": True}, "number", {"unique": True}, ["default"]),
    ("text", {"unique": True}, "multiple_select", {}, ["unique"]),
    ("text", {"required": True}, "created_time", {}, ["required"]),
    ("date", {"min": "2024-01-01"}, "datetime", {"min": "2024-01-01"}, []),
]  # fmt: skip


@pytest.mark.parametrize(("src", "rules", "dst", "after", "dropped"), RULES)
def test_rules_are_kept_or_dropped_by_capability(db, build_table, src, rules, dst, after, dropped):
    t = build_table([{"name": "Name"}, {"name": "F", "type": src, "rules": rules}])
    assert t.preview_type_change("F", dst).dropped_rules == dropped
    assert t.change_type("F", dst).dropped_rules == dropped
    f = t.field("F")
    assert f.rules.model_dump(exclude_defaults=True).keys() == after.keys()
    unique = [
        ix["column_names"] for ix in inspect(db.engine).get_indexes(f"tbl_{t.id}") if ix["unique"]
    ]
    assert unique == ([[f.column]] if after.get("unique") else [])


def test_unique_is_recreated_and_enforced(build_table):
    t = build_table(
        [{"name": "Name"}, {"name": "F", "rules": {"unique": True}}], [{"F": "1"}, {"F": "2"}]
    )
    t.change_type("F", "number")
    with pytest.raises(engine.ValidationError) as err:
        t.create({"F": 2})
    assert [p.code for p in err.value.problems] == ["not_unique"]
    t.create({"F": 3})


def test_view_index_survives_a_type_change(db, build_table):
    t = build_table([{"name": "Name"}, {"name": "F", "type": "number"}], [{"F": 1}])
    with db.write() as conn:
        assert indexes.ensure_index(conn, t.schema(), t.field("F"))
    t.change_type("F", "currency")
    names = [ix["name"] for ix in inspect(db.engine).get_indexes(f"tbl_{t.id}")]
    assert indexes.index_name(t.schema(), t.field("F")) in names


def test_primary_field_must_stay_able_to_be_primary(build_table):
    t = build_table([{"name": "Name"}, {"name": "Other"}], [{"Name": "1"}])
    for dst in ("checkbox", "attachment"):
        with pytest.raises(engine.SchemaError):
            t.preview_type_change("Name", dst)
        with pytest.raises(engine.SchemaError):
            t.change_type("Name", dst)
    assert t.field("Name").type.name == "text" and values(t, "Name") == ["1"]
    t.change_type("Name", "number")
    assert t.schema().primary.name == "Name" and values(t, "Name") == [1]
    t.change_type("Other", "checkbox")  # not primary: fine


# --- select options -----------------------------------------------------------------------------
@pytest.fixture
def selects(build_table):
    choices = {"choices": ["A", "B", "C"]}
    return build_table(
        [
            {"name": "Name"},
            {"name": "One", "type": "single_select", "options": choices},
            {"name": "Many", "type": "multiple_select", "options": choices},
        ],
        [
            {"Name": "1", "One": "A", "Many": ["A", "B"]},
            {"Name": "2", "One": "B", "Many": ["C", "A"]},
            {"Name": "3", "One": "C", "Many": ["B"]},
            {"Name": "4"},
        ],
    )


def choice_list(t: engine.Table, name: str) -> list[dict[str, Any]]:
    return list(t.field(name).type.options_dict()["choices"])


def with_names(t: engine.Table, field: str, renames: dict[str, str]) -> list[dict[str, Any]]:
    return [{**c, "name": renames.get(c["name"], c["name"])} for c in choice_list(t, field)]


def test_renaming_options_rewrites_rows(selects):
    for field in ("One", "Many"):
        selects.set_options(field, {"choices": with_names(selects, field, {"A": "Alpha"})})
    assert values(selects, "One") == ["Alpha", "B", "C", None]
    assert values(selects, "Many") == [["Alpha", "B"], ["C", "Alpha"], ["B"], None]
    selects.create({"One": "Alpha", "Many": "Alpha, C"})
    with pytest.raises(engine.ValidationError):
        selects.create({"One": "A"})


def test_swapping_two_option_names(selects):
    for field in ("One", "Many"):
        selects.set_options(field, {"choices": with_names(selects, field, {"A": "B", "B": "A"})})
    assert values(selects, "One") == ["B", "A", "C", None]
    assert values(selects, "Many") == [["B", "A"], ["C", "B"], ["A"], None]


def test_swapping_unique_option_names(build_table):
    t = build_table(
        [
            {
                "name": "One",
                "type": "single_select",
                "options": {"choices": ["A", "B"]},
                "rules": {"unique": True},
            }
        ],
        [{"One": "A"}, {"One": "B"}],
    )
    t.set_options("One", {"choices": with_names(t, "One", {"A": "B", "B": "A"})})
    assert values(t, "One") == ["B", "A"]


def test_removing_options_clears_them_from_rows(selects):
    for field in ("One", "Many"):
        kept = [c for c in choice_list(selects, field) if c["name"] != "B"]
        selects.set_options(field, {"choices": kept})
    assert values(selects, "One") == ["A", None, "C", None]
    assert values(selects, "Many") == [["A"], ["C", "A"], None, None]


def test_options_given_by_name_keep_their_ids_and_colours(selects):
    before = {c["name"]: c for c in choice_list(selects, "Many")}
    selects.set_options("Many", {"choices": ["C", "A", "B", "D"]})
    after = choice_list(selects, "Many")
    assert [c["name"] for c in after] == ["C", "A", "B", "D"]
    for c in after[:3]:
        assert (c["id"], c["color"]) == (before[c["name"]]["id"], before[c["name"]]["color"])
    assert after[3]["id"] not in {c["id"] for c in before.values()}
    assert values(selects, "Many") == [["A", "B"], ["C", "A"], ["B"], None]


def test_awkward_option_names_are_only_ever_parameters(selects):
    odd = ["it's", 'say "x"', "50% :a0 ?", "选项 🚀"]
    renames = dict(zip(["A", "B", "C"], odd, strict=False))
    for field in ("One", "Many"):
        selects.set_options(field, {"choices": with_names(selects, field, renames)})
    assert values(selects, "One") == [*odd[:3], None]
    assert values(selects, "Many") == [[odd[0], odd[1]], [odd[2], odd[0]], [odd[1]], None]
    selects.set_options("One", {"choices": with_names(selects, "One", {odd[0]: odd[3]})})
    assert values(selects, "One") == [odd[3], odd[1], odd[2], None]


def test_the_default_follows_a_renamed_option(build_table):
    t = build_table(
        [
            {
                "name": "S",
                "type": "single_select",
                "options": {"choices": ["新", "旧"]},
                "rules": {"default": "新"},
            }
        ]
    )
    t.set_options("S", {"choices": with_names(t, "S", {"新": "新客户"})})
    assert t.field("S").rules.default == "新客户"
    assert t.create({})["S"] == "新客户"
    t.set_options("S", {"choices": ["旧"]})
    assert t.field("S").rules.default is None


def test_options_that_change_storage_or_do_not_fit_are_refused(build_table):
    t = build_table(
        [
            {"name": "Who", "type": "user"},
            {"name": "Qty", "type": "number", "options": {"precision": 1}},
            {"name": "Stars", "type": "rating"},
        ],
        [{"Qty": 1.5, "Stars": 4}, {"Qty": 2}],
    )
    with pytest.raises(engine.SchemaError):
        t.set_options("Who", {"multiple": True})
    with pytest.raises(engine.SchemaError) as err:
        t.set_options("Qty", {"precision": 0})
    assert "1.5" in err.value.message_en
    with pytest.raises(engine.SchemaError):
        t.set_options("Stars", {"max": 3})
    assert t.field("Qty").type.options.precision == 1 and values(t, "Qty") == [1.5, 2]
    t.set_options("Qty", {"precision": 3})
    t.set_options("Stars", {"max": 10, "icon": "heart"})
    assert values(t, "Qty") == [1.5, 2] and values(t, "Stars") == [4, None]
