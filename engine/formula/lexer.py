"""Splits formula text into tokens, each with its character offsets.

Field references are `{Any name}` (`\\}`, `\\{` and `\\\\` escape inside the braces) or, for a
one-word name, the bare name. Strings are in single or double quotes (or “…”, ‘…’) with
backslash escapes. Full-width commas and parentheses, as typed with a Chinese input method, are
read as their ASCII forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .errors import FormulaError, syntax_error


class T(Enum):
    NUMBER = "number"
    STRING = "string"
    FIELD = "field"  # {name}
    NAME = "name"  # a bare word not followed by "(": a field name, TRUE or FALSE
    FUNC = "function"  # a bare word followed by "("
    OP = "operator"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    EOF = "end"


@dataclass(frozen=True)
class Token:
    kind: T
    text: str  # the value: number text, unescaped string or name, operator
    pos: int
    end: int


OPERATORS = ("!=", "<>", "<=", ">=", "&", "+", "-", "*", "/", "=", "<", ">")
_PUNCT = {"(": T.LPAREN, "（": T.LPAREN, ")": T.RPAREN, "）": T.RPAREN, ",": T.COMMA, "，": T.COMMA}
_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "”": "”", "’": "’"}


def _is_word_start(ch: str) -> bool:
    return ch.isalpha() or ch == "_"


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in _PUNCT:
            tokens.append(Token(_PUNCT[ch], ch, i, i + 1))
            i += 1
        elif ch.isdecimal() or (ch == "." and i + 1 < n and text[i + 1].isdecimal()):
            tokens.append(_number(text, i))
            i = tokens[-1].end
        elif ch in _QUOTES:
            tokens.append(_string(text, i))
            i = tokens[-1].end
        elif ch == "{":
            tokens.append(_field(text, i))
            i = tokens[-1].end
        elif _is_word_start(ch):
            j = i + 1
            while j < n and _is_word(text[j]):
                j += 1
            k = j
            while k < n and text[k].isspace():
                k += 1
            kind = T.FUNC if k < n and text[k] in "(（" else T.NAME
            tokens.append(Token(kind, text[i:j], i, j))
            i = j
        else:
            op = next((o for o in OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise _unexpected_char(ch, i)
            tokens.append(Token(T.OP, "!=" if op == "<>" else op, i, i + len(op)))
            i += len(op)
    tokens.append(Token(T.EOF, "", n, n))
    return tokens


def _unexpected_char(ch: str, i: int) -> FormulaError:
    if ch == "}":
        return syntax_error(
            "'}' without a matching '{' (write \\} for a brace inside a field name)",
            "'}' 没有对应的 '{'（字段名中的花括号请写作 \\}）",
            i,
        )
    return syntax_error(f"Unexpected character {ch!r}", f"无法识别的字符 {ch!r}", i)


def _number(text: str, i: int) -> Token:
    n, j = len(text), i
    while j < n and text[j].isdecimal():
        j += 1
    if j < n and text[j] == ".":
        j += 1
        while j < n and text[j].isdecimal():
            j += 1
    if j < n and text[j] in "eE":
        k = j + 1
        if k < n and text[k] in "+-":
            k += 1
        if k < n and text[k].isdecimal():
            while k < n and text[k].isdecimal():
                k += 1
            j = k
    return Token(T.NUMBER, text[i:j], i, j)


def _string(text: str, i: int) -> Token:
    close = _QUOTES[text[i]]
    out: list[str] = []
    j, n = i + 1, len(text)
    while j < n:
        ch = text[j]
        if ch == "\\" and j + 1 < n:
            nxt = text[j + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            j += 2
        elif ch == close:
            return Token(T.STRING, "".join(out), i, j + 1)
        else:
            out.append(ch)
            j += 1
    raise syntax_error(
        f"Text starting here has no closing {close}",
        f"从此处开始的文本缺少结束引号 {close}",
        i,
    )


def _field(text: str, i: int) -> Token:
    out: list[str] = []
    j, n = i + 1, len(text)
    while j < n:
        ch = text[j]
        if ch == "\\" and j + 1 < n and text[j + 1] in "{}\\":
            out.append(text[j + 1])
            j += 2
        elif ch == "}":
            name = "".join(out)
            if not name.strip():
                raise syntax_error("Empty field name {}", "字段名 {} 为空", i)
            return Token(T.FIELD, name, i, j + 1)
        else:
            out.append(ch)
            j += 1
    raise syntax_error(
        "Field reference starting here has no closing }", "从此处开始的字段引用缺少 }", i
    )


def escape_field_name(name: str) -> str:
    """`name` as written between braces: `}` and `{` escaped, and a backslash escaped where it
    would otherwise escape what follows it."""
    out: list[str] = []
    for k, ch in enumerate(name):
        if ch in "{}":
            out.append("\\" + ch)
        elif ch == "\\" and (k + 1 == len(name) or name[k + 1] in "{}\\"):
            out.append("\\\\")
        else:
            out.append(ch)
    return "{" + "".join(out) + "}"
