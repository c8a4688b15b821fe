"""The attachment type: a list of files kept under the data directory by content hash."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy.types import TypeEngine

from ..errors import ValueProblem
from ..sqltypes import json_type
from .base import FieldType, problem, wrong_type
from .refs import RefContext

HASH_RE = re.compile(r"^[0-9a-f]{64}$")
KEYS = {"hash", "name", "size", "type", "width", "height"}
MEDIA_TYPE_RE = re.compile(r"^[\w!#$&^.+-]+/[\w!#$&^.+-]+(?:\s*;[ -~]*)?$", re.ASCII)


class AttachmentType(FieldType):
    """Files. A value is a list of {hash, name, size, type}; the bytes live in the attachment
    store (`Database.attachments`), addressed by their SHA-256, so the same file is kept once."""

    name = "attachment"
    label_en = "Attachment"
    label_zh = "附件"
    can_be_unique = False
    can_be_primary = False
    is_list = True

    def column_type(self) -> TypeEngine[Any]:
        return json_type()

    def normalize(self, value: Any) -> list[dict[str, Any]] | None:
        if value is None or value == [] or (isinstance(value, str) and not value.strip()):
            return None
        items = value if isinstance(value, list | tuple) else [value]
        return [_attachment(item) for item in items]

    def to_text(self, value: Any) -> str:
        return "" if not value else ", ".join(a["name"] for a in value)

    def length(self, value: Any) -> int:
        return len(value)

    def check_refs(self, values: Sequence[Any], ctx: RefContext) -> list[tuple[int, ValueProblem]]:
        out: list[tuple[int, ValueProblem]] = []
        for i, value in enumerate(values):
            for item in value or ():
                if not ctx.attachment_exists(item["hash"]):
                    out.append(
                        (
                            i,
                            problem(
                                "unknown_attachment",
                                f"The file {item['name']!r} was not uploaded (no stored file has its hash)",
                                f"文件 {item['name']!r} 尚未上传（找不到对应哈希的文件）",
                            ),
                        )
                    )
        return out


def _invalid(en: str, zh: str) -> ValueProblem:
    return problem("invalid_attachment", en, zh)


def _attachment(item: Any) -> dict[str, Any]:
    """One attachment as stored: {hash, name, size?, width?, height?, type}."""
    if not isinstance(item, dict):
        raise wrong_type(item, "an attachment", "附件")
    digest = item.get("hash")
    if not isinstance(digest, str) or not HASH_RE.match(digest.lower()):
        raise _invalid(
            "An attachment needs the SHA-256 'hash' of a stored file",
            "附件需要已存储文件的 SHA-256 “hash”",
        )
    digest = digest.lower()
    unknown = set(item) - KEYS
    if unknown:
        keys = ", ".join(sorted(map(str, unknown)))
        raise _invalid(f"Unknown attachment keys: {keys}", f"未知的附件属性：{keys}")
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        raise _invalid("An attachment's 'name' must be text", "附件的“name”必须是文本")
    # a NUL or a broken surrogate can be in no file name and in no JSON column: drop them
    name = (name or "").replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    clean: dict[str, Any] = {"hash": digest, "name": name.strip() or digest[:12]}
    for key in ("size", "width", "height"):
        if item.get(key) is not None:
            clean[key] = _count(item[key], key)
    kind = item.get("type") or "application/octet-stream"
    if not isinstance(kind, str) or not MEDIA_TYPE_RE.match(kind):
        raise _invalid(
            f"An attachment's 'type' must be a media type such as image/png, not {kind!r:.40}",
            f"附件的“type”必须是媒体类型，例如 image/png，而不是 {kind!r:.40}",
        )
    clean["type"] = kind
    return clean


def _count(value: Any, key: str) -> int:
    """A size, width or height: a whole number of bytes or pixels, not negative."""
    if isinstance(value, str) and value.strip().isdecimal():
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise problem(
            "invalid_attachment",
            f"An attachment's {key!r} must be a whole number, not {value!r:.40}",
            f"附件的“{key}”必须是非负整数，而不是 {value!r:.40}",
        )
    return value
