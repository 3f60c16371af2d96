"""Score any index from files, without a cycle: the analysts' page (docs/scoring.md, "Scoring a file without a
cycle").

An analyst uploads a framework file, a values CSV and, optionally, comparison groups; the page scores them in the
request (`indicators.score_file`: compute and the audit of one period — no sensitivity analysis, which would take
too long here) and shows the ranking, the dimension scores, the levels and the audit. Nothing is stored: the
results CSV is the answer to the same form posted with the "download" button (static/js/score-file.js keeps the
chosen files in the form after the results are shown, so that the download needs no second choice of files).
A refused upload shows every problem with its file, line and column (or the framework field's path).
"""

from typing import Any

import pandas as pd
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from indicators.score_file import FILE_LABELS, Problem, ScoredFile, ScoreFileError
from smartgov.i18n import localised

from .audit_context import audit_context
from .score_file_forms import ScoreFileForm

TEMPLATE = "reports/score_file.html"
FRAGMENT = "reports/_score_file_output.html"
ROWS_SHOWN = 1000
"""The ranking shows the first rows only (the CSV holds them all)."""
FRAGMENT_HEADER = "X-Fragment"
"""Sent by static/js/score-file.js (value "score-output"), and returned with the output alone."""


@login_required
@require_http_methods(["GET", "POST"])
def score_file(request):
    """The form; posted, the results (or every problem of the files), or with "download" the results CSV."""
    if request.method == "GET":
        return render(request, TEMPLATE, {"form": ScoreFileForm()})
    form = ScoreFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, {"form": form}, status=400)
    try:
        scored = form.scored()
    except ScoreFileError as error:
        return _page(request, {"form": form, "problems": [_problem(p) for p in error.problems]}, status=400)
    if "download" in request.POST:
        return _csv(scored)
    return _page(request, {"form": form, "results": _results(scored)})


def _page(request, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """The page, or its output alone for the page's script (which keeps the chosen files in the form)."""
    if request.headers.get(FRAGMENT_HEADER) != "score-output":
        return render(request, TEMPLATE, context, status=status)
    response = render(request, FRAGMENT, context, status=status)
    response[FRAGMENT_HEADER] = "score-output"
    return response


def _csv(scored: ScoredFile) -> HttpResponse:
    response = HttpResponse(scored.csv_bytes(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{scored.spec.code}-results.csv"'
    return response


def _problem(problem: Problem) -> dict[str, Any]:
    return {"file": _(FILE_LABELS[problem.file]), "line": problem.line,
            "column": problem.column or problem.path or "", "text": problem.text(_)}


def _results(scored: ScoredFile) -> dict[str, Any]:
    """What the page shows of the period audited: counts, the ranking with levels, group ranks and dimension
    scores, the level distribution, the remarks and the audit."""
    document, lang = scored.document, localised("zh", "en")
    dimensions = [(column, next(d["name"][lang] for d in document["dimensions"] if d["code"] == code))
                  for code, column in scored.dimension_columns().items()]
    bands = {band["level"]: band["label"][lang] for band in document["bands"]}
    table = scored.table(scored.audit_period)
    table = table.assign(unranked=table["rank"].isna()).sort_values(["unranked", "rank", "region"], kind="stable")
    group_columns = [f"rank_in_{group}" for group in scored.groups]
    rows = [{
        "rank": _int(row["rank"]), "region": row["region"], "index": _float(row["index"]),
        "level": _int(row["level"]), "label": bands.get(_int(row["level"]), ""),
        "groups": [_int(row[column]) for column in group_columns],
        "dimensions": [_float(row[column]) for column, _name in dimensions],
    } for row in table.head(ROWS_SHOWN).to_dict("records")]
    counts = table["level"].value_counts(dropna=False)
    names = {d["code"]: d["name"][lang] for d in document["dimensions"]}
    names |= {i["code"]: i["name"][lang] for d in document["dimensions"] for i in d["indicators"]}
    return {
        "name": document["name"][lang], "code": scored.spec.code, "version": scored.spec.version,
        "regions": scored.regions, "indicators": scored.indicators, "total_indicators": len(scored.spec.indicators),
        "periods": scored.periods, "period": scored.audit_period, "shown": len(table), "listed": len(rows),
        "ranked": int(table["rank"].notna().sum()),
        "groups": list(scored.groups), "dimensions": [name for _column, name in dimensions], "rows": rows,
        "levels": [{"level": level, "label": label, "count": int(counts.get(level, 0))}
                   for level, label in bands.items()],
        "unrated": int(table["level"].isna().sum()),
        "notes": [localised("%s：%s", "%s: %s") % (note.where(_, localised("，", ", ")), note.text(_))
                  for note in scored.notes],
        **audit_context(scored.audit_dict(), None, names, None),
    }


def _int(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def _float(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)
