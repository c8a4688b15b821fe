"""Sources of rows: .xlsx sheets (values by the streaming reader of `xlsx`, which reads them as
python-calamine does; number formats by openpyxl's style parser over the first rows only),
.csv / .tsv files (encoding detected) and pasted tables.

A sheet gives its rows as lists of plain values (str, int, float, bool, date, datetime, time,
timedelta); empty cells are ''. Rows are numbered from `row_base` and columns from `col_base`
(0-based, as in the file), so a report can name the row a person sees in Excel."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Literal
from xml.etree.ElementTree import fromstring, iterparse

from openpyxl.styles.numbers import BUILTIN_FORMATS
from openpyxl.styles.stylesheet import Stylesheet

from .guard import ImportRefused, Limits, check_size, check_workbook
from .spool import Spool
from .xlsx import Book, SheetError

Kind = Literal["xlsx", "csv", "paste"]
Progress = Callable[[str, int, int | None], None]  # sheet, rows done, rows expected
BLOCK = 5000  # rows of a block, for sources that have no blocks of their own
FORMAT_ROWS = 200  # rows whose number formats are read (formats are a property of a column)
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


@dataclass
class Sheet:
    """One table-shaped source: a worksheet, a CSV file or a pasted block."""

    name: str
    kind: Kind
    _rows: Any  # a callable giving a fresh iterator of rows
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    formats: dict[int, Counter[str]] = field(default_factory=dict)  # column -> formats seen
    row_base: int = 0
    col_base: int = 0
    height: int | None = None  # rows, when the source knows it before reading them
    width: int | None = None
    encoding: str | None = None
    _blocks: Any = (
        None  # a callable giving fresh (first row index, rows) blocks, if the source has them
    )

    def rows(self) -> Iterator[list[Any]]:
        rows: Iterator[list[Any]] = self._rows()
        return rows

    def column_blocks(self) -> Iterator[tuple[int, list[list[Any]]]] | None:
        """The cells a block at a time as columns (`width` of them), with the index of each
        block's first row; None for a source that reads by rows."""
        if self._blocks is None:
            return None
        blocks: Iterator[tuple[int, list[list[Any]]]] = self._blocks()
        return blocks

    def blocks(self, size: int = BLOCK) -> Iterator[tuple[int, list[list[Any]]]]:
        """The rows a block at a time, with the index of each block's first row."""
        columns = self.column_blocks()
        if columns is not None:
            for first, block in columns:
                yield first, list(map(list, zip(*block, strict=True)))
            return
        rows = self.rows()
        at = 0
        while block := list(islice(rows, size)):
            yield at, block
            at += len(block)

    def number_format(self, col: int) -> str | None:
        """The most common number format of column `col` (relative), other than General."""
        seen = self.formats.get(col + self.col_base)
        if not seen:
            return None
        return seen.most_common(1)[0][0]


# --- xlsx ---------------------------------------------------------------------------------------
class Workbook:
    """An .xlsx file held open: each sheet is parsed once, into a spool its rows are read from
    as often as they are asked for."""

    def __init__(self, path: Path, limits: Limits) -> None:
        check_workbook(path, limits)
        self.path = path
        self._spools: list[Spool] = []
        try:
            self._book = Book(str(path))
        except (KeyError, SyntaxError, OSError, ValueError, zipfile.BadZipFile) as e:
            raise ImportRefused(
                f"{path.name} cannot be read: {e}", f"无法读取 {path.name}：{e}"
            ) from None
        self.sheet_names = self._book.sheet_names

    def sheet(
        self,
        name: str,
        progress: Progress | None = None,
        watcher: Callable[[Spool], None] | None = None,
    ) -> Sheet:
        if name not in self.sheet_names:
            shown = ", ".join(self.sheet_names)
            raise ImportRefused(
                f"{self.path.name} has no sheet {name!r} (its sheets: {shown})",
                f"{self.path.name} 中没有工作表 {name!r}（现有：{shown}）",
            )
        told = None if progress is None else (lambda done, total: progress(name, done, total))
        try:
            data = self._book.read(name, told, watcher)
        except SheetError as e:
            raise ImportRefused(
                f"Sheet {name!r} cannot be read: {e}", f"无法读取工作表 {name!r}：{e}"
            ) from None
        spool = data.spool
        self._spools.append(spool)
        if spool.width == 0:
            return Sheet(name, "xlsx", lambda: iter(()), height=0, width=0)
        sheet = Sheet(
            name,
            "xlsx",
            spool.rows,
            _blocks=spool.column_blocks,
            merged=data.merged,
            row_base=0,
            col_base=spool.col_base,
            height=spool.height,
            width=spool.width,
        )
        try:
            sheet.formats = _formats(self.path, name, max_col=spool.col_base + spool.width)
        except (KeyError, TypeError, ValueError, SyntaxError, zipfile.BadZipFile):
            sheet.formats = {}  # formats only sharpen the guesses; the values are what count
        return sheet

    def close(self) -> None:
        for spool in self._spools:
            spool.close()
        self._book.close()


def _sheet_part(z: zipfile.ZipFile, name: str) -> str:
    book = fromstring(z.read("xl/workbook.xml"))
    rels = fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    for s in book.iter(f"{_NS}sheet"):
        if s.get("name") == name:
            target = targets[s.get(f"{_REL_NS}id")]
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise KeyError(name)


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _formats(path: Path, name: str, *, max_col: int) -> dict[int, Counter[str]]:
    """Number formats of the first rows of a sheet, by column: openpyxl reads the style sheet,
    and the sheet's XML is read only as far as those rows."""
    with zipfile.ZipFile(path) as z:
        styles = Stylesheet.from_tree(fromstring(z.read("xl/styles.xml")))
        codes: list[str] = []
        for xf in styles.cellXfs.xf:
            fid = xf.numFmtId or 0
            codes.append(styles.custom_formats.get(fid) or BUILTIN_FORMATS.get(fid, "General"))
        out: dict[int, Counter[str]] = {}
        with z.open(_sheet_part(z, name)) as part:
            rows_seen = 0
            for _event, el in iterparse(part, events=("end",)):
                tag = el.tag
                if tag == f"{_NS}c":
                    s, ref = el.get("s"), el.get("r")
                    if s is not None and ref is not None:
                        m = _CELL_REF.match(ref)
                        code = codes[int(s)] if int(s) < len(codes) else "General"
                        if m and code not in ("General", "@"):
                            col = _column_index(m.group(1))
                            if col < max_col and el.find(f"{_NS}v") is not None:
                                out.setdefault(col, Counter())[code] += 1
                elif tag == f"{_NS}row":
                    el.clear()
                    rows_seen += 1
                    if rows_seen >= FORMAT_ROWS:
                        break
        return out


# --- csv and pasted text --------------------------------------------------------------------------
def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without a byte-order mark), else GB18030 (which reads GBK and GB2312),
    else what charset-normalizer finds most likely."""
    with path.open("rb") as f:
        head = f.read(256 * 1024)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[: head.rfind(b"\n") + 1] or head if len(head) == 256 * 1024 else head
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030":
            from charset_normalizer import from_bytes

            best = from_bytes(sample).best()
            if best is not None and not best.encoding.startswith(("gb", "big5")):
                return str(best.encoding)
        return encoding
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise ImportRefused(
            f"{path.name} is not text in an encoding Tessera recognises",
            f"{path.name} 不是可识别编码的文本文件",
        )
    return str(best.encoding)


def _dialect(sample: str, suffix: str) -> str:
    if suffix == ".tsv" or ("\t" in sample and sample.count("\t") >= sample.count(",")):
        return "\t"
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def csv_sheet(path: Path, limits: Limits) -> Sheet:
    check_size(path, limits)
    encoding = detect_encoding(path)
    try:
        with path.open(encoding=encoding, newline="") as f:
            sample = f.read(64 * 1024)
    except UnicodeDecodeError as e:
        raise ImportRefused(
            f"{path.name} is not valid {encoding} text: {e}",
            f"{path.name} 不是有效的 {encoding} 文本：{e}",
        ) from None
    delimiter = _dialect(sample, path.suffix.lower())

    def rows() -> Iterator[list[Any]]:
        with path.open(encoding=encoding, newline="") as f:
            try:
                yield from csv.reader(f, delimiter=delimiter)
            except UnicodeDecodeError as e:
                raise ImportRefused(
                    f"{path.name} is not valid {encoding} text: {e}",
                    f"{path.name} 不是有效的 {encoding} 文本：{e}",
                ) from None
            except csv.Error as e:
                raise ImportRefused(
                    f"{path.name} is not a well-formed CSV file: {e}",
                    f"{path.name} 不是格式正确的 CSV 文件：{e}",
                ) from None

    return Sheet(path.stem, "csv", rows, encoding=encoding)


def pasted_sheet(text: str, name: str = "Pasted") -> Sheet:
    """A table pasted from a spreadsheet: tab-separated lines (commas when there is no tab)."""
    delimiter = "\t" if "\t" in text else ","
    return Sheet(name, "paste", lambda: csv.reader(io.StringIO(text), delimiter=delimiter))
