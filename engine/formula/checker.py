"""The type checker: gives every node its result type, or raises a FormulaError that says what
is wrong and where (unknown function, wrong number or type of arguments, operands that do not
fit an operator)."""

from __future__ import annotations

import difflib

from . import nodes as n
from .catalog import FUNCTIONS
from .errors import FormulaError, type_error
from .operators import ARITHMETIC, COMPARISON, OperandProblem, check_arithmetic, compare_mode
from .registry import ACCEPTS, KIND_LABELS, Function, Kind, LiteralProblem
from .types import FType


def check(node: n.Node) -> FType:
    node.ftype = _type(node)
    return node.ftype


def _type(node: n.Node) -> FType:
    if isinstance(node, n.Number):
        return FType.NUMBER
    if isinstance(node, n.Text):
        return FType.TEXT
    if isinstance(node, n.Boolean):
        return FType.BOOLEAN
    if isinstance(node, n.FieldRef):
        return node.field_type
    if isinstance(node, n.Negate):
        t = check(node.operand)
        _operands("-", t, FType.NUMBER, node.operand, node.operand)
        return FType.NUMBER
    if isinstance(node, n.BinOp):
        return _binop(node)
    assert isinstance(node, n.Call)
    return _call(node)


def _operands(op: str, lt: FType, rt: FType, left: n.Node, right: n.Node, at: int = 0) -> str:
    try:
        if op in ARITHMETIC:
            check_arithmetic(op, lt, rt)
            return ""
        return compare_mode(op, lt, rt)
    except OperandProblem as p:
        pos = at if p.side is None else (left, right)[p.side].pos
        raise type_error(p.en, p.zh, pos) from None


def _binop(node: n.BinOp) -> FType:
    lt, rt = check(node.left), check(node.right)
    if node.op == "&":
        return FType.TEXT
    _operands(node.op, lt, rt, node.left, node.right, node.pos)
    return FType.BOOLEAN if node.op in COMPARISON else FType.NUMBER


def _arity(fn: Function) -> tuple[str, str]:
    lo, hi = fn.min_args, fn.max_args
    if hi is None:
        return f"at least {lo} argument{'s' * (lo != 1)}", f"至少 {lo} 个参数"
    if lo == hi:
        return f"{lo} argument{'s' * (lo != 1)}", f"{lo} 个参数"
    return f"{lo} to {hi} arguments", f"{lo} 到 {hi} 个参数"


def _call(node: n.Call) -> FType:
    fn = FUNCTIONS.get(node.name)
    if fn is None:
        close = difflib.get_close_matches(node.name, FUNCTIONS, n=1)
        hint_en = f"; did you mean {close[0]}?" if close else ""
        hint_zh = f"；是不是要用 {close[0]}？" if close else ""
        raise FormulaError(
            f"Unknown function {node.name}{hint_en}",
            f"未知函数 {node.name}{hint_zh}",
            node.pos,
            kind="unknown_function",
        )
    count = len(node.args)
    if count < fn.min_args or (fn.max_args is not None and count > fn.max_args):
        en, zh = _arity(fn)
        raise FormulaError(
            f"{fn.name} takes {en}, but got {count}",
            f"{fn.name} 需要{zh}，实际为 {count} 个",
            node.pos,
            kind="argument_count",
        )
    types = []
    for i, arg in enumerate(node.args):
        t = check(arg)
        _argument(fn, i, arg, t)
        types.append(t)
    return fn.result_type(types, node)


def _argument(fn: Function, i: int, arg: n.Node, t: FType) -> None:
    param = fn.param(i)
    if param.kind is Kind.LITERAL:
        if not isinstance(arg, n.Text):
            raise type_error(
                f"Argument {i + 1} of {fn.name} must be text written in the formula "
                "(such as 'days'), not a field or a calculation",
                f"{fn.name} 的第 {i + 1} 个参数必须直接写成文本（例如 'days'），"
                "不能是字段或计算结果",
                arg.pos,
            )
        if param.validate is not None:
            try:
                param.validate(arg.value)
            except LiteralProblem as p:
                raise FormulaError(p.en, p.zh, arg.pos, kind="invalid_argument") from None
        return
    if t not in ACCEPTS[param.kind]:
        want_en, want_zh = KIND_LABELS.get(param.kind, ("something else", "其他类型"))
        raise type_error(
            f"Argument {i + 1} of {fn.name} must be {want_en}, not {t.label_en}",
            f"{fn.name} 的第 {i + 1} 个参数应为{want_zh}，而不是{t.label_zh}",
            arg.pos,
        )
