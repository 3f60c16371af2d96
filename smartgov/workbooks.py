"""Opening uploaded .xlsx workbooks safely: one check of the archive for every reader (values templates,
satisfaction files, evidence), under one unpacked-size limit."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from django.utils.translation import gettext as _

from .errors import DomainError, ErrorCode
from .limits import WORKBOOK_MAX_UNPACKED_BYTES

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"
"""Excel 97–2003 (.xls) files and password-protected workbooks."""
WORKBOOK_PARTS = ("[Content_Types].xml", "xl/workbook.xml")


class UnreadableWorkbook(DomainError):
    """The file cannot be opened as a workbook; the message says why, for the user."""

    code = ErrorCode.FILE_REFUSED


@dataclass(frozen=True)
class Archive:
    names: frozenset[str]
    unpacked: int

    @property
    def is_workbook(self) -> bool:
        return all(part in self.names for part in WORKBOOK_PARTS)


def inspect_archive(source: bytes | IO[bytes]) -> Archive | None:
    """The parts and the unpacked size of a zip (bytes or a file object), or None if it is not a readable zip.
    Reads only the archive's directory."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    return Archive(frozenset(info.filename for info in infos), sum(info.file_size for info in infos))


def check_workbook(data: bytes) -> None:
    """Refuse, with the reason, anything that is not an .xlsx workbook safe to open."""
    archive = inspect_archive(data) if data[:4] == ZIP_SIGNATURE else None
    if archive is None:
        raise UnreadableWorkbook(_("The file is damaged and cannot be opened as an Excel workbook."))
    if "xl/workbook.xml" not in archive.names:
        raise UnreadableWorkbook(_("This is not an Excel workbook (.xlsx); other formats (.ods, .numbers, .docx) "
                                   "cannot be read."))
    if archive.unpacked > WORKBOOK_MAX_UNPACKED_BYTES:
        raise UnreadableWorkbook(_("The workbook is too large once unpacked."))


def open_workbook(data: bytes) -> Workbook:
    """The checked workbook, read-only, with cell values (never formulas) — close it after use."""
    from openpyxl import load_workbook

    check_workbook(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise UnreadableWorkbook(_("The file is damaged and cannot be opened as an Excel workbook.")) from None
