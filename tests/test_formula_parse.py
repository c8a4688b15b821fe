"""Reading formulas: syntax, precedence, escapes, field references (any Unicode name), the
positions and bilingual messages of errors, and the stored form that survives renames."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import TesseraError
from engine.formula import (
    FieldInfo,
    FormulaError,
    FType,
    parse,
    parse_stored,
    to_display,
    to_stored,
)
from engine.formula import nodes as n
from engine.formula.lexer import escape_field_name

FIELDS = {
    "Name": FieldInfo(1, "Name", FType.TEXT),
    "Price": FieldInfo(2, "Price", FType.NUMBER),
    "金额 (元)": FieldInfo(3, "金额 (元)", FType.NUMBER),
    "a}b{c\\": FieldInfo(4, "a}b{c\\", FType.TEXT),
    "Due": FieldInfo(5, "Due", FType.DATE),
    "客户": FieldInfo(6, "客户", FType.TEXT),
}
BY_ID = {f.id: f for f in FIELDS.values()}


def p(text: str) -> n.Node:
    return parse(text, FIELDS.get).root


def shape(node: n.Node) -> object:
    """A compact picture of the tree: numbers, strings, fields by id, (op, left, right)."""
    if isinstance(node, n.Number):
        return node.value
    if isinstance(node, n.Text):
        return repr(node.value)
    if isinstance(node, n.Boolean):
        return node.value
    if isinstance(node, n.FieldRef):
        return f"#{node.field_id}"
    if isinstance(node, n.Negate):
        return ("neg", shape(node.operand))
    if isinstance(node, n.BinOp):
        return (node.op, shape(node.left), shape(node.right))
    assert isinstance(node, n.Call)
    return (node.name, *(shape(a) for a in node.args))


def error(text: str) -> FormulaError:
    with pytest.raises(FormulaError) as info:
        parse(text, FIELDS.get)
    return info.value


# --- syntax and precedence -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("1 + 2 * 3", ("+", 1.0, ("*", 2.0, 3.0))),
        ("(1 + 2) * 3", ("*", ("+", 1.0, 2.0), 3.0)),
        ("8 / 4 / 2", ("/", ("/", 8.0, 4.0), 2.0)),
        ("10 - 3 - 2", ("-", ("-", 10.0, 3.0), 2.0)),
        ("1 + 2 & 3", ("&", ("+", 1.0, 2.0), 3.0)),
        ("'a' & 1 = 'a1'", ("=", ("&", "'a'", 1.0), "'a1'")),
        ("1 < 2 = TRUE()", ("=", ("<", 1.0, 2.0), ("TRUE",))),
        ("-2 * 3", ("*", ("neg", 2.0), 3.0)),
        ("2 * -3", ("*", 2.0, ("neg", 3.0))),
        ("--1", ("neg", ("neg", 1.0))),
        ("+5", 5.0),
        ("1 != 2", ("!=", 1.0, 2.0)),
        ("1 <> 2", ("!=", 1.0, 2.0)),
        ("1 <= 2 >= 0", (">=", ("<=", 1.0, 2.0), 0.0)),
        (".5 + 1.25e2 + 3E-1", ("+", ("+", 0.5, 125.0), 0.3)),
        ("{Price} * 2", ("*", "#2", 2.0)),
        ("Price * 2", ("*", "#2", 2.0)),
        ("客户 & {金额 (元)}", ("&", "#6", "#3")),
        ("if({Price} > 1, len({Name}), 0)", ("IF", (">", "#2", 1.0), ("LEN", "#1"), 0.0)),
        ("Round (1.5, 0)", ("ROUND", 1.5, 0.0)),
        ("TRUE() & false & True", ("&", ("&", ("TRUE",), False), True)),
        ("IF（{Price}，1，2）", ("IF", "#2", 1.0, 2.0)),
        ("\n  1\t+\u30002  ", ("+", 1.0, 2.0)),
        ("NOW()", ("NOW",)),
    ],
)
def test_syntax_and_precedence(text: str, tree: object) -> None:
    assert shape(p(text)) == tree


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"double"', "double"),
        ("'single'", "single"),
        (r'"say \"hi\""', 'say "hi"'),
        (r"'it\'s'", "it's"),
        (r'"a\\b"', "a\\b"),
        (r'"line\nbreak\ttab"', "line\nbreak\ttab"),
        (r'"\d+"', "\\d+"),  # an unknown escape keeps its backslash (regular expressions)
        ('"it\'s"', "it's"),
        ("'say \"hi\"'", 'say "hi"'),
        ("“中文”", "中文"),
        ('"{not a field}"', "{not a field}"),
        ('""', ""),
    ],
)
def test_string_literals_and_escapes(text: str, value: str) -> None:
    node = p(text)
    assert isinstance(node, n.Text)
    assert node.value == value


def test_field_names_may_hold_any_character() -> None:
    assert shape(p(r"{a\}b\{c\\}")) == "#4"
    assert shape(p("{金额 (元)} + 1")) == ("+", "#3", 1.0)


@given(st.text(min_size=1).filter(lambda s: s.strip()))
def test_any_name_escapes_and_reads_back(name: str) -> None:
    info = FieldInfo(7, name, FType.TEXT)
    formula = parse(escape_field_name(name) + " & ''", {name: info}.get)
    assert formula.references == {7}


# --- errors and where they are -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "position", "kind", "words"),
    [
        ("", 0, "syntax", "empty"),
        ("   ", 0, "syntax", "empty"),
        ('"abc', 0, "syntax", "closing"),
        ("1 + 'abc", 4, "syntax", "closing"),
        ("{Name", 0, "syntax", "}"),
        ("1 + {}", 4, "syntax", "Empty field"),
        ("{Nope} & 1", 0, "unknown_field", "{Nope}"),
        ("1 + Nope", 4, "unknown_field", "braces"),
        ("FOO(1)", 0, "unknown_function", "FOO"),
        ("1 + LENN('x')", 4, "unknown_function", "did you mean LEN"),
        ("1 +", 3, "syntax", "too early"),
        ("1 2", 2, "syntax", "number '2'"),
        ("(1 + 2", 6, "syntax", "')'"),
        ("1 + 2)", 5, "syntax", "without a matching"),
        ("IF(1,,2)", 5, "syntax", "Missing argument"),
        ("IF(1, 2", 0, "syntax", "no closing"),
        ("LEN('a' 'b')", 8, "syntax", "',' or ')'"),
        ("1 # 2", 2, "syntax", "Unexpected character"),
        ("1 } 2", 2, "syntax", "without a matching '{'"),
        ("* 2", 0, "syntax", "expected a value"),
        ("LEN()", 0, "argument_count", "1 argument, but got 0"),
        ("IF(1)", 0, "argument_count", "2 to 3 arguments"),
        ("1 + CONCATENATE()", 4, "argument_count", "at least 1"),
        ("ROUND(1, 2, 3)", 0, "argument_count", "1 to 2"),
    ],
)
def test_errors_say_what_and_where(text: str, position: int, kind: str, words: str) -> None:
    e = error(text)
    assert (e.position, e.kind) == (position, kind)
    assert words in e.message_en
    assert e.message_zh and e.message_zh != e.message_en
    assert isinstance(e, TesseraError)
    assert f"position {position}" in str(e)


def test_error_messages_in_chinese() -> None:
    assert error("{不存在}").message_zh == "未知字段 {不存在}"
    assert "未知函数" in error("FOO()").message_zh
    assert "缺少" in error('"abc').message_zh
    assert error("LEN()").message_zh == "LEN 需要1 个参数，实际为 0 个"


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    assert error("(" * 500 + "1" + ")" * 500).kind == "syntax"
    assert isinstance(p("(" * 50 + "1" + ")" * 50), n.Number)


# --- stored form ---------------------------------------------------------------------------------
def test_stored_form_uses_field_ids_and_keeps_the_rest() -> None:
    text = 'IF( {Price} > 1,\n  {金额 (元)} & "{Price}" , 客户 )'
    stored = to_stored(text, FIELDS.get)
    assert stored == 'IF( {fld:2} > 1,\n  {fld:3} & "{Price}" , {fld:6} )'
    assert parse(text, FIELDS.get).stored == stored
    assert to_stored("TRUE() & true", FIELDS.get) == "TRUE() & true"


def test_renames_never_break_a_stored_formula() -> None:
    stored = to_stored("{Price} * 2 & {Name}", FIELDS.get)
    renamed = {2: "单价 {含税}", 1: "Name"}
    display = to_display(stored, renamed.get)
    assert display == "{单价 \\{含税\\}} * 2 & {Name}"
    new_fields = {
        "单价 {含税}": FieldInfo(2, "单价 {含税}", FType.NUMBER),
        "Name": FIELDS["Name"],
    }
    again = parse(display, new_fields.get)
    assert again.stored == stored
    assert again.references == {1, 2}


def test_display_and_back_for_awkward_names() -> None:
    stored = "{fld:4} & {fld:3}"
    display = to_display(stored, lambda i: BY_ID[i].name)
    assert display == "{a\\}b\\{c\\\\} & {金额 (元)}"
    assert to_stored(display, FIELDS.get) == stored


def test_parse_stored_reads_ids_with_current_types() -> None:
    formula = parse_stored("{fld:2} + 1", BY_ID.get)
    assert formula.references == {2}
    assert formula.result_type is FType.NUMBER
    changed = {2: FieldInfo(2, "Price", FType.TEXT)}
    with pytest.raises(FormulaError) as info:
        parse_stored("{fld:2} + 1", changed.get)
    assert info.value.kind == "type"


def test_deleted_fields_in_stored_formulas() -> None:
    with pytest.raises(FormulaError) as info:
        parse_stored("1 + {fld:99}", BY_ID.get)
    assert (info.value.kind, info.value.position) == ("unknown_field", 4)
    assert "no longer exists" in info.value.message_en
    assert to_display("1 + {fld:99}", lambda i: None) == "1 + {fld:99}"
    with pytest.raises(FormulaError):
        parse_stored("1 + {Price}", BY_ID.get)  # names are not ids
    with pytest.raises(FormulaError):
        to_stored("{Gone} + 1", FIELDS.get)


def test_formula_properties() -> None:
    f = parse("IF({Price} > 1, DATEADD(TODAY(), 1, 'days'), {Due}) & RECORD_ID()", FIELDS.get)
    assert f.references == {2, 5}
    assert f.volatile
    assert f.system_references == {"record_id"}
    assert f.result_type is FType.TEXT
    g = parse("DATETIME_DIFF(LAST_MODIFIED_TIME(), CREATED_TIME())", FIELDS.get)
    assert not g.volatile
    assert g.system_references == {"created", "modified"}
    assert parse("TONOW({Due})", FIELDS.get).volatile
    assert parse("FROMNOW({Due})", FIELDS.get).volatile
    assert not parse("{Due}", FIELDS.get).volatile


def test_field_info_takes_type_names() -> None:
    info = FieldInfo(1, "x", "number")
    assert info.ftype is FType.NUMBER
    assert parse("{x} + 1", {"x": info}.get).result_type is FType.NUMBER
