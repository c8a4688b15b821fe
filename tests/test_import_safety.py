"""Files the import refuses, with a clear message in English and Chinese, never a crash or hang."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from engine.imports import ImportRefused, Limits, Source, plan_source
from tests.import_helpers import raw_workbook, rewrite_sheet, workbook


def refused(path: Path, limits: Limits | None = None) -> ImportRefused:
    with pytest.raises(ImportRefused) as e, Source(path, limits=limits) as source:
        plan_source(source)
    assert e.value.message_en != e.value.message_zh
    return e.value


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    e = refused(path)
    assert "zip bomb" in e.message_en and "压缩炸弹" in e.message_zh


def test_declared_sizes_above_the_limit_are_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "big.xlsx", {"S": [["a"]] + [[str(i) * 50] for i in range(2000)]})
    e = refused(path, Limits(max_unzipped_bytes=10_000))
    assert "unpacks" in e.message_en


def test_a_password_protected_workbook_is_refused(tmp_path: Path) -> None:
    # an encrypted .xlsx is an OLE2 compound file holding an EncryptionInfo stream
    path = tmp_path / "secret.xlsx"
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    path.write_bytes(header + "EncryptionInfo".encode("utf-16-le") + b"\0" * 1024)
    e = refused(path)
    assert "password" in e.message_en and "密码" in e.message_zh


def test_an_old_xls_and_a_malformed_file_are_refused(tmp_path: Path) -> None:
    xls = tmp_path / "old.xlsx"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048)
    assert ".xls" in refused(xls).message_en
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"this is not a workbook")
    assert "cannot be read" in refused(junk).message_en
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    assert "cannot be read" in refused(broken).message_en


def test_a_sheet_with_broken_xml_or_a_corrupt_stream_is_refused(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="n"><v>{r}</v></c></row>' for r in range(1, 50))
    cut = raw_workbook(tmp_path / "cut.xlsx", rows)
    rewrite_sheet(cut, lambda xml: xml[: xml.index("</sheetData>") - 9])  # ends inside a row
    assert "cannot be read" in refused(cut).message_en
    bad = raw_workbook(tmp_path / "bad.xlsx", rows + '<row r="50"><c r="A50"><v>1</c></row>')
    assert "cannot be read" in refused(bad).message_en
    corrupt = raw_workbook(tmp_path / "corrupt.xlsx", rows * 20)
    with zipfile.ZipFile(corrupt) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(corrupt.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 20 : start + 60] = b"\xff" * 40  # the deflated data, not the directory
    corrupt.write_bytes(bytes(data))
    assert "cannot be read" in refused(corrupt).message_en


def test_file_size_and_cell_count_limits(tmp_path: Path) -> None:
    path = workbook(tmp_path / "s.xlsx", {"S": [["a", "b"]] + [[i, i] for i in range(100)]})
    assert "MB" in refused(path, Limits(max_file_bytes=1000)).message_en
    e = refused(path, Limits(max_cells=50))
    assert "cells" in e.message_en and "单元格" in e.message_zh
    csv = tmp_path / "s.csv"
    csv.write_text("a,b\n" + "1,2\n" * 100, encoding="utf-8")
    assert "cells" in refused(csv, Limits(max_cells=50)).message_en


def test_an_unknown_kind_of_file(tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF")
    assert ".xlsx" in refused(path).message_en
