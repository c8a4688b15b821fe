"""What an import refuses before it reads a byte of data: files too large, a cell count over the
limit, a file that is not what its name says, a password-protected workbook, a zip bomb.

Every refusal is an `ImportRefused` with an English and a Chinese message."""

from __future__ import annotations

import zipfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ..errors import TesseraError

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: an encrypted .xlsx or an old .xls
ZIP = b"PK\x03\x04"
MB = 1024 * 1024


class ImportRefused(TesseraError):
    """A file the import will not read (too large, malformed, encrypted, a zip bomb)."""

    code = "import_refused"


class Limits(BaseModel):
    """How much an import accepts; every limit can be raised by whoever runs it."""

    model_config = ConfigDict(extra="forbid")

    max_file_bytes: int = Field(default=200 * MB, gt=0)
    max_cells: int = Field(default=50_000_000, gt=0)  # rows x columns of all sheets read
    max_unzipped_bytes: int = Field(default=2048 * MB, gt=0)  # a workbook's parts, as declared
    max_zip_ratio: float = Field(default=150.0, gt=1)  # unpacked / packed size of one part
    max_zip_members: int = Field(default=10_000, gt=0)


def check_size(path: Path, limits: Limits) -> None:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise ImportRefused(
            f"{path.name} is {size / MB:.1f} MB; the import takes files up to "
            f"{limits.max_file_bytes / MB:.0f} MB",
            f"{path.name} 大小为 {size / MB:.1f} MB，导入文件最大为 {limits.max_file_bytes / MB:.0f} MB",
        )


def check_workbook(path: Path, limits: Limits) -> None:
    """Refuse an .xlsx that is encrypted, not a zip, or a zip bomb, judged by the sizes its
    directory declares before anything is unpacked."""
    check_size(path, limits)
    with path.open("rb") as f:
        head = f.read(8)
    if head == OLE2:
        data = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise ImportRefused(
                f"{path.name} is protected by a password; save it without one and import again",
                f"{path.name} 设置了密码保护；请取消密码后另存，再重新导入",
            )
        raise ImportRefused(
            f"{path.name} is an old Excel 97-2003 (.xls) file; save it as .xlsx and import again",
            f"{path.name} 是旧版 Excel 97-2003（.xls）文件；请另存为 .xlsx 后再导入",
        )
    if head[:4] != ZIP:
        raise _malformed(path, "it is not an Excel workbook", "它不是 Excel 工作簿")
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise _malformed(path, str(e), str(e)) from None
    if len(members) > limits.max_zip_members:
        raise _bomb(path, f"{len(members):,} parts", f"{len(members):,} 个部件")
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise _malformed(path, "it has no workbook part", "缺少工作簿部件")
    total = 0
    for m in members:
        total += m.file_size
        if m.file_size > MB and m.file_size > limits.max_zip_ratio * max(m.compress_size, 1):
            ratio = m.file_size / max(m.compress_size, 1)
            raise _bomb(
                path,
                f"part {m.filename} unpacks {ratio:,.0f} times its size",
                f"部件 {m.filename} 解压后是压缩大小的 {ratio:,.0f} 倍",
            )
    if total > limits.max_unzipped_bytes:
        raise _bomb(path, f"it unpacks to {total / MB:,.0f} MB", f"解压后达 {total / MB:,.0f} MB")


def check_cells(name: str, cells: int, limits: Limits) -> None:
    if cells > limits.max_cells:
        raise ImportRefused(
            f"{name} has {cells:,} cells; the import takes up to {limits.max_cells:,}",
            f"{name} 共有 {cells:,} 个单元格，导入上限为 {limits.max_cells:,} 个",
        )


def _malformed(path: Path, why_en: str, why_zh: str) -> ImportRefused:
    return ImportRefused(
        f"{path.name} cannot be read: {why_en}",
        f"无法读取 {path.name}：{why_zh}",
    )


def _bomb(path: Path, why_en: str, why_zh: str) -> ImportRefused:
    return ImportRefused(
        f"{path.name} is refused: {why_en}, which is what a zip bomb does",
        f"已拒绝 {path.name}：{why_zh}，这是压缩炸弹的特征",
    )
