"""Errors in a formula's text: what is wrong, in English and Chinese, and where."""

from __future__ import annotations

from ..errors import TesseraError


class FormulaError(TesseraError):
    """A formula that cannot be read, type-checked or compiled. `position` is the 0-based
    character offset in the formula text where the problem is (None when it is not at one
    place); `kind` says which sort of problem it is."""

    code = "invalid_formula"

    def __init__(
        self,
        message_en: str,
        message_zh: str,
        position: int | None = None,
        *,
        kind: str = "syntax",
    ) -> None:
        super().__init__(message_en, message_zh)
        self.position = position
        self.kind = kind

    def __str__(self) -> str:
        where = "" if self.position is None else f" (at position {self.position})"
        return super().__str__() + where

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "kind": self.kind,
            "position": self.position,
            "message": {"en": self.message_en, "zh": self.message_zh},
        }


def syntax_error(en: str, zh: str, position: int | None) -> FormulaError:
    return FormulaError(en, zh, position, kind="syntax")


def type_error(en: str, zh: str, position: int | None) -> FormulaError:
    return FormulaError(en, zh, position, kind="type")
