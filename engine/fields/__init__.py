"""The field-type registry: every type Tessera knows, by name, in one explicit list."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as PydanticValidationError

from ..errors import SchemaError
from .attachment import AttachmentType
from .base import FieldType
from .choice import CheckboxType, MultipleSelectType, SingleSelectType
from .duration import DurationType
from .numeric import CurrencyType, NumberType, PercentType, RatingType
from .people import UserType
from .relational import CountType, FormulaType, LinkType, LookupType, RollupType
from .system import (
    AutonumberType,
    CreatedByType,
    CreatedTimeType,
    LastModifiedByType,
    LastModifiedTimeType,
)
from .temporal import DateTimeType, DateType
from .text import EmailType, LongTextType, PhoneType, TextType, UrlType

TYPES: tuple[type[FieldType], ...] = (
    TextType,
    LongTextType,
    NumberType,
    CurrencyType,
    PercentType,
    RatingType,
    CheckboxType,
    DateType,
    DateTimeType,
    DurationType,
    SingleSelectType,
    MultipleSelectType,
    EmailType,
    PhoneType,
    UrlType,
    AutonumberType,
    CreatedTimeType,
    LastModifiedTimeType,
    CreatedByType,
    LastModifiedByType,
    UserType,
    AttachmentType,
    LinkType,
    LookupType,
    RollupType,
    CountType,
    FormulaType,
)

REGISTRY: dict[str, type[FieldType]] = {t.name: t for t in TYPES}


def field_type(name: str, options: dict[str, Any] | None = None) -> FieldType:
    """An instance of the type called `name` with `options`; a SchemaError if either is wrong."""
    cls = REGISTRY.get(name)
    if cls is None:
        known = ", ".join(REGISTRY)
        raise SchemaError(
            f"Unknown field type {name!r}; known types: {known}",
            f"未知的字段类型 {name!r}；可用类型：{known}",
        )
    try:
        return cls.with_options(options)
    except PydanticValidationError as e:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'options'}: {err['msg']}"
            for err in e.errors()
        )
        raise SchemaError(
            f"Invalid options for a {cls.label_en} field: {detail}",
            f"{cls.label_zh}字段的选项无效：{detail}",
        ) from None


__all__ = ["REGISTRY", "TYPES", "FieldType", "field_type"]
