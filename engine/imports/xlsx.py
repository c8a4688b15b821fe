"""A streaming reader of .xlsx worksheets that gives the values python-calamine gives, with memory
that does not grow with the sheet.

A worksheet's XML is unzipped a megabyte at a time and cut at row ends. A chunk in the shape
spreadsheet programs write (every cell with its reference, values in <v> or a plain inline
<is><t>) is read by one regular expression and converted a column at a time; any other chunk
(formulas, rich text, xml:space, namespace prefixes, cells without references: whatever makes
its count of tags differ from what the cells read account for) is read by ElementTree. Chunks go, as columns, to a spool file (`Spool`), which gives the rows back as
often as they are asked for: the sheet is parsed once, while its merged ranges (written after
the cells) and its true extent are learned."""

from __future__ import annotations

import codecs
import marshal
import pickle
import re
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError, fromstring, iterparse

from . import cells
from .cells import Format

READ_BYTES = 1 << 20
_PLAIN = (str, float, bool, int)
_OPEN = '<c r="'
_LEAD = re.compile(r"([A-Z]{1,3})\d")
_VALUE = re.compile(r'<c r="[A-Z]{1,3}\d+"[^>]*>(?:<v>|<is><t>)?([^<]*)')
_ATTRS = re.compile(r'<c r="[A-Z]{1,3}\d+"([^>]*)>')
_CELL_AT = re.compile(r'<c r="([A-Z]{1,3})(\d+)"([^>]*)>(?:<v>|<is><t>)?([^<]*)')
_ROW = re.compile(r'<row r="(\d+)"')
_ATTR_T = re.compile(r'\bt="([^"]*)"')
_ATTR_S = re.compile(r'\bs="(\d+)"')
_ROOT = re.compile(r"<(([\w.-]+:)?worksheet)\b[^>]*>")
_SHEET_DATA = re.compile(r"<((?:[\w.-]+:)?sheetData)\b[^>]*?(/?)>")
_DIMENSION = re.compile(r'<(?:[\w.-]+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')
_MERGED = re.compile(r'<(?:[\w.-]+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_REF = re.compile(r"([A-Z]+)(\d+)")
_XML_NS = "{http://www.w3.org/XML/1998/namespace}space"
STRING_KINDS = ("s", "inlineStr", "str")

Kind = tuple[str, Format, bool]  # type attribute, number format of the style, self-closed
Columns = list[list[Any]]


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


_LETTERS = {}
for _i in range(16_384):
    _n, _s = _i + 1, ""
    while _n:
        _n, _r = divmod(_n - 1, 26)
        _s = chr(65 + _r) + _s
    _LETTERS[_s] = _i


class SheetError(ValueError):
    """A worksheet part that cannot be read."""


# --- the spool ------------------------------------------------------------------------------------
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
            col if all(map(_PLAIN.__contains__, set(map(type, col)))) else pickle.dumps(col, 5)
            for col in columns
        ]
        blob = marshal.dumps((first, n, stored))
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
        f.seek(0)
        base, width, height = self.col_base, self.width, self.height
        end = base + width
        at = 0
        while at < height:
            size = f.read(8)
            if len(size) < 8:
                break
            first, n, stored = marshal.loads(f.read(int.from_bytes(size, "little")))
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


# --- the workbook ---------------------------------------------------------------------------------
@dataclass
class SheetPart:
    name: str
    part: str


@dataclass
class ReadSheet:
    spool: Spool
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(el: Element) -> str:
    """The text of an <si> or <is>: its <t>, or its runs' <t>s, without phonetic runs."""
    out: list[str] = []
    for child in el:
        name = _local(child.tag)
        if name == "t":
            out.append(_t(child))
        elif name == "r":
            for t in child:
                if _local(t.tag) == "t":
                    out.append(_t(t))
    return "".join(out)


def _t(el: Element) -> str:
    text = el.text or ""
    if el.get(_XML_NS) != "preserve":
        text = text.strip(cells.XML_SPACE)
    return cells.unescape(text)


class Book:
    """An .xlsx file held open: its worksheets by name, its styles and its shared strings."""

    def __init__(self, path: str) -> None:
        self.zip = zipfile.ZipFile(path)
        names = set(self.zip.namelist())
        book = fromstring(self.zip.read("xl/workbook.xml"))
        rels_name = "xl/_rels/workbook.xml.rels"
        rels = fromstring(self.zip.read(rels_name)) if rels_name in names else Element("r")
        targets = {
            r.get("Id"): (r.get("Target", ""), r.get("Type", ""))
            for r in rels
            if _local(r.tag) == "Relationship"
        }
        self.date1904 = False
        self.sheets: list[SheetPart] = []
        for el in book.iter():
            name = _local(el.tag)
            if name == "workbookPr":
                self.date1904 = el.get("date1904", "").lower() in ("1", "true")
            elif name == "sheet":
                rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
                target, kind = targets.get(rid, ("", ""))
                if not kind.endswith("/worksheet") or not target:
                    continue
                part = target.lstrip("/") if target.startswith("/") else "xl/" + target
                if part in names:
                    self.sheets.append(SheetPart(el.get("name", ""), part))
        self.formats = self._styles() if "xl/styles.xml" in names else []
        self._shared: list[str] | None = None
        self._shared_part = "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in names else None
        self._kinds: dict[str, Kind] = {}

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    def _styles(self) -> list[Format]:
        root = fromstring(self.zip.read("xl/styles.xml"))
        custom: dict[int, str] = {}
        out: list[Format] = []
        for el in root:
            name = _local(el.tag)
            if name == "numFmts":
                for f in el:
                    number = f.get("numFmtId", "")
                    if number.isdigit():
                        custom[int(number)] = f.get("formatCode", "")
            elif name == "cellXfs":
                for xf in el:
                    fid = int(xf.get("numFmtId") or 0)
                    code = custom.get(fid)
                    out.append(
                        cells.custom_format(code) if code is not None else cells.builtin_format(fid)
                    )
        return out

    @property
    def shared(self) -> list[str]:
        if self._shared is None:
            self._shared = []
            if self._shared_part is not None:
                with self.zip.open(self._shared_part) as f:
                    for _event, el in iterparse(f, events=("end",)):
                        if _local(el.tag) == "si":
                            self._shared.append(_text(el))
                            el.clear()
        return self._shared

    def kind(self, attrs: str) -> Kind:
        k = self._kinds.get(attrs)
        if k is None:
            t = _ATTR_T.search(attrs)
            s = _ATTR_S.search(attrs)
            style = int(s.group(1)) if s else 0
            fmt = self.formats[style] if style < len(self.formats) else Format.OTHER
            k = self._kinds[attrs] = (t.group(1) if t else "n", fmt, attrs.rstrip().endswith("/"))
        return k

    def read(
        self, name: str, progress: Callable[[int, int | None], None] | None = None
    ) -> ReadSheet:
        """Parse the worksheet `name` into a spool (ValueError-like `SheetError` if it is not
        well-formed)."""
        part = next(s.part for s in self.sheets if s.name == name)
        reader = _SheetReader(self)
        spool = Spool()
        try:
            with self.zip.open(part) as f:
                merged = reader.run(f, spool, progress)
        except (ParseError, UnicodeDecodeError, IndexError, ValueError, zipfile.BadZipFile) as e:
            spool.close()
            raise SheetError(str(e)) from None
        except BaseException:
            spool.close()
            raise
        return ReadSheet(spool, merged)

    def close(self) -> None:
        self.zip.close()


# --- parsing --------------------------------------------------------------------------------------
class _SheetReader:
    def __init__(self, book: Book) -> None:
        self.book = book
        self.prefix = ""
        self.wrap = ("", "")
        self.seen: dict[Format, dict[float, Any]] = {f: {} for f in Format}  # dates so far

    def run(
        self, f: IO[bytes], spool: Spool, progress: Callable[[int, int | None], None] | None
    ) -> list[tuple[int, int, int, int]]:
        decoder = codecs.getincrementaldecoder("utf-8")()
        buf = ""
        started = False
        expected: int | None = None
        rows_done = 0
        while True:
            data = f.read(READ_BYTES)
            buf += decoder.decode(data, final=not data)
            if not started:
                m = _SHEET_DATA.search(buf)
                if m is None:
                    if not data:
                        return []
                    continue
                head = buf[: m.start()]
                root = _ROOT.search(head)
                if root is None:
                    raise SheetError("no worksheet element")
                self.prefix = root.group(2) or ""
                tag = m.group(1)
                self.wrap = (root.group(0) + f"<{tag}>", f"</{tag}></{root.group(1)}>")
                dim = _DIMENSION.search(head)
                expected = int(dim.group(1)) if dim else None
                if m.group(2):  # <sheetData/>
                    return self._merged(buf[m.end() :] + self._rest(f, decoder))
                buf = buf[m.end() :]
                started = True
                self.close_tag = f"</{tag}>"
                self.row_end = f"</{self.prefix}row>"
            end = buf.find(self.close_tag)
            if end >= 0:
                self._chunk(buf[:end], spool)
                return self._merged(buf[end:] + self._rest(f, decoder))
            cut = buf.rfind(self.row_end)
            if cut >= 0:
                cut += len(self.row_end)
                rows_done = self._chunk(buf[:cut], spool) or rows_done
                buf = buf[cut:]
                if progress is not None:
                    progress(rows_done, expected)
            if not data:
                raise SheetError("the worksheet ends inside its data")

    def _rest(self, f: IO[bytes], decoder: codecs.IncrementalDecoder) -> str:
        parts = []
        while data := f.read(READ_BYTES):
            parts.append(decoder.decode(data))
        parts.append(decoder.decode(b"", final=True))
        return "".join(parts)

    def _merged(self, tail: str) -> list[tuple[int, int, int, int]]:
        return [
            (int(r0) - 1, _LETTERS[c0], int(r1) - 1, _LETTERS[c1])
            for c0, r0, c1, r1 in _MERGED.findall(tail)
            if c0 in _LETTERS and c1 in _LETTERS
        ]

    def _chunk(self, chunk: str, spool: Spool) -> int:
        """Parse one run of whole rows into the spool; returns the row number reached."""
        if "<" not in chunk:
            return 0
        done = None
        if not self.prefix and "xml:space" not in chunk:
            done = self._dense(chunk, spool)
            if done is None:
                done = self._sparse(chunk, spool)
        if done is None:
            done = self._general(chunk, spool)
        return done

    def _dense(self, chunk: str, spool: Spool) -> int | None:
        """Rows numbered without gaps that all have cells in the same run of columns: each
        row's count of cells and its first and last references are checked, then values and
        attributes are read by two regular expressions of one group each (lists of strings,
        which the garbage collector does not track)."""
        numbers = _ROW.findall(chunk)
        n = len(numbers)
        pieces = chunk.split(self.row_end)
        tail = pieces.pop()
        if n == 0 or len(pieces) != n or "<" in tail:
            return None
        first, last = int(numbers[0]), int(numbers[-1])
        if last - first != n - 1:
            return None
        counts = set(map(str.count, pieces, repeat(_OPEN)))
        w = counts.pop() if len(counts) == 1 else 0
        if w == 0 or chunk.count("<c ") != n * w:
            return None
        head = _LEAD.match(pieces[0][pieces[0].find(_OPEN) + 6 :])
        tail_ref = _LEAD.match(pieces[0][pieces[0].rfind(_OPEN) + 6 :])
        if head is None or tail_ref is None:
            return None
        lead, end_letters = head.group(1), tail_ref.group(1)
        col0 = _LETTERS.get(lead, -1)
        if col0 < 0 or _LETTERS.get(end_letters, -1) - col0 + 1 != w:
            return None
        k0, k1 = len(lead), len(end_letters)
        for s in pieces:
            i = s.find(_OPEN) + 6
            j = s.rfind(_OPEN) + 6
            if s[i : i + k0] != lead or s[j : j + k1] != end_letters:
                return None
            if not (s[i + k0].isdigit() and s[j + k1].isdigit()):
                return None
        raw = _VALUE.findall(chunk)
        attrs = _ATTRS.findall(chunk)
        if len(raw) != n * w or len(attrs) != n * w:
            return None
        # every tag in the chunk is one these forms account for: no formula, rich text or
        # anything else the expressions would read past
        tags = 2 * n
        slices = [attrs[j::w] for j in range(w)]
        kinds = [set(a) for a in slices]
        for a, k in zip(slices, kinds, strict=True):
            if len(k) == 1:
                tags += n * self._tags(a[0])
            else:
                tags += sum(c * self._tags(x) for x, c in Counter(a).items())
        if tags != chunk.count("<"):
            return None
        width = col0 + w
        columns: Columns = [[""] * n] * width
        present = [-1] * width
        for j in range(w):
            columns[col0 + j], present[col0 + j] = self._column(slices[j], raw[j::w], kinds[j])
        spool.add(first - 1, n, columns, present)
        return last

    def _tags(self, attrs: str) -> int:
        """Tags of a cell in a form the fast path reads: <c/>; <c><is><t>…</t></is></c>;
        <c><v>…</v></c>."""
        kind, _fmt, closed = self.book.kind(attrs)
        return 1 if closed else 6 if kind == "inlineStr" else 4

    def _column(
        self, attrs: Sequence[str], raw: Sequence[str], kinds: set[str]
    ) -> tuple[list[Any], int]:
        """A column's values (`kinds`: its distinct attributes) and the last of its rows
        holding a cell (-1 if none)."""
        book = self.book
        if len(kinds) == 1:
            kind, fmt, closed = book.kind(attrs[0])
            n = len(raw)
            if closed:
                return [""] * n, -1
            if kind == "n":
                values = cells.numbers(raw, fmt, book.date1904, self.seen[fmt])
                if "" in raw:
                    return values, max((i for i, v in enumerate(raw) if v), default=-1)
                return values, n - 1
            if kind == "s" and "" not in raw:
                return list(map(book.shared.__getitem__, map(int, raw))), n - 1
            if kind == "inlineStr":
                return cells.texts(raw, trim=True), n - 1
            if kind == "str":
                return cells.texts(raw, trim=False), n - 1
        values = []
        last = -1
        for i, (a, r) in enumerate(zip(attrs, raw, strict=True)):
            v, here = self._cell(book.kind(a), r)
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

    def _sparse(self, chunk: str, spool: Spool) -> int | None:
        """Rows with cells missing here and there: cell by cell."""
        rows = chunk.count("<row")
        closed = chunk.count("</row>")
        if rows != len(_ROW.findall(chunk)) or chunk.count("<c ") != chunk.count(_OPEN):
            return None
        placed = []
        tags = 2 * closed + (rows - closed)
        for letters, number, attrs, raw in _CELL_AT.findall(chunk):
            tags += self._tags(attrs)
            v, here = self._cell(self.book.kind(attrs), raw)
            placed.append((int(number) - 1, _LETTERS[letters], v, here))
        if tags != chunk.count("<"):
            return None
        return self._place(placed, spool)

    def _general(self, chunk: str, spool: Spool) -> int:
        """Any well-formed rows, by ElementTree."""
        root = fromstring(self.wrap[0] + chunk + self.wrap[1])
        book = self.book
        placed = []
        row_at = -1
        for data in root:
            for row in data:
                if _local(row.tag) != "row":
                    continue
                r = row.get("r")
                row_at = int(r) - 1 if r else row_at + 1
                col_at = -1
                for c in row:
                    if _local(c.tag) != "c":
                        continue
                    ref = c.get("r")
                    m = _REF.fullmatch(ref) if ref else None
                    col_at = _LETTERS[m.group(1)] if m else col_at + 1
                    kind = c.get("t", "n")
                    style = int(c.get("s") or 0)
                    fmt = book.formats[style] if style < len(book.formats) else Format.OTHER
                    text: str | None = None
                    for child in c:
                        name = _local(child.tag)
                        if name == "v" and kind != "inlineStr":
                            text = child.text or ""
                        elif name == "is" and kind == "inlineStr":
                            text = _text(child)
                    here = text is not None and (text != "" or kind in STRING_KINDS)
                    v = cells.value(kind, text, fmt, book.date1904, book.shared)
                    placed.append((row_at, col_at, v, here))
        return self._place(placed, spool) if placed else row_at + 1

    def _place(self, placed: list[tuple[int, int, Any, bool]], spool: Spool) -> int:
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
