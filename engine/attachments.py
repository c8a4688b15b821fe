"""Files of attachment fields, stored once each under the data directory by their SHA-256."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

CHUNK = 1 << 20


class AttachmentStore:
    """A content-addressed folder: `<root>/ab/cd/abcd…` holds the bytes whose hash is `abcd…`."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:4] / digest

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def add_bytes(self, data: bytes, name: str, mime: str | None = None) -> dict[str, Any]:
        import io

        return self.add_stream(io.BytesIO(data), name, mime)

    def add_file(self, path: str | Path, name: str | None = None) -> dict[str, Any]:
        p = Path(path)
        with p.open("rb") as fh:
            return self.add_stream(fh, name or p.name)

    def add_stream(self, stream: BinaryIO, name: str, mime: str | None = None) -> dict[str, Any]:
        """Store a file and return the attachment value that refers to it."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            hexdigest = digest.hexdigest()
            target = self.path(hexdigest)
            if target.exists():
                os.unlink(tmp)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        kind = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
        return {"hash": hexdigest, "name": name, "size": size, "type": kind}

    def open(self, digest: str) -> BinaryIO:
        return self.path(digest).open("rb")
