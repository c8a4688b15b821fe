"""Scanning a large worksheet while it is still being parsed.

When a helper process shares the parse of a sheet (`helper`), the importing process would wait
for the parse and only then scan the values for their types. Instead, once the first rows are
in, a thread here finds the header from them and scans the chunks as they go into the spool,
in the sheet's order, while the parse goes on.

That scan assumes what it cannot know before the end: that the sheet has no merged cells
(merged ranges come after the cells in the XML), that its first column and its height are
those its first rows and its <dimension> gave, and that the header found from the first rows
is the header found from the whole sheet. `outcome` checks each of them once the parse is
done; the scan's result is used only when all hold, and is then the result the scan after the
parse would have given (the same chunks, in the same order). Otherwise the sheet is scanned
again, as without a helper."""

from __future__ import annotations

import copy
import threading
from typing import Any

from .guard import ImportRefused, Limits, check_cells
from .infer import ColumnStats
from .layout import SAMPLE_ROWS, Layout, find_layout
from .readers import Sheet
from .scan import scan
from .spool import Spool

Found = tuple[Layout, list[ColumnStats], int, int]  # layout, stats, records, blank rows


class Ahead:
    """One sheet's scan, run in a thread while the sheet is parsed."""

    def __init__(self, name: str, *, threshold: float, track_keys: bool, limits: Limits) -> None:
        self.name = name
        self.options: dict[str, Any] = {
            "threshold": threshold,
            "track_keys": track_keys,
            "limits": limits,
        }
        self.spool: Spool | None = None
        self.thread: threading.Thread | None = None
        self.layout: Layout | None = None  # found from the first rows
        self.base = 0  # the first column the first rows gave
        self.result: Found | None = None
        self.error: BaseException | None = None

    def watch(self, spool: Spool) -> None:
        """Told by the spool of each chunk it takes (in the parsing thread): starts the scan
        once the rows the header is found from are in."""
        if self.spool is not None or spool.claimed_height is None:
            return
        if spool.height < min(SAMPLE_ROWS, spool.claimed_height) or spool.first_col is None:
            return
        self.spool = spool  # once: whatever happens next, the parse goes on
        try:
            self._start(spool)
        except Exception:  # the sheet is scanned after the parse, which says what is wrong
            self.thread = None

    def _start(self, spool: Spool) -> None:
        self.base = spool.col_base
        first = Sheet(self.name, "xlsx", spool.rows, col_base=self.base, height=spool.height)
        self.layout = find_layout(first)
        ahead = Sheet(
            self.name,
            "xlsx",
            lambda: iter(()),
            _blocks=lambda: spool.follow(self.base),
            col_base=self.base,
            height=spool.claimed_height,
        )
        self.thread = threading.Thread(
            target=self._scan, args=(ahead, copy.deepcopy(self.layout)), daemon=True
        )
        self.thread.start()

    def _scan(self, sheet: Sheet, layout: Layout) -> None:
        try:
            stats, rows, blanks = scan(sheet, layout, progress=None, **self.options)
            self.result = (layout, stats, rows, blanks)
        except BaseException as e:  # told in `outcome`, in the importing thread
            self.error = e

    def outcome(self, sheet: Sheet) -> Found | None:
        """The scan's result for the whole `sheet` (read to its end), or None if it made an
        assumption that does not hold (or never ran)."""
        spool, thread = self.spool, self.thread
        if spool is None or thread is None:
            return None
        thread.join()
        if (
            sheet.merged
            or sheet.col_base != self.base
            or sheet.height != spool.claimed_height
            or spool.followed != sheet.height
            or find_layout(sheet) != self.layout
        ):
            return None
        if self.error is not None:
            if isinstance(self.error, ImportRefused):
                raise self.error
            return None
        assert self.result is not None and sheet.height is not None
        layout, stats, rows, blanks = self.result
        expected = max(sheet.height - layout.first_data_row, 0)
        width = len(stats)
        check_cells(sheet.name, expected * max(sheet.width or width, 1), self.options["limits"])
        for i, s in enumerate(stats):  # as the scan reads them from the sheet
            s.number_format = sheet.number_format(i)
        return layout, stats, rows, blanks
