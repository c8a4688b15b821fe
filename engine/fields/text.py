"""Text-like types: single-line text, long text, email, phone, URL."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import compress
from operator import ne
from typing import Any, ClassVar

from ..errors import ValueProblem
from .base import FieldType, problem, wrong_type

MAX_TEXT = 100_000
_LINE_BREAK = re.compile(r"\r\n?|\n")


def _as_text(value: Any) -> str | None:
    """Text from a written value: str as is, numbers and dates in their plain form, else a
    problem."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise wrong_type(value, "text", "文本")
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    raise wrong_type(value, "text", "文本")


def _too_long(n: int) -> ValueProblem:
    return problem(
        "too_long",
        f"Text is longer than {MAX_TEXT:,} characters ({n:,})",
        f"文本超过 {MAX_TEXT:,} 个字符（{n:,}）",
    )


def _storable(text: str) -> bool:
    """Whether both databases can keep `text`: no NUL character (PostgreSQL refuses it) and no
    lone surrogate (not UTF-8)."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unstorable() -> ValueProblem:
    return problem(
        "invalid_text",
        "The text contains a character that cannot be stored (a NUL byte or a broken surrogate)",
        "文本包含无法保存的字符（空字符或残缺的代理字符）",
    )


class TextType(FieldType):
    """Single-line text, kept as typed. Line breaks become spaces; text that is empty or only
    whitespace is stored as empty (NULL), so it neither satisfies `required` nor takes a
    `unique` value."""

    name = "text"
    label_en = "Single line text"
    label_zh = "单行文本"
    has_length = True
    single_line: ClassVar[bool] = True

    def normalize(self, value: Any) -> str | None:
        text = _as_text(value)
        if not text or text.isspace():
            return None
        if self.single_line and ("\n" in text or "\r" in text):
            text = _LINE_BREAK.sub(" ", text)
        if len(text) > MAX_TEXT:
            raise _too_long(len(text))
        if not _storable(text):
            raise _unstorable()
        return text

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        # fast path: a column of plain strings (and empties) needs no per-value Python work
        # beyond C builtins
        kinds = set(map(type, values))
        if kinds <= {str, type(None)}:
            present = values if type(None) not in kinds else [v for v in values if v is not None]
            joined = "".join(present)
            if (
                (not self.single_line or ("\n" not in joined and "\r" not in joined))
                and max(map(len, present), default=0) <= MAX_TEXT
                and _storable(joined)
            ):
                if present is values and "" not in values and not any(map(str.isspace, values)):
                    return list(values), []
                return [v if v and not v.isspace() else None for v in values], []
        return super().normalize_many(values)


class LongTextType(TextType):
    name = "long_text"
    label_en = "Long text"
    label_zh = "多行文本"
    single_line = False
    can_be_primary = True


def _filled_strings(values: Sequence[Any]) -> tuple[Sequence[str], bool] | None:
    """The non-empty values and whether any were empty, when every value is a str or None."""
    kinds = set(map(type, values))
    if not kinds <= {str, type(None)}:
        return None
    if type(None) in kinds or "" in values:
        return [v for v in values if v], True
    return values, False


class _CheckedText(TextType):
    """Text that must have a shape (email, phone, URL): surrounding spaces are dropped.

    A column is checked with one compiled pattern per value through C-level `map` (the fast
    path, `plain`): it accepts only values that `check` keeps exactly as they are, so anything
    else (surrounding spaces, line breaks, a refused value) takes the value-by-value path."""

    plain: ClassVar[re.Pattern[str] | None] = None
    max_length: ClassVar[int] = MAX_TEXT

    def normalize(self, value: Any) -> str | None:
        text = super().normalize(value)
        return None if text is None else self.check(text.strip())

    def check(self, text: str) -> str:
        raise NotImplementedError

    def normalize_many(
        self, values: Sequence[Any]
    ) -> tuple[list[Any], list[tuple[int, ValueProblem]]]:
        fast = self._fast(values)
        return (fast, []) if fast is not None else FieldType.normalize_many(self, values)

    def _fast(self, values: Sequence[Any]) -> list[Any] | None:
        found = _filled_strings(values)
        if found is None or self.plain is None:
            return None
        present, empties = found
        match: Callable[[str], Any] = self.plain.fullmatch
        if not all(map(match, present)) or max(map(len, present), default=0) > self.max_length:
            return None
        if not _storable("".join(present)):
            return None
        return [v or None for v in values] if empties else list(values)


EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
# an address kept as written but for its domain's case: no "mailto:" in front (no ':' at all)
_PLAIN_EMAIL = re.compile(r"[^@\s:]+@[^@\s.]+(?:\.[^@\s.]+)+")


class EmailType(_CheckedText):
    """An email address: exactly one '@' and a dotted domain; the domain is lower-cased and a
    'mailto:' in front is dropped."""

    name = "email"
    label_en = "Email"
    label_zh = "邮箱"
    plain = _PLAIN_EMAIL
    max_length = 254

    def _fast(self, values: Sequence[Any]) -> list[Any] | None:
        out = super()._fast(values)
        if out is None:
            return None
        # domains are kept lower-cased: only addresses with a capital letter are rebuilt
        lowered = [v.lower() if v else v for v in out] if None in out else list(map(str.lower, out))
        for i in compress(range(len(out)), map(ne, out, lowered)):
            local, domain = out[i].split("@")
            out[i] = f"{local}@{domain.lower()}"
        return out

    def check(self, text: str) -> str:
        if text[:7].lower() == "mailto:":
            text = text[7:].strip()
        if len(text) > 254 or not EMAIL_RE.match(text):
            raise problem(
                "invalid_email",
                f"{text[:60]!r} is not an email address (it needs exactly one '@' and a domain "
                "with a dot, like name@example.com)",
                f"{text[:60]!r} 不是有效的邮箱地址（需要恰好一个“@”和带点的域名，例如 name@example.com）",
            )
        local, domain = text.split("@")
        return f"{local}@{domain.lower()}"


PHONE_RE = re.compile(
    r"^(\+?\(?[0-9][0-9 ()\-.]{2,30})(?:\s*(?:ext\.?|x|转)\s*[0-9]{1,6})?$", re.IGNORECASE
)

# ASCII digits in groups split by single spaces or hyphens, at least three digits, maybe a '+'
_PLAIN_PHONE = re.compile(r"(?=(?:\D*\d){3})\+?[0-9]+(?:[ \-][0-9]+)*")


class PhoneType(_CheckedText):
    """A phone number, kept as text so leading zeros and '+86' survive; never a number.
    Full-width digits and signs (１３８, ＋８６) are read as their plain forms."""

    name = "phone"
    label_en = "Phone number"
    label_zh = "电话"

    def normalize(self, value: Any) -> str | None:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a phone number that a spreadsheet stored as a number
        return super().normalize(value)

    def check(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", text)
        m = PHONE_RE.match(text)
        if not m or sum(ch.isdecimal() for ch in m.group(1)) < 3:
            raise problem(
                "invalid_phone",
                f"{text[:60]!r} is not a phone number (digits, spaces, '-', '()' and a leading '+')",
                f"{text[:60]!r} 不是有效的电话号码（只能包含数字、空格、“-”、括号和开头的“+”）",
            )
        return text

    def _fast(self, values: Sequence[Any]) -> list[Any] | None:
        # plain numbers ('13800138000', '+86 138-0013-8000'), which no step of `normalize`
        # changes, are kept when the phone pattern takes them; numbers a spreadsheet stored
        # for phone numbers become their digits first
        kinds = set(map(type, values))
        numbers: list[int] | None = None
        if kinds == {float} and all(map(float.is_integer, values)):
            numbers = list(map(int, values))
        elif kinds == {int}:
            numbers = list(values)
        if numbers is not None:
            values = list(map(str, numbers))
            if min(numbers) >= 100 and max(numbers) < 10**31:  # 3 to 31 digits, nothing else
                return values
        found = _filled_strings(values)
        if found is None:
            return None
        present, empties = found
        if all(map(_PLAIN_PHONE.fullmatch, present)) and all(map(PHONE_RE.match, present)):
            return [v or None for v in values] if empties else list(values)
        return None


# schemes a link may use besides the web's (http, https, ftp, ftps, sftp); others (javascript:,
# data:, file:) are refused, so a stored link is always safe to show as a link
URL_SCHEMES = frozenset(
    {"mailto", "tel", "sms", "weixin", "alipays", "alipay", "taobao", "tmall"}
    | {"dingtalk", "lark", "feishu"}
)
_WEB_BODY = r"(?:https?|ftps?|sftp)://[^\s/?#]+(?:[/?#]\S*)?"
_WEB = re.compile(rf"^{_WEB_BODY}$", re.IGNORECASE)
_OTHER = re.compile(r"^([a-z][a-z0-9+.\-]*):(?!//)\S+$|^([a-z][a-z0-9+.\-]*)://\S+$", re.IGNORECASE)
# a bare address: a host whose last label has a letter, an optional port, path, query, fragment
_BARE_BODY = (
    r"(?:[^\s/?#@:.]+\.)+(?=[^\s/?#@:.]{2})[^\s/?#@:.]*[^\W\d_][^\s/?#@:.]*"
    r"(?::\d{1,5})?(?:[/?#]\S*)?"
)
_BARE = re.compile(rf"^{_BARE_BODY}$")
# a web or bare address as a whole value: what `_url_ok` takes first, checked column-wise
_PLAIN_URL = re.compile(rf"{_WEB_BODY}|(?-i:{_BARE_BODY})", re.IGNORECASE)


def _url_ok(text: str) -> bool:
    if _WEB.match(text) or _BARE.match(text):
        return True
    m = _OTHER.match(text)
    if not m:
        return False
    scheme = (m.group(1) or m.group(2)).lower()
    return scheme in URL_SCHEMES


class UrlType(_CheckedText):
    """A web address, kept as written: 'https://example.com/x', a bare 'example.com/x', or a
    link of a known app scheme (mailto:, tel:, weixin://). No spaces inside."""

    name = "url"
    label_en = "URL"
    label_zh = "链接"
    plain = _PLAIN_URL

    def check(self, text: str) -> str:
        if not _url_ok(text):
            raise problem(
                "invalid_url",
                f"{text[:60]!r} is not a web address",
                f"{text[:60]!r} 不是有效的网址",
            )
        return text
