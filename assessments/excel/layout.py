"""The file format shared by the template and the reader: columns, the hidden metadata sheet, styles.

Column headers are part of the format: the reader must recognise them in both languages whatever the active
language (a file downloaded in English may come back while the page is in Chinese), so each is kept as a fixed
Chinese/English pair, like the bilingual names of the models, rather than through gettext.
"""

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from smartgov.i18n import localised

FORMAT = "smartgov-values/1"
META_SHEET = "_smartgov"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COLUMNS = {
    "region_code": ("城市代码", "City code"),
    "region_name": ("城市名称", "City"),
    "code": ("指标代码", "Indicator code"),
    "dimension": ("维度", "Dimension"),
    "name": ("指标名称", "Indicator"),
    "unit": ("单位", "Unit"),
    "range": ("有效范围", "Valid range"),
    "previous": ("上期数值", "Last period"),
    "value": ("本期数值", "This period"),
    "note": ("说明", "Note"),
}
WIDTHS = {"region_code": 10, "region_name": 14, "code": 11, "dimension": 14, "name": 40, "unit": 12, "range": 16,
          "previous": 12, "value": 14, "note": 44}
SUBMISSION_LAYOUT = ("code", "dimension", "name", "unit", "range", "previous", "value", "note")
PROVINCE_LAYOUT = ("region_code", "region_name", *SUBMISSION_LAYOUT)
READ_ONLY = frozenset({"region_code", "region_name", "code", "dimension", "name", "unit", "range", "previous"})
"""Columns shown for reference: the reader ignores all of them except the two codes."""


def header(key: str) -> str:
    """The header of column `key` in the active language."""
    zh, en = COLUMNS[key]
    return localised(zh, en)


def _normalised(text) -> str:
    return "".join(str(text).split()).casefold().strip("*＊")


HEADER_KEYS = {_normalised(text): key for key, pair in COLUMNS.items() for text in pair}


def header_key(text) -> str | None:
    """The column a header cell names, in either language, or None."""
    if text is None:
        return None
    return HEADER_KEYS.get(_normalised(text))


HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
READ_ONLY_FILL = PatternFill("solid", fgColor="EDEDED")
INPUT_FILL = PatternFill("solid", fgColor="FFF4CC")
LOCKED_INPUT_FILL = PatternFill("solid", fgColor="D9D9D9")
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="center")
GROUP_BORDER = Border(top=Side(style="medium", color="1F4E79"))


def number_text(value) -> str:
    """A number as people write it: no trailing zeros, up to ten significant digits."""
    if value is None:
        return ""
    return f"{value:.10g}"
