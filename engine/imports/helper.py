"""A second process that parses chunks of a large worksheet while the importing process
decompresses and parses the others: parsing is plain Python work that one process can only do
on one core.

The helper is started with `python -m engine.imports.helper`: a fresh interpreter that loads
only the .xlsx reader (no fork of a process that may run threads, such as the server). It opens
the workbook itself (for styles and shared strings), takes raw chunks of sheet XML on its
standard input, writes what it parses into a temporary file the spool was given, and answers
on its standard output where it wrote each chunk. Anything that goes wrong in the helper only
makes the importing process parse that chunk itself.

    python -m engine.imports.helper     (reads frames on stdin; not for use by hand)

Frames are a 4-byte little-endian length and a payload: first `marshal` of the workbook's path,
the spool file's descriptor and the reader's state, then raw chunks; answers are `marshal` of
("ok", row reached, [(offset, length, first column, last column, height)]) or ("error", text).
"""

from __future__ import annotations

import gc
import marshal
import os
import queue
import select
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import IO, Any

from .spool import Columns, Packed, Sink, Spool, pack, write_at

MIN_BYTES = 8 << 20  # sheet parts (uncompressed) from this size on are parsed by two processes
IN_FLIGHT = 2  # chunks given to the helper and not yet answered, at most
# ... while another thread scans the chunks parsed so far: this process's time goes to that
# scan, so the helper is given more of the parse
IN_FLIGHT_SCANNED = 6
ENV = "TESSERA_IMPORT_HELPERS"  # "0" turns helpers off


def wanted(size: int) -> bool:
    """Whether a sheet part of `size` bytes is worth a helper on this machine."""
    setting = os.environ.get(ENV, "")
    if setting.strip() == "0" or not hasattr(os, "pread"):
        return False
    return size >= MIN_BYTES and (os.cpu_count() or 1) > 1


class Helper:
    """The importing side: hands chunks to the helper process and takes its answers in order."""

    def __init__(self, out: IO[bytes]) -> None:
        root = str(Path(__file__).resolve().parents[2])  # the folder holding `engine`
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self.out = out
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "engine.imports.helper"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            pass_fds=(out.fileno(),),
            env=env,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.answers = self.proc.stdout.fileno()
        self.buffer = b""
        self.in_flight = 0
        self.alive = True
        # a thread writes the chunks, so that handing one over never waits for the helper
        self.outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.sender = threading.Thread(target=self._send, args=(self.proc.stdin,), daemon=True)
        self.sender.start()

    def start(self, path: str, state: tuple[Any, ...]) -> None:
        self.outbox.put(marshal.dumps((path, self.out.fileno(), *state)))

    def give(self, chunk: bytes) -> None:
        self.outbox.put(chunk)
        self.in_flight += 1

    def _send(self, pipe: IO[bytes]) -> None:
        try:
            while (data := self.outbox.get()) is not None:
                pipe.write(len(data).to_bytes(4, "little"))
                pipe.write(data)
                pipe.flush()
        except OSError:  # the helper is gone: its chunks are parsed here instead
            pass
        finally:
            with suppress(OSError):
                pipe.close()

    def ready(self) -> bool:
        """Whether the oldest chunk's answer has come (or the helper has ended)."""
        if len(self.buffer) >= 4:
            return True
        return bool(select.select([self.answers], [], [], 0)[0])

    def answer(self) -> Any:
        """The oldest chunk's answer (waiting for it); None if the helper could not give it."""
        self.in_flight -= 1
        if not self.alive:
            return None
        head = self._read(4)
        body = self._read(int.from_bytes(head, "little")) if head is not None else None
        if body is None:
            self.alive = False
            return None
        return marshal.loads(body)

    def _read(self, n: int) -> bytes | None:
        while len(self.buffer) < n:
            more = os.read(self.answers, max(n - len(self.buffer), 1 << 16))
            if not more:
                return None
            self.buffer += more
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def close(self) -> None:
        """End the helper: told to when every chunk was answered, stopped at once when some
        were not (the parse failed here, so their answers are of no use)."""
        if self.in_flight > 0:
            self.proc.kill()
        self.outbox.put(None)
        self.sender.join(timeout=5)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


class _Held:
    """A chunk parsed here while an earlier one is still with the helper: packed, and kept
    until its turn."""

    def __init__(self) -> None:
        self.packed: list[Packed] = []

    def add(self, first: int, n: int, columns: Columns, present: list[int]) -> None:
        self.packed.append(pack(first, n, columns, present))


class Pipeline:
    """Chunks of one worksheet shared between this process and a helper: but for the first,
    the helper is given a chunk whenever it has fewer than IN_FLIGHT (IN_FLIGHT_SCANNED while
    a scan follows the spool), this process parses the others, and every chunk goes into the
    spool in the order of the sheet."""

    def __init__(self, path: str, parse: Callable[[bytes, Sink], int], spool: Spool) -> None:
        self.path = path
        self.parse = parse
        out = tempfile.TemporaryFile(prefix="tessera-import-")  # noqa: SIM115
        spool.attach(out)  # closed with the spool, which reads the helper's chunks from it
        self.helper = Helper(out)
        self.slots: deque[bytes | tuple[int, list[Packed]]] = deque()
        self.first = True

    def start(self, state: tuple[Any, ...]) -> None:
        self.helper.start(self.path, state)

    def take(self, chunk: bytes, spool: Spool) -> int:
        """Parse `chunk` here or have it parsed; returns the row reached by the chunks that
        went into the spool (0 if none did)."""
        helper = self.helper
        most = IN_FLIGHT_SCANNED if spool.followers else IN_FLIGHT
        first, self.first = self.first, False
        # the first chunk (the header, usually unlike the rows below it) is parsed here
        if not first and helper.alive and helper.in_flight < most:
            helper.give(chunk)
            self.slots.append(chunk)
        elif not self.slots:
            return self.parse(chunk, spool)
        else:
            held = _Held()
            self.slots.append((self.parse(chunk, held), held.packed))
        return self._settle(spool, wait=len(self.slots) > most + 1)

    def finish(self, spool: Spool) -> int:
        return self._settle(spool, wait=True)

    def _settle(self, spool: Spool, *, wait: bool) -> int:
        """Chunks whose turn has come into the spool, waiting for the helper if `wait`."""
        helper = self.helper
        reached = 0
        while self.slots:
            front = self.slots[0]
            if isinstance(front, bytes):
                if not wait and not helper.ready():
                    break
                answer = helper.answer()
                self.slots.popleft()
                if answer is None or answer[0] != "ok":  # parsed here, to say what is wrong
                    reached = self.parse(front, spool) or reached
                    continue
                _ok, row, placed = answer
                for offset, length, first_col, last_col, height in placed:
                    extent = Packed(b"", first_col, last_col, height)
                    spool.place(helper.out.fileno(), offset, length, extent)
                reached = row or reached
            else:
                self.slots.popleft()
                held_row, packed = front
                for p in packed:
                    spool.append(p)
                reached = held_row or reached
        return reached

    def close(self) -> None:
        self.helper.close()


class _FileSink:
    """The helper's side of the spool: chunks packed into the file it was given."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.end = 0
        self.placed: list[tuple[int, int, int | None, int, int]] = []

    def add(self, first: int, n: int, columns: Columns, present: list[int]) -> None:
        p: Packed = pack(first, n, columns, present)
        write_at(self.fd, p.blob, self.end)
        self.placed.append((self.end, len(p.blob), p.first_col, p.last_col, p.height))
        self.end += len(p.blob)


def _frame(stream: IO[bytes]) -> bytes | None:
    head = stream.read(4)
    if len(head) < 4:
        return None
    size = int.from_bytes(head, "little")
    body = stream.read(size)
    return body if len(body) == size else None


def _reply(value: Any) -> None:
    data = marshal.dumps(value)
    os.write(1, len(data).to_bytes(4, "little") + data)


def main() -> None:
    from .collect import BULK_THRESHOLD
    from .sheetdata import SheetReader
    from .xlsx import Book

    first_gen, *older = gc.get_threshold()  # this process only parses: see `collect`
    gc.set_threshold(max(first_gen, BULK_THRESHOLD), *older)

    stream = sys.stdin.buffer
    first = _frame(stream)
    if first is None:
        return
    path, fd, prefix, wrap_open, wrap_close, close_tag, row_end = marshal.loads(first)
    book = Book(path)
    reader = SheetReader(book)
    reader.prefix, reader.wrap = prefix, (wrap_open, wrap_close)
    reader.close_tag, reader.row_end = close_tag, row_end
    reader.defer_shared = True  # the importing process holds the shared strings, not both
    sink = _FileSink(fd)
    while (chunk := _frame(stream)) is not None:
        try:
            reached = reader.parse(chunk, sink)
        except Exception as e:  # the importing process parses the chunk again and says why
            _reply(("error", str(e)))
            continue
        _reply(("ok", reached, sink.placed))
        sink.placed = []
    book.close()


if __name__ == "__main__":
    main()
