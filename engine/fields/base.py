"""The field-type contract. One subclass per type, registered in `engine.fields.REGISTRY`.

A type says in one place how its values are stored (column type), validated and normalised
(`normalize`, and `normalize_many` for batches), shown as text and read back from text
(`to_text` / `from_text`), written to Excel (`to_excel`), converted from another type
(`convert_from`), sorted (`sort_key`) and which validation rules make sense for it (capability flags).
Python values are plain: str, int, float, bool, date, aware datetime, list, dict.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Text
from sqlalchemy.types import TypeEngine

from ..errors import ValueProblem
from .refs import RefContext


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldType:
    """Base of all field types. Subclasses set the class attributes and override what differs."""

    name: ClassVar[str]
    label_en: ClassVar[str]
    label_zh: ClassVar[str]
    Options: ClassVar[type[BaseModel]] = NoOptions

    # capabilities
    system_column: ClassVar[str | None] = None  # reads a system column instead of its own
    read_only: ClassVar[bool] = False  # values are set by the engine, never written by users
    can_be_unique: ClassVar[bool] = True
    has_range: ClassVar[bool] = False  # min / max rules
    has_length: ClassVar[bool] = False  # min_length / max_length / pattern rules
    can_be_primary: ClassVar[bool] = True
    is_list: ClassVar[bool] = False  # value is a list (multiple select, attachments, ...)

    def __init__(self, options: BaseModel | None = None) -> None:
        self.options: Any = options if options is not None else self.Options()

    @classmethod
    def with_options(cls, raw: dict[str, Any] | None) -> FieldType:
        return cls(cls.Options.model_validate(raw or {}))

    def options_dict(self) -> dict[str, Any]:
        return dict(self.options.model_dump(mode="json"))

    # --- storage -------------------------------------------------------------------------------
    @property
    def stored(self) -> bool:
        """Whether the field has a physical column of its own."""
        return self.system_column is None

    def column_type(self) -> TypeEngine[Any]:
        return Text()

    def column_default(self) -> str | None:
        """A server default for the column (SQL literal text made here, never from users)."""
        return None

    def from_db(self, raw: Any) -> Any:
        """The Python value of a stored value (after the column type's own processing)."""
        return raw

    def from_db_many(self, raws: Sequence[Any]) -> list[Any]:
        """`from_db` of each of `raws` (a page's column); types may do it faster at once."""
        return list(map(self.from_db, raws))

    # --- writing -------------------------------------------------------------------------------
    def normalize(self, value: Any) -> Any:
        """The stored form of a written value, or None for empty. Raises ValueProblem."""
        raise NotImplementedError

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        """Normalise a column of values; returns the values and the problems by index."""
        out: list[Any] = []
        problems: list[tuple[int, ValueProblem]] = []
        norm = self.normalize
        for i, value in enumerate(values):
            try:
                out.append(norm(value))
            except ValueProblem as p:
                problems.append((i, p))
                out.append(None)
        return out, problems

    def check_refs(self, values: Sequence[Any], ctx: RefContext) -> list[tuple[int, ValueProblem]]:
        """Problems with what normalised values point to (users, stored files); none by default."""
        return []

    # --- text and other forms -----------------------------------------------------------------
    def to_text(self, value: Any) -> str:
        return "" if value is None else str(value)

    def from_text(self, text: str) -> Any:
        return self.normalize(text)

    def to_excel(self, value: Any) -> Any:
        return value

    def convert_from(self, value: Any, source: FieldType) -> Any:
        """This type's value for a value of another type; raises ValueProblem if it has none."""
        if value is None:
            return None
        return self.from_text(source.to_text(value))

    # --- order and rules ----------------------------------------------------------------------
    def sort_key(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return column

    def range_value(self, raw: Any) -> Any:
        """A min / max rule's bound in comparable form (validated when the rule is set)."""
        return self.normalize(raw)

    def length(self, value: Any) -> int:
        return len(value)


def problem(code: str, en: str, zh: str) -> ValueProblem:
    return ValueProblem(code, en, zh)


def wrong_type(value: Any, expected_en: str, expected_zh: str) -> ValueProblem:
    shown = repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return ValueProblem(
        "invalid_type",
        f"{shown} is not {expected_en}",
        f"{shown} 不是{expected_zh}",
    )
