"""Pre-filled workbooks to enter values in: one submission, or every city of a province in one cycle.

One row per (city,) indicator, in framework order (grouped by dimension); the reference columns are grey and
locked, the value and note columns are open (unless the submission is locked) and the value cells carry Excel
data validation with the indicator's range. A hidden sheet records what the file was built from, so that an
upload can tell whether the submissions changed since.
"""

from collections import defaultdict
from urllib.parse import quote

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from indicators.models import Indicator
from smartgov.workbooks import workbook_bytes

from ..models import IndicatorValue
from ..selectors import previous_values
from .layout import (
    FORMAT,
    GROUP_BORDER,
    HEADER_ALIGNMENT,
    HEADER_FILL,
    HEADER_FONT,
    INPUT_FILL,
    LOCKED_INPUT_FILL,
    META_SHEET,
    PROVINCE_LAYOUT,
    READ_ONLY,
    READ_ONLY_FILL,
    SUBMISSION_LAYOUT,
    WIDTHS,
    WRAP,
    header,
    number_text,
)

UNLOCKED = Protection(locked=False)


def values_workbook(*, cycle, submissions, kind: str, region, locked: dict | None = None) -> bytes:
    """The workbook of `submissions` (all of `cycle`), as .xlsx bytes.

    `kind` is "submission" (one city, no city columns) or "province" (city code and name columns), each city with
    the indicators assessed at its level; `region` is the city or the province; `locked` maps the pk of a submission
    whose values cannot be edited to the reason, and its value cells are then locked too.
    """
    locked = locked or {}
    layout = SUBMISSION_LAYOUT if kind == "submission" else PROVINCE_LAYOUT
    column = {key: get_column_letter(i) for i, key in enumerate(layout, start=1)}
    indicators = list(cycle.framework.indicators.select_related("dimension").order_by("dimension__order", "order"))
    submissions = sorted(submissions, key=lambda s: s.region.code)
    current = {(s, i): (v, n) for s, i, v, n in IndicatorValue.objects.filter(submission__in=submissions)
               .values_list("submission_id", "indicator_id", "value", "note")}

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Values")[:31]
    _write_header(sheet, layout, column)
    validations = defaultdict(list)
    row = 1
    for submission in submissions:
        previous = previous_values(submission)
        last_dimension = None
        for indicator in (i for i in indicators if i.applies_at(submission.region.level)):
            row += 1
            value, note = current.get((submission.pk, indicator.pk), (None, ""))
            cells = {
                "region_code": submission.region.code, "region_name": submission.region.name,
                "code": indicator.code, "dimension": indicator.dimension.name, "name": indicator.name,
                "unit": indicator.unit, "range": range_text(indicator), "previous": previous.get(indicator.code),
                "value": value, "note": note,
            }
            editable = submission.pk not in locked
            for key in layout:
                cell = sheet[f"{column[key]}{row}"]
                cell.value = cells[key]
                if key in READ_ONLY:
                    cell.fill = READ_ONLY_FILL
                elif editable:
                    cell.protection = UNLOCKED
                    if key == "value":
                        cell.fill = INPUT_FILL
                elif key == "value":
                    cell.fill = LOCKED_INPUT_FILL
                if key in ("name", "note"):
                    cell.alignment = WRAP
                if indicator.dimension_id != last_dimension and row > 2:
                    cell.border = GROUP_BORDER
            last_dimension = indicator.dimension_id
            validations[validation_rule(indicator)].append(row)
    _add_validations(sheet, validations, column["value"])
    _finish(sheet, layout, column, row, kind)
    _write_meta(workbook, cycle=cycle, submissions=submissions, kind=kind, region=region, sheet=sheet.title)
    workbook.properties.title = _("Values of %(region)s, %(period)s") % {"region": region.name, "period": cycle.period}
    workbook.properties.creator = "SmartGov"
    return workbook_bytes(workbook)


def _write_header(sheet, layout, column):
    notes = {
        "region_code": _("Do not edit: the platform finds the city by this code."),
        "code": _("Do not edit: the platform finds the indicator by this code."),
        "value": _("Enter this period's values here (grey cells are locked). A cell left blank clears the value."),
        "note": _("Optional note or explanation, e.g. of a large change since the last period."),
    }
    for key in layout:
        cell = sheet[f"{column[key]}1"]
        cell.value = header(key)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
        if key in notes:
            cell.comment = Comment(notes[key], "SmartGov", width=260, height=90)
        sheet.column_dimensions[column[key]].width = WIDTHS[key]
    sheet.row_dimensions[1].height = 30


def _finish(sheet, layout, column, last_row, kind):
    sheet.freeze_panes = f"{get_column_letter(layout.index('code') + 2)}2"
    last_column = column[layout[-1]]
    sheet.auto_filter.ref = f"A1:{last_column}{max(last_row, 2)}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    protection = sheet.protection
    protection.sheet = True
    # Protection without a password keeps the codes from being changed by accident; people may still
    # resize, filter and sort.
    protection.formatColumns = protection.formatRows = protection.formatCells = False
    protection.autoFilter = protection.sort = False


def range_text(indicator: Indicator) -> str:
    """The valid range as a reader expects it, e.g. "0 – 100", "≥ 0", "0 / 1"."""
    if indicator.data_type == Indicator.DataType.BOOLEAN:
        return _("1 = yes, 0 = no")
    low, high = indicator.min_value, indicator.max_value
    if low is not None and high is not None:
        text = f"{number_text(low)} – {number_text(high)}"
    elif low is not None:
        text = f"≥ {number_text(low)}"
    elif high is not None:
        text = f"≤ {number_text(high)}"
    else:
        text = ""
    if indicator.data_type == Indicator.DataType.ORDINAL:
        return _("%(range)s, whole number") % {"range": text} if text else _("whole number")
    return text


def validation_rule(indicator: Indicator) -> tuple:
    """(type, operator, formula1, formula2, message) of the Excel data validation of a value cell."""
    low, high = indicator.min_value, indicator.max_value
    if indicator.data_type == Indicator.DataType.BOOLEAN:
        return ("list", None, '"0,1"', None, _("Enter 1 (yes) or 0 (no)."))
    kind = "whole" if indicator.data_type == Indicator.DataType.ORDINAL else "decimal"
    whole = kind == "whole"
    bounds = {"low": number_text(low), "high": number_text(high)}
    if low is not None and high is not None:
        message = (_("Enter a whole number between %(low)s and %(high)s.") if whole
                   else _("Enter a number between %(low)s and %(high)s."))
        return (kind, "between", number_text(low), number_text(high), message % bounds)
    if low is not None:
        message = _("Enter a whole number of at least %(low)s.") if whole else _("Enter a number of at least %(low)s.")
        return (kind, "greaterThanOrEqual", number_text(low), None, message % bounds)
    if high is not None:
        message = _("Enter a whole number of at most %(high)s.") if whole else _("Enter a number of at most %(high)s.")
        return (kind, "lessThanOrEqual", number_text(high), None, message % bounds)
    message = _("Enter a whole number.") if whole else _("Enter a number.")
    return (kind, "between", "-1E+15", "1E+15", message)


def _add_validations(sheet, validations, value_column):
    for (kind, operator, formula1, formula2, message), rows in validations.items():
        validation = DataValidation(type=kind, operator=operator, formula1=formula1, formula2=formula2,
                                    allow_blank=True, showErrorMessage=True, errorStyle="stop",
                                    errorTitle=_("Invalid value")[:32], error=message[:255],
                                    showInputMessage=True, promptTitle=_("Valid values")[:32], prompt=message[:255])
        for first, last in _runs(rows):
            validation.add(f"{value_column}{first}" if first == last else f"{value_column}{first}:{value_column}{last}")
        sheet.add_data_validation(validation)


def _runs(rows):
    """Consecutive row numbers as (first, last) ranges."""
    runs = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1][1] = row
        else:
            runs.append([row, row])
    return [tuple(run) for run in runs]


def _write_meta(workbook, *, cycle, submissions, kind, region, sheet):
    meta = workbook.create_sheet(META_SHEET)
    framework = cycle.framework
    for row in (
        ("format", FORMAT),
        ("kind", kind),
        ("region", region.code),
        ("cycle", cycle.pk),
        ("period", cycle.period),
        ("framework", framework.code),
        ("framework_version", framework.version),
        ("data_sheet", sheet),
        ("language", get_language() or ""),
        ("built_at", timezone.now().isoformat(timespec="seconds")),
    ):
        meta.append(row)
    meta.append(("submissions", "id", "region", "version"))
    for submission in submissions:
        meta.append(("submission", submission.pk, submission.region.code, submission.version))
    meta.sheet_state = "hidden"
    meta.protection.sheet = True


def download_name(region, cycle, *, title: str | None = None) -> tuple[str, str]:
    """The file name shown to the user (e.g. 智慧政府评估_杭州市_2026.xlsx) and an ASCII fallback."""
    title = title or _("SmartGov assessment")
    name = f"{title}_{region.name}_{cycle.period}.xlsx".replace("/", "_").replace("\\", "_")
    return name, f"smartgov_{region.code}_{cycle.period}.xlsx"


def content_disposition(name: str, fallback: str) -> str:
    """An attachment header with an ASCII name and the real name in RFC 5987 form (filename*)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
