"""What templates/reports/audit/_audit.html (the body of the statistical audit page) and the province PDF's annex
show: one context from a stored audit and sensitivity analysis, told in the active language.

Any page can include the partial: the audit page of a score run (`reports.audit_views`), or a page that scores
a file and holds the engine's dicts but no run. See `audit_context`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indicators.models import Indicator

from . import audit_figures
from .selectors import input_label, restricted
from .selectors.audit import INDEX
from .text import chinese

Row = Mapping[str, Any]
LOW_ALPHA = audit_figures.ALPHA_THRESHOLD
FAR = 2.0
"""An effective weight below half or above twice the nominal one is marked in the weights table."""


def audit_context(audit: Mapping[str, Any], sensitivity: Mapping[str, Any] | None = None,
                  names: Mapping[str, str] | None = None, visible: Collection[str] | None = None, *,
                  ranks_shown: bool = True, charts: bool = True, period: object | None = None,
                  run_warnings: Sequence[Row] = ()) -> dict[str, Any]:
    """The context of templates/reports/audit/_audit.html: ``{"audit": {...}}``.

    Arguments, all plain data:

    * `audit` — `indicators.scoring.audit(values, spec).as_dict()` ({"settings", "periods"}), or one of its periods.
      With several periods, the one whose label equals `period`, else the sensitivity's period, else the last.
    * `sensitivity` — `indicators.scoring.sensitivity(values, spec).as_dict()`, or None when there is none.
    * `names` — code → name in the active language, for the indicators, the dimensions and the regions (and
      "index"; a code without a name is shown as the code).
    * `visible` — codes of the regions whose details (rank interval, Sobol indices, raw values moved by
      winsorisation) may be shown; None: every region. Statistics of the whole set are always shown.
    * `ranks_shown` — False when ranks may not be shown (too few participants approved): no rank interval.
    * `charts` — False: no chart is drawn (`audit.charts` is empty), e.g. for a PDF that exports its own.
    * `run_warnings` — warnings of a score run beside its audit's (`RunAnalysisReport.run_warnings`), listed first.

    The including page loads css/audit.css, plotly.js and js/dashboards.js (which draws the charts), as
    templates/reports/dashboards/audit.html does. The context holds no request and no database object.
    """
    names = dict(names or {})
    names.setdefault(INDEX, _("Index"))
    audit_dict, sensitivity_dict = restricted(audit, sensitivity, visible, ranks_shown=ranks_shown)
    assert audit_dict is not None  # noqa: S101 - `audit` is not None
    chosen = _period(audit_dict, period if period is not None else (sensitivity_dict or {}).get("period"))
    settings = audit_dict.get("settings") or {}
    rule = settings.get("rule") or {}
    indicators = list(chosen.get("indicators") or ())
    treatments = {str(t["indicator"]): t for t in chosen.get("treatments") or ()}
    dimension_of = {str(row["indicator"]): str(row["dimension"]) for row in indicators}
    context: dict[str, Any] = {
        "period": chosen.get("period"),
        "regions": chosen.get("regions"),
        "rule": {"skew": rule.get("skew"), "kurtosis": rule.get("kurtosis")},
        "collinear_threshold": settings.get("collinear"),
        "negative_threshold": settings.get("negative"),
        "ceiling_share_pct": _pct(settings.get("ceiling_share")),
        "warnings": [_warning(w, chosen, treatments, rule, names)
                     for w in (*run_warnings, *(chosen.get("warnings") or ()))],
        "dimensions": _statistics(indicators, treatments, names),
        "moved": sum(int(t.get("moved") or 0) for t in treatments.values()),
        "moved_shown": sum(len(t.get("points") or ()) for t in treatments.values()),
        "collinear": [{"dimension": _name(names, row["dimension"]), "first": _full(names, row["first"]),
                       "second": _full(names, row["second"]), "pearson": row.get("pearson")}
                      for row in chosen.get("collinear") or ()],
        "negative": [{"indicator": _full(names, row["indicator"]), "dimension": _name(names, row["dimension"]),
                      "pearson": row.get("pearson")} for row in chosen.get("negative") or ()],
        "consistency": [_consistency(row, names) for row in chosen.get("consistency") or ()],
        "weights": _weights(chosen.get("importance") or (), dimension_of, names),
        "sensitivity": _sensitivity(sensitivity_dict, names, ranks_shown),
        "ranks_shown": ranks_shown,
        "restricted": visible is not None,
        "charts": _charts(chosen, sensitivity_dict, names) if charts else {},
    }
    return {"audit": context}


def _period(audit: Mapping[str, Any], wanted: object | None) -> Mapping[str, Any]:
    if "periods" not in audit:
        return audit
    periods = list(audit["periods"] or ())
    if not periods:
        return {}
    if wanted is not None:
        found = [p for p in periods if str(p.get("period")) == str(wanted)]
        if found:
            return found[0]
    return periods[-1]


def _name(names: Mapping[str, str], code: object) -> str:
    return names.get(str(code)) or str(code)


def _full(names: Mapping[str, str], code: object) -> str:
    """An indicator as text names it: “name (RS01)”."""
    name = names.get(str(code))
    return _("%(name)s (%(code)s)") % {"name": name, "code": code} if name else str(code)


def _number(value: object) -> str:
    return "–" if value is None else f"{value:g}"


def _pct(share: float | None) -> float | None:
    return None if share is None else 100 * share


# ---- warnings -------------------------------------------------------------------------------------------

def _warning(warning: Row, period: Row, treatments: Mapping[str, Row], rule: Row,
             names: Mapping[str, str]) -> dict[str, str]:
    """A warning of the audit told in the active language (its English `message` only for a code this page does
    not know), with the facts it needs read from the audit itself."""
    code, subject = str(warning.get("code", "")), str(warning.get("subject", ""))
    stats = next((row for row in period.get("indicators") or () if row.get("indicator") == subject), {})
    consistency = next((row for row in period.get("consistency") or () if row.get("dimension") == subject), {})
    facts = {"indicator": _full(names, subject), "dimension": _name(names, subject), "n": stats.get("n"),
             "regions": period.get("regions"), "skew": _number(rule.get("skew")),
             "kurtosis": _number(rule.get("kurtosis"))}
    treatment = treatments.get(subject, {})
    given = warning.get("facts") or {}
    texts = {
        "constant": lambda: _("All %(n)s values of %(indicator)s are the same (%(value)s): it cannot tell the "
                              "regions apart, and has no skewness, kurtosis or correlation.")
        % {**facts, "value": _number(stats.get("minimum"))},
        "no_values": lambda: _("No region has a value of %(indicator)s.") % facts,
        "single_region": lambda: (_("Only %(region)s was scored: no rank can move, so no sensitivity analysis was "
                                    "made.") % {"region": _name(names, subject)} if subject else _(
            "Only one region was scored: no rank can move, so no sensitivity analysis was made.")),
        "too_few_values": lambda: _("%(indicator)s has %(n)s values only: skewness needs 3 and kurtosis 4, so the "
                                    "outlier rule is not applied to it.") % facts,
        "ceiling": lambda: _("%(indicator)s gives %(count)s of the %(n)s regions with a value (%(share)s %%) the "
                             "best score: it no longer tells them apart at the top.")
        % {**facts, "count": given.get("count"), "n": given.get("n"), "share": f"{100 * given['share']:.0f}"},
        "too_few_regions": lambda: _("%(regions)s regions only: skewness, correlations and internal consistency "
                                     "need at least 3.") % facts,
        "outliers_remain": lambda: (ngettext(
            "%(indicator)s still has outliers after %(count)s value was winsorised (|skewness| ≥ %(skew)s and "
            "kurtosis ≥ %(kurtosis)s).",
            "%(indicator)s still has outliers after %(count)s values were winsorised (|skewness| ≥ %(skew)s and "
            "kurtosis ≥ %(kurtosis)s).", int(treatment.get("moved") or 0)) % {**facts, "count": treatment.get(
                "moved") or 0} if treatment.get("method") == "winsorise" else _(
            "%(indicator)s still has outliers after the logarithm (|skewness| ≥ %(skew)s and kurtosis ≥ "
            "%(kurtosis)s).") % facts),
        "no_complete_region": lambda: _("No region has a score on every dimension: nothing can be correlated with "
                                        "the index."),
        "single_indicator": lambda: _("%(dimension)s has a single indicator: it has no Cronbach's α and no "
                                      "principal components.") % facts,
        "too_few_complete_cases": lambda: _("Only %(n)s regions have every indicator of %(dimension)s: Cronbach's α "
                                            "and the principal components need at least 3.")
        % {**facts, "n": consistency.get("complete_cases", "–")},
        "no_variance": lambda: _("The normalised indicators of %(dimension)s add up to the same sum in every "
                                 "region: Cronbach's α is undefined.") % facts,
        "left_out_of_pca": lambda: _("The normalised scores of %(indicators)s do not vary within %(dimension)s: "
                                     "they are left out of its principal components.")
        % {**facts, "indicators": _list([_full(names, code) for code, loading in zip(
            consistency.get("indicators") or (), consistency.get("loadings") or (), strict=False)
            if loading is None])},
    }
    text = texts[code]() if code in texts else str(warning.get("message") or code)
    return {"code": code, "subject": _name(names, subject) if subject else "", "text": text}


def _list(items: Sequence[str]) -> str:
    return ("、" if chinese() else ", ").join(items)


# ---- tables ---------------------------------------------------------------------------------------------

def _statistics(indicators: Sequence[Row], treatments: Mapping[str, Row],
                names: Mapping[str, str]) -> list[dict[str, Any]]:
    """The indicator statistics grouped by dimension, in framework order."""
    groups: dict[str, dict[str, Any]] = {}
    for row in indicators:
        code, dimension = str(row["indicator"]), str(row["dimension"])
        group = groups.setdefault(dimension, {"code": dimension, "name": _name(names, dimension), "rows": []})
        group["rows"].append({
            "code": code, "name": _name(names, code), "n": row.get("n"), "missing_pct": _pct(row.get("missing_share")),
            **{key: row.get(key) for key in ("mean", "sd", "minimum", "maximum", "skew", "kurtosis")},
            "at_ceiling_pct": _pct(row.get("at_ceiling")), "at_floor_pct": _pct(row.get("at_floor")),
            "outliers": bool(row.get("outliers")), "treatment": _treatment(treatments.get(code), names),
        })
    return list(groups.values())


def _treatment(treatment: Row | None, names: Mapping[str, str]) -> dict[str, Any] | None:
    """The declared treatment of an indicator and what it did, in words; None when none is declared."""
    if treatment is None or treatment.get("method") in (None, "none"):
        return None
    method = str(treatment["method"])
    try:
        label = str(Indicator.Treatment(method).label)
    except ValueError:
        label = method
    moved = int(treatment.get("moved") or 0)
    if not treatment.get("applied"):
        effect = _("not needed (no outliers)")
    elif method == "winsorise":
        effect = ngettext("%(count)s value winsorised", "%(count)s values winsorised", moved) % {"count": moved}
    else:
        effect = _("every value replaced by its logarithm")
    return {"method": method, "label": label, "applied": bool(treatment.get("applied")), "moved": moved,
            "effect": effect, "summary": _("%(label)s: %(value)s") % {"label": label, "value": effect},
            "outliers_after": bool(treatment.get("outliers_after")),
            "skew_after": treatment.get("skew_after"), "kurtosis_after": treatment.get("kurtosis_after"),
            "points": [{"region": _name(names, p.get("region")), "value": p.get("value"), "treated": p.get("treated")}
                       for p in treatment.get("points") or ()]}


def _consistency(row: Row, names: Mapping[str, str]) -> dict[str, Any]:
    alpha, share = row.get("alpha"), row.get("first_share")
    return {"code": row["dimension"], "name": _name(names, row["dimension"]),
            "indicators": len(row.get("indicators") or ()), "complete_cases": row.get("complete_cases"),
            "alpha": alpha, "low": alpha is not None and alpha < LOW_ALPHA,
            "first_share_pct": None if share is None else 100 * share}


def _far(nominal: float | None, effective: float | None) -> bool:
    """Whether an effective weight is below half or above twice its nominal one."""
    if nominal is None or effective is None or nominal <= 0:
        return False
    return not 1 / FAR <= effective / nominal <= FAR


def _weights(importance: Sequence[Row], dimension_of: Mapping[str, str],
             names: Mapping[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Nominal and effective weights: of each indicator in its dimension and in the index, of each dimension in
    the index (per cent)."""
    within = {str(r["code"]): r for r in importance if r.get("level") == "indicator" and r.get("aggregate") != INDEX}
    overall = {str(r["code"]): r for r in importance if r.get("level") == "indicator" and r.get("aggregate") == INDEX}

    def pct(value: float | None) -> float | None:
        return None if value is None else 100 * value

    indicators = []
    for code, row in within.items():
        index = overall.get(code, {})
        indicators.append({
            "code": code, "name": _name(names, code),
            "dimension": _name(names, dimension_of.get(code, row["aggregate"])),
            "nominal": pct(row.get("nominal")), "effective": pct(row.get("effective")), "pearson": row.get("pearson"),
            "far": _far(row.get("nominal"), row.get("effective")),
            "nominal_index": pct(index.get("nominal")), "effective_index": pct(index.get("effective")),
            "pearson_index": index.get("pearson"), "far_index": _far(index.get("nominal"), index.get("effective"))})
    dimensions = [{"code": r["code"], "name": _name(names, r["code"]), "nominal": pct(r.get("nominal")),
                   "effective": pct(r.get("effective")), "pearson": r.get("pearson"),
                   "far": _far(r.get("nominal"), r.get("effective"))}
                  for r in importance if r.get("level") == "dimension"]
    return {"indicators": indicators, "dimensions": dimensions}


def _sensitivity(sensitivity: Mapping[str, Any] | None, names: Mapping[str, str],
                 ranks_shown: bool) -> dict[str, Any] | None:
    if sensitivity is None:
        return None
    return {
        "inputs": [input_label(str(name)) for name in sensitivity.get("inputs") or ()],
        "base_samples": sensitivity.get("base_samples"), "runs": sensitivity.get("runs"),
        "seed": sensitivity.get("seed"), "mean_rank_shift": sensitivity.get("mean_rank_shift"),
        "rank_shift": [{"input": input_label(str(row["input"])),
                        **{key: row.get(key) for key in ("s1", "s1_conf", "st", "st_conf")}}
                       for row in sensitivity.get("rank_shift") or ()],
        "regions": [{"code": row["region"], "name": _name(names, row["region"]), "rank": row.get("rank"),
                     "rank_median": row.get("rank_median"), "rank_p05": row.get("rank_p05"),
                     "rank_p95": row.get("rank_p95"), "ranked_share_pct": 100 * (row.get("ranked_share") or 0)}
                    for row in audit_figures.by_rank(sensitivity.get("regions") or ())],
        "hidden_regions": sensitivity.get("hidden_regions") or 0,
        "ranks_shown": ranks_shown,
    }


# ---- charts ---------------------------------------------------------------------------------------------

def _charts(period: Mapping[str, Any], sensitivity: Mapping[str, Any] | None,
            names: Mapping[str, str]) -> dict[str, str]:
    """Every chart of the page as HTML (`reports.views.chart_html`), by name; the sensitivity's only with one,
    the regions' only when some region's details may be shown."""
    from .views import chart_html

    correlations = period.get("correlations") or {}
    consistency = period.get("consistency") or ()
    importance = period.get("importance") or ()
    made = {
        "pearson": audit_figures.correlation_heatmap(correlations, names, method="pearson"),
        "spearman": audit_figures.correlation_heatmap(correlations, names, method="spearman"),
        "weights": audit_figures.weight_bars(importance, names, level="indicator"),
        "dimension_weights": audit_figures.weight_bars(importance, names, level="dimension"),
        "consistency": audit_figures.consistency_bars(consistency, names),
        "loadings": audit_figures.loadings_bars(consistency, names),
    }
    if sensitivity is not None:
        made["sobol"] = audit_figures.sobol_bars(sensitivity.get("rank_shift") or ())
        regions = sensitivity.get("regions") or ()
        if regions:
            made["intervals"] = audit_figures.rank_intervals(regions, names)
            made["sobol_regions"] = audit_figures.sobol_heatmap(regions, names, sensitivity.get("inputs") or ())
    return {name: chart_html(figure, "audit-" + name.replace("_", "-")) for name, figure in made.items()}
