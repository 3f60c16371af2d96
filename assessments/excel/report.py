"""The row-level error report of an import, as a workbook in the user's language."""


from django.utils.translation import gettext as _
from openpyxl import Workbook

from smartgov.workbooks import workbook_bytes

from .layout import HEADER_ALIGNMENT, HEADER_FILL, HEADER_FONT, WRAP

WIDTHS = (8, 18, 14, 12, 18, 80)


def error_report_workbook(errors, *, title: str) -> bytes:
    """One line per error: row, column, city, indicator, value as typed, reason. `errors` are RowError-like
    objects with row, column_label, region, code, value and reason."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Errors")[:31]
    headers = (_("Row"), _("Column"), _("City"), _("Indicator code"), _("Value"), _("Reason"))
    sheet.append(headers)
    for i, cell in enumerate(sheet[1]):
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
        sheet.column_dimensions[cell.column_letter].width = WIDTHS[i]
    for error in errors:
        sheet.append((error.row, error.column_label, error.region, error.code, error.value, error.reason))
        sheet.cell(row=sheet.max_row, column=6).alignment = WRAP
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:F{max(sheet.max_row, 2)}"
    workbook.properties.title = title
    workbook.properties.creator = "SmartGov"
    return workbook_bytes(workbook)
