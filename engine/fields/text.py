"""Text-like types: single-line text, long text, email, phone, URL."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from ..errors import ValueProblem
from .base import FieldType, problem, wrong_type

MAX_TEXT = 100_000


def _as_text(value: Any) -> str | None:
    """Text from a written value: str as is, numbers in their plain form, else a problem."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise wrong_type(value, "text", "文本")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    raise wrong_type(value, "text", "文本")


def _too_long(n: int) -> ValueProblem:
    return problem(
        "too_long",
        f"Text is longer than {MAX_TEXT:,} characters ({n:,})",
        f"文本超过 {MAX_TEXT:,} 个字符（{n:,}）",
    )


class TextType(FieldType):
    """Single-line text. Line breaks become spaces; empty text is stored as empty (NULL)."""

    name = "text"
    label_en = "Single line text"
    label_zh = "单行文本"
    has_length = True
    single_line: ClassVar[bool] = True

    def normalize(self, value: Any) -> str | None:
        text = _as_text(value)
        if not text:
            return None
        if self.single_line and ("\n" in text or "\r" in text):
            text = " ".join(text.splitlines())
        if len(text) > MAX_TEXT:
            raise _too_long(len(text))
        return text

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        # fast path: a column of plain strings needs no per-value Python work beyond C builtins
        if (
            all(type(v) is str for v in values)
            and (not self.single_line or not any("\n" in v or "\r" in v for v in values))
            and max(map(len, values), default=0) <= MAX_TEXT
        ):
            return [v or None for v in values], []
        return super().normalize_many(values)


class LongTextType(TextType):
    name = "long_text"
    label_en = "Long text"
    label_zh = "多行文本"
    single_line = False
    can_be_primary = True


EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


class EmailType(TextType):
    """An email address: exactly one '@' and a dotted domain; the domain is lower-cased."""

    name = "email"
    label_en = "Email"
    label_zh = "邮箱"

    def normalize(self, value: Any) -> str | None:
        text = super().normalize(value)
        if text is None:
            return None
        text = text.strip()
        if not EMAIL_RE.match(text):
            raise problem(
                "invalid_email",
                f"{text[:60]!r} is not an email address (it needs exactly one '@' and a domain "
                "with a dot, like name@example.com)",
                f"{text[:60]!r} 不是有效的邮箱地址（需要恰好一个“@”和带点的域名，例如 name@example.com）",
            )
        local, domain = text.split("@")
        return f"{local}@{domain.lower()}"

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        return FieldType.normalize_many(self, values)


PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-.]{2,30}(?:\s*(?:ext\.?|x|转)\s*[0-9]{1,6})?$")


class PhoneType(TextType):
    """A phone number, kept as text so leading zeros and '+86' survive; never a number."""

    name = "phone"
    label_en = "Phone number"
    label_zh = "电话"

    def normalize(self, value: Any) -> str | None:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a phone number that a spreadsheet stored as a number
        text = super().normalize(value)
        if text is None:
            return None
        text = text.strip()
        if not PHONE_RE.match(text):
            raise problem(
                "invalid_phone",
                f"{text[:60]!r} is not a phone number (digits, spaces, '-', '()' and a leading '+')",
                f"{text[:60]!r} 不是有效的电话号码（只能包含数字、空格、“-”、括号和开头的“+”）",
            )
        return text

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        return FieldType.normalize_many(self, values)


URL_RE = re.compile(
    r"^(?:(?:https?|ftp|mailto|tel|weixin|taobao)://?)?[^\s/$.?#][^\s]*\.[^\s]{2,}", re.I
)


class UrlType(TextType):
    """A web address; a bare 'example.com/x' is accepted as written."""

    name = "url"
    label_en = "URL"
    label_zh = "链接"

    def normalize(self, value: Any) -> str | None:
        text = super().normalize(value)
        if text is None:
            return None
        text = text.strip()
        if not URL_RE.match(text):
            raise problem(
                "invalid_url",
                f"{text[:60]!r} is not a web address",
                f"{text[:60]!r} 不是有效的网址",
            )
        return text

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        return FieldType.normalize_many(self, values)
