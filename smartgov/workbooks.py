"""Workbooks and CSV files, safely both ways: one check of the archive for every .xlsx read (values templates,
satisfaction files, evidence), under one unpacked-size limit; and one way to write every .xlsx and CSV the
platform hands out, in which a text a user typed is never evaluated as a formula by the reader's spreadsheet."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
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
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""How a text begins that a spreadsheet reads as a formula (OWASP: CSV injection)."""
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


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


def workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as .xlsx bytes, every text stored as text: a note, name or reason that begins like a formula
    ("=HYPERLINK(…)") is shown as typed, never evaluated (openpyxl would store it as a formula). The one way the
    platform saves a workbook, so that no export can forget it."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    cell.data_type = "s"
                    cell.quotePrefix = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_field(value: object) -> object:
    """A CSV field as a spreadsheet must not evaluate it: a text that begins like a formula gets a leading
    apostrophe (which Excel and WPS show as a text marker); a signed number ("-1.5") stays as it is."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS) or NUMBER.fullmatch(value):
        return value
    return f"'{value}"


def csv_rows(rows: Iterable[Iterable[object]]) -> list[list[object]]:
    """`rows` with every field through `csv_field`."""
    return [[csv_field(value) for value in row] for row in rows]
