"""Where a sheet's table is: the header row (below merged titles and blank rows), unique field
names from multi-line, two-level or repeated headers, and merged body cells filled from their
anchor. Columns are counted from the sheet's `col_base`; rows from its `row_base`."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from ..names import MAX_NAME, name_key
from .readers import Sheet

SAMPLE_ROWS = 30  # rows looked at to find the header
_SPACES = re.compile(r"\s+")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def column_letters(index: int) -> str:
    letters = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


@dataclass
class Layout:
    header_rows: list[int]  # relative row indexes of the header (one, or two for a grouped one)
    headers: list[str]  # the header text of each column (may be empty), by relative column
    width: int  # columns the header and the sample use
    merged_body: list[tuple[int, int, int, int]] = field(default_factory=list)  # relative

    @property
    def first_data_row(self) -> int:
        return self.header_rows[-1] + 1


def _text(value: Any) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACES.sub(" ", str(value)).strip()  # a multi-line header becomes one line


def _filled(row: Sequence[Any]) -> int:
    return sum(1 for v in row if not is_blank(v))


def _last_filled(row: Sequence[Any]) -> int:
    for i in range(len(row) - 1, -1, -1):
        if not is_blank(row[i]):
            return i + 1
    return 0


def find_layout(sheet: Sheet) -> Layout:
    """The header of `sheet`, from its first rows and its merged ranges."""
    sample = [list(r) for r in islice(sheet.rows(), SAMPLE_ROWS)]
    merged = [
        (r0 - sheet.row_base, c0 - sheet.col_base, r1 - sheet.row_base, c1 - sheet.col_base)
        for r0, c0, r1, c1 in sheet.merged
    ]
    _fill(sample, merged, 0)
    width = max((_last_filled(r) for r in sample), default=0)
    most = max((_filled(r) for r in sample), default=0)
    # a title: one merged cell across the table, or a lone value above a wider table
    titles = {
        r0
        for r0, c0, r1, c1 in merged
        if r0 == r1
        and c1 - c0 + 1 >= max(2, width // 2)
        and r0 < len(sample)
        and len({_text(v) for v in sample[r0]} - {""}) == 1
    }
    header = 0
    for i, row in enumerate(sample):
        filled = _filled(row)
        if filled == 0 or i in titles or (filled == 1 and most > 2):
            continue
        texts = sum(1 for v in row if isinstance(v, str) and v.strip())
        if filled >= max(1, (most + 1) // 2) and texts * 2 >= filled:
            header = i
            break
    rows = [header]
    top = sample[header] if sample else []
    headers = [_text(v) for v in top[:width]] + [""] * max(0, width - len(top))
    # a grouped header: a merged cell over several columns, with the names of its parts below
    spans = [(c0, c1) for r0, c0, r1, c1 in merged if r0 == header and c1 > c0 and r1 == r0]
    below = sample[header + 1] if header + 1 < len(sample) else []
    if spans and below and all(isinstance(v, str) for v in below[:width] if not is_blank(v)):
        under = [c for c0, c1 in spans for c in range(c0, c1 + 1) if c < len(below)]
        if under and all(not is_blank(below[c]) for c in under):
            rows.append(header + 1)
            for c0, c1 in spans:
                group = headers[c0]
                for c in range(c0, min(c1 + 1, width)):
                    part = _text(below[c])
                    headers[c] = f"{group} {part}".strip() if group else part
            for c in range(width):
                if c < len(below) and not headers[c]:
                    headers[c] = _text(below[c])
    body = [m for m in merged if m[0] > rows[-1]]
    return Layout(rows, headers, width, body)


def _fill(rows: list[list[Any]], merged: Sequence[tuple[int, int, int, int]], first: int) -> None:
    """Copy each merged range's anchor value into its other cells, in `rows` (which start at
    relative row `first`)."""
    last = first + len(rows) - 1
    for r0, c0, r1, c1 in merged:
        if r0 < first or r0 > last:
            continue
        anchor = rows[r0 - first]
        if c0 >= len(anchor):
            continue
        value = anchor[c0]
        for r in range(r0, min(r1, last) + 1):
            row = rows[r - first]
            for c in range(c0, min(c1 + 1, len(row))):
                row[c] = value


def body_rows(sheet: Sheet, layout: Layout) -> Iterator[tuple[int, list[Any]]]:
    """(relative row index, row) of each row below the header, merged cells filled from their
    anchors (a range may run on past the rows already read: its value is carried down)."""
    starts: dict[int, list[tuple[int, int, int]]] = {}
    for r0, c0, r1, c1 in layout.merged_body:
        starts.setdefault(r0, []).append((c0, r1, c1))
    active: list[tuple[int, int, int, Any]] = []
    first = layout.first_data_row
    for index, row in enumerate(sheet.rows()):
        if index < first:
            continue
        if starts or active:
            row = list(row)
            for c0, r1, c1 in starts.get(index, ()):
                if c0 < len(row):
                    active.append((c0, c1, r1, row[c0]))
            for c0, c1, _r1, value in active:
                for c in range(c0, min(c1 + 1, len(row))):
                    row[c] = value
            active = [a for a in active if a[2] > index]
        yield index, row


def body_blocks(
    sheet: Sheet, layout: Layout, size: int = 5000
) -> Iterator[tuple[int, list[list[Any]]]]:
    """`body_rows` a block at a time: (index of the block's first row, rows). Without merged
    ranges below the header the sheet's own blocks are passed on as they are."""
    if layout.merged_body:
        start = -1
        block: list[list[Any]] = []
        for index, row in body_rows(sheet, layout):
            if not block:
                start = index
            block.append(row)
            if len(block) >= size:
                yield start, block
                block = []
        if block:
            yield start, block
        return
    first = layout.first_data_row
    for start, rows in sheet.blocks():
        if start + len(rows) <= first:
            continue
        if start < first:
            rows, start = rows[first - start :], first
        yield start, rows


def unique_names(headers: Sequence[str]) -> list[str]:
    """Field names for `headers`: an empty one is named after its column ('Column C'), a
    repeated one gets a number ('金额 2'), and each fits the engine's name limit."""
    out: list[str] = []
    seen: set[str] = set()
    for i, h in enumerate(headers):
        base = (h or f"Column {column_letters(i)}")[:MAX_NAME].strip()
        name, n = base, 1
        while name_key(name) in seen:
            n += 1
            suffix = f" {n}"
            name = base[: MAX_NAME - len(suffix)] + suffix
        seen.add(name_key(name))
        out.append(name)
    return out
