"""The streaming pass over a sheet's records: chunks of non-blank rows, all of one width, with
merged cells filled; and the first pass, which infers each column's type from them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .guard import Limits, check_cells
from .infer import ColumnStats, Inferrer
from .layout import Layout, body_rows
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
    """(row indexes, rows, blank rows skipped) a chunk at a time. With `grow`, a value right of
    `width` widens the table (`grow` is told the new width); without it, such columns are cut."""
    numbers: list[int] = []
    rows: list[list[Any]] = []
    blank = 0
    for index, row in body_rows(sheet, layout):
        n = len(row)
        if n != width:
            if n > width:
                tail = row[width:]
                filled = len(tail) - tail.count("") - tail.count(None)
                if filled and grow is not None:
                    last = max(i for i, v in enumerate(tail) if v != "" and v is not None)
                    width += last + 1
                    grow(width)
                    row = list(row[:width])
                else:
                    row = list(row[:width])
            else:
                row = list(row) + [""] * (width - n)
        empties = row.count("") + row.count(None)
        if empties == width or (width - empties <= 3 and empties + _spaces(row) == width):
            blank += 1
            continue
        numbers.append(index)
        rows.append(row)
        if len(rows) >= size:
            yield numbers, rows, blank
            numbers, rows, blank = [], [], 0
    if rows or blank:
        yield numbers, rows, blank


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
    for _numbers, chunk, blank in chunks(sheet, layout, width, grow=grow):
        blanks += blank
        if chunk:
            if len(chunk[0]) > len(inferrer.columns):
                grow(len(chunk[0]))
            width = len(inferrer.columns)
            chunk = [r if len(r) == width else r + [""] * (width - len(r)) for r in chunk]
            inferrer.feed(chunk)
            rows += len(chunk)
            check_cells(sheet.name, rows * width, limits)
        if progress is not None:
            progress(sheet.name, rows, expected)
    layout.width = len(inferrer.columns)
    return inferrer.columns, rows, blanks
