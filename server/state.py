"""The toolbar's unsaved changes to a view (filter, sorts, groups) travel in the URL as `q`, a
compact base64 JSON of a ViewQuery, beside the quick search `s`. The server keeps no state
between requests; "save view" writes the draft into the view, "save as view" into a new one."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError as PydanticValidationError

from views.model import View, ViewQuery


def encode(query: ViewQuery) -> str:
    raw = json.dumps(query.model_dump(mode="json", exclude_defaults=True), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(token: str | None) -> ViewQuery | None:
    """The draft in `token`, or None when there is none or it cannot be read."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        return ViewQuery.model_validate(json.loads(base64.urlsafe_b64decode(padded.encode())))
    except (ValueError, PydanticValidationError, json.JSONDecodeError):
        return None


@dataclass
class ViewState:
    """A view as the toolbar shows it: the saved view, the draft (if it differs) and search."""

    view: View
    draft: ViewQuery | None
    search: str

    @classmethod
    def of(cls, view: View, params: Any) -> ViewState:
        draft = decode(params.get("q"))
        if draft is not None and draft == view.query:
            draft = None
        return cls(view, draft, str(params.get("s") or "").strip())

    @property
    def query(self) -> ViewQuery:
        return self.draft if self.draft is not None else self.view.query

    @property
    def dirty(self) -> bool:
        return self.draft is not None

    @property
    def q(self) -> str:
        return encode(self.draft) if self.draft is not None else ""

    def params(self, **extra: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.draft is not None:
            out["q"] = self.q
        if self.search:
            out["s"] = self.search
        out.update({k: v for k, v in extra.items() if v is not None and v != ""})
        return out

    def url(self, path: str, **extra: Any) -> str:
        p = self.params(**extra)
        return f"{path}?{urlencode(p)}" if p else path

    def with_query(self, query: ViewQuery) -> ViewState:
        return ViewState(self.view, None if query == self.view.query else query, self.search)


def view_url(table_id: int, view_id: int) -> str:
    return f"/t/{table_id}/v/{view_id}"
