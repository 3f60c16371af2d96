"""Reading imported files of good/bad service ratings and of 12345 hotline figures, row by row.

A file is CSV (UTF-8, or GB18030 as Chinese Excel saves it; comma, semicolon or tab) or an Excel workbook
(.xlsx, first sheet). The first row holds the column headers, in Chinese or English (see `RATING_COLUMNS` and
`HOTLINE_COLUMNS`; other columns are ignored). A file that cannot be read at all raises `UnreadableWorkbook`;
otherwise every row is checked and every problem reported as a `RowError` (row number as in the file, column,
value, reason). The caller writes nothing unless there is no error at all.
"""

import csv
import datetime
import io
import math
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smartgov.limits import SATISFACTION_FILE_MAX_ROWS
from smartgov.workbooks import OLE_SIGNATURE, ZIP_SIGNATURE, UnreadableWorkbook, open_workbook

SERVICE_LENGTH, CHANNEL_LENGTH, COMMENT_LENGTH = 200, 50, 1000


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    aliases: tuple = ()
    required: bool = True
    help: str = ""

    def names(self):
        return {_normal(name) for name in (self.key, self.zh, self.en, *self.aliases)}

    @property
    def label(self):
        return f"{self.zh} / {self.en}"


RATING_COLUMNS = (
    Column("service", "服务事项", "service", ("服务", "事项", "事项名称", "办理事项", "服务名称", "service name"),
           help=gettext_lazy("The service rated (at most 200 characters).")),
    Column("channel", "渠道", "channel", ("评价渠道", "办理渠道"),
           help=gettext_lazy("Where it was rated: online, counter, app, kiosk…")),
    Column("date", "日期", "date", ("评价日期", "评价时间", "时间", "办理日期"),
           help=gettext_lazy("The date of the rating, within the assessment year, e.g. 2026-03-31.")),
    Column("rating", "评分", "rating", ("评价", "评价等级", "满意度", "score"),
           help=gettext_lazy("1 very dissatisfied … 5 very satisfied (or the words 非常不满意 … 非常满意).")),
    Column("comment", "评价内容", "comment", ("意见", "留言", "备注", "评论", "comments"), required=False,
           help=gettext_lazy("Optional; phone numbers, ID numbers and e-mail addresses are masked.")),
    Column("rectified", "是否整改", "rectified", ("已整改", "整改", "整改情况"), required=False,
           help=gettext_lazy("Optional, for named bad ratings: 是 / 否 (yes / no); empty when unknown.")),
)
HOTLINE_COLUMNS = (
    Column("month", "月份", "month", ("期间", "统计月份", "period"),
           help=gettext_lazy("The month, e.g. 2026-03; each month once per city and cycle.")),
    Column("calls", "工单数", "calls", ("来电量", "来电数", "话务量", "受理量", "工单量", "work orders"),
           help=gettext_lazy("Work orders due in the month.")),
    Column("on_time", "按时办结数", "handled on time", ("按时办结", "按时办结量", "on time", "handled_on_time"),
           help=gettext_lazy("Of these, closed and answered within the time limit.")),
    Column("resolved", "已解决数", "resolved", ("解决数", "已解决", "诉求已解决"),
           help=gettext_lazy("Requesters who said in the follow-up that their request was resolved.")),
    Column("satisfied", "满意数", "satisfied", ("满意", "满意人次"),
           help=gettext_lazy("Requesters satisfied or very satisfied in the follow-up.")),
    Column("rated", "参评数", "rated", ("评价数", "参评人次", "回访评价数", "作出评价数"),
           help=gettext_lazy("Requesters who answered the follow-up.")),
)

RATING_WORDS = {"非常不满意": 1, "不满意": 2, "基本满意": 3, "一般": 3, "满意": 4, "非常满意": 5,
                "very dissatisfied": 1, "dissatisfied": 2, "neutral": 3, "satisfied": 4, "very satisfied": 5}
YES = {"是", "已整改", "已处理", "1", "yes", "y", "true", "√"}
NO = {"否", "未整改", "未处理", "0", "no", "n", "false", "×"}


@dataclass(frozen=True)
class Table:
    header: tuple
    rows: list
    """(row number in the file, cells)."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class Parsed:
    records: list
    errors: list

    @property
    def ok(self) -> bool:
        return not self.errors


def read_table(data: bytes, name: str = "", *, max_rows: int = SATISFACTION_FILE_MAX_ROWS) -> Table:
    """The header and the non-empty rows of a CSV or .xlsx file."""
    if not data:
        raise UnreadableWorkbook(_("The file is empty."))
    if data[:4] == OLE_SIGNATURE:
        raise UnreadableWorkbook(_("This is an old Excel 97–2003 (.xls) file or a password-protected workbook: save "
                                "it as an Excel workbook (.xlsx) or as CSV and upload it again."))
    if data[:4] == ZIP_SIGNATURE:
        return _read_xlsx(data, max_rows)
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise UnreadableWorkbook(_("The file is damaged and cannot be opened as an Excel workbook."))
    return _read_csv(data, max_rows)


def _read_csv(data, max_rows):
    if b"\x00" in data[:4096]:
        raise UnreadableWorkbook(_("This is neither a CSV file nor an Excel workbook (.xlsx)."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableWorkbook(_("The text encoding of the CSV file is not recognised: save it as “CSV UTF-8”."))
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise UnreadableWorkbook(_("The CSV file is malformed (an unclosed quote?).")) from None
    return _table(((number, tuple(cells)) for number, cells in enumerate(lines, start=1)), max_rows)


def _read_xlsx(data, max_rows):
    workbook = open_workbook(data)
    try:
        if not workbook.worksheets:
            raise UnreadableWorkbook(_("The workbook has no sheet."))
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        return _table(((number, tuple(cells)) for number, cells in enumerate(rows, start=1)), max_rows)
    except UnreadableWorkbook:
        raise
    except Exception:
        raise UnreadableWorkbook(_("The file is damaged and cannot be opened as an Excel workbook.")) from None
    finally:
        workbook.close()


def _table(numbered, max_rows):
    header, rows = None, []
    for number, cells in numbered:
        if all(_blank(cell) for cell in cells):
            continue
        if header is None:
            header = tuple("" if cell is None else str(cell).strip() for cell in cells)
            continue
        if len(rows) >= max_rows:
            raise UnreadableWorkbook(_("The file has more than %(limit)s rows; split it into smaller files.")
                                  % {"limit": f"{max_rows:,}"})
        rows.append((number, cells))
    if header is None:
        raise UnreadableWorkbook(_("The file is empty."))
    return Table(header, rows)


def column_index(table: Table, columns) -> tuple[dict, list]:
    """Column key → position in the file, and the errors of the header row (missing or repeated columns)."""
    index, errors = {}, []
    by_name = {name: column for column in columns for name in column.names()}
    for position, text in enumerate(table.header):
        column = by_name.get(_normal(text))
        if column is None:
            continue
        if column.key in index:
            errors.append(RowError(1, text, text, _("The column “%(column)s” appears twice.") % {"column": text}))
            continue
        index[column.key] = position
    for column in columns:
        if column.required and column.key not in index:
            errors.append(RowError(1, column.label, "", _(
                "The column “%(column)s” is missing: the first row must hold the column headers.")
                % {"column": column.label}))
    return index, errors


def parse_ratings(table: Table, *, year: int, today: datetime.date) -> Parsed:
    """Ratings as dicts (service, channel, date, rating, comment, rectified); the comment is as typed."""
    index, errors = column_index(table, RATING_COLUMNS)
    if errors:
        return Parsed([], errors)
    labels = column_labels(table, index, RATING_COLUMNS)
    records = []
    for number, cells in table.rows:
        row = TableRow(number, cells, index, labels)
        record = {
            "service": row.text("service", SERVICE_LENGTH, required=True),
            "channel": row.text("channel", CHANNEL_LENGTH, required=True),
            "date": row.check("date", lambda v: _date_in(v, year, today)),
            "rating": row.check("rating", _rating),
            "comment": row.text("comment", COMMENT_LENGTH),
            "rectified": row.check("rectified", cell_yes_no),
        }
        errors += row.errors
        if not row.errors:
            records.append(record)
    return Parsed(records, errors)


def parse_hotline(table: Table, *, year: int, today: datetime.date, existing: dict | None = None) -> Parsed:
    """Months of hotline figures as dicts (month, calls, on_time, resolved, satisfied, rated). `existing` maps the
    months already imported for the city and cycle to the file they came from: those rows are refused."""
    index, errors = column_index(table, HOTLINE_COLUMNS)
    if errors:
        return Parsed([], errors)
    labels = column_labels(table, index, HOTLINE_COLUMNS)
    existing = existing or {}
    records, seen = [], {}
    for number, cells in table.rows:
        row = TableRow(number, cells, index, labels)
        record = {"month": row.check("month", lambda v: cell_month(v, year, today))}
        for key in ("calls", "on_time", "resolved", "satisfied", "rated"):
            record[key] = row.check(key, cell_count)
        if not row.errors:
            for part, whole in (("on_time", "calls"), ("rated", "calls"), ("satisfied", "rated"),
                                ("resolved", "rated")):
                if record[part] > record[whole]:
                    row.fail(part, _("“%(part)s” (%(a)s) cannot exceed “%(whole)s” (%(b)s).") % {
                        "part": labels[part], "a": record[part], "whole": labels[whole], "b": record[whole]})
            month = record["month"]
            label = f"{month:%Y-%m}"
            if month in seen:
                row.fail("month", _("The month %(month)s appears twice in the file (also row %(row)d).")
                         % {"month": label, "row": seen[month]})
            elif month in existing:
                row.fail("month", _("The month %(month)s was already imported for this city (file “%(file)s”): "
                                    "remove that import first.") % {"month": label, "file": existing[month]})
            seen.setdefault(month, number)
        errors += row.errors
        if not row.errors:
            records.append(record)
    return Parsed(records, errors)


class InvalidCell(ValueError):
    """A cell a parser refuses; the message says why (`TableRow.check` records it as the row's error)."""


class TableRow:
    """One data row of a table: its cells read by column key, and the errors found in them (`RowError`s naming
    the row's number and the column as the file heads it)."""

    def __init__(self, number, cells, index, labels):
        self.number, self.cells, self.index, self.labels = number, cells, index, labels
        self.errors = []

    def raw(self, key):
        position = self.index.get(key)
        if position is None or position >= len(self.cells):
            return None
        value = self.cells[position]
        return None if _blank(value) else value

    def fail(self, key, reason):
        self.errors.append(RowError(self.number, self.labels[key], _shown(self.raw(key)), reason))

    def text(self, key, limit, *, required=False):
        value = self.raw(key)
        if value is None:
            if required:
                self.fail(key, _("This cell must not be empty."))
            return ""
        text = str(int(value) if isinstance(value, float) and value.is_integer() else value).strip()
        if len(text) > limit:
            self.fail(key, _("At most %(limit)d characters.") % {"limit": limit})
        return text

    def check(self, key, parse):
        value = self.raw(key)
        try:
            return parse(value)
        except InvalidCell as error:
            self.fail(key, str(error))
            return None


def column_labels(table, index, columns):
    """Column key → its header as the file writes it (the column's own label when the file lacks it)."""
    return {column.key: (table.header[index[column.key]] if column.key in index else column.label)
            for column in columns}


def _normal(text) -> str:
    text = str(text or "").strip().lower()
    text = re.split(r"[(（]", text, maxsplit=1)[0]
    return re.sub(r"[\s_\-·:：]", "", text)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    return str(value)[:60]


DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
COMPACT_MONTH = re.compile(r"^(\d{4})(\d{2})$")


def cell_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip() if value is not None else ""
    match = DATE.match(text) or COMPACT_DATE.match(text)
    if match:
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    if value is None:
        raise InvalidCell(_("This cell must not be empty."))
    raise InvalidCell(_("“%(value)s” is not a date: write it as 2026-03-31.") % {"value": text[:40]})


def _date_in(value, year, today):
    day = cell_date(value)
    if day.year != year:
        raise InvalidCell(_("The date lies outside the assessment year %(year)d.") % {"year": year})
    if day > today:
        raise InvalidCell(_("The date lies in the future."))
    return day


def cell_month(value, year, today):
    if value is None:
        raise InvalidCell(_("This cell must not be empty."))
    if isinstance(value, datetime.date):
        month = (value.date() if isinstance(value, datetime.datetime) else value).replace(day=1)
    else:
        text = str(int(value) if isinstance(value, float) and value.is_integer() else value).strip()
        match = MONTH.match(text) or COMPACT_MONTH.match(text)
        try:
            month = (datetime.date(int(match.group(1)), int(match.group(2)), 1) if match
                     else cell_date(text).replace(day=1))
        except (ValueError, InvalidCell):
            raise InvalidCell(_("“%(value)s” is not a month: write it as 2026-03.") % {"value": text[:40]}) from None
    if month.year != year:
        raise InvalidCell(_("The month lies outside the assessment year %(year)d.") % {"year": year})
    if month > today:
        raise InvalidCell(_("The month lies in the future."))
    return month


def cell_count(value) -> int:
    if value is None:
        raise InvalidCell(_("This cell must not be empty."))
    if isinstance(value, bool):
        raise InvalidCell(_("Enter a whole number, 0 or more."))
    if isinstance(value, int | float):
        number = value
    else:
        try:
            number = float(str(value).strip().replace(",", "").replace("，", "").replace(" ", ""))
        except ValueError:
            raise InvalidCell(_("Enter a whole number, 0 or more.")) from None
    if not math.isfinite(number) or number < 0 or number != int(number) or number > 2**31 - 1:
        raise InvalidCell(_("Enter a whole number, 0 or more."))
    return int(number)


def _rating(value) -> int:
    if value is None:
        raise InvalidCell(_("This cell must not be empty."))
    word = str(value).strip().lower()
    if word in RATING_WORDS:
        return RATING_WORDS[word]
    try:
        number = float(word)
    except ValueError:
        number = None
    if isinstance(value, bool) or number is None or number not in (1, 2, 3, 4, 5):
        raise InvalidCell(_("The rating must be a whole number from 1 (very dissatisfied) to 5 (very satisfied)."))
    return int(number)


def cell_yes_no(value):
    if value is None:
        return None
    word = str(int(value) if isinstance(value, float) and value.is_integer() else value).strip().lower()
    if word in YES or value is True:
        return True
    if word in NO or value is False:
        return False
    raise InvalidCell(_("Write 是 or 否 (yes or no), or leave the cell empty."))


def template_csv(columns, year: int) -> str:
    """A CSV with the column headers (Chinese) and one example row, for the download link."""
    examples = {
        "service": "不动产登记", "channel": "线上", "date": f"{year}-03-31", "rating": "5", "comment": "",
        "rectified": "", "month": f"{year}-03", "calls": "12000", "on_time": "11800", "resolved": "9500",
        "satisfied": "9800", "rated": "10200",
    }
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.zh for column in columns])
    writer.writerow([examples[column.key] for column in columns])
    return "\ufeff" + buffer.getvalue()
