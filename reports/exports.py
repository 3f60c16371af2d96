"""The Excel export of a cycle's results: an overview sheet, then one sheet per dimension with its indicators.

Built from `reports.selectors` (stored results only) — the results `assessments.selectors.cycle_results` gives,
which the first row of every sheet names: provisional (not published) or the published version, with the
participation — for the regions the caller passes in: the view passes the regions the user may see, so an
export never holds more than its reader may see. Below the cycle's minimum participation the ranks are left out.
"""

from collections.abc import Iterable, Sequence

import pandas as pd
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from smartgov.workbooks import workbook_bytes

from .selectors import Regions, Results, ScopeReport, indicator_matrix, scope_report
from .selectors.provenance import ORDER, provenance_label, provenance_shares
from .selectors.rows import results_of, shown_run_id

HEADER_FILL = PatternFill("solid", fgColor="B4232A")
HEADER_FONT = Font(bold=True, color="FFFFFF")
PROVISIONAL_FILL = PatternFill("solid", fgColor="FFE3E3")
PUBLISHED_FILL = PatternFill("solid", fgColor="F0F4F8")
SCORE_FORMAT = "0.0"
HEADER_ROW = 2
"""Row 1 says which results these are; the table starts on row 2."""


def results_workbook(which: Results, regions: Regions) -> bytes:
    results = results_of(which)
    report = scope_report(results, regions)
    matrix = indicator_matrix(results, regions, names={city.code: city.name for city in report.cities})
    banner = _banner(report)
    book = Workbook()
    book.properties.title = banner
    overview = book.active
    overview.title = _("Overview")[:31]
    ranks = report.status.ranks_shown
    groups = [g for g in report.groups if any(g.code in c.group_ranks for c in report.cities)] if ranks else []
    headers = [_("Code"), _("Region"), _("Province name"), _("Index"), _("Maturity level")]
    if ranks:
        headers += [_("Rank"), _("Rank in the province"), *(_("Rank in %(group)s") % {"group": g.name}
                                                            for g in groups)]
    headers += [_("Change since last cycle")]
    if ranks:
        headers += [_("Rank interval, 5 %"), _("Rank interval, 95 %")]
    headers += [d.name for d in report.dimensions]
    run_id = shown_run_id(results)
    shares = provenance_shares(run_id) if run_id is not None else {}
    sources = [code for code in ORDER if any(s.provenance == code for region in shares.values() for s in region)]
    headers += [_("Share of the index: %(provenance)s (%%)") % {"provenance": provenance_label(code)}
                for code in sources]
    rows = []
    for c in report.cities:
        row: list[str | float | None] = [c.code, c.name, c.province, c.index, c.level_label]
        if ranks:
            row += [c.rank, c.parent_rank, *(c.group_ranks.get(g.code) for g in groups)]
        row += [c.change]
        if ranks:
            row += [c.rank_low, c.rank_high]
        mine = {s.provenance: s.points_pct for s in shares.get(c.code, ())}
        rows.append([*row, *(c.dimensions[d.code] for d in report.dimensions), *(mine.get(code) for code in sources)])
    first_dimension = len(headers) - len(sources) - len(report.dimensions) + 1
    scores = {headers.index(_("Index")) + 1, headers.index(_("Change since last cycle")) + 1,
              *range(first_dimension, len(headers) + 1)}
    _table(overview, banner, report.status.provisional, headers, rows, score_columns=scores)
    if report.is_demo:
        overview.append([])
        overview.append([_("Demo data: these values are generated, not observed.")])

    matrix_scores = matrix.scores
    for dimension in report.dimensions:
        indicators = [i for i in matrix.indicators if i.dimension == dimension.code]
        sheet = book.create_sheet(f"{dimension.code} {dimension.name}"[:31])
        _table(sheet, banner, report.status.provisional,
               [_("Code"), _("Region"), dimension.name, *(f"{i.code} {i.name}" for i in indicators)], [
                   [c.code, c.name, c.dimensions[dimension.code],
                    *(_cell(matrix_scores, c.code, i.code) for i in indicators)]
                   for c in report.cities
               ], score_columns=set(range(3, 4 + len(indicators))))
    return workbook_bytes(book)


def _banner(report: ScopeReport) -> str:
    """Which results these are, with the participation, and why ranks are missing when they are."""
    parts = [report.status.summary]
    if report.status.provisional:
        parts.append(_("These results may still change: they become final when the cycle's coordinator "
                       "publishes them."))
    if report.status.publication is not None and report.status.publication.reason:
        parts.append(_("Reason for the revision") + ": " + report.status.publication.reason)
    if not report.status.ranks_shown:
        parts.append(_("Ranks are not shown, only scores: %(share)s %% of the participants are approved, fewer "
                       "than the %(least)s %% this cycle requires for a ranking.") % {
            "share": f"{report.status.participation_pct:.0f}", "least": f"{report.status.min_participation_pct:.0f}"})
    return " ".join(parts)


def _cell(scores: pd.DataFrame, region: str, indicator: str) -> float | None:
    try:
        value = scores.at[region, indicator]
    except KeyError:
        return None
    return None if value != value else float(value)


def _table(sheet: Worksheet, banner: str, provisional: bool, headers: Sequence[str],
           rows: Iterable[Sequence[str | float | None]], *, score_columns: Iterable[int]) -> None:
    """The banner on row 1 (across the table), the headers on row 2, then the rows."""
    sheet.append([banner])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(headers), 1))
    first = sheet.cell(row=1, column=1)
    first.fill = PROVISIONAL_FILL if provisional else PUBLISHED_FILL
    first.font = Font(bold=True, color="A61B1B" if provisional else "0B4F6C")
    first.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.row_dimensions[1].height = 36
    sheet.append(list(headers))
    for cell in sheet[HEADER_ROW]:
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        sheet.append(row)
    for column in score_columns:
        for (cell,) in sheet.iter_rows(min_row=HEADER_ROW + 1, min_col=column, max_col=column):
            cell.number_format = SCORE_FORMAT
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(str(header)) * 2 + 2))
    sheet.freeze_panes = f"C{HEADER_ROW + 1}"
    last = get_column_letter(max(len(headers), 1))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(sheet.max_row, HEADER_ROW)}"
