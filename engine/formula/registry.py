"""How a function is declared: its parameters (each of a kind that says which argument types
it accepts and how an argument is coerced), its result type, its compiler and its flags."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from .nodes import Call
from .types import FType
from .values import Ctx, Val


class Kind(Enum):
    ANY = "any"  # as it is
    NUMBER = "number"  # number; true/false count as 1/0; blank as 0
    TEXT = "text"  # anything, shown as text; blank as ""
    DATE = "date"  # date or date-time; text is read as one
    BOOL = "bool"  # anything, as true or false
    ARRAY = "array"  # a list; any other value is a list of one
    NUMBERS = "numbers"  # numbers or lists of them (SUM, MAX, COUNT...)
    LITERAL = "literal"  # text written in the formula (units, formats, patterns, zones)


_ALL = frozenset(FType)
ACCEPTS: dict[Kind, frozenset[FType]] = {
    Kind.ANY: _ALL,
    Kind.NUMBER: frozenset({FType.NUMBER, FType.BOOLEAN, FType.BLANK}),
    Kind.TEXT: _ALL,
    Kind.DATE: frozenset({FType.DATE, FType.DATETIME, FType.TEXT, FType.BLANK}),
    Kind.BOOL: _ALL,
    Kind.ARRAY: _ALL,
    Kind.NUMBERS: frozenset({FType.NUMBER, FType.BOOLEAN, FType.BLANK, FType.ARRAY}),
    Kind.LITERAL: frozenset({FType.TEXT}),
}
KIND_LABELS = {
    Kind.NUMBER: ("a number", "数字"),
    Kind.DATE: ("a date", "日期"),
    Kind.NUMBERS: ("numbers or a list of numbers", "数字或数字列表"),
    Kind.LITERAL: ("text", "文本"),
}


class LiteralProblem(Exception):
    """A literal argument (unit, format, time zone, pattern) that is not acceptable."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh


@dataclass(frozen=True)
class Param:
    kind: Kind
    optional: bool = False
    validate: Callable[[str], object] | None = None  # LITERAL only; raises LiteralProblem
    default: str | float | None = None


ResultRule = FType | Callable[[list[FType], Call], FType]
Impl = Callable[[Ctx, list[Val], Call], Val]


@dataclass(frozen=True)
class Function:
    name: str
    params: tuple[Param, ...]
    result: ResultRule
    impl: Impl
    variadic: bool = False  # the last parameter repeats
    volatile: bool = False  # depends on the current time
    own_errors: bool = False  # the compiler combines argument errors itself (IF, ISERROR)

    @property
    def min_args(self) -> int:
        return sum(1 for p in self.params if not p.optional)

    @property
    def max_args(self) -> int | None:
        return None if self.variadic else len(self.params)

    def param(self, index: int) -> Param:
        if index < len(self.params):
            return self.params[index]
        return self.params[-1]

    def result_type(self, arg_types: list[FType], call: Call) -> FType:
        if isinstance(self.result, FType):
            return self.result
        return self.result(arg_types, call)


def fn(
    name: str,
    params: tuple[Param, ...] | list[Param],
    result: ResultRule,
    impl: Impl,
    *,
    variadic: bool = False,
    volatile: bool = False,
    own_errors: bool = False,
) -> Function:
    return Function(name, tuple(params), result, impl, variadic, volatile, own_errors)


NUMBER = Param(Kind.NUMBER)
TEXT = Param(Kind.TEXT)
DATE = Param(Kind.DATE)
ANY = Param(Kind.ANY)
BOOL = Param(Kind.BOOL)
ARRAY = Param(Kind.ARRAY)
NUMBERS = Param(Kind.NUMBERS)


def optional(kind: Kind, default: str | float | None = None) -> Param:
    return Param(kind, optional=True, default=default)


def literal(
    validate: Callable[[str], object], *, optional: bool = False, default: str | None = None
) -> Param:
    return Param(Kind.LITERAL, optional=optional, validate=validate, default=default)
