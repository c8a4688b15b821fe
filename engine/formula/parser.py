"""A small Pratt parser: tokens to AST, with Airtable's operator precedence.

Lowest to highest: comparisons (= != < > <= >=), then &, then + and -, then * and /, then unary
minus. All binary operators are left-associative. Function names are case-insensitive.
"""

from __future__ import annotations

from collections.abc import Callable

from . import nodes as n
from .errors import FormulaError, syntax_error
from .lexer import T, Token, tokenize
from .types import FieldInfo, FType

BINDING = {
    "=": 10,
    "!=": 10,
    "<": 10,
    ">": 10,
    "<=": 10,
    ">=": 10,
    "&": 20,
    "+": 30,
    "-": 30,
    "*": 40,
    "/": 40,
}
UNARY = 50
MAX_DEPTH = 200

Resolver = Callable[[Token], FieldInfo]


def parse_tokens(text: str, resolve: Resolver) -> n.Node:
    """The AST of `text`; `resolve` turns a field token (`{…}` or a bare name) into a field."""
    return _Parser(tokenize(text), resolve).parse()


def describe(tok: Token) -> tuple[str, str]:
    if tok.kind is T.EOF:
        return "the end of the formula", "公式结尾"
    shown = tok.text if tok.kind is not T.STRING else repr(tok.text)
    return f"{tok.kind.value} {shown!r}", f"{shown!r}"


class _Parser:
    def __init__(self, tokens: list[Token], resolve: Resolver) -> None:
        self.tokens = tokens
        self.i = 0
        self.resolve = resolve
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def unexpected(self, tok: Token, wanted_en: str = "", wanted_zh: str = "") -> FormulaError:
        en, zh = describe(tok)
        if tok.kind is T.EOF:
            more_en = f"; expected {wanted_en}" if wanted_en else ""
            more_zh = f"，此处应为{wanted_zh}" if wanted_zh else ""
            return syntax_error(
                "The formula ends too early" + more_en, "公式不完整" + more_zh, tok.pos
            )
        msg_en = f"Unexpected {en}" + (f"; expected {wanted_en}" if wanted_en else "")
        msg_zh = f"此处不应出现 {zh}" + (f"，应为{wanted_zh}" if wanted_zh else "")
        return syntax_error(msg_en, msg_zh, tok.pos)

    def parse(self) -> n.Node:
        if self.peek().kind is T.EOF:
            raise syntax_error("The formula is empty", "公式为空", 0)
        node = self.expr(0)
        tok = self.peek()
        if tok.kind is not T.EOF:
            if tok.kind is T.RPAREN:
                raise syntax_error("')' without a matching '('", "')' 没有对应的 '('", tok.pos)
            raise self.unexpected(tok, "an operator", "运算符")
        return node

    def expr(self, min_bp: int) -> n.Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise syntax_error(
                "The formula is nested too deeply", "公式嵌套层数过多", self.peek().pos
            )
        left = self.prefix()
        while True:
            tok = self.peek()
            if tok.kind is not T.OP or BINDING[tok.text] <= min_bp:
                break
            self.take()
            right = self.expr(BINDING[tok.text])
            left = n.BinOp(tok.pos, tok.text, left, right)
        self.depth -= 1
        return left

    def prefix(self) -> n.Node:
        tok = self.take()
        if tok.kind is T.NUMBER:
            return n.Number(tok.pos, float(tok.text))
        if tok.kind is T.STRING:
            return n.Text(tok.pos, tok.text)
        if tok.kind is T.FIELD:
            return self.field(tok)
        if tok.kind is T.NAME:
            if tok.text.upper() in ("TRUE", "FALSE"):
                return n.Boolean(tok.pos, tok.text.upper() == "TRUE")
            return self.field(tok)
        if tok.kind is T.FUNC:
            return self.call(tok)
        if tok.kind is T.LPAREN:
            inner = self.expr(0)
            close = self.take()
            if close.kind is not T.RPAREN:
                raise self.unexpected(close, "')'", "')'")
            return inner
        if tok.kind is T.OP and tok.text in "-+":
            operand = self.expr(UNARY)
            return n.Negate(tok.pos, operand) if tok.text == "-" else operand
        raise self.unexpected(tok, "a value", "值")

    def field(self, tok: Token) -> n.FieldRef:
        info = self.resolve(tok)
        return n.FieldRef(tok.pos, info.id, info.name, FType(info.ftype))

    def call(self, name: Token) -> n.Call:
        self.take()  # "("
        args: list[n.Node] = []
        if self.peek().kind is T.RPAREN:
            self.take()
            return n.Call(name.pos, name.text.upper(), args)
        while True:
            if self.peek().kind in (T.COMMA, T.RPAREN):
                raise syntax_error(
                    f"Missing argument to {name.text.upper()}",
                    f"{name.text.upper()} 缺少参数",
                    self.peek().pos,
                )
            args.append(self.expr(0))
            tok = self.take()
            if tok.kind is T.RPAREN:
                return n.Call(name.pos, name.text.upper(), args)
            if tok.kind is not T.COMMA:
                if tok.kind is T.EOF:
                    raise syntax_error(
                        f"{name.text.upper()}( has no closing ')'",
                        f"{name.text.upper()}( 缺少 ')'",
                        name.pos,
                    )
                raise self.unexpected(tok, "',' or ')'", "',' 或 ')'")
