"""Fewer garbage collections while an import works.

An import makes millions of short-lived containers (a tuple per row matched, lists per column),
which refcounting frees as soon as they are dropped. Each 700 of them would still start a
collection of the youngest generation, and every tenth of those an older one, which walks
every object still alive: measured on a 100,000-row sheet, a tenth of the import's time. While
an import runs (in any thread), the youngest generation is collected every 100,000 allocations
instead; the settings before are restored when the last import ends. Cycles are still
collected, only later."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BULK_THRESHOLD = 100_000

_lock = threading.Lock()
_running = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    global _running, _saved
    with _lock:
        if _running == 0:
            _saved = gc.get_threshold()
            first, *older = _saved
            gc.set_threshold(max(first, BULK_THRESHOLD), *older)
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _saved is not None:
                gc.set_threshold(*_saved)
