"""The streaming .xlsx reader against python-calamine, cell by cell, on generated workbooks with
every kind of cell: shared strings (rich text runs, phonetic runs, kept or trimmed white space),
inline strings, numbers, dates and times by number format in both date systems, elapsed times,
booleans, errors, formulas with cached values, ISO dates, styled empty cells, gaps between rows
and cells, merged ranges, wrong dimensions; read in small pieces so chunks end anywhere."""

from __future__ import annotations

import datetime as dt
import marshal
import os
from pathlib import Path
from typing import Any

import pytest
import python_calamine as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.imports import helper, sheetdata
from engine.imports.guard import ImportRefused, Limits
from engine.imports.readers import Workbook
from tests.import_helpers import raw_workbook

FORMATS: list[int | str] = [14, 22, "yyyy-mm-dd", "h:mm:ss", "[h]:mm", "0.00", 46, 45, '"¥"#,##0']
KINDS = ["none", "shared", "inline", "number", "date", "bool", "error", "formula", "text_formula"]
KINDS += ["uncached", "styled_empty", "iso", "empty_inline"]
PIECES = ["a", "Z", "中文", " ", "  ", "\t", "\n", "\r", "&", "<", ">", '"', "'", "_x000D_"]
PIECES += ["_x0041_", "_x005F_x0041_", "_x", "1", "\u3000", "\xa0", "&#13;", "&#x41;"]


def _xml(text: str) -> str:
    """Text as XML character data; '&#…;' pieces stay character references."""
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return out.replace("&amp;#13;", "&#13;").replace("&amp;#x41;", "&#x41;")


texts = st.lists(st.sampled_from(PIECES), max_size=5).map("".join)


@st.composite
def runs(draw: Any) -> str:
    """The inside of an <si> or <is>: one <t>, or rich text runs (maybe a phonetic run)."""

    def t(text: str, keep: bool) -> str:
        space = ' xml:space="preserve"' if keep else ""
        return f"<t{space}>{_xml(text)}</t>"

    if draw(st.booleans()):
        return t(draw(texts), draw(st.booleans()))
    parts = [
        f"<r>{'<rPr><b/></rPr>' if draw(st.booleans()) else ''}{t(draw(texts), draw(st.booleans()))}</r>"
        for _ in range(draw(st.integers(1, 3)))
    ]
    if draw(st.booleans()):
        parts.append('<rPh sb="0" eb="1"><t>ふり</t></rPh>')
    return "".join(parts)


serials = st.one_of(
    st.integers(-3, 80_000).map(float),
    st.floats(-3, 80_000, allow_nan=False, allow_infinity=False),
    st.integers(0, 80_000 * 1440).map(lambda m: m / 1440),
)
numbers = st.one_of(
    st.integers(-(10**15), 10**15).map(float),
    st.floats(allow_nan=False, allow_infinity=False),
)


@st.composite
def cells(draw: Any, shared: int) -> str | None:
    """The attributes and inside of one <c> (without its reference), or None for no cell."""
    kind = draw(st.sampled_from(KINDS))
    style = draw(st.integers(0, len(FORMATS)))
    s = f' s="{style}"' if style else ""
    if kind == "none":
        return None
    if kind == "shared":
        return f' t="s"{s}><v>{draw(st.integers(0, shared - 1))}</v></c>'
    if kind == "inline":
        return f' t="inlineStr"{s}><is>{draw(runs())}</is></c>'
    if kind == "empty_inline":
        return ' t="inlineStr"><is><t></t></is></c>'
    if kind == "number":  # in a style that is no date (calamine fails on years past 9999)
        t = ' t="n"' if draw(st.booleans()) else ""
        plain = draw(st.sampled_from(["", ' s="6"', ' s="9"']))
        return f"{plain}{t}><v>{draw(numbers)!r}</v></c>"
    if kind == "date":
        return f' s="{draw(st.integers(1, len(FORMATS)))}"><v>{draw(serials)!r}</v></c>'
    if kind == "bool":
        return f' t="b"><v>{int(draw(st.booleans()))}</v></c>'
    if kind == "error":
        return f' t="e"><v>{draw(st.sampled_from(["#N/A", "#DIV/0!", "#REF!", "#VALUE!"]))}</v></c>'
    if kind == "formula":
        return f"{s}><f>SUM(A1:A2)</f><v>{draw(serials)!r}</v></c>"
    if kind == "text_formula":
        return f' t="str"><f>A1&amp;"x"</f><v>{_xml(draw(texts))}</v></c>'
    if kind == "uncached":
        return f"{s}><f>1/0</f><v></v></c>"
    if kind == "iso":
        day = dt.date(2000, 1, 1) + dt.timedelta(days=draw(st.integers(0, 9000)))
        at = dt.time(draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59)))
        shown = draw(
            st.sampled_from(
                [day.isoformat(), f"{day.isoformat()}T{at.isoformat()}", at.isoformat()]
            )
        )
        return f' t="d"><v>{shown}</v></c>'
    return f' s="{max(style, 1)}"/>'


def _letters(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


@st.composite
def sheets(draw: Any) -> tuple[str, list[str], bool, str, str]:
    shared = draw(st.lists(runs(), min_size=1, max_size=6))
    width = draw(st.integers(1, 6))
    first_col = draw(st.integers(0, 3))
    dense = draw(st.booleans())  # every row alike, as programs write them: the fast path
    column_cells = [draw(cells(len(shared))) for _ in range(width)]
    rows = []
    number = 0
    for _ in range(draw(st.integers(0, 12))):
        number += 1 if dense else draw(st.integers(1, 3))
        inside = []
        for c in range(width):
            cell = column_cells[c] if dense else draw(cells(len(shared)))
            if cell is not None:
                ref = f"{_letters(first_col + c)}{number}"
                inside.append(f'<c r="{ref}"{cell}')
        spans = f' spans="1:{width}"' if draw(st.booleans()) else ""
        rows.append(
            f'<row r="{number}"{spans}>{"".join(inside)}</row>'
            if inside
            else f'<row r="{number}"{spans}/>'
        )
    head = draw(st.sampled_from(["", '<dimension ref="A1"/>', '<dimension ref="A1:XFD20"/>']))
    merges = ""
    if rows and draw(st.booleans()):
        r0, c0 = draw(st.integers(1, number)), draw(st.integers(0, first_col + width))
        ref = f"{_letters(c0)}{r0}:{_letters(c0 + draw(st.integers(0, 2)))}{r0 + draw(st.integers(0, 2))}"
        merges = f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'
    return "".join(rows), shared, draw(st.booleans()), head, merges


def calamine_rows(path: Path) -> tuple[list[list[Any]], Any]:
    book = pc.CalamineWorkbook.from_path(str(path))
    try:
        data = book.get_sheet_by_name("S")
        return list(data.iter_rows()), data
    finally:
        book.close()


def typed(rows: list[list[Any]]) -> list[list[tuple[type, Any]]]:
    return [[(type(v), v) for v in row] for row in rows]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheet=sheets(), piece=st.sampled_from([64, 300, 1 << 20]))
def test_the_reader_gives_what_calamine_gives(
    tmp_path_factory: Any, sheet: Any, piece: int
) -> None:
    data, shared, date1904, head, tail = sheet
    path = raw_workbook(
        tmp_path_factory.mktemp("x") / "s.xlsx",
        data,
        shared=shared,
        formats=FORMATS,
        date1904=date1904,
        head=head,
        tail=tail,
    )
    expected, info = calamine_rows(path)
    default = sheetdata.READ_BYTES
    sheetdata.READ_BYTES = piece
    try:
        book = Workbook(path, Limits())
        try:
            got = book.sheet("S")
            rows = list(got.rows())
        finally:
            book.close()
    finally:
        sheetdata.READ_BYTES = default
    assert typed(rows) == typed(expected)
    if info.start is not None:
        assert (got.col_base, got.width, got.height) == (info.start[1], info.width, info.end[0] + 1)
        assert got.merged == [(a[0], a[1], b[0], b[1]) for a, b in info.merged_cell_ranges or []]


def test_a_sheet_in_the_fast_form_is_read_a_row_a_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>n{r}</t></is></c>'
        f'<c r="B{r}" s="1"><v>{45000 + r}</v></c><c r="C{r}" t="n"><v>{r}.5</v></c></row>'
        for r in range(1, 200)
    )
    path = raw_workbook(tmp_path / "f.xlsx", rows, formats=[14])

    def refuse(*_args: Any) -> None:
        raise AssertionError("a slower path was taken")

    for slower in ("_dense", "_sparse", "_general"):
        monkeypatch.setattr(sheetdata.SheetReader, slower, refuse)
    book = Workbook(path, Limits())
    try:
        got = list(book.sheet("S").rows())
    finally:
        book.close()
    assert typed(got) == typed(calamine_rows(path)[0])
    assert got[0] == ["n1", dt.date(2023, 3, 16), 1.5]


def test_a_spool_gives_its_rows_to_two_readers_at_once(tmp_path: Path) -> None:
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="n"><v>{r}</v></c><c r="B{r}" t="inlineStr"><is><t>x{r}</t>'
        "</is></c></row>"
        for r in range(1, 3000)
    )
    path = raw_workbook(tmp_path / "two.xlsx", rows)
    default = sheetdata.READ_BYTES
    sheetdata.READ_BYTES = 4096  # many chunks
    try:
        book = Workbook(path, Limits())
        try:
            sheet = book.sheet("S")
            one, two = sheet.rows(), sheet.rows()
            pairs = [(next(one), next(two)) for _ in range(2999)]
        finally:
            book.close()
    finally:
        sheetdata.READ_BYTES = default
    assert all(a == b for a, b in pairs)
    assert pairs[-1][0] == [2999.0, "x2999"]


def _mixed_rows(count: int) -> str:
    """Rows in every form: runs written alike (a template), shared strings, dates, rows with
    gaps, formulas and rich text (the slower paths), so chunks take every path."""
    out = []
    for r in range(1, count + 1):
        if r % 97 == 0:
            out.append(
                f'<row r="{r}"><c r="A{r}"><f>1+1</f><v>{r}</v></c>'
                f'<c r="C{r}" t="inlineStr"><is><r><t>x</t></r><r><t> {r}</t></r></is></c></row>'
            )
        elif r % 41 == 0:
            out.append(f'<row r="{r}"><c r="B{r}" t="s"><v>{r % 3}</v></c></row>')
        else:
            out.append(
                f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>n{r}</t></is></c>'
                f'<c r="B{r}" s="1"><v>{45000 + r / 7}</v></c><c r="C{r}" t="s"><v>{r % 3}</v>'
                f'</c><c r="D{r}"><v>{r}.25</v></c></row>'
            )
    return "".join(out)


def _read(path: Path) -> tuple[list[list[Any]], tuple[int, int, int], int, int]:
    """The sheet's rows, its extent, how many chunks a helper process parsed, and how many of
    those hold a column of shared strings as their indexes (which the spool resolves)."""
    book = Workbook(path, Limits())
    try:
        got = book.sheet("S")
        spool = book._spools[-1]
        own = spool.file.fileno()
        helped = [(fd, o, n) for fd, o, n in spool.segments if fd != own]
        stored = [marshal.loads(os.pread(fd, n, o))[2] for fd, o, n in helped]
        indexed = sum(any(isinstance(c, tuple) and c[0] == "s" for c in cols) for cols in stored)
        extent = (got.col_base, got.width, got.height)
        return list(got.rows()), extent, len(helped), indexed
    finally:
        book.close()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheetdata, "READ_BYTES", 2048)


@pytest.mark.usefixtures("small_chunks")
def test_a_helper_process_parses_chunks_and_the_rows_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = raw_workbook(
        tmp_path / "big.xlsx",
        _mixed_rows(3000),
        shared=["<t>a</t>", "<t>b</t>", "<t>c</t>"],
        formats=["yyyy-mm-dd hh:mm"],
    )
    monkeypatch.setattr(helper, "wanted", lambda size: False)
    alone, extent, helped, _indexed = _read(path)
    assert helped == 0
    monkeypatch.setattr(helper, "wanted", lambda size: True)
    shared, shared_extent, helped, indexed = _read(path)
    assert helped > 10  # the helper took its share of the chunks
    assert indexed > 5  # and left the shared strings to this process
    assert typed(shared) == typed(alone) == typed(calamine_rows(path)[0])
    assert shared_extent == extent


@pytest.mark.usefixtures("small_chunks")
def test_a_helper_that_dies_midway_loses_no_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = raw_workbook(tmp_path / "big.xlsx", _mixed_rows(3000), shared=["<t>a</t>"] * 3)
    monkeypatch.setattr(helper, "wanted", lambda size: True)
    given = helper.Helper.give
    handed: list[int] = []

    def give(self: helper.Helper, chunk: bytes) -> None:
        given(self, chunk)
        handed.append(len(chunk))
        if len(handed) == 6:  # killed with chunks in its hands
            self.proc.kill()

    monkeypatch.setattr(helper.Helper, "give", give)
    rows, _extent, helped, _indexed = _read(path)
    assert len(handed) >= 6 and 0 < helped < len(handed)
    assert typed(rows) == typed(calamine_rows(path)[0])


@pytest.mark.usefixtures("small_chunks")
def test_a_broken_chunk_given_to_the_helper_is_refused_as_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _mixed_rows(3000).replace('<row r="2500">', '<row r="2500"><c r="A2500"><v>1</c>')
    path = raw_workbook(tmp_path / "broken.xlsx", rows, shared=["<t>a</t>"] * 3)
    started: list[helper.Helper] = []
    made = helper.Helper.__init__

    def spy(self: helper.Helper, out: Any) -> None:
        made(self, out)
        started.append(self)

    monkeypatch.setattr(helper.Helper, "__init__", spy)
    said = []
    for helped in (False, True):
        monkeypatch.setattr(helper, "wanted", lambda size, helped=helped: helped)
        with pytest.raises(ImportRefused) as refused:
            _read(path)
        said.append(str(refused.value))
    assert said[0] == said[1]
    assert len(started) == 1 and started[0].proc.poll() is not None  # no helper left running
