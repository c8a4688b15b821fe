"""A per-base rate limit for the APIs: a token bucket per base, per process.

`TESSERA_API_RATE` requests a second per base (default 100; Airtable allows 5) with bursts of
`TESSERA_API_BURST` (default twice the rate); 0 turns the limit off. A call over the limit is
refused with 429 and `Retry-After` (seconds)."""

from __future__ import annotations

import math
import os
import threading
import time
from functools import lru_cache

from engine.errors import RateLimited


class Limiter:
    def __init__(self, rate: float, burst: float, clock: object = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(burst, 1.0)
        self.clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}  # base id: (tokens, when)
        self._lock = threading.Lock()

    def take(self, key: int) -> None:
        if self.rate <= 0:
            return
        now = self.clock()  # type: ignore[operator]
        with self._lock:
            tokens, when = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - when) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                wait = max(1, math.ceil((1 - tokens) / self.rate))
                raise RateLimited(
                    f"Rate limit exceeded ({self.rate:g} requests per second per base); "
                    f"retry in {wait} s",
                    f"请求过于频繁（每个库每秒 {self.rate:g} 次）；请 {wait} 秒后重试",
                    retry_after=wait,
                )
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > 10000:  # forget the idle ones
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        raise RuntimeError(f"{name} must be a number, not {raw!r}") from None


@lru_cache(maxsize=1)
def limiter() -> Limiter:
    rate = _number("TESSERA_API_RATE", 100.0)
    return Limiter(rate, _number("TESSERA_API_BURST", 2 * rate))
