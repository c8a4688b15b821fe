"""A spool: a sheet's cells, parsed once, kept column by column in a temporary file (not in
memory) and read back as often as asked, as rows or as columns."""

from __future__ import annotations

import marshal
import pickle
import tempfile
from collections.abc import Iterator
from typing import IO, Any

PLAIN = (str, float, bool, int)  # what marshal stores; other columns (dates) are pickled
Columns = list[list[Any]]


class Spool:
    """Chunks of a sheet as columns in a temporary file; rows come back as lists, from row 0,
    each `width` long from column `col_base`."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="tessera-import-")  # noqa: SIM115
        self.height = 0  # rows up to the last one with a cell
        self.first_col: int | None = None
        self.last_col = -1

    def add(self, first: int, n: int, columns: Columns, present: list[int]) -> None:
        """Rows `first`..`first + n - 1`; `present[c]` is the last row of column c holding a
        cell (-1 for none)."""
        for c, last in enumerate(present):
            if last >= 0:
                if self.first_col is None or c < self.first_col:
                    self.first_col = c
                self.last_col = max(self.last_col, c)
                self.height = max(self.height, first + last + 1)
        stored = [
            col if all(map(PLAIN.__contains__, set(map(type, col)))) else pickle.dumps(col, 5)
            for col in columns
        ]
        blob = marshal.dumps((first, n, stored))
        self.file.seek(0, 2)
        self.file.write(len(blob).to_bytes(8, "little"))
        self.file.write(blob)

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
        `col_base`; rows missing between chunks come as a block of empty ones."""
        f = self.file
        base, width, height = self.col_base, self.width, self.height
        end = base + width
        at = offset = 0
        while at < height:
            f.seek(offset)  # each reader keeps its own place: two may read at once
            size = f.read(8)
            if len(size) < 8:
                break
            length = int.from_bytes(size, "little")
            offset += 8 + length
            first, n, stored = marshal.loads(f.read(length))
            if at < min(first, height):
                gap = min(first, height) - at
                yield at, [[""] * gap for _ in range(width)]
                at += gap
            take = min(n, height - first)
            if take <= 0:
                continue
            columns = [pickle.loads(c) if isinstance(c, bytes) else c for c in stored[base:end]]
            columns += [[""] * n for _ in range(width - len(columns))]
            if take < n:
                columns = [c[:take] for c in columns]
            yield first, columns
            at = first + take
        if at < height:
            yield at, [[""] * (height - at) for _ in range(width)]

    def close(self) -> None:
        self.file.close()
