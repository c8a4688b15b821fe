"""A webhook: POST JSON to a URL with a timeout, trying again a few times. Never called inside a
write transaction: the runner sends webhooks once its run has committed."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

RETRY_PAUSE = 0.2  # seconds before the first retry; doubled for each further one


@dataclass(frozen=True)
class Delivery:
    ok: bool
    attempts: int
    status: int | None
    error: str | None


def post(url: str, payload: Any, *, timeout: float, retries: int) -> Delivery:
    """POST `payload` as JSON; a 2xx answer is success, anything else is tried again."""
    body = json.dumps(payload, ensure_ascii=False, default=str).encode()
    error: str | None = None
    status: int | None = None
    for attempt in range(1, retries + 2):
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Tessera-Automations",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                status = int(answer.status)
                return Delivery(True, attempt, status, None)
        except urllib.error.HTTPError as e:
            status, error = e.code, f"HTTP {e.code}"
        except (urllib.error.URLError, OSError, ValueError) as e:
            status, error = None, str(getattr(e, "reason", e))
        if attempt <= retries:
            time.sleep(RETRY_PAUSE * 2 ** (attempt - 1))
    return Delivery(False, retries + 1, status, error)
