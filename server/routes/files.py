"""Attachment files: served from the content-addressed store by their SHA-256."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ..context import context

HASH = re.compile(r"^[0-9a-f]{64}$")
INLINE = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "application/pdf"}


async def serve(request: Request) -> Response:
    """A stored file. Only images and PDFs are shown in the page; anything else (HTML, SVG,
    scripts) is downloaded, never rendered on this site."""
    ctx = context(request)
    digest = request.path_params["digest"]
    if not HASH.match(digest) or not ctx.db.attachments.exists(digest):
        return Response("Not found", 404)
    kind = request.query_params.get("t", "application/octet-stream")
    name = request.query_params.get("n", digest[:12])
    inline = kind in INLINE
    return FileResponse(
        ctx.db.attachments.path(digest),
        media_type=kind if inline else "application/octet-stream",
        filename=name,
        content_disposition_type="inline" if inline else "attachment",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=31536000"},
    )


routes = [Route("/files/{digest}", serve)]
