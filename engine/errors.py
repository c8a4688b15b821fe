"""Typed errors of the engine. Every message exists in English and Chinese."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one value: which field, what code, what to tell the user."""

    code: str
    message_en: str
    message_zh: str
    field_id: int | None = None
    field_name: str | None = None
    row: int | None = None  # index in a batch, when the write was a batch

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "field_id": self.field_id,
            "field_name": self.field_name,
            "row": self.row,
            "message": {"en": self.message_en, "zh": self.message_zh},
        }

    def __str__(self) -> str:
        where = f"{self.field_name!r}: " if self.field_name else ""
        row = f"row {self.row}: " if self.row is not None else ""
        return f"{row}{where}{self.message_en} / {self.message_zh}"


class TesseraError(Exception):
    """Base class of every error the engine raises on purpose."""

    code = "error"

    def __init__(self, message_en: str, message_zh: str | None = None) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_zh = message_zh or message_en

    def __str__(self) -> str:
        if self.message_zh == self.message_en:
            return self.message_en
        return f"{self.message_en} / {self.message_zh}"


class NotFound(TesseraError):
    code = "not_found"


class Forbidden(TesseraError):
    """The acting user may not do this (their role, a locked view, a read-only field)."""

    code = "forbidden"


class Unauthorized(TesseraError):
    """No one is signed in, or the credentials (password, session, token) are wrong."""

    code = "unauthorized"


class RateLimited(TesseraError):
    """Too many attempts in a short time; `retry_after` says how many seconds to wait."""

    code = "rate_limited"

    def __init__(self, message_en: str, message_zh: str | None = None, *, retry_after: int) -> None:
        super().__init__(message_en, message_zh)
        self.retry_after = retry_after


class Conflict(TesseraError):
    """A name is taken, a record changed under us, a unique value repeats."""

    code = "conflict"


class SchemaError(TesseraError):
    """A schema change that cannot be made as asked (bad options, wrong type, ...)."""

    code = "invalid_schema"


class QueryError(TesseraError):
    """A query that cannot run as asked: unknown field or operator, a value that does not fit."""

    code = "invalid_query"


@dataclass
class ValidationError(TesseraError):
    """A write was rejected; nothing was written. Lists every problem at once."""

    problems: list[Problem] = field(default_factory=list)
    code = "invalid_value"

    def __post_init__(self) -> None:
        n = len(self.problems)
        TesseraError.__init__(
            self,
            f"{n} invalid value{'s' if n != 1 else ''}: "
            + "; ".join(p.message_en for p in self.problems[:5]),
            f"{n} 个值无效：" + "；".join(p.message_zh for p in self.problems[:5]),
        )

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ValueProblem(Exception):
    """Raised by a field type when one value does not fit; turned into a Problem by the caller."""

    def __init__(self, code: str, message_en: str, message_zh: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_en = message_en
        self.message_zh = message_zh
