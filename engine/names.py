"""Human names (any Unicode) and physical names (ids only)."""

from __future__ import annotations

import unicodedata

from .errors import SchemaError

MAX_NAME = 255


def clean_name(name: str, what: str = "name") -> str:
    """The name as stored: NFC-normalised, surrounding whitespace removed, non-empty."""
    if not isinstance(name, str):
        raise SchemaError(f"The {what} must be text", f"{_zh(what)}必须是文本")
    cleaned = unicodedata.normalize("NFC", name).strip()
    if not cleaned:
        raise SchemaError(f"The {what} must not be empty", f"{_zh(what)}不能为空")
    if len(cleaned) > MAX_NAME:
        raise SchemaError(
            f"The {what} is longer than {MAX_NAME} characters",
            f"{_zh(what)}超过 {MAX_NAME} 个字符",
        )
    if any(unicodedata.category(ch) == "Cc" for ch in cleaned):
        raise SchemaError(f"The {what} contains control characters", f"{_zh(what)}包含控制字符")
    return cleaned


def name_key(name: str) -> str:
    """The key that makes names unique case-insensitively ('Email' and 'EMAIL' collide)."""
    return unicodedata.normalize("NFKC", name).casefold()


def _zh(what: str) -> str:
    return {
        "name": "名称",
        "table name": "表名",
        "field name": "字段名",
        "base name": "库名",
        "view name": "视图名",
        "option name": "选项名",
    }.get(what, what)


def table_name(table_id: int) -> str:
    """The physical table of a user table."""
    return f"tbl_{table_id}"


def column_name(field_id: int) -> str:
    """The physical column of a field."""
    return f"fld_{field_id}"
