"""The Excel export of a cycle's results: an overview sheet, then one sheet per dimension with its indicators.

Built from `reports.selectors` (stored results only), for the regions the caller passes in — the view passes
the regions the user may see, so an export never holds more than its reader may see.
"""

from collections.abc import Iterable, Sequence
from io import BytesIO

import pandas as pd
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from assessments.models import Cycle

from .selectors import Regions, indicator_matrix, scope_report

HEADER_FILL = PatternFill("solid", fgColor="B4232A")
HEADER_FONT = Font(bold=True, color="FFFFFF")
SCORE_FORMAT = "0.0"


def results_workbook(cycle: Cycle, regions: Regions) -> bytes:
    report = scope_report(cycle, regions)
    matrix = indicator_matrix(cycle, regions)
    book = Workbook()
    overview = book.active
    overview.title = _("Overview")[:31]
    _table(overview, [
        _("Code"), _("Region"), _("Province name"), _("Index"), _("Maturity level"), _("Rank"),
        _("Rank in the province"), _("Change since last cycle"), _("Rank interval, 5 %"), _("Rank interval, 95 %"),
        *(d.name for d in report.dimensions),
    ], [
        [c.code, c.name, c.province, c.index, c.level_label, c.rank, c.parent_rank, c.change, c.rank_low, c.rank_high,
         *(c.dimensions[d.code] for d in report.dimensions)]
        for c in report.cities
    ], score_columns={4, 8, *range(11, 11 + len(report.dimensions))})
    if report.is_demo:
        overview.append([])
        overview.append([_("Demo data: these values are generated, not observed.")])

    scores = matrix.scores
    for dimension in report.dimensions:
        indicators = [i for i in matrix.indicators if i.dimension == dimension.code]
        sheet = book.create_sheet(f"{dimension.code} {dimension.name}"[:31])
        _table(sheet, [_("Code"), _("Region"), dimension.name, *(f"{i.code} {i.name}" for i in indicators)], [
            [c.code, c.name, c.dimensions[dimension.code], *(_cell(scores, c.code, i.code) for i in indicators)]
            for c in report.cities
        ], score_columns=set(range(3, 4 + len(indicators))))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(scores: pd.DataFrame, region: str, indicator: str) -> float | None:
    try:
        value = scores.at[region, indicator]
    except KeyError:
        return None
    return None if value != value else float(value)


def _table(sheet: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[str | float | None]], *,
           score_columns: Iterable[int]) -> None:
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        sheet.append(row)
    for column in score_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = SCORE_FORMAT
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(str(header)) * 2 + 2))
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions
