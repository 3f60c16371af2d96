"""Score any index from files, without a cycle: a framework file, a values CSV and, optionally, a groups CSV in;
the engine's results, an audit and a results CSV out (docs/scoring.md, "Scoring a file without a cycle").

Plain Python like `framework_file`, needing no Django settings (it uses the platform's error type and CSV rule,
`smartgov.errors` and `smartgov.workbooks.csv_field`, and loads no more of Django than `framework_file` does): the
`score_file` command, the analysts' page (`reports.score_file_views`) and a notebook use it alike. Every refusal is
a `Problem` naming its file and line and column (or the framework field's path); all the problems of the three
files are reported together, at most `MAX_PROBLEMS` of them. Messages are English templates marked with
`gettext_noop`, translated by whoever shows them (`Problem.text(gettext)`).

The values file has a header and the columns region, period, indicator, value (others are ignored), UTF-8 with or
without a byte-order mark, separated by commas (or tabs or semicolons, as the header shows). An empty value is a
missing value (the engine's missing-data rule applies); a period made of digits only is a number (periods sort as
numbers), any other is text. The groups file has the columns group and region, one row per member. The levels
file has the columns region and level (province, prefecture or county), one row per region: the regions named
are assessed only on the indicators their level takes (`applies_to`); without it, every region on every one.

The package: `problems` (the refusals), `readers` (the three files), `results` (`ScoredFile` and the CSV).
"""

from __future__ import annotations

import pandas as pd

from ..scoring import audit, compute
from .problems import FILE_LABELS, MAX_PROBLEMS, Problem, ScoreFileError, _Problems, gettext_noop
from .readers import (
    FRAMEWORK_MAX_BYTES,
    MAX_GROUP_ROWS,
    MAX_ROWS,
    Source,
    _framework,
    _groups,
    _levels,
    _values,
    read_framework,
    read_groups,
    read_values,
)
from .results import ScoredFile, number_cell

__all__ = [
    "FILE_LABELS",
    "FRAMEWORK_MAX_BYTES",
    "MAX_PROBLEMS",
    "MAX_ROWS",
    "Problem",
    "ScoreFileError",
    "ScoredFile",
    "Source",
    "number_cell",
    "read_framework",
    "read_groups",
    "read_values",
    "score_file",
]



def score_file(framework: Source, values: Source, *, groups: Source | None = None, levels: Source | None = None,
               max_rows: int = MAX_ROWS, audit_period: object | None = None) -> ScoredFile:
    """Read the files, score the values with the framework (`compute`) and audit one period (the latest by
    default); every problem of every file, or the engine's refusal, raises ScoreFileError."""
    problems = _Problems()
    read = _framework(framework, problems)
    codes = None if read is None else [i.code for i in read[1].indicators]
    tidy = _values(values, codes, max_rows, problems)
    members = None if groups is None else _groups(groups, MAX_GROUP_ROWS, problems)
    level_of = None if levels is None else _levels(levels, max_rows, problems)
    if (problems or read is None or tidy is None or (groups is not None and members is None)
            or (levels is not None and level_of is None)):
        raise ScoreFileError(problems.shown())
    document, spec = read
    periods = sorted(pd.unique(tidy["period"]).tolist())
    if audit_period is None:
        audit_period = periods[-1]
    elif str(audit_period) in (shown := {str(p): p for p in periods}):
        audit_period = shown[str(audit_period)]
    else:
        raise ScoreFileError([Problem("values", gettext_noop("No row has the period %(period)s."),
                                      {"period": audit_period}, column="period")])
    try:
        result = compute(tidy, spec, groups=members, levels=level_of)
        audited = audit(tidy[tidy["period"] == audit_period], spec, levels=level_of)
    except ValueError as error:
        raise ScoreFileError([Problem("values", gettext_noop("The scoring engine refused the values: %(reason)s"),
                                      {"reason": str(error)})]) from error
    notes = _Problems()
    regions = set(tidy["region"].cat.categories)
    for code, listed in (members or {}).items():
        absent = [region for region in listed if region not in regions]
        if absent:
            notes.add("groups", gettext_noop("Group %(group)s: members without values, not ranked (%(count)s): "
                                             "%(regions)s."), group=code, count=len(absent),
                      regions=", ".join(absent[:10]) + (" …" if len(absent) > 10 else ""))
    empty = int(tidy["value"].isna().sum())
    if empty:
        notes.add("values", gettext_noop("Empty values, counted as missing: %(count)s."), count=empty)
    return ScoredFile(document=document, spec=spec, values=tidy, groups=members or {}, result=result,
                      audit=audited, audit_period=audit_period, notes=tuple(notes))

