"""The streaming pass over a sheet's records: chunks of non-blank rows, all of one width, with
merged cells filled; and the first pass, which infers each column's type from them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import repeat
from operator import add
from typing import Any

from .guard import Limits, check_cells
from .infer import ColumnStats, Inferrer
from .layout import Layout, body_blocks
from .readers import Sheet

CHUNK = 5000
Progress = Callable[[str, int, int | None], None]  # sheet, rows done, rows expected


def chunks(
    sheet: Sheet,
    layout: Layout,
    width: int,
    *,
    grow: Callable[[int], None] | None = None,
    size: int = CHUNK,
) -> Iterator[tuple[list[int], list[list[Any]], int]]:
    """(row indexes, rows) a chunk at a time, with the number of blank rows skipped since the
    last chunk. With `grow`, a value right of `width` widens the table (`grow` is told the new
    width); without it, such columns are cut. A block of rows all `width` wide, none of them
    nearly blank, passes with C-level list operations only."""
    numbers: list[int] = []
    rows: list[list[Any]] = []
    blank = 0
    for start, block in body_blocks(sheet, layout):
        if set(map(len, block)) != {width}:
            fitted = []
            for row in block:
                width, row = _fit(row, width, grow)
                fitted.append(row)
            block = fitted
        empties = list(
            map(add, map(list.count, block, repeat("")), map(list.count, block, repeat(None)))
        )
        if max(empties, default=0) < width - 3:
            numbers.extend(range(start, start + len(block)))
            rows.extend(block)
        else:
            for i, row in enumerate(block):
                e, n = empties[i], len(row)
                if e == n or (n - e <= 3 and e + _spaces(row) == n):
                    blank += 1
                    continue
                numbers.append(start + i)
                rows.append(row)
        while len(rows) >= size:
            yield numbers[:size], rows[:size], blank
            numbers, rows, blank = numbers[size:], rows[size:], 0
    if rows or blank:
        yield numbers, rows, blank


def _fit(row: list[Any], width: int, grow: Callable[[int], None] | None) -> tuple[int, list[Any]]:
    """A row cut or padded to `width` (or the table widened, by `grow`, to take its values)."""
    n = len(row)
    if n > width:
        tail = row[width:]
        filled = len(tail) - tail.count("") - tail.count(None)
        if filled and grow is not None:
            last = max(i for i, v in enumerate(tail) if v != "" and v is not None)
            width += last + 1
            grow(width)
        return width, list(row[:width])
    if n < width:
        return width, list(row) + [""] * (width - n)
    return width, row


def column_chunks(
    sheet: Sheet,
    layout: Layout,
    width: int,
    *,
    grow: Callable[[int], None] | None = None,
    size: int = CHUNK,
) -> Iterator[tuple[list[int], list[list[Any]], int]]:
    """`chunks` as columns: (row indexes, columns, blank rows skipped). A source that keeps its
    cells by column (an .xlsx spool) is never turned into rows unless a block may hold a blank
    row; others (and sheets with merged cells below the header) go through `chunks`."""
    blocks = None if layout.merged_body else sheet.column_blocks()
    if blocks is None:
        for indexes, rows, skipped in chunks(sheet, layout, width, grow=grow, size=size):
            w = max(map(len, rows), default=width)
            rows = [r if len(r) == w else r + [""] * (w - len(r)) for r in rows]
            yield indexes, [list(c) for c in zip(*rows, strict=True)] if rows else [], skipped
        return
    first_row = layout.first_data_row
    numbers: list[int] = []
    columns: list[list[Any]] = []
    blank = 0
    for start, block in blocks:
        n = len(block[0]) if block else 0
        if start + n <= first_row or n == 0:
            continue
        if start < first_row:
            cut = first_row - start
            block, start, n = [c[cut:] for c in block], first_row, n - cut
        if len(block) > width:
            extra = block[width:]
            filled = [i for i, c in enumerate(extra) if c.count("") + c.count(None) != n]
            if filled and grow is not None:
                width += filled[-1] + 1
                grow(width)
            block = block[:width]
        block = block + [[""] * n for _ in range(width - len(block))]
        kept = list(range(start, start + n))
        if not _never_blank(block):
            rows = list(map(list, zip(*block, strict=True)))
            keep = [i for i, row in enumerate(rows) if not _blank(row)]
            if len(keep) < n:
                blank += n - len(keep)
                block = [[c[i] for i in keep] for c in block]
                kept = [start + i for i in keep]
        if not numbers:
            columns = [list(c) for c in block]  # copies: a block's lists may be shared
        else:
            columns += [[""] * len(numbers) for _ in range(len(block) - len(columns))]
            for into, more in zip(columns, block, strict=True):
                into.extend(more)
        numbers.extend(kept)
        if len(numbers) >= size:
            yield numbers, columns, blank
            numbers, columns, blank = [], [], 0
    if numbers or blank:
        yield numbers, columns, blank


def _never_blank(columns: list[list[Any]]) -> bool:
    """Whether some column has a value in every row (so no row is blank)."""
    for c in columns:
        kinds = set(map(type, c))
        if str not in kinds and type(None) not in kinds:
            return True
        if kinds == {str} and all(map(str.strip, c)):
            return True
    return False


def _blank(row: list[Any]) -> bool:
    n = len(row)
    e = row.count("") + row.count(None)
    return e == n or (n - e <= 3 and e + _spaces(row) == n)


def _spaces(row: list[Any]) -> int:
    return sum(1 for v in row if isinstance(v, str) and v and not v.strip())


def scan(
    sheet: Sheet,
    layout: Layout,
    *,
    threshold: float,
    track_keys: bool,
    limits: Limits,
    progress: Progress | None = None,
) -> tuple[list[ColumnStats], int, int]:
    """Stats of every column (the layout's width, widened if data lies beyond it), the number
    of records and of blank rows."""
    width = layout.width
    formats = [sheet.number_format(c) for c in range(width)]
    expected = None
    if sheet.height is not None:
        expected = max(sheet.height - layout.first_data_row, 0)
        check_cells(sheet.name, expected * max(sheet.width or width, 1), limits)
    inferrer = Inferrer(
        layout.headers[:width],
        formats,
        threshold=threshold,
        expected_rows=expected,
        track_keys=track_keys,
    )

    def grow(new_width: int) -> None:
        for c in range(len(inferrer.columns), new_width):
            stats = ColumnStats("", sheet.number_format(c))
            stats.empty = inferrer.rows
            inferrer.columns.append(stats)
            if track_keys:
                stats.keys = None
        layout.headers.extend([""] * (new_width - len(layout.headers)))

    rows = blanks = 0
    for numbers, columns, blank in column_chunks(sheet, layout, width, grow=grow):
        blanks += blank
        n = len(numbers)
        if n:
            if len(columns) > len(inferrer.columns):
                grow(len(columns))
            width = len(inferrer.columns)
            columns += [[""] * n for _ in range(width - len(columns))]
            inferrer.feed_columns(columns, n)
            rows += n
            check_cells(sheet.name, rows * width, limits)
        if progress is not None:
            progress(sheet.name, rows, expected)
    layout.width = len(inferrer.columns)
    return inferrer.columns, rows, blanks
