"""Parsing a worksheet's <sheetData> into a spool, a megabyte of XML at a time, with the values
python-calamine gives.

Chunks are cut at row ends. A chunk in the shape spreadsheet programs write (every cell with its
reference, values in <v> or a plain inline <is><t>) is read by regular expressions of one group
each and converted a column at a time; any other chunk (formulas, rich text, xml:space,
namespace prefixes, cells without references: whatever makes its count of tags differ from what
the cells read account for) is read by ElementTree."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import IO, TYPE_CHECKING, Any
from xml.etree.ElementTree import Element, fromstring

from . import cells
from .cells import Format
from .rowtemplate import Template, row_template
from .spool import Columns, SharedRefs, Sink, Spool

if TYPE_CHECKING:
    from .helper import Pipeline
    from .xlsx import Book

READ_BYTES = 1 << 20
_OPEN = b'<c r="'
_LEAD = re.compile(rb"([A-Z]{1,3})\d")
_VALUE = re.compile(rb'<c r="[A-Z]{1,3}\d+"[^>]*>(?:<v>|<is><t>)?([^<]*)')
_ATTRS = re.compile(rb'<c r="[A-Z]{1,3}\d+"([^>]*)>')
_CELL_AT = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"([^>]*)>(?:<v>|<is><t>)?([^<]*)')
_ROW = re.compile(rb'<row r="(\d+)"')
_DIGITS = frozenset(b"0123456789")
_ROOT = re.compile(r"<(([\w.-]+:)?worksheet)\b[^>]*>")
_SHEET_DATA = re.compile(rb"<((?:[\w.-]+:)?sheetData)\b[^>]*?(/?)>")
_DIMENSION = re.compile(r'<(?:[\w.-]+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')
_MERGED = re.compile(r'<(?:[\w.-]+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_REF = re.compile(r"([A-Z]+)(\d+)")
_XML_NS = "{http://www.w3.org/XML/1998/namespace}space"
STRING_KINDS = ("s", "inlineStr", "str")

Kind = tuple[str, Format, bool]  # type attribute, number format of the style, self-closed
Merged = list[tuple[int, int, int, int]]


class SheetError(ValueError):
    """A worksheet part that cannot be read."""


_LETTERS: dict[str, int] = {}  # column letters -> index, A to XFD
for _i in range(16_384):
    _n, _s = _i + 1, ""
    while _n:
        _n, _r = divmod(_n - 1, 26)
        _s = chr(65 + _r) + _s
    _LETTERS[_s] = _i


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def rich_text(el: Element) -> str:
    """The text of an <si> or <is>: its <t>, or its runs' <t>s, without phonetic runs."""
    out: list[str] = []
    for child in el:
        name = local(child.tag)
        if name == "t":
            out.append(_t(child))
        elif name == "r":
            for t in child:
                if local(t.tag) == "t":
                    out.append(_t(t))
    return "".join(out)


def _t(el: Element) -> str:
    text = el.text or ""
    if el.get(_XML_NS) != "preserve":
        text = text.strip(cells.XML_SPACE)
    return cells.unescape(text)


def _decode(raw: Sequence[bytes]) -> list[str]:
    """A column of UTF-8 values as text, decoded at once (XML holds no NUL to join them by)."""
    return b"\x00".join(raw).decode().split("\x00")


class SheetReader:
    """Reads one worksheet part into a spool."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.prefix = ""
        self.wrap = (b"", b"")
        self.kinds: dict[bytes, Kind] = {}
        self.seen: dict[Format, dict[float, Any]] = {f: {} for f in Format}  # dates so far
        self.template: Template | None = None
        self.misses = 0  # chunks in a row whose rows the template did not fit
        self.close_tag = self.row_end = b""
        self.defer_shared = False  # columns of shared strings kept as their indexes

    def run(
        self,
        f: IO[bytes],
        spool: Spool,
        progress: Callable[[int, int | None], None] | None,
        pipeline: Pipeline | None = None,
    ) -> Merged:
        """Parse the part into `spool`; returns the merged ranges. The XML is cut and matched
        as bytes (UTF-8 never has a '<' inside a character), and only values are decoded.
        Given a `pipeline`, chunks are shared with its helper process."""
        buf = b""
        started = False
        expected: int | None = None
        rows_done = 0

        def take(chunk: bytes) -> int:
            if pipeline is None:
                return self.parse(chunk, spool) or rows_done
            return pipeline.take(chunk, spool) or rows_done

        scanned = 0  # bytes of `buf` known to hold no closing </sheetData>
        while True:
            data = f.read(READ_BYTES)
            buf += data
            if not started:
                m = _SHEET_DATA.search(buf)
                if m is None:
                    if not data:
                        return []
                    continue
                head = buf[: m.start()].decode()
                root = _ROOT.search(head)
                if root is None:
                    raise SheetError("no worksheet element")
                self.prefix = root.group(2) or ""
                tag = m.group(1).decode()
                wrap = (root.group(0) + f"<{tag}>", f"</{tag}></{root.group(1)}>")
                self.wrap = (wrap[0].encode(), wrap[1].encode())
                dim = _DIMENSION.search(head)
                expected = spool.claimed_height = int(dim.group(1)) if dim else None
                buf = buf[m.end() :]
                if m.group(2):  # <sheetData/>
                    return self._merged(buf + self._rest(f))
                started = True
                self.close_tag = f"</{tag}>".encode()
                self.row_end = f"</{self.prefix}row>".encode()
                if pipeline is not None:
                    pipeline.start((self.prefix, *self.wrap, self.close_tag, self.row_end))
            end = buf.find(self.close_tag, max(scanned - len(self.close_tag), 0))
            if end >= 0:
                take(buf[:end])
                if pipeline is not None:
                    pipeline.finish(spool)
                return self._merged(buf[end:] + self._rest(f))
            cut = buf.rfind(self.row_end)
            if cut >= 0:
                cut += len(self.row_end)
                rows_done = take(buf[:cut])
                buf = buf[cut:]
                if progress is not None:
                    progress(rows_done, expected)
            scanned = len(buf)
            if not data:
                raise SheetError("the worksheet ends inside its data")

    def _rest(self, f: IO[bytes]) -> bytes:
        parts = []
        while data := f.read(READ_BYTES):
            parts.append(data)
        return b"".join(parts)

    def _merged(self, tail: bytes) -> Merged:
        return [
            (int(r0) - 1, _LETTERS[c0], int(r1) - 1, _LETTERS[c1])
            for c0, r0, c1, r1 in _MERGED.findall(tail.decode("utf-8", "replace"))
            if c0 in _LETTERS and c1 in _LETTERS
        ]

    def parse(self, chunk: bytes, spool: Sink) -> int:
        """Parse one run of whole rows into the spool; returns the row number reached."""
        if b"<" not in chunk:
            return 0
        done = None
        if not self.prefix and b"xml:space" not in chunk:
            if self.misses < 2:
                done = self._templated(chunk, spool)
            if done is None:
                done = self._dense(chunk, spool)
            if done is None:
                done = self._sparse(chunk, spool)
        if done is None:
            done = self._general(chunk, spool)
        return done

    def _kind(self, attrs: bytes) -> Kind:
        k = self.kinds.get(attrs)
        if k is None:
            k = self.kinds[attrs] = self.book.kind(attrs.decode())
        return k

    def _templated(self, chunk: bytes, spool: Sink) -> int | None:
        """Rows numbered without gaps that are all written alike (the same cells, styles and
        forms, as programs write them): one regular expression made from the first row reads
        a whole row a match, its values a group each. The chunk holding no tag but those of
        the matches (each match has the template's tags, and matches do not overlap) proves
        every row of it is in that form."""
        tags = chunk.count(b"<")
        template = self.template
        matches: list[tuple[bytes, ...]] = []
        for _attempt in range(2):
            if template is not None:
                matches = template.pattern.findall(chunk)
                if len(matches) * template.tags == tags:
                    break
            made = row_template(chunk, self.row_end, self._kind, _LETTERS)
            if made is None or (template is not None and made.pattern == template.pattern):
                template = None
                break
            template = made
        n = len(matches)
        if template is None or not n or n * template.tags != tags:
            self.misses += 1
            return None
        self.template = template
        self.misses = 0
        first, last = int(matches[0][0]), int(matches[-1][0])
        if last - first != n - 1:
            return None
        values = list(zip(*matches, strict=True))
        width = template.columns[-1] + 1
        columns: Columns = [[""] * n] * width
        present = [-1] * width
        for j, (col, attrs) in enumerate(zip(template.columns, template.attrs, strict=True)):
            columns[col], present[col] = self._column([attrs] * n, values[j + 1], {attrs})
        spool.add(first - 1, n, columns, present)
        return last

    def _dense(self, chunk: bytes, spool: Sink) -> int | None:
        """Rows numbered without gaps that all have cells in the same run of columns: each
        row's count of cells and its first and last references are checked, then values and
        attributes are read by two regular expressions of one group each (lists of bytes,
        which the garbage collector does not track)."""
        numbers = _ROW.findall(chunk)
        n = len(numbers)
        pieces = chunk.split(self.row_end)
        tail = pieces.pop()
        if n == 0 or len(pieces) != n or b"<" in tail:
            return None
        first, last = int(numbers[0]), int(numbers[-1])
        if last - first != n - 1:
            return None
        counts = set(map(bytes.count, pieces, repeat(_OPEN)))
        w = counts.pop() if len(counts) == 1 else 0
        if w == 0 or chunk.count(b"<c ") != n * w:
            return None
        head = _LEAD.match(pieces[0], pieces[0].find(_OPEN) + 6)
        tail_ref = _LEAD.match(pieces[0], pieces[0].rfind(_OPEN) + 6)
        if head is None or tail_ref is None:
            return None
        lead, end_letters = head.group(1), tail_ref.group(1)
        col0 = _LETTERS.get(lead.decode(), -1)
        if col0 < 0 or _LETTERS.get(end_letters.decode(), -1) - col0 + 1 != w:
            return None
        k0, k1 = len(lead), len(end_letters)
        digits = _DIGITS
        for piece in pieces:
            i = piece.find(_OPEN) + 6
            j = piece.rfind(_OPEN) + 6
            if piece[i : i + k0] != lead or piece[j : j + k1] != end_letters:
                return None
            if piece[i + k0] not in digits or piece[j + k1] not in digits:
                return None
        raw = _VALUE.findall(chunk)
        attrs = _ATTRS.findall(chunk)
        if len(raw) != n * w or len(attrs) != n * w:
            return None
        # every tag in the chunk is one these forms account for: no formula, rich text or
        # anything else the expressions would read past
        tags = 2 * n
        slices = [attrs[j::w] for j in range(w)]
        # each row's cells styled as the first row's: told by one comparison
        same = attrs[w:] == attrs[:-w]
        kinds = [{a} for a in attrs[:w]] if same else [set(a) for a in slices]
        for a, k in zip(slices, kinds, strict=True):
            if len(k) == 1:
                tags += n * self._tags(a[0])
            else:
                tags += sum(c * self._tags(x) for x, c in Counter(a).items())
        if tags != chunk.count(b"<"):
            return None
        width = col0 + w
        columns: Columns = [[""] * n] * width
        present = [-1] * width
        for j in range(w):
            columns[col0 + j], present[col0 + j] = self._column(slices[j], raw[j::w], kinds[j])
        spool.add(first - 1, n, columns, present)
        return last

    def _tags(self, attrs: bytes) -> int:
        """Tags of a cell in a form the fast path reads: <c/>; <c><is><t>…</t></is></c>;
        <c><v>…</v></c>."""
        kind, _fmt, closed = self._kind(attrs)
        return 1 if closed else 6 if kind == "inlineStr" else 4

    def _column(
        self, attrs: Sequence[bytes], raw: Sequence[bytes], kinds: set[bytes]
    ) -> tuple[list[Any], int]:
        """A column's values (`kinds`: its distinct attributes) and the last of its rows
        holding a cell (-1 if none)."""
        book = self.book
        if len(kinds) == 1:
            kind, fmt, closed = self._kind(attrs[0])
            n = len(raw)
            if closed:
                return [""] * n, -1
            if kind == "n" and b"" not in raw:
                return cells.numbers(raw, fmt, book.date1904, self.seen[fmt]), n - 1
            if kind == "s" and b"" not in raw:
                if self.defer_shared:
                    return SharedRefs(map(int, raw)), n - 1
                return list(map(book.shared.__getitem__, map(int, raw))), n - 1
            if kind == "inlineStr":
                return cells.texts(_decode(raw), trim=True), n - 1
            if kind == "str":
                return cells.texts(_decode(raw), trim=False), n - 1
        values = []
        last = -1
        for i, (a, r) in enumerate(zip(attrs, raw, strict=True)):
            v, here = self._cell(self._kind(a), r.decode())
            values.append(v)
            if here:
                last = i
        return values, last

    def _cell(self, k: Kind, raw: str) -> tuple[Any, bool]:
        """One cell of the fast path: its value, and whether it counts as a cell."""
        kind, fmt, closed = k
        if closed:
            return "", False
        if kind == "n":
            return cells.number(raw, fmt, self.book.date1904), bool(raw)
        if kind == "inlineStr":
            return cells.cell_text(raw, preserve=False), True
        if kind == "str":
            return cells.unescape(cells.xml_text(raw)), True
        if kind == "d":
            return (cells.iso_moment(cells.xml_text(raw)) if raw else ""), bool(raw)
        return cells.value(kind, raw, fmt, self.book.date1904, self.book.shared), True

    def _sparse(self, chunk: bytes, spool: Sink) -> int | None:
        """Rows with cells missing here and there: cell by cell."""
        rows = chunk.count(b"<row")
        closed = chunk.count(b"</row>")
        if rows != len(_ROW.findall(chunk)) or chunk.count(b"<c ") != chunk.count(_OPEN):
            return None
        placed = []
        tags = 2 * closed + (rows - closed)
        for letters, number, attrs, raw in _CELL_AT.findall(chunk):
            kind = self._kind(attrs)
            tags += self._tags(attrs)
            v, here = self._cell(kind, raw.decode())
            placed.append((int(number) - 1, _LETTERS[letters.decode()], v, here))
        if tags != chunk.count(b"<"):
            return None
        return self._place(placed, spool)

    def _general(self, chunk: bytes, spool: Sink) -> int:
        """Any well-formed rows, by ElementTree."""
        root = fromstring(self.wrap[0] + chunk + self.wrap[1])
        book = self.book
        placed = []
        row_at = -1
        for data in root:
            for row in data:
                if local(row.tag) != "row":
                    continue
                r = row.get("r")
                row_at = int(r) - 1 if r else row_at + 1
                col_at = -1
                for c in row:
                    if local(c.tag) != "c":
                        continue
                    ref = c.get("r")
                    m = _REF.fullmatch(ref) if ref else None
                    col_at = _LETTERS[m.group(1)] if m else col_at + 1
                    kind = c.get("t", "n")
                    style = int(c.get("s") or 0)
                    fmt = book.formats[style] if style < len(book.formats) else Format.OTHER
                    text: str | None = None
                    for child in c:
                        name = local(child.tag)
                        if name == "v" and kind != "inlineStr":
                            text = child.text or ""
                        elif name == "is" and kind == "inlineStr":
                            text = rich_text(child)
                    here = text is not None and (text != "" or kind in STRING_KINDS)
                    v = cells.value(kind, text, fmt, book.date1904, book.shared)
                    placed.append((row_at, col_at, v, here))
        return self._place(placed, spool) if placed else row_at + 1

    def _place(self, placed: list[tuple[int, int, Any, bool]], spool: Sink) -> int:
        if not placed:
            return 0
        first = min(p[0] for p in placed)
        last = max(p[0] for p in placed)
        width = max(p[1] for p in placed) + 1
        n = last - first + 1
        columns: Columns = [[""] * n for _ in range(width)]
        present = [-1] * width
        for r, c, v, here in placed:
            columns[c][r - first] = v
            if here and r - first > present[c]:
                present[c] = r - first
        spool.add(first, n, columns, present)
        return last + 1
