"""Reading a filled-in values workbook back: its metadata and its rows, as typed. Nothing is checked against the
framework here (see `assessments.services.imports`); a file that cannot be read at all raises `UnreadableWorkbook`
with a message for the user, whatever is wrong with it (empty, not a zip, a renamed CSV, a corrupted zip)."""

import logging
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from smartgov.workbooks import OLE_SIGNATURE, ZIP_SIGNATURE, UnreadableWorkbook, open_workbook

from .layout import FORMAT, META_SHEET, header, header_key

logger = logging.getLogger(__name__)

INPUT_COLUMNS = ("region_code", "code", "value", "note")


@dataclass
class FileMeta:
    kind: str
    region: str
    cycle: int | None
    period: str
    framework: str
    framework_version: str
    data_sheet: str
    submissions: dict = field(default_factory=dict)
    """Region code → (submission pk, version) when the file was built."""


@dataclass(frozen=True)
class SheetRow:
    number: int
    region_code: str | None
    """None when the file has no city column (a one-submission file)."""
    code: str
    value: object
    note: str | None
    """None when the file has no note column: the notes are then left as they are."""


@dataclass
class SheetFile:
    meta: FileMeta
    rows: list
    columns: dict
    """Column key → letter, for the columns the file has."""

    def column_label(self, key: str) -> str:
        letter = self.columns.get(key)
        return f"{header(key)} ({letter})" if letter else header(key)


def read_values_workbook(data: bytes, *, max_rows: int) -> SheetFile:
    """The metadata and the non-empty rows of a values workbook made by `template.values_workbook`."""
    _check_format(data)
    workbook = open_workbook(data)
    try:
        return _read(workbook, max_rows)
    except UnreadableWorkbook:
        raise
    except Exception as error:
        logger.info("unreadable workbook content: %r", error)
        raise UnreadableWorkbook(_("The file is damaged and cannot be opened as an Excel workbook.")) from None
    finally:
        workbook.close()


def _check_format(data: bytes):
    if not data:
        raise UnreadableWorkbook(_("The file is empty."))
    if data[:4] == OLE_SIGNATURE:
        raise UnreadableWorkbook(_("This is an old Excel 97–2003 (.xls) file or a password-protected workbook: save it "
                               "as an Excel workbook (.xlsx) without a password and upload it again."))
    if data[:4] != ZIP_SIGNATURE:
        raise UnreadableWorkbook(_("This is not an Excel workbook (.xlsx): a CSV or text file renamed to .xlsx "
                                   "cannot be read. Enter the values in the downloaded template and upload it."))


def _read(workbook, max_rows) -> SheetFile:
    if META_SHEET not in workbook.sheetnames:
        raise UnreadableWorkbook(_("This workbook was not made by the platform (its hidden sheet “%(sheet)s” is "
                                   "missing): download the template, enter the values in it and upload it.")
                                 % {"sheet": META_SHEET})
    meta = _read_meta(workbook[META_SHEET])
    name = meta.data_sheet if meta.data_sheet in workbook.sheetnames else workbook.sheetnames[0]
    rows = workbook[name].iter_rows()
    index = _read_header([cell.value for cell in next(rows, ())], meta)
    result = []
    for number, cells in enumerate(rows, start=2):
        typed = {key: _typed(cells[i]) if i < len(cells) else None for key, i in index.items()}
        if all(_blank(typed.get(key)) for key in INPUT_COLUMNS):
            continue
        if len(result) >= max_rows:
            raise UnreadableWorkbook(_("The file has more than %(limit)s rows; split it into smaller files.")
                                 % {"limit": f"{max_rows:,}"})
        result.append(SheetRow(
            number=number,
            region_code=_code(typed.get("region_code")) if "region_code" in index else None,
            code=_code(typed.get("code")) or "",
            value=typed.get("value"),
            note=None if "note" not in index else ("" if typed.get("note") is None else str(typed["note"])),
        ))
    return SheetFile(meta=meta, rows=result, columns={key: get_column_letter(i + 1) for key, i in index.items()})


def _read_meta(sheet) -> FileMeta:
    values, submissions = {}, {}
    for row in sheet.iter_rows(values_only=True):
        if not row or row[0] is None:
            continue
        key = str(row[0]).strip()
        if key == "submission" and len(row) >= 4:
            try:
                submissions[_code(row[2])] = (int(row[1]), int(row[3]))
            except (TypeError, ValueError):
                continue
        elif len(row) >= 2:
            values.setdefault(key, row[1])
    if values.get("format") != FORMAT:
        raise UnreadableWorkbook(_("This workbook was not made by this version of the platform: download the template "
                               "again and enter the values in it."))
    try:
        cycle = int(values.get("cycle"))
    except (TypeError, ValueError):
        cycle = None
    return FileMeta(kind=str(values.get("kind") or ""), region=_code(values.get("region")) or "", cycle=cycle,
                    period=str(values.get("period") or ""), framework=str(values.get("framework") or ""),
                    framework_version=str(values.get("framework_version") or ""),
                    data_sheet=str(values.get("data_sheet") or ""), submissions=submissions)


def _read_header(cells, meta) -> dict:
    """Column key → 0-based index, from the header row."""
    columns = {}
    for i, text in enumerate(cells):
        key = header_key(text)
        if key is not None and key not in columns:
            columns[key] = i
    required = ["code", "value"] + (["region_code"] if meta.kind == "province" else [])
    missing = [key for key in required if key not in columns]
    if missing:
        raise UnreadableWorkbook(_("The first row must hold the column headers of the template; missing: %(columns)s.")
                             % {"columns": "、".join(header(key) for key in missing)})
    return columns


def _typed(cell):
    """The value as the user sees it: 85 % typed into a cell is stored as 0.85 in a percent format."""
    value = getattr(cell, "value", None)
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return float(f"{value * 100:.12g}")
    return value


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _code(value) -> str | None:
    """A code as text: 330100 typed as a number, or as text with spaces, are the same code."""
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
