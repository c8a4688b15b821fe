"""What a field type may need to look up while validating: the database and the file store."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Connection


class RefContext(Protocol):
    conn: Connection

    def attachment_exists(self, digest: str) -> bool: ...
