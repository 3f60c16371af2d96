"""Workbooks and CSV files, safely both ways: one check of every .xlsx the platform reads or stores (values
templates, people, participants, groups, satisfaction files, evidence) before openpyxl reads a byte of it; and one
way to write every .xlsx and CSV the platform hands out, in which a text a user typed is never evaluated as a
formula by the reader's spreadsheet.

The check (`check_workbook`) reads the zip's end record and directory, then streams each XML part once through
expat, a chunk at a time, counting what openpyxl would build from it and stopping at the first limit passed
(`smartgov.limits`): parts, unpacked sizes and compression ratios (deflate bombs), shared strings (a shared-strings
bomb), cells, rows and the span openpyxl pads every row to, XML elements, and any DOCTYPE (entity bombs). openpyxl
itself then parses through defusedxml, which refuses entities; `open_workbook` refuses to run without it.

A refusal from the directory (sizes, ratios, parts) costs well under a millisecond and no memory to speak of; the
scan of a file that passes costs about a sixth of what openpyxl then spends reading it (benchmarks/workbook_bombs.py).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, NoReturn
from xml.parsers import expat

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from .errors import DomainError, ErrorCode
from .limits import (
    WORKBOOK_MAX_CELLS,
    WORKBOOK_MAX_COLUMNS,
    WORKBOOK_MAX_PART_BYTES,
    WORKBOOK_MAX_PART_ELEMENTS,
    WORKBOOK_MAX_PARTS,
    WORKBOOK_MAX_RATIO,
    WORKBOOK_MAX_ROW_ELEMENTS,
    WORKBOOK_MAX_ROWS,
    WORKBOOK_MAX_SHARED_STRING_ELEMENTS,
    WORKBOOK_MAX_SHARED_STRINGS,
    WORKBOOK_MAX_SHARED_STRINGS_BYTES,
    WORKBOOK_MAX_SHEET_BYTES,
    WORKBOOK_MAX_SHEET_SPAN,
    WORKBOOK_MAX_TOKEN_BYTES,
    WORKBOOK_MAX_UNPACKED_BYTES,
    WORKBOOK_MAX_XML_ELEMENTS,
    WORKBOOK_RATIO_FLOOR_BYTES,
)

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"
"""Excel 97–2003 (.xls) files and password-protected workbooks."""
WORKBOOK_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
SHARED_STRINGS_PART = "xl/sharedStrings.xml"
SHEETS_FOLDER = "xl/worksheets/"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""How a text begins that a spreadsheet reads as a formula (OWASP: CSV injection)."""
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
CHUNK = 64 * 1024
"""Bytes of a part fed to the XML parser at a time."""
_END_RECORD, _ZIP64_LOCATOR, _ZIP64_END_RECORD = b"PK\x05\x06", b"PK\x06\x07", b"PK\x06\x06"
_XML_FIRST_BYTES = frozenset(b" \t\r\n<")
_XML_FIRST_PAIRS = (b"\xef\xbb", b"\xff\xfe", b"\xfe\xff", b"\x00<")
"""How an XML document can begin: whitespace or markup, a UTF-8 or UTF-16 byte-order mark, UTF-16 without one."""


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
    """The parts and the unpacked size of a zip (bytes or a file object), or None if it is not a readable zip
    or has too many parts to be a workbook. Reads only the archive's end record and directory."""
    try:
        infos = _directory(_seekable(source))
    except UnreadableWorkbook:
        return None
    return Archive(frozenset(info.filename for info in infos), sum(info.file_size for info in infos))


def check_workbook(source: bytes | IO[bytes]) -> None:
    """Refuse, with the reason, anything that is not an .xlsx workbook safe to open: raises UnreadableWorkbook.

    Reads the zip's directory, then streams each XML part once (never holding one whole), so that a refusal costs
    little time and memory; a file object is left at its start."""
    fileobj = _seekable(source)
    try:
        fileobj.seek(0)
        if fileobj.read(4) != ZIP_SIGNATURE:
            _damaged()
        infos = _directory(fileobj)
        if "xl/workbook.xml" not in {info.filename for info in infos}:
            raise UnreadableWorkbook(_("This is not an Excel workbook (.xlsx); other formats (.ods, .numbers, "
                                       ".docx) cannot be read."))
        _check_sizes(infos, fileobj.seek(0, io.SEEK_END))
        with zipfile.ZipFile(fileobj) as archive:
            totals = _Totals()
            for info in infos:
                _scan_part(archive, info, totals)
    finally:
        fileobj.seek(0)


def open_workbook(data: bytes) -> Workbook:
    """The checked workbook, read-only, with cell values (never formulas) — close it after use."""
    from openpyxl import load_workbook

    require_defused_xml()
    check_workbook(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        _damaged()


def require_defused_xml() -> None:
    """openpyxl parses XML through defusedxml (no entity expansion, no external entities) when defusedxml is
    installed and not turned off (OPENPYXL_DEFUSEDXML=False); no workbook is opened otherwise."""
    from openpyxl.xml import DEFUSEDXML
    from openpyxl.xml.functions import iterparse

    if not DEFUSEDXML or not iterparse.__module__.startswith("defusedxml"):
        raise ImproperlyConfigured("openpyxl does not parse XML through defusedxml: install defusedxml (a dependency "
                                   "of the project) and do not set OPENPYXL_DEFUSEDXML=False.")


# The directory ---------------------------------------------------------------------------------------------------


def _seekable(source: bytes | IO[bytes]) -> IO[bytes]:
    return io.BytesIO(source) if isinstance(source, bytes | bytearray) else source


def _directory(fileobj: IO[bytes]) -> list[zipfile.ZipInfo]:
    """The zip's members, its directory's size checked from the end record before zipfile reads it."""
    counted = _end_record(fileobj)
    if counted is not None:
        entries, directory_bytes = counted
        if entries > WORKBOOK_MAX_PARTS or directory_bytes > WORKBOOK_MAX_PARTS * 1024:
            _too_many_parts(entries)
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error):
        _damaged()
    if len(infos) > WORKBOOK_MAX_PARTS:
        _too_many_parts(len(infos))
    return infos


def _end_record(fileobj: IO[bytes]) -> tuple[int, int] | None:
    """(members, directory bytes) as the zip's end record (or its zip64 one) gives them — what zipfile will read —
    or None when there is none (zipfile then refuses the file itself)."""
    size = fileobj.seek(0, io.SEEK_END)
    tail_start = max(0, size - 22 - 0xFFFF)
    fileobj.seek(tail_start)
    tail = fileobj.read()
    at = tail.rfind(_END_RECORD)
    if at < 0 or len(tail) - at < 22:
        return None
    entries, directory_bytes = struct.unpack_from("<HI", tail, at + 10)
    if entries != 0xFFFF and directory_bytes != 0xFFFFFFFF:
        return entries, directory_bytes
    if tail_start + at < 20:
        _damaged()
    fileobj.seek(tail_start + at - 20)
    locator = fileobj.read(20)
    if len(locator) < 20 or locator[:4] != _ZIP64_LOCATOR:
        _damaged()
    (offset,) = struct.unpack_from("<Q", locator, 8)
    fileobj.seek(offset)
    record = fileobj.read(56)
    if len(record) < 56 or record[:4] != _ZIP64_END_RECORD:
        _damaged()
    entries64, directory64 = struct.unpack_from("<QQ", record, 32)
    return entries64, directory64


def _check_sizes(infos: list[zipfile.ZipInfo], archive_bytes: int) -> None:
    unpacked = 0
    for info in infos:
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            _damaged()  # encrypted, or packed otherwise than Excel does (bzip2, lzma…)
        name, size = info.filename, info.file_size
        limit = (WORKBOOK_MAX_SHARED_STRINGS_BYTES if name == SHARED_STRINGS_PART
                 else WORKBOOK_MAX_SHEET_BYTES if name.startswith(SHEETS_FOLDER) else WORKBOOK_MAX_PART_BYTES)
        if size > limit:
            _too_large(name, size, limit)
        if size > WORKBOOK_RATIO_FLOOR_BYTES and size > WORKBOOK_MAX_RATIO * info.compress_size:
            raise UnreadableWorkbook(
                _("The workbook cannot be read safely: %(part)s unpacks to %(ratio)s times its packed size (limit "
                  "%(limit)s times).")
                % {"part": _label(name), "ratio": _ratio(size, info.compress_size), "limit": WORKBOOK_MAX_RATIO})
        unpacked += size
    if unpacked > WORKBOOK_MAX_UNPACKED_BYTES:
        raise UnreadableWorkbook(_("The workbook is too large once unpacked: %(size)s (limit %(limit)s).")
                                 % {"size": human_size(unpacked), "limit": human_size(WORKBOOK_MAX_UNPACKED_BYTES)})
    if unpacked > WORKBOOK_RATIO_FLOOR_BYTES and unpacked > WORKBOOK_MAX_RATIO * archive_bytes:
        raise UnreadableWorkbook(_("The workbook cannot be read safely: it unpacks to %(ratio)s times its size (limit "
                                   "%(limit)s times).")
                                 % {"ratio": _ratio(unpacked, archive_bytes), "limit": WORKBOOK_MAX_RATIO})


# The XML parts ---------------------------------------------------------------------------------------------------


@dataclass
class _Totals:
    """What all the parts scanned so far hold."""

    elements: int = 0
    cells: int = 0
    strings: int = 0


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, totals: _Totals) -> None:
    """Stream one part through expat if it is XML (whatever its name: openpyxl follows the package's relations)."""
    try:
        with archive.open(info) as stream:
            chunk = stream.read(CHUNK)
            if not chunk or (chunk[0] not in _XML_FIRST_BYTES and chunk[:2] not in _XML_FIRST_PAIRS):
                return  # an image, a printer setting…: not XML, which openpyxl could not parse either
            scan = _PartScan(info.filename, info.file_size, totals)
            parser = scan.parser
            silent = 0
            while chunk:
                mark = scan.elements, scan.depth
                parser.Parse(chunk, False)
                silent = silent + 1 if (scan.elements, scan.depth) == mark else 0
                if silent * CHUNK > WORKBOOK_MAX_TOKEN_BYTES:
                    raise UnreadableWorkbook(
                        _("The workbook cannot be read safely: %(part)s holds a text or tag longer than %(limit)s.")
                        % {"part": _label(info.filename), "limit": human_size(WORKBOOK_MAX_TOKEN_BYTES)})
                chunk = stream.read(CHUNK)
            parser.Parse(b"", True)
            scan.finish()
    except (expat.ExpatError, zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error):
        _damaged()


class _PartScan:
    """Counts, element by element, what openpyxl builds from a part: rows (any `row`, its children being cells,
    as openpyxl's sheet parser takes them), shared strings (`si`), the declared dimension, and every other element.
    Raises UnreadableWorkbook at the first limit passed."""

    def __init__(self, part: str, size: int, totals: _Totals) -> None:
        self.part, self.size, self.totals = part, size, totals
        self.depth = self.elements = self.outside = 0
        self.outside_limit = WORKBOOK_MAX_PART_ELEMENTS
        self.row = self.string = 0
        """The depth of the row (or shared string) being read; 0 outside one."""
        self.inner = self.row_cells = self.after_ref = 0
        self.last_ref: str | None = None
        self.row_number = self.max_row = self.max_width = self.cells = 0
        parser = self.parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.StartDoctypeDeclHandler = self.doctype
        parser.EntityDeclHandler = self.doctype

    def start(self, name: str, attributes: dict[str, str]) -> None:
        depth = self.depth = self.depth + 1
        self.elements += 1
        if self.row:
            self.inner += 1
            if depth == self.row + 1:
                self.row_cells += 1
                ref = attributes.get("r")
                if ref:
                    self.last_ref, self.after_ref = ref, 0
                else:
                    self.after_ref += 1
                if self.row_cells > WORKBOOK_MAX_COLUMNS:
                    self._beyond_columns(self.row_cells)
            if self.inner > WORKBOOK_MAX_ROW_ELEMENTS:
                self._too_complex_item()
            return
        local = name[name.rfind(" ") + 1:]
        if local == "row" and not self.string:
            self._begin_row(depth, attributes.get("r"))
            return
        self.outside += 1
        if self.outside > self.outside_limit:
            self._too_complex_part(self.outside_limit)
        if self.string:
            self.inner += 1
            if self.inner > WORKBOOK_MAX_ROW_ELEMENTS:
                self._too_complex_item()
        elif local == "si":
            self.string, self.inner = depth, 0
            self.totals.strings += 1
            if self.totals.strings > WORKBOOK_MAX_SHARED_STRINGS:
                raise UnreadableWorkbook(
                    _("The workbook has too many different texts: more than %(limit)s in %(part)s; split it into "
                      "smaller files.") % {"limit": f"{WORKBOOK_MAX_SHARED_STRINGS:,}", "part": _label(self.part)})
        elif local == "dimension":
            self._dimension(attributes.get("ref"))
        elif depth == 1 and local == "sst":
            self.outside_limit = WORKBOOK_MAX_SHARED_STRING_ELEMENTS
            if self.size > WORKBOOK_MAX_SHARED_STRINGS_BYTES:
                _too_large(self.part, self.size, WORKBOOK_MAX_SHARED_STRINGS_BYTES, shared_strings=True)
        if self.totals.elements + self.elements > WORKBOOK_MAX_XML_ELEMENTS:
            self._too_complex_workbook()

    def end(self, name: str) -> None:
        depth = self.depth
        self.depth = depth - 1
        if depth == self.row:
            self._end_row()
        elif depth == self.string:
            self.string = 0

    def doctype(self, *_args: object) -> NoReturn:
        raise UnreadableWorkbook(_("The workbook cannot be read safely: %(part)s declares a document type or entities "
                                   "(<!DOCTYPE>), which Excel never writes.") % {"part": _label(self.part)})

    def finish(self) -> None:
        self.totals.elements += self.elements
        self.totals.cells += self.cells

    def _begin_row(self, depth: int, ref: str | None) -> None:
        # As openpyxl numbers rows: r="7" (or "7.0"), else the row after the last one.
        self.row_number = self.row_number + 1 if ref is None else _whole_number(ref)
        if self.row_number > WORKBOOK_MAX_ROWS:
            self._beyond_rows(self.row_number)
        self.row, self.inner, self.row_cells, self.last_ref, self.after_ref = depth, 0, 0, None, 0

    def _end_row(self) -> None:
        from openpyxl.utils.cell import coordinate_to_tuple

        self.row = 0
        # openpyxl makes a row as wide as its last cell's column: the last cell's reference, plus one for each cell
        # after it that has none.
        width = self.after_ref
        if self.last_ref:
            try:
                width += coordinate_to_tuple(self.last_ref)[1]
            except (ValueError, TypeError):
                _damaged()
        if width > WORKBOOK_MAX_COLUMNS:
            self._beyond_columns(width)
        self.cells += self.row_cells
        if self.totals.cells + self.cells > WORKBOOK_MAX_CELLS:
            raise UnreadableWorkbook(_("The workbook has too many cells: more than %(limit)s; split it into smaller "
                                       "files.") % {"limit": f"{WORKBOOK_MAX_CELLS:,}"})
        self.max_row, self.max_width = max(self.max_row, self.row_number), max(self.max_width, width)
        self._check_span(self.max_row, self.max_width)
        if self.totals.elements + self.elements > WORKBOOK_MAX_XML_ELEMENTS:
            self._too_complex_workbook()

    def _dimension(self, ref: str | None) -> None:
        """The range a sheet declares: openpyxl pads every row to its width and reads rows up to its last."""
        from openpyxl.utils.cell import range_boundaries

        try:
            _, _, columns, rows = range_boundaries(ref or "")
        except (ValueError, TypeError):
            _damaged()
        rows, columns = rows or 0, columns or 0
        if rows > WORKBOOK_MAX_ROWS:
            self._beyond_rows(rows)
        if columns > WORKBOOK_MAX_COLUMNS:
            self._beyond_columns(columns)
        self._check_span(rows, columns)

    def _check_span(self, rows: int, columns: int) -> None:
        if rows * columns > WORKBOOK_MAX_SHEET_SPAN:
            raise UnreadableWorkbook(
                _("The sheet is too large: %(part)s spans %(rows)s rows × %(columns)s columns, %(cells)s cells (limit "
                  "%(limit)s); delete the empty rows and columns after the data.")
                % {"part": _label(self.part), "rows": f"{rows:,}", "columns": f"{columns:,}",
                   "cells": f"{rows * columns:,}", "limit": f"{WORKBOOK_MAX_SHEET_SPAN:,}"})

    def _beyond_rows(self, row: int) -> NoReturn:
        raise UnreadableWorkbook(_("The workbook is damaged: %(part)s has a row numbered %(row)s, beyond Excel's "
                                   "%(limit)s rows.")
                                 % {"part": _label(self.part), "row": f"{row:,}", "limit": f"{WORKBOOK_MAX_ROWS:,}"})

    def _beyond_columns(self, columns: int) -> NoReturn:
        raise UnreadableWorkbook(_("The workbook is damaged: %(part)s has a row of %(columns)s columns, beyond Excel's "
                                   "%(limit)s.")
                                 % {"part": _label(self.part), "columns": f"{columns:,}",
                                    "limit": f"{WORKBOOK_MAX_COLUMNS:,}"})

    def _too_complex_part(self, limit: int) -> NoReturn:
        raise UnreadableWorkbook(_("The workbook is too complex: %(part)s holds more than %(limit)s XML elements.")
                                 % {"part": _label(self.part), "limit": f"{limit:,}"})

    def _too_complex_item(self) -> NoReturn:
        raise UnreadableWorkbook(_("The workbook is too complex: a row or text of %(part)s holds more than %(limit)s "
                                   "XML elements.")
                                 % {"part": _label(self.part), "limit": f"{WORKBOOK_MAX_ROW_ELEMENTS:,}"})

    def _too_complex_workbook(self) -> NoReturn:
        raise UnreadableWorkbook(_("The workbook is too complex: more than %(limit)s XML elements in all; split it "
                                   "into smaller files.") % {"limit": f"{WORKBOOK_MAX_XML_ELEMENTS:,}"})


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        _damaged()
    if not number.is_integer():
        _damaged()
    return int(number)


# Messages --------------------------------------------------------------------------------------------------------


def human_size(size: float) -> str:
    """1536 → "1.5 KB", 196083712 → "187 MB" (binary units, as the platform's other size limits)."""
    if size < 1024:
        return f"{size:.0f} B"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            break
    return f"{size:.0f} {unit}" if size >= 10 else f"{size:.1f} {unit}".replace(".0 ", " ")


def _ratio(unpacked: int, packed: int) -> str:
    return f"{unpacked / packed:,.0f}" if packed else "∞"


def _label(part: str) -> str:
    if part == SHARED_STRINGS_PART:
        return _("the shared strings %(part)s") % {"part": part}
    if part.startswith(SHEETS_FOLDER):
        return _("sheet %(part)s") % {"part": part}
    return _("part %(part)s") % {"part": part}


def _too_large(part: str, size: int, limit: int, shared_strings: bool = False) -> NoReturn:
    label = _("the shared strings %(part)s") % {"part": part} if shared_strings else _label(part)
    raise UnreadableWorkbook(_("The workbook is too large once unpacked: %(part)s would be %(size)s (limit %(limit)s).")
                             % {"part": label, "size": human_size(size), "limit": human_size(limit)})


def _too_many_parts(count: int) -> NoReturn:
    raise UnreadableWorkbook(_("The workbook has too many parts: %(count)s files in its zip (limit %(limit)s).")
                             % {"count": f"{count:,}", "limit": f"{WORKBOOK_MAX_PARTS:,}"})


def _damaged() -> NoReturn:
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
