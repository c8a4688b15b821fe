"""A row template: a regular expression made from one row of a worksheet that matches every row
written alike (the same cells, with the same styles and forms, as spreadsheet programs write
them), a row a match, with the row's number and each cell's value as groups."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_ROW_OPEN = re.compile(rb'<row r="\d+"[^>]*>')
# one cell in a form a row template can repeat: self-closed, or a plain value, or nothing
_FORM = re.compile(
    rb'<c r="([A-Z]{1,3})\d+"([^>]*)>(?:(<v>)[^<]*</v></c>|(<is><t>)[^<]*</t></is></c>|(</c>))?'
)


@dataclass
class Template:
    """A row's shape: what matches such a row (its number, then a group for each cell's
    value), the cells' columns and attributes, and the tags a row has."""

    pattern: re.Pattern[bytes]
    columns: list[int]
    attrs: list[bytes]
    tags: int


def row_template(
    chunk: bytes,
    row_end: bytes,
    kind: Callable[[bytes], tuple[str, Any, bool]],
    letters: Mapping[str, int],
) -> Template | None:
    """The template of the chunk's first row, if its cells are all in a form it can repeat and
    in order of column; `kind` tells a cell's type, format and self-closing from its
    attributes, `letters` a column's index from its letters."""
    head = _ROW_OPEN.search(chunk)
    if head is None:
        return None
    end = chunk.find(row_end, head.end())
    if end < 0:
        return None
    parts = [rb'<row r="(\d++)"[^>]*+>']
    columns: list[int] = []
    attrs: list[bytes] = []
    tags = 2
    at = head.end()
    while at < end:
        m = _FORM.match(chunk, at, end)
        if m is None:
            return None
        ref, a, v, inline, empty = m.groups()
        cell_kind, _fmt, closed = kind(a)
        col = letters[ref.decode()]
        if columns and col <= columns[-1]:
            return None
        cell = b'<c r="' + ref + rb'\d++"' + re.escape(a) + b">"
        if closed:
            if v or inline or empty:
                return None
            cell, tags = cell + b"()", tags + 1
        elif (cell_kind == "inlineStr") != (inline is not None):
            return None
        elif inline is not None:
            cell, tags = cell + rb"<is><t>([^<]*+)</t></is></c>", tags + 6
        elif v is not None:
            cell, tags = cell + rb"<v>([^<]*+)</v></c>", tags + 4
        elif empty is not None:
            cell, tags = cell + rb"()</c>", tags + 2
        else:
            return None
        parts.append(cell)
        columns.append(col)
        attrs.append(a)
        at = m.end()
    if not columns:
        return None
    parts.append(re.escape(row_end))
    return Template(re.compile(b"".join(parts)), columns, attrs, tags)
