"""A streaming reader of .xlsx workbooks that gives the values python-calamine gives, with memory
that does not grow with the sheet: the workbook's sheets, styles and shared strings here; each
worksheet is parsed once (`sheetdata`) into a spool (`spool`) that gives its rows back as often
as they are asked for, while its merged ranges (written after the cells) and its true extent
are learned."""

from __future__ import annotations

import os
import re
import threading
import zipfile
import zlib
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError, fromstring, iterparse

from . import cells, helper
from .cells import Format
from .sheetdata import Kind, Merged, SheetError, SheetReader, local, rich_text
from .spool import Spool

_ATTR_T = re.compile(r'\bt="([^"]*)"')
_ATTR_S = re.compile(r'\bs="(\d+)"')

__all__ = ["Book", "ReadSheet", "SheetError", "SheetPart"]


@dataclass
class SheetPart:
    name: str
    part: str


@dataclass
class ReadSheet:
    spool: Spool
    merged: Merged = field(default_factory=list)


class Book:
    """An .xlsx file held open: its worksheets by name, its styles and its shared strings."""

    def __init__(self, path: str) -> None:
        self.path = str(path) if isinstance(path, str | os.PathLike) else None
        self.zip = zipfile.ZipFile(path)
        names = set(self.zip.namelist())
        book = fromstring(self.zip.read("xl/workbook.xml"))
        rels_name = "xl/_rels/workbook.xml.rels"
        rels = fromstring(self.zip.read(rels_name)) if rels_name in names else Element("r")
        targets = {
            r.get("Id"): (r.get("Target", ""), r.get("Type", ""))
            for r in rels
            if local(r.tag) == "Relationship"
        }
        self.date1904 = False
        self.sheets: list[SheetPart] = []
        for el in book.iter():
            name = local(el.tag)
            if name == "workbookPr":
                self.date1904 = el.get("date1904", "").lower() in ("1", "true")
            elif name == "sheet":
                rid = next((v for k, v in el.attrib.items() if local(k) == "id"), None)
                target, kind = targets.get(rid, ("", ""))
                if not kind.endswith("/worksheet") or not target:
                    continue
                part = target.lstrip("/") if target.startswith("/") else "xl/" + target
                if part in names:
                    self.sheets.append(SheetPart(el.get("name", ""), part))
        self.formats = self._styles() if "xl/styles.xml" in names else []
        self._shared: list[str] | None = None
        self._shared_lock = threading.Lock()
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
            name = local(el.tag)
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
        """The shared strings, read when first asked for (by the parsing thread, or by a scan
        reading a helper's chunks in another)."""
        with self._shared_lock:
            if self._shared is None:
                strings: list[str] = []
                if self._shared_part is not None:
                    with self.zip.open(self._shared_part) as f:
                        for _event, el in iterparse(f, events=("end",)):
                            if local(el.tag) == "si":
                                strings.append(rich_text(el))
                                el.clear()
                self._shared = strings
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
        self,
        name: str,
        progress: Callable[[int, int | None], None] | None = None,
        watcher: Callable[[Spool], None] | None = None,
    ) -> ReadSheet:
        """Parse the worksheet `name` into a spool (ValueError-like `SheetError` if it is not
        well-formed). When a helper process shares the parse, `watcher` is told of each chunk
        that goes into the spool (so that the sheet can be scanned meanwhile)."""
        part = next(s.part for s in self.sheets if s.name == name)
        reader = SheetReader(self)
        spool = Spool()
        spool.strings = lambda: self.shared
        pipeline = None
        try:
            if self.path is not None and helper.wanted(self.zip.getinfo(part).file_size):
                with suppress(OSError):  # no helper process: parsed here alone
                    pipeline = helper.Pipeline(self.path, reader.parse, spool)
                    spool.watcher = watcher
            with self.zip.open(part) as f:
                merged = reader.run(f, spool, progress, pipeline)
            if pipeline is not None:  # the helper's chunks name shared strings by index
                _ = self.shared  # read them while the file is open
        except (ParseError, IndexError, ValueError, EOFError, zlib.error, zipfile.BadZipFile) as e:
            spool.close()
            raise SheetError(str(e)) from None
        except BaseException:
            spool.close()
            raise
        finally:
            spool.finish()
            if pipeline is not None:
                pipeline.close()
        return ReadSheet(spool, merged)

    def close(self) -> None:
        self.zip.close()
