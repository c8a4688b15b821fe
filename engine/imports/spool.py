"""A spool: a sheet's cells, parsed once, kept column by column in temporary files (not in
memory) and read back as often as asked, as rows or as columns.

A chunk of rows is packed into one blob (`pack`); the spool keeps where each blob lies, in row
order. Blobs may lie in files other than the spool's own: a parse helper process writes the
chunks it parses into a file of its own (`Spool.place`)."""

from __future__ import annotations

import marshal
import os
import pickle
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, Protocol

PLAIN = (str, float, bool, int)  # what marshal stores; other columns (dates) are pickled
Columns = list[list[Any]]


class SharedRefs(list[int]):
    """A column of shared strings given as their indexes (by a parse helper, which so never
    loads the workbook's shared strings): the spool gives the strings when it is read."""


class Sink(Protocol):
    """Where a parser puts a chunk's rows."""

    def add(self, first: int, n: int, columns: Columns, present: list[int]) -> None: ...


@dataclass
class Packed:
    """A chunk of rows as stored, and the extent of its cells: first and last column holding
    one (None and -1 if none) and the rows up to the last one holding one."""

    blob: bytes
    first_col: int | None
    last_col: int
    height: int


def pack(first: int, n: int, columns: Columns, present: list[int]) -> Packed:
    """Rows `first`..`first + n - 1` as stored; `present[c]` is the last row of column c
    holding a cell (-1 for none)."""
    filled = [c for c, last in enumerate(present) if last >= 0]
    height = max((first + present[c] + 1 for c in filled), default=0)
    stored = [
        ("s", list(col))
        if isinstance(col, SharedRefs)
        else col
        if all(map(PLAIN.__contains__, set(map(type, col))))
        else pickle.dumps(col, 5)
        for col in columns
    ]
    blob = marshal.dumps((first, n, stored))
    return Packed(blob, filled[0] if filled else None, filled[-1] if filled else -1, height)


def write_at(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        done = os.pwrite(fd, view, offset)
        view, offset = view[done:], offset + done


class Spool:
    """Chunks of a sheet as columns in temporary files; rows come back as lists, from row 0,
    each `width` long from column `col_base`."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="tessera-import-")  # noqa: SIM115
        self.files: list[IO[bytes]] = [self.file]
        self.end = 0  # bytes written to the spool's own file
        self.segments: list[tuple[int, int, int]] = []  # (file descriptor, offset, length)
        self.height = 0  # rows up to the last one with a cell
        self.first_col: int | None = None
        self.last_col = -1
        self.claimed_height: int | None = None  # what the sheet's <dimension> says
        # for a reader that follows the spool while it is written
        self.changed = threading.Condition()
        self.done = self.closed = False
        self.followed = 0  # rows the follower has read
        self.followers = 0  # readers following the spool now
        self.watcher: Callable[[Spool], None] | None = None  # told of each chunk placed
        self.strings: Callable[[], Sequence[str]] | None = None  # the shared strings, loaded

    def add(self, first: int, n: int, columns: Columns, present: list[int]) -> None:
        self.append(pack(first, n, columns, present))

    def append(self, packed: Packed) -> None:
        """A chunk after those already in, written to the spool's own file."""
        fd = self.file.fileno()
        write_at(fd, packed.blob, self.end)
        self.place(fd, self.end, len(packed.blob), packed)
        self.end += len(packed.blob)

    def place(self, fd: int, offset: int, length: int, extent: Packed) -> None:
        """A chunk after those already in, packed into the file `fd` at `offset`."""
        with self.changed:
            self.segments.append((fd, offset, length))
            if extent.first_col is not None:
                if self.first_col is None or extent.first_col < self.first_col:
                    self.first_col = extent.first_col
                self.last_col = max(self.last_col, extent.last_col)
            self.height = max(self.height, extent.height)
            self.changed.notify_all()
        if self.watcher is not None:
            self.watcher(self)

    def finish(self) -> None:
        """No chunk comes after those in: a follower ends when it has read them."""
        with self.changed:
            self.done = True
            self.changed.notify_all()

    def follow(self, base: int) -> Iterator[tuple[int, list[list[Any]]]]:
        """`column_blocks` while the spool is still written, each chunk as it is placed (in
        another thread than the one writing): its columns from `base` on, as many as it has,
        and a block of empty rows where rows are missing. `followed` tells how far it read."""
        i = at = 0
        with self.changed:
            self.followers += 1
        try:
            while True:
                with self.changed:
                    while i >= len(self.segments) and not self.done:
                        self.changed.wait()
                    if i >= len(self.segments) or self.closed:
                        break
                    fd, offset, length = self.segments[i]
                    blob = os.pread(fd, length, offset)  # under the lock: no file closes now
                i += 1
                first, n, stored = marshal.loads(blob)
                if first > at:
                    yield at, [[""] * (first - at)]
                columns = list(map(self._column, stored[base:]))
                yield first, columns or [[""] * n]
                at = self.followed = first + n
        finally:
            with self.changed:
                self.followers -= 1

    def attach(self, file: IO[bytes]) -> None:
        """Another file the spool's chunks lie in, closed with the spool."""
        self.files.append(file)

    @property
    def col_base(self) -> int:
        return self.first_col or 0

    @property
    def width(self) -> int:
        return self.last_col - self.col_base + 1 if self.first_col is not None else 0

    def rows(self) -> Iterator[list[Any]]:
        for _first, rows in self.blocks():
            yield from rows

    def blocks(self) -> Iterator[tuple[int, list[list[Any]]]]:
        """(index of the first row, rows) a stored chunk at a time."""
        for first, columns in self.column_blocks():
            yield first, list(map(list, zip(*columns, strict=True)))

    def column_blocks(self) -> Iterator[tuple[int, list[list[Any]]]]:
        """(index of the first row, columns) a stored chunk at a time, `width` columns from
        `col_base`; rows missing between chunks come as a block of empty ones. Chunks are
        read at their offsets, so two readers may read at once."""
        base, width, height = self.col_base, self.width, self.height
        end = base + width
        at = 0
        for fd, offset, length in self.segments:
            if at >= height:
                break
            first, n, stored = marshal.loads(os.pread(fd, length, offset))
            if at < min(first, height):
                gap = min(first, height) - at
                yield at, [[""] * gap for _ in range(width)]
                at += gap
            take = min(n, height - first)
            if take <= 0:
                continue
            columns = list(map(self._column, stored[base:end]))
            columns += [[""] * n for _ in range(width - len(columns))]
            if take < n:
                columns = [c[:take] for c in columns]
            yield first, columns
            at = first + take
        if at < height:
            yield at, [[""] * (height - at) for _ in range(width)]

    def _column(self, stored: Any) -> list[Any]:
        """A column as stored: a list as it is, a pickled one, or ("s", indexes of shared
        strings)."""
        if isinstance(stored, list):
            return stored
        if isinstance(stored, bytes):
            column: list[Any] = pickle.loads(stored)
            return column
        assert self.strings is not None, "a spool of shared strings' indexes knows the strings"
        return list(map(self.strings().__getitem__, stored[1]))

    def close(self) -> None:
        with self.changed:
            self.done = self.closed = True
            self.changed.notify_all()
            for f in self.files:
                f.close()
