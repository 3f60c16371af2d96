"""Reading the three files of `indicators.score_file` — the framework file, the values CSV and the groups CSV —
into the engine's spec, tidy frame and groups, reporting every problem with its line and column."""

from __future__ import annotations

import csv
import difflib
import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..framework_file import Document, FrameworkFileError, document_spec, parse_framework
from ..scoring.spec import REGION_LEVELS, FrameworkSpec
from .problems import MAX_PROBLEMS, Problem, ScoreFileError, _Problems, gettext_noop

MAX_ROWS = 2_000_000
"""Most data rows of a values file."""
MAX_GROUP_ROWS = 200_000
MAX_GROUPS = 200
"""Most comparison groups (each is a column of the results)."""
FRAMEWORK_MAX_BYTES = 2 * 1024 * 1024
FRAMEWORK_MAX_NODES = 200_000
"""Most values in a framework document, YAML aliases expanded (a "billion laughs" file is refused unread)."""
TEXT_MAX_LENGTH = 200
"""Longest region, period, indicator or group code."""
VALUES_COLUMNS = ("region", "period", "indicator", "value")
GROUPS_COLUMNS = ("group", "region")
LEVELS_COLUMNS = ("region", "level")
"""Of every number written: far beyond any published precision, short of binary noise (…099999999999998)."""
INTEGER = re.compile(r"-?(0|[1-9]\d{0,17})")
"""A period read as a number (no leading zeros: "0101" stays text)."""
Source = str | Path | bytes


def _bytes(source: Source, file: str, problems: _Problems) -> bytes | None:
    if isinstance(source, bytes):
        return source
    try:
        return Path(source).read_bytes()
    except OSError as error:
        problems.add(file, gettext_noop("Cannot read %(name)s: %(reason)s."), name=str(source),
                     reason=error.strerror or str(error))
        return None


def _decoded(data: bytes, file: str, problems: _Problems) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.add(file, gettext_noop("The file is not UTF-8 text: save it as “CSV UTF-8” (or UTF-8 YAML/JSON) "
                                        "and upload it again."), line=data[:error.start].count(b"\n") + 1)
        return None


def read_framework(source: Source) -> tuple[Document, FrameworkSpec]:
    """The canonical document and the engine's spec of a framework file (YAML or JSON), or ScoreFileError."""
    problems = _Problems()
    found = _framework(source, problems)
    if found is None:
        raise ScoreFileError(problems.shown())
    return found


def _framework(source: Source, problems: _Problems) -> tuple[Document, FrameworkSpec] | None:
    data = _bytes(source, "framework", problems)
    if data is None:
        return None
    if len(data) > FRAMEWORK_MAX_BYTES:
        problems.add("framework", gettext_noop("The framework file is larger than %(limit)s MB."),
                     limit=FRAMEWORK_MAX_BYTES // (1024 * 1024))
        return None
    text = _decoded(data, "framework", problems)
    if text is None:
        return None
    try:
        loaded = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError) as error:
        mark = getattr(error, "problem_mark", None)
        said = [getattr(error, "context", None), getattr(error, "problem", None)]
        reason = ", ".join(str(part) for part in said if part) or str(error).splitlines()[0]
        problems.add("framework", gettext_noop("This is not valid YAML or JSON: %(reason)s."),
                     line=mark.line + 1 if mark is not None else None, reason=reason[:300])
        return None
    if _nodes(loaded) > FRAMEWORK_MAX_NODES:
        problems.add("framework", gettext_noop("The framework file holds more than %(limit)s values."),
                     limit=FRAMEWORK_MAX_NODES)
        return None
    try:
        document = parse_framework(loaded)
    except FrameworkFileError as error:
        for path, reason in error.errors:
            problems.add("framework", "%(reason)s", path=path, reason=reason)
        return None
    return document, document_spec(document)


def _nodes(data: object) -> int:
    """How many values `data` holds, aliases counted as often as they are used; counting stops past the limit."""
    count, stack = 0, [data]
    while stack and count <= FRAMEWORK_MAX_NODES:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


@dataclass(frozen=True, eq=False)
class _Table:
    """The named columns of a CSV file as read (text), the line of each row, the file's text."""

    columns: dict[str, pd.Series]
    lines: np.ndarray
    quoted: bool
    """The file has a quote, so a field may span lines (and the line numbers after it would be wrong)."""

    def texts(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """(code of each row, stripped texts) of a column of codes: a few distinct texts, each stripped once."""
        codes, uniques = pd.factorize(self.columns[column].to_numpy(dtype=object))
        inner, labels = pd.factorize(np.array([text.strip() for text in uniques], dtype=object))
        return inner[codes], np.asarray(labels, dtype=object)


def _table(source: Source, file: str, columns: Sequence[str], max_rows: int, problems: _Problems) -> _Table | None:
    data = _bytes(source, file, problems)
    text = None if data is None else _decoded(data, file, problems)
    if text is None:
        return None
    first = text.lstrip("\r\n").partition("\n")[0]
    if not first.strip():
        problems.add(file, gettext_noop("The file is empty: it needs a header (%(columns)s) and rows."), line=1,
                     columns=", ".join(columns))
        return None
    delimiter = max((",", "\t", ";"), key=first.count)
    header = [name.strip().casefold() for name in next(csv.reader([first], delimiter=delimiter))]
    header_line = text[:text.index(first)].count("\n") + 1
    missing = [c for c in columns if c not in header]
    doubled = sorted({name for name in header if name in columns and header.count(name) > 1})
    if missing:
        problems.add(file, gettext_noop("The header lacks the column(s) %(missing)s: it must name %(columns)s."),
                     line=header_line, missing=", ".join(missing), columns=", ".join(columns))
    if doubled:
        problems.add(file, gettext_noop("The header names %(columns)s more than once."), line=header_line,
                     columns=", ".join(doubled))
    if missing or doubled:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, na_filter=False, skip_blank_lines=False,
                                index_col=False, header=header_line - 1, nrows=max_rows + 1, engine="c")
    except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
        if _malformed(text, delimiter, len(header), file, problems):
            return None
        try:  # only empty fields beyond the header's (a spreadsheet's trailing commas): leave them out
            frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, na_filter=False, skip_blank_lines=False,
                                header=header_line - 1, nrows=max_rows + 1, usecols=range(len(header)), engine="c")
        except (pd.errors.ParserError, ValueError):
            problems.add(file, gettext_noop("The CSV file is malformed: %(reason)s."), reason=str(error).strip())
            return None
    if len(frame) > max_rows:
        problems.add(file, gettext_noop("The file has more than %(limit)s rows; split it."), limit=f"{max_rows:,}")
        return None
    frame = frame.set_axis(header, axis=1)
    return _Table(columns={c: frame[c] for c in columns}, quoted='"' in text,
                  lines=np.arange(header_line + 1, header_line + 1 + len(frame)))


def _malformed(text: str, delimiter: str, width: int, file: str, problems: _Problems) -> bool:
    """Report the lines with more (non-empty) fields than the header, read again slowly since pandas stops at the
    first; whether there was any."""
    found = len(problems)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                if len(problems) - found < MAX_PROBLEMS:
                    problems.add(file, gettext_noop("This row has %(count)s fields; the header has %(width)s."),
                                 line=reader.line_num, count=len(row), width=width)
                else:
                    problems.unlisted += 1
    except csv.Error as error:
        problems.add(file, gettext_noop("The CSV file is malformed: %(reason)s."), line=reader.line_num,
                     reason=str(error))
    return len(problems) > found


@dataclass
class _Codes:
    """A column of codes: the code of each row and the distinct stripped texts."""

    name: str
    codes: np.ndarray
    labels: np.ndarray

    def rows(self, labels: np.ndarray) -> np.ndarray:
        """True on the rows whose text is flagged in the boolean array `labels`."""
        return labels[self.codes] if len(labels) else np.zeros(len(self.codes), dtype=bool)

    def keep(self, rows: np.ndarray) -> _Codes:
        codes, labels = pd.factorize(self.labels[self.codes[rows]])
        return _Codes(self.name, codes, np.asarray(labels, dtype=object))

    def categorical(self) -> pd.Categorical:
        return pd.Categorical.from_codes(self.codes, categories=pd.Index(self.labels, dtype=object))


def _codes(table: _Table, names: Sequence[str]) -> list[_Codes]:
    return [_Codes(name, *table.texts(name)) for name in names]


def _line_break(table: _Table, columns: Sequence[_Codes], file: str, problems: _Problems,
                extra: np.ndarray | None = None) -> bool:
    """Report the first row with a field spanning lines (only quoted fields can): the lines after it would be
    wrong, so nothing else is reported."""
    if not table.quoted:
        return False
    broken = np.zeros(len(table.lines), dtype=bool) if extra is None else extra.copy()
    for column in columns:
        broken |= column.rows(np.array([("\n" in t) or ("\r" in t) for t in column.labels], dtype=bool))
    if broken.any():
        problems.add(file, gettext_noop("A quoted field spans more than one line."),
                     line=int(table.lines[broken.argmax()]))
    return bool(broken.any())


def _check_text(columns: Sequence[_Codes], lines: np.ndarray, file: str, problems: _Problems) -> None:
    """Report the rows whose codes are empty or too long."""
    for column in columns:
        checks: tuple[tuple[list[bool], str, dict[str, object]], ...] = (
            ([t == "" for t in column.labels], gettext_noop("This cell must not be empty."), {}),
            ([len(t) > TEXT_MAX_LENGTH for t in column.labels], gettext_noop("At most %(limit)s characters."),
             {"limit": TEXT_MAX_LENGTH}))
        for flagged, message, params in checks:
            for row in problems.rows(column.rows(np.array(flagged, dtype=bool))):
                problems.append(Problem(file, message, params, line=int(lines[row]), column=column.name))


def _duplicates(columns: Sequence[_Codes], lines: np.ndarray, file: str, problems: _Problems) -> None:
    """Report every row whose codes repeat an earlier row's."""
    key = np.zeros(len(lines), dtype=np.int64)
    for column in columns:
        key = key * max(len(column.labels), 1) + column.codes
    repeated = pd.Series(key).duplicated(keep=False).to_numpy()
    if not repeated.any():
        return
    involved = pd.DataFrame({"key": key[repeated], "line": lines[repeated], "row": np.nonzero(repeated)[0]})
    involved["first"] = involved.groupby("key")["line"].transform("min")
    later = involved.loc[involved["line"] != involved["first"], ["row", "line", "first"]].to_numpy()
    for position in problems.rows(np.ones(len(later), dtype=bool)):
        row, line, first = later[position]
        problems.add(file, gettext_noop("%(key)s is already on line %(earlier)s."), line=int(line),
                     key=" / ".join(str(c.labels[c.codes[row]]) for c in columns), earlier=int(first))


def read_values(source: Source, indicators: Sequence[str] | None = None, *, max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """A values CSV as the engine's tidy frame (region, period, indicator, value), or ScoreFileError.

    With `indicators` (the framework's codes), an unknown code is refused with the nearest known one.
    """
    problems = _Problems()
    values = _values(source, indicators, max_rows, problems)
    if problems or values is None:
        raise ScoreFileError(problems.shown())
    return values


def _values(source: Source, indicators: Sequence[str] | None, max_rows: int, problems: _Problems
            ) -> pd.DataFrame | None:
    table = _table(source, "values", VALUES_COLUMNS, max_rows, problems)
    if table is None:
        return None
    region, period, indicator = columns = _codes(table, ("region", "period", "indicator"))
    raw = table.columns["value"]
    number = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    odd = np.nonzero(~np.isfinite(number))[0]
    odd_text = raw.to_numpy(dtype=object)[odd]
    written = np.array([bool(t.strip()) for t in odd_text], dtype=bool)
    bad = np.zeros(len(number), dtype=bool)
    bad[odd[written]] = True
    multiline = np.zeros(len(number), dtype=bool)
    multiline[odd[[("\n" in t) or ("\r" in t) for t in odd_text]]] = True
    if _line_break(table, columns, "values", problems, multiline):
        return None
    blank = region.rows(region.labels == "") & period.rows(period.labels == "") & indicator.rows(
        indicator.labels == "") & ~np.isfinite(number) & ~bad
    if blank.any():
        kept = ~blank
        columns = [c.keep(kept) for c in columns]
        region, period, indicator = columns
        number, bad, lines = number[kept], bad[kept], table.lines[kept]
    else:
        lines = table.lines
    if not len(lines):
        problems.add("values", gettext_noop("The file has a header but no rows."), line=int(table.lines[0]) - 1
                     if len(table.lines) else 1)
        return None
    before = len(problems)
    _check_text(columns, lines, "values", problems)
    if indicators is not None:
        _unknown(indicator, lines, indicators, problems)
    for row in problems.rows(bad):
        problems.add("values", gettext_noop("“%(value)s” is not a number."), line=int(lines[row]), column="value",
                     value=_cell_text(table, row, lines)[:40])
    _duplicates(columns, lines, "values", problems)
    if len(problems) > before:
        return None
    numeric = all(INTEGER.fullmatch(t) for t in period.labels)
    period_labels = np.array([int(t) for t in period.labels], dtype=np.int64) if numeric else period.labels
    return pd.DataFrame({"region": region.categorical(), "period": period_labels[period.codes],
                         "indicator": indicator.categorical(), "value": number})


def _cell_text(table: _Table, row: int, lines: np.ndarray) -> str:
    """The value text of the row at `lines[row]`, read back from the file's columns."""
    return str(table.columns["value"].iloc[int(lines[row] - table.lines[0])]).strip()


def _unknown(indicator: _Codes, lines: np.ndarray, known: Sequence[str], problems: _Problems) -> None:
    """One problem per indicator code not in the framework: its first line, its number of rows, the nearest code."""
    unknown = np.array([t != "" and t not in set(known) for t in indicator.labels], dtype=bool)
    if not unknown.any():
        return
    counts = np.bincount(indicator.codes, minlength=len(indicator.labels))
    first = pd.Series(indicator.codes).drop_duplicates()
    first_line = dict(zip(first.to_numpy(), lines[first.index.to_numpy()], strict=True))
    for position in np.nonzero(unknown)[0]:
        code = str(indicator.labels[position])
        near = difflib.get_close_matches(code, list(known), n=1)
        message = (gettext_noop("“%(code)s” is not an indicator of the framework (did you mean “%(near)s”?); "
                                "%(count)s row(s).") if near else
                   gettext_noop("“%(code)s” is not an indicator of the framework; %(count)s row(s)."))
        problems.add("values", message, line=int(first_line[position]), column="indicator", code=code,
                     count=int(counts[position]), near=near[0] if near else "")


def read_groups(source: Source, *, max_rows: int = MAX_GROUP_ROWS) -> dict[str, list[str]]:
    """A groups CSV (group, region) as group code → member region codes, in the file's order; or ScoreFileError."""
    problems = _Problems()
    groups = _groups(source, max_rows, problems)
    if problems or groups is None:
        raise ScoreFileError(problems.shown())
    return groups


def _code_rows(source: Source, file: str, names: Sequence[str], max_rows: int, problems: _Problems
               ) -> tuple[list[_Codes], np.ndarray] | None:
    """The columns of codes of a file of codes only (groups, levels) and the lines of its rows, blank rows left
    out; None (and the problem said) when it cannot be read or has no row."""
    table = _table(source, file, names, max_rows, problems)
    if table is None:
        return None
    columns = _codes(table, names)
    if _line_break(table, columns, file, problems):
        return None
    blank = np.logical_and.reduce([c.rows(c.labels == "") for c in columns])
    lines = table.lines[~blank]
    if blank.any():
        columns = [c.keep(~blank) for c in columns]
    if not len(lines):
        problems.add(file, gettext_noop("The file has a header but no rows."), line=1)
        return None
    return columns, lines


def _levels(source: Source, max_rows: int, problems: _Problems) -> dict[str, str] | None:
    """Region → level, for the indicators a framework assesses at some levels only (`applies_to`)."""
    read = _code_rows(source, "levels", LEVELS_COLUMNS, max_rows, problems)
    if read is None:
        return None
    columns, lines = read
    before = len(problems)
    _check_text(columns, lines, "levels", problems)
    region, level = columns
    _duplicates([region], lines, "levels", problems)
    unknown = np.array([t not in REGION_LEVELS for t in level.labels], dtype=bool)
    for row in problems.rows(level.rows(unknown) & level.rows(level.labels != "")):
        problems.add("levels", gettext_noop("“%(value)s” is not a level: write %(levels)s."), line=int(lines[row]),
                     column="level", value=str(level.labels[level.codes[row]])[:40], levels=", ".join(REGION_LEVELS))
    if len(problems) > before:
        return None
    return {str(region.labels[r]): str(level.labels[v]) for r, v in zip(region.codes, level.codes, strict=True)}


def _groups(source: Source, max_rows: int, problems: _Problems) -> dict[str, list[str]] | None:
    read = _code_rows(source, "groups", GROUPS_COLUMNS, max_rows, problems)
    if read is None:
        return None
    columns, lines = read
    before = len(problems)
    _check_text(columns, lines, "groups", problems)
    _duplicates(columns, lines, "groups", problems)
    group, region = columns
    if len(group.labels) > MAX_GROUPS:
        problems.add("groups", gettext_noop("More than %(limit)s groups."), column="group", limit=MAX_GROUPS,
                     line=int(lines[np.argmax(group.codes == MAX_GROUPS)]))
    if len(problems) > before:
        return None
    members: dict[str, list[str]] = {str(code): [] for code in group.labels}
    for g, r in zip(group.codes, region.codes, strict=True):
        members[str(group.labels[g])].append(str(region.labels[r]))
    return members


