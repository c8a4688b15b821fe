"""Reading formulas: display text (`{Field name}`) or stored text (`{fld:12}`, so renaming a
field never breaks a formula) to a checked AST, and converting between the two forms."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import nodes as n
from .catalog import FUNCTIONS
from .checker import check
from .errors import FormulaError
from .lexer import T, Token, escape_field_name, tokenize
from .parser import parse_tokens
from .types import FieldInfo, FType

ByName = Callable[[str], FieldInfo | None]
ById = Callable[[int], FieldInfo | None]
_STORED = re.compile(r"fld:([0-9]+)")
_SYSTEM = {"RECORD_ID": "record_id", "CREATED_TIME": "created", "LAST_MODIFIED_TIME": "modified"}


@dataclass(frozen=True, eq=False)
class Formula:
    """A parsed, type-checked formula. `root` is its AST, each node typed."""

    text: str  # as it was read
    stored: str  # with fields as {fld:ID}
    root: n.Node

    @property
    def references(self) -> set[int]:
        """The ids of the fields it reads."""
        return {x.field_id for x in n.walk(self.root) if isinstance(x, n.FieldRef)}

    @property
    def volatile(self) -> bool:
        """Whether it depends on the current time (TODAY, NOW, TONOW, FROMNOW): computed when
        read, never stored."""
        return any(isinstance(x, n.Call) and FUNCTIONS[x.name].volatile for x in n.walk(self.root))

    @property
    def system_references(self) -> set[str]:
        """Which of the record's own columns it reads: 'record_id', 'created', 'modified'."""
        return {
            _SYSTEM[x.name]
            for x in n.walk(self.root)
            if isinstance(x, n.Call) and x.name in _SYSTEM
        }

    @property
    def result_type(self) -> FType:
        return self.root.ftype


def _is_keyword(tok: Token) -> bool:
    return tok.kind is T.NAME and tok.text.upper() in ("TRUE", "FALSE")


def _unknown_field(tok: Token) -> FormulaError:
    if tok.kind is T.NAME:
        return FormulaError(
            f"Unknown name {tok.text} (write field names in braces, like {{{tok.text}}}, "
            "and call functions with parentheses)",
            f"未知名称 {tok.text}（字段名请写在花括号中，如 {{{tok.text}}}；函数需要加括号）",
            tok.pos,
            kind="unknown_field",
        )
    return FormulaError(
        f"Unknown field {escape_field_name(tok.text)}",
        f"未知字段 {escape_field_name(tok.text)}",
        tok.pos,
        kind="unknown_field",
    )


def _by_name(fields_by_name: ByName) -> Callable[[Token], FieldInfo]:
    def resolve(tok: Token) -> FieldInfo:
        info = fields_by_name(tok.text)
        if info is None:
            raise _unknown_field(tok)
        return info

    return resolve


def _by_id(fields_by_id: ById) -> Callable[[Token], FieldInfo]:
    def resolve(tok: Token) -> FieldInfo:
        m = _STORED.fullmatch(tok.text) if tok.kind is T.FIELD else None
        if m is None:
            raise _unknown_field(tok)
        info = fields_by_id(int(m.group(1)))
        if info is None:
            raise FormulaError(
                f"The formula uses a field that no longer exists (id {m.group(1)})",
                f"公式引用的字段已不存在（id {m.group(1)}）",
                tok.pos,
                kind="unknown_field",
            )
        return info

    return resolve


def _rewrite(text: str, replace: Callable[[Token], str | None]) -> str:
    """`text` with the tokens for which `replace` gives a string replaced by it."""
    out: list[str] = []
    last = 0
    for tok in tokenize(text):
        if tok.kind not in (T.FIELD, T.NAME) or _is_keyword(tok):
            continue
        new = replace(tok)
        if new is not None:
            out.append(text[last : tok.pos])
            out.append(new)
            last = tok.end
    out.append(text[last:])
    return "".join(out)


def to_stored(text: str, fields_by_name: ByName) -> str:
    """`text` with every field reference written as {fld:ID}."""
    resolve = _by_name(fields_by_name)
    return _rewrite(text, lambda tok: f"{{fld:{resolve(tok).id}}}")


def to_display(stored: str, name_of: Callable[[int], str | None]) -> str:
    """Stored text with every {fld:ID} written as {Field name}; a field without a name (deleted)
    stays {fld:ID}."""

    def replace(tok: Token) -> str | None:
        m = _STORED.fullmatch(tok.text) if tok.kind is T.FIELD else None
        name = name_of(int(m.group(1))) if m else None
        return None if name is None else escape_field_name(name)

    return _rewrite(stored, replace)


def parse(text: str, fields_by_name: ByName) -> Formula:
    """Read and type-check formula text that names fields ({Name}, or a bare one-word name)."""
    root = parse_tokens(text, _by_name(fields_by_name))
    check(root)
    return Formula(text, to_stored(text, fields_by_name), root)


def parse_stored(stored: str, fields_by_id: ById) -> Formula:
    """Read and type-check stored formula text ({fld:ID}), with the fields' current types."""
    root = parse_tokens(stored, _by_id(fields_by_id))
    check(root)
    return Formula(stored, stored, root)
