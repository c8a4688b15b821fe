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
        if value is None or value == []:
            return None
        items = value if isinstance(value, list | tuple) else [value]
        out: list[dict[str, Any]] = []
        for item in items:
            if not isinstance(item, dict):
                raise wrong_type(item, "an attachment", "附件")
            digest = item.get("hash")
            if not isinstance(digest, str) or not HASH_RE.match(digest):
                raise problem(
                    "invalid_attachment",
                    "An attachment needs the SHA-256 'hash' of a stored file",
                    "附件需要已存储文件的 SHA-256 “hash”",
                )
            unknown = set(item) - KEYS
            if unknown:
                raise problem(
                    "invalid_attachment",
                    f"Unknown attachment keys: {', '.join(sorted(unknown))}",
                    f"未知的附件属性：{', '.join(sorted(unknown))}",
                )
            name = item.get("name") or digest[:12]
            clean: dict[str, Any] = {"hash": digest, "name": str(name)}
            for key in ("size", "width", "height"):
                if item.get(key) is not None:
                    clean[key] = int(item[key])
            clean["type"] = str(item.get("type") or "application/octet-stream")
            out.append(clean)
        return out

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
