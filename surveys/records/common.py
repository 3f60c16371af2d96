"""What the layouts of system records share: the region column, reading a row's cells into typed values, the
result of a computation per region, and the rules of a share and a mean.

Each row is read with the checks of `surveys.tables` (its column matching, `RowError` and cell parsers), so that a
records file is refused, row by row and column by column, like a file of ratings or hotline figures."""

import datetime
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.utils.translation import gettext as _

from ..tables import Column, InvalidCell, Parsed, Table, TableRow, cell_date, cell_yes_no, column_index, column_labels

T = TypeVar("T")

REGION = Column("region", "行政区划代码", "region code",
                ("区划代码", "行政区划", "地区代码", "region", "division code"))
REGION_LENGTH, KEY_LENGTH = 20, 100
MAX_DAYS = 3650
"""The largest number of working days a time limit or a processing time may have."""
SIGNIFICANT_DIGITS = 6
"""A computed value keeps this many significant digits: a bad-rating share of 0.0095 % keeps its precision."""


@dataclass
class Records(Parsed):
    """The rows read from a file (`records`: one dataclass per valid row, with its `row` and `region`), the row
    errors, the header of the region column as the file has it, and the optional columns the file lacks."""

    region_column: str = REGION.label
    absent: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Figure:
    """An indicator computed for a region: its value, or None with the reason in `note` (never an invented 0);
    otherwise `note` says how the value was computed."""

    code: str
    value: float | None
    note: str


@dataclass
class RegionFigures:
    region: str
    rows: int = 0
    figures: dict[str, Figure] = field(default_factory=dict)


class Reader:
    """A file's rows, their cells read by column key and checked one by one: `keep` a row's record when the row
    has no error; `result` is then every record kept and every error, or only the header's errors."""

    def __init__(self, table: Table, columns: tuple[Column, ...]) -> None:
        self.table, self.columns = table, columns
        self._index, self.errors = column_index(table, columns)
        self.labels: dict[str, str] = column_labels(table, self._index, columns) if not self.errors else {}
        self.present = frozenset(self._index)
        self.kept: list[Any] = []

    def rows(self) -> Iterator[TableRow]:
        if self.errors:
            return
        for number, cells in self.table.rows:
            yield TableRow(number, cells, self._index, self.labels)

    def get(self, row: TableRow, key: str, parse: Callable[[object], T], *, needed: bool = True) -> T | None:
        """None when the file has no column `key`; else the cell parsed (a blank cell refused when `needed`)."""
        if key not in self.present:
            return None
        return row.check(key, parse if needed else optional(parse))

    def keep(self, row: TableRow, record: object) -> None:
        if row.errors:
            self.errors += row.errors
        else:
            self.kept.append(record)

    def result(self) -> Records:
        absent = frozenset(c.key for c in self.columns if not c.required and c.key not in self.present)
        return Records(self.kept, self.errors, self.labels.get("region", REGION.label), absent)


def region_code(row: TableRow) -> str:
    return row.text("region", REGION_LENGTH, required=True)


def unique(row: TableRow, key: str, seen: dict[str, int]) -> str:
    """The row's identifier in column `key`, refused when an earlier row of the file has it."""
    text = row.text(key, KEY_LENGTH, required=True)
    if text and text in seen:
        row.fail(key, _("“%(value)s” appears twice in the file (also row %(row)d).") % {"value": text,
                                                                                          "row": seen[text]})
    seen.setdefault(text, row.number)
    return text


TIME = re.compile(r"[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")


def moment(value: object) -> datetime.datetime:
    """A date, or a date and time, as written in a cell (`2026-03-31 14:05` or an Excel date); midnight when the
    cell gives no time."""
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    day = cell_date(value)
    match = TIME.search(value) if isinstance(value, str) else None
    if match is None:
        return datetime.datetime.combine(day, datetime.time())
    hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        return datetime.datetime.combine(day, datetime.time(hour, minute, second))
    except ValueError:
        raise InvalidCell(_("“%(value)s” is not a time of day.") % {"value": value[:40]}) from None


def day_end(value: datetime.datetime) -> datetime.datetime:
    """A deadline given as a day (no time, or midnight as Excel stores a date) runs to the end of that day."""
    return value.replace(hour=23, minute=59, second=59) if value.time() == datetime.time() else value


def in_year(value: object, year: int, today: datetime.date) -> datetime.datetime:
    at = moment(value)
    if at.year != year:
        raise InvalidCell(_("The date lies outside the assessment year %(year)d.") % {"year": year})
    return not_future(at, today)


def not_future(at: datetime.datetime, today: datetime.date) -> datetime.datetime:
    if at.date() > today:
        raise InvalidCell(_("The date lies in the future."))
    return at


def optional(parse: Callable[[object], T]) -> Callable[[object], T | None]:
    return lambda value: None if value is None else parse(value)


def days(value: object) -> float:
    """A number of working days: 0 or more, decimals allowed."""
    if value is None:
        raise InvalidCell(_("This cell must not be empty."))
    try:
        number = float(str(value).strip().replace(",", ""))
    except ValueError:
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or not 0 <= number <= MAX_DAYS:
        raise InvalidCell(_("Enter a number of working days, from 0 to %(max)d.") % {"max": MAX_DAYS})
    return number


def flag(value: object) -> bool:
    """是 or 否, required."""
    try:
        answer = cell_yes_no(value)
    except InvalidCell:
        answer = None
    if answer is None:
        raise InvalidCell(_("Write 是 or 否 (yes or no)."))
    return bool(answer)


def word(value: object, words: Mapping[str, T], message: str) -> T:
    """The meaning of a cell among `words` (compared in lower case, spaces trimmed); `message` when it has none."""
    text = "" if value is None else str(value).strip().lower()
    if text not in words:
        raise InvalidCell(message)
    return words[text]


def not_before(row: TableRow, key: str, later: datetime.datetime | None, start_key: str,
               start: datetime.datetime | None) -> None:
    """Refuse a row whose `key` date lies before its `start_key` date (compared by day)."""
    if later is not None and start is not None and later.date() < start.date():
        row.fail(key, _("“%(end)s” lies before “%(start)s”.") % {"end": row.labels[key],
                                                                  "start": row.labels[start_key]})


def rounded(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def share(code: str, hits: int, total: int, how: str, none: str = "", **more: object) -> Figure:
    """hits ÷ total × 100; `how` is formatted with k (hits), n (total) and `more`; `none` says why there is no
    value (no total)."""
    if total == 0:
        return Figure(code, None, none)
    return Figure(code, rounded(100 * hits / total), how % {"k": f"{hits:,}", "n": f"{total:,}", **more})


def mean(code: str, values: Iterable[float], how: str, none: str) -> Figure:
    """The arithmetic mean; `how` is formatted with n (how many values); `none` says why there is none."""
    items = list(values)
    if not items:
        return Figure(code, None, none)
    return Figure(code, rounded(math.fsum(items) / len(items)), how % {"n": f"{len(items):,}"})


def lacking(code: str, records: Records, columns: Iterable[Column]) -> Figure | None:
    """No value when the file lacks a column the indicator needs; None when it has them all."""
    missing = [column.label for column in columns if column.key in records.absent]
    if not missing:
        return None
    return Figure(code, None, _("The file has no column %(columns)s.") % {"columns": "、".join(missing)})


def by_region(records: Iterable[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for record in records:
        grouped.setdefault(record.region, []).append(record)
    return dict(sorted(grouped.items()))

