"""Statistical audit of an indicator set, per period, as the JRC audits composite indicators (OECD/JRC
Handbook on Constructing Composite Indicators, 2008; COINr).

* Per indicator, on the raw values: n, missing share, mean, sample sd (ddof = 1), min, max, skewness G1 and
  excess kurtosis G2 (pandas ``skew()``/``kurt()``), the outlier rule and the declared treatment
  (`outliers`).
* Per indicator, on its normalised scores (below): the shares of the regions with a value at the best score
  (≥ 100 − 1e-9, `at_ceiling`) and at the worst (≤ 1e-9, `at_floor`), and a `ceiling` warning when more than
  `ceiling_share` of them are at the best: the indicator no longer tells them apart at the top. Not for fewer
  than `CEILING_MIN_VALUES` values, nor for a constant indicator (its own warning says so). Whatever the
  normalisation, the share at 100 is counted: with `minmax_observed` only the best observed value (and its ties)
  reaches it, with `zscore` only z ≥ 5, with `percentile` only a best value without ties.
* On the normalised scores of the treated values and the dimension scores and index `compute` gives for them
  (normalised, so that 100 is always best and a lower-is-better indicator is not read as negatively
  correlated): Pearson and Spearman correlations on pairwise complete observations (as pandas ``corr``;
  Spearman ranks again within each pair's complete observations; at least `MIN_PAIRS` pairs, since two
  points always correlate ±1), collinear pairs within a dimension and indicators correlated negatively with
  their own dimension.
* Per dimension, on its normalised indicators over the regions that have all of them (complete cases):
  Cronbach's α = k/(k−1)·(1 − Σ var(x_i) / var(Σ x_i)), and a PCA on the correlation matrix (SVD of the
  standardised scores): the variance share of every component and the first component's loadings
  (unit-length eigenvector, prcomp's rotation), signed so that they sum to ≥ 0.
* Effective weight: the squared Pearson correlation of each indicator (dimension) with the aggregate it
  feeds, scaled to sum to 1 within that aggregate, beside its nominal weight. Becker et al. (2017) use the
  correlation ratio Var(E[y|x_i])/Var(y), estimated with a smoother; for a linear dependence it equals r²,
  which is deterministic, needs no smoothing parameter and is defined for a dozen regions, hence r² here.

Undefined statistics are None in the result, always with a warning saying why (never a silent NaN).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .aggregate import Aggregate, aggregate
from .applicability import applicable, leave_out
from .arrays import BoolArray, FloatArray, IntArray
from .cube import to_cube
from .framework import Framework, compile_spec
from .keys import Levels
from .normalise import normalise_cube
from .outliers import JRC_RULE, Treated, check_log, declared, treat_array, treatment_columns
from .ranking import average_rank
from .spec import FrameworkSpec, OutlierRule, OutlierTreatment
from .weighting import framework_weights

MIN_PAIRS = 3
"""Fewest pairwise complete observations for a correlation."""
MIN_CASES = 3
"""Fewest complete cases for Cronbach's α and the PCA of a dimension."""
COLLINEAR = 0.92
NEGATIVE = 0.0
DEGENERATE = 1e-12
"""A pair's variance below this share of its sum of squares is rounding noise: the values are constant."""
INDEX = "index"
AT_END = 1e-9
"""A normalised score within this of 100 (of 0) is at the ceiling (floor)."""
CEILING_SHARE = 0.5
"""Warn when more than this share of the regions with a value have the best score."""
CEILING_MIN_VALUES = 3
"""Fewest values of an indicator for the ceiling warning."""

ESTIMATORS = {
    "sd": "sample standard deviation (ddof = 1)",
    "skew": "adjusted Fisher-Pearson G1 (pandas skew, scipy skew(bias=False), COINr skew)",
    "kurtosis": "bias-corrected excess kurtosis G2 (pandas kurt, scipy kurtosis(bias=False), COINr kurt)",
    "outliers": "|skew| >= skew threshold and kurtosis >= kurtosis threshold (COINr check_SkewKurt)",
    "correlations": "on normalised scores, pairwise complete observations (pandas corr); Spearman re-ranks "
                    f"each pair; at least {MIN_PAIRS} pairs",
    "alpha": f"Cronbach's alpha on normalised scores, complete cases (at least {MIN_CASES})",
    "pca": "correlation matrix (SVD of standardised scores), complete cases; first loadings sum to >= 0",
    "effective_weight": "squared Pearson correlation with the aggregate, scaled to sum to 1 within it",
    "at_ceiling": f"share of the regions with a value whose normalised score is >= 100 - {AT_END:g}",
    "at_floor": f"share of the regions with a value whose normalised score is <= {AT_END:g}",
}


@dataclass(frozen=True)
class AuditWarning:
    code: str
    """constant, no_values, too_few_values, ceiling, too_few_regions, outliers_remain, no_complete_region,
    single_indicator, too_few_complete_cases, no_variance, left_out_of_pca"""
    subject: str
    """The indicator or dimension code; empty for the whole period."""
    message: str
    """In English, for logs and notebooks; pages tell `code` and `facts` in the reader's language."""
    facts: Mapping[str, object] = field(default_factory=dict)
    """The numbers and codes the message names (count, value, share, n, cases, indicators, method, moved)."""


@dataclass(frozen=True)
class IndicatorStatistics:
    indicator: str
    dimension: str
    n: int
    missing_share: float
    mean: float | None
    sd: float | None
    minimum: float | None
    maximum: float | None
    skew: float | None
    kurtosis: float | None
    outliers: bool
    at_ceiling: float | None
    """Share of the regions with a value whose normalised score is 100 (the best); None without a value."""
    at_floor: float | None
    """Share of the regions with a value whose normalised score is 0 (the worst); None without a value."""


@dataclass(frozen=True)
class TreatedPoint:
    region: str
    value: float
    treated: float


@dataclass(frozen=True)
class TreatmentReport:
    indicator: str
    method: str
    applied: bool
    points: tuple[TreatedPoint, ...]
    """Winsorisation: the values moved (a log changes every value and lists none)."""
    skew_before: float | None
    kurtosis_before: float | None
    skew_after: float | None
    kurtosis_after: float | None
    outliers_after: bool


@dataclass(frozen=True, eq=False)
class Correlations:
    """Indicators, then dimensions, then the index; matrices are symmetric, NaN (None in JSON) = undefined."""

    codes: tuple[str, ...]
    levels: tuple[str, ...]
    """indicator, dimension or index, one per code."""
    pearson: FloatArray
    spearman: FloatArray
    pairs: IntArray
    """Number of pairwise complete observations."""


@dataclass(frozen=True)
class Importance:
    code: str
    level: str
    """indicator or dimension"""
    aggregate: str
    """The dimension the indicator feeds, or "index"."""
    nominal: float
    """Weight in the aggregate, scaled to sum to 1 within it."""
    pearson: float | None
    spearman: float | None
    effective: float | None


@dataclass(frozen=True)
class CollinearPair:
    dimension: str
    first: str
    second: str
    pearson: float


@dataclass(frozen=True)
class NegativeCorrelation:
    indicator: str
    dimension: str
    pearson: float


@dataclass(frozen=True)
class Consistency:
    dimension: str
    indicators: tuple[str, ...]
    complete_cases: int
    alpha: float | None
    first_share: float | None
    """Variance share of the first principal component."""
    variance_shares: tuple[float, ...]
    loadings: tuple[float | None, ...]
    """First component, one per indicator (None for one left out of the PCA)."""


@dataclass(frozen=True, eq=False)
class PeriodAudit:
    period: object
    regions: int
    indicators: tuple[IndicatorStatistics, ...]
    treatments: tuple[TreatmentReport, ...]
    """One per indicator with a declared treatment."""
    correlations: Correlations
    importance: tuple[Importance, ...]
    collinear: tuple[CollinearPair, ...]
    negative: tuple[NegativeCorrelation, ...]
    consistency: tuple[Consistency, ...]
    warnings: tuple[AuditWarning, ...]

    def as_dict(self) -> dict[str, object]:
        return _as_dict(self)


@dataclass(frozen=True)
class AuditSettings:
    rule: OutlierRule = JRC_RULE
    collinear: float = COLLINEAR
    """Flag pairs of a dimension with |r| above this."""
    negative: float = NEGATIVE
    """Flag indicators whose r with their own dimension is below this."""
    ceiling_share: float = CEILING_SHARE
    """Warn when more than this share of an indicator's regions have the best score."""
    estimators: Mapping[str, str] = field(default_factory=lambda: dict(ESTIMATORS))


@dataclass(frozen=True, eq=False)
class Audit:
    settings: AuditSettings
    periods: tuple[PeriodAudit, ...]

    def as_dict(self) -> dict[str, object]:
        """Plain JSON types: NaN becomes None, arrays nested lists."""
        return _as_dict(self)


def _as_dict(result: Audit | PeriodAudit) -> dict[str, object]:
    return {f.name: jsonable(getattr(result, f.name)) for f in dataclasses.fields(result)}


def jsonable(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _num(value: float | np.floating) -> float | None:
    return None if np.isnan(value) else float(value)


def _period_label(label: object) -> object:
    if isinstance(label, np.generic):
        label = label.item()
    return label if isinstance(label, int | str) else str(label)


# --- correlations -----------------------------------------------------------------------------------------

def _cross(a: FloatArray, b: FloatArray) -> FloatArray:
    """aᵀb for (n, c) arrays. einsum, not BLAS: a multi-threaded BLAS is 10× slower than one core on products
    this small whenever the machine is busy."""
    product: FloatArray = np.einsum("ri,rj->ij", a, b)
    return product


def pairwise_pearson(x: FloatArray) -> tuple[FloatArray, IntArray]:
    """Pearson r between the columns of `x` (n, c) on pairwise complete rows, and the number of such rows.

    NaN where a column is constant on the pair's rows or fewer than `MIN_PAIRS` rows remain.
    """
    present = ~np.isnan(x)
    mask = present.astype(float)
    pairs = np.rint(_cross(mask, mask)).astype(np.intp)
    count = present.sum(axis=0)
    lo, hi = np.fmin.reduce(x, axis=0), np.fmax.reduce(x, axis=0)
    varying = hi > lo
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, x, 0.0).sum(axis=0) / count
        z = np.where(present, (x - mean) / np.where(varying, hi - lo, 1.0), 0.0)
        sxy = _cross(z, z)
        if present.all():
            ss = np.diag(sxy)
            r = sxy / np.sqrt(np.outer(ss, ss))
        else:
            sx = _cross(z, mask)
            sxx = _cross(z * z, mask)
            vx = sxx - sx * sx / pairs
            vy = vx.T
            r = (sxy - sx * sx.T / pairs) / np.sqrt(vx * vy)
            r[(vx <= DEGENERATE * sxx) | (vy <= DEGENERATE * sxx.T)] = np.nan
    defined = varying[:, None] & varying[None, :] & (pairs >= MIN_PAIRS)
    r = np.where(defined, np.clip(r, -1.0, 1.0), np.nan)
    np.fill_diagonal(r, np.where(np.diag(defined), 1.0, np.nan))
    return r, pairs


def _rank_pearson(a: FloatArray, b: FloatArray, mask: BoolArray) -> FloatArray:
    """Pearson r of every column pair of `a` and `b` (n, c), average ranks 1…m of the m rows where `mask`
    (n, c) holds: their mean is (m + 1)/2 whatever the ties."""
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = (mask.sum(axis=0) + 1) / 2.0
        da = np.where(mask, a - centre, 0.0)
        db = np.where(mask, b - centre, 0.0)
        r: FloatArray = (da * db).sum(axis=0) / np.sqrt((da * da).sum(axis=0) * (db * db).sum(axis=0))
    return r


def _rank_fall(query: IntArray, keys: IntArray, groups: IntArray) -> FloatArray:
    """For every query[r, j], a doubled average rank in a column of n (0 = missing): the keys of group j
    (doubled ranks in the same column) below it plus half the equal ones — how far its rank falls when those
    values leave the column. Ranks are multiples of ½, so doubled they index a histogram per group."""
    n_rows, n_cols = query.shape
    width = 2 * n_rows + 2
    hist = np.bincount(groups * width + keys, minlength=n_cols * width).reshape(n_cols, width)
    below = np.cumsum(hist, axis=1) - hist
    cols = np.arange(n_cols)
    fall: FloatArray = below[cols, query] + 0.5 * hist[cols, query]
    return fall


def pairwise_spearman(x: FloatArray) -> FloatArray:
    """Spearman ρ between the columns of `x` (n, c), each pair ranked on its own complete rows (as pandas).

    Columns are ranked once; within a pair's rows a value's average rank is its column rank less one for
    every smaller value the other column lacks, and a half for every equal one (`_rank_fall`), so no pair
    is ranked again.
    """
    ranks = average_rank(x.T).T
    rho, pairs = pairwise_pearson(ranks)
    present = ~np.isnan(x)
    doubled = np.where(present, np.rint(2.0 * np.nan_to_num(ranks)), 0).astype(np.intp)
    hole_row, hole_col = np.nonzero(~present)
    columns = np.broadcast_to(np.arange(x.shape[1]), x.shape)
    for k in np.nonzero(~present.all(axis=0))[0]:
        gone = ~present[:, k]
        kept = present[gone]
        # every column ranked on the rows where column k has a value
        others = ranks - _rank_fall(doubled, doubled[gone][kept], columns[gone][kept])
        # column k ranked on the rows where each other column has a value
        lost = present[hole_row, k]
        own = ranks[:, k, None] - _rank_fall(np.broadcast_to(doubled[:, k, None], x.shape),
                                             doubled[hole_row[lost], k], hole_col[lost])
        value = _rank_pearson(others, own, present & present[:, k, None])
        defined = (pairs[:, k] >= MIN_PAIRS) & ~np.isnan(rho[:, k])
        rho[:, k] = rho[k, :] = np.where(defined, np.clip(value, -1.0, 1.0), np.nan)
        rho[k, k] = 1.0 if defined[k] else np.nan
    return rho


def correlations(scores: FloatArray, dimensions: FloatArray, index: FloatArray, fw: Framework) -> Correlations:
    data = np.column_stack([scores, dimensions, index])
    pearson, pairs = pairwise_pearson(data)
    return Correlations(
        codes=(*fw.codes, *fw.dimension_codes, INDEX),
        levels=("indicator",) * len(fw.codes) + ("dimension",) * len(fw.dimension_codes) + (INDEX,),
        pearson=pearson, spearman=pairwise_spearman(data), pairs=pairs,
    )


# --- internal consistency ---------------------------------------------------------------------------------

def cronbach_alpha(items: FloatArray) -> float:
    """α of the complete rows of `items` (n, k); NaN when the sum score does not vary or k < 2."""
    k = items.shape[1]
    total = items.sum(axis=1).var(ddof=1)
    if k < 2 or not total > 0:
        return math.nan
    return float(k / (k - 1) * (1.0 - items.var(axis=0, ddof=1).sum() / total))


def principal_components(items: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(variance shares of every component, first loadings) of the complete rows of `items` (n, k), on the
    correlation matrix; the loadings are signed to sum to ≥ 0 (the largest one positive on a tie)."""
    z = (items - items.mean(axis=0)) / items.std(axis=0, ddof=1)
    _, s, vt = np.linalg.svd(z, full_matrices=False)
    eigen = s * s
    loadings = vt[0]
    total = loadings.sum()
    if total < 0 or (abs(total) <= 1e-12 and loadings[np.argmax(np.abs(loadings))] < 0):
        loadings = -loadings
    return eigen / eigen.sum(), loadings


def consistency(scores: FloatArray, fw: Framework, warn: list[AuditWarning]) -> tuple[Consistency, ...]:
    out = []
    for d, dimension in enumerate(fw.dimension_codes):
        cols = np.nonzero(fw.dimension_of == d)[0]
        codes = tuple(fw.codes[j] for j in cols)
        items = scores[:, cols]
        items = items[~np.isnan(items).any(axis=1)]
        n = len(items)
        alpha = first = math.nan
        shares: tuple[float, ...] = ()
        loadings: list[float | None] = [None] * len(cols)
        if len(cols) < 2:
            warn.append(AuditWarning("single_indicator", dimension,
                                     "one indicator: no Cronbach's alpha or principal components"))
        elif n < MIN_CASES:
            warn.append(AuditWarning("too_few_complete_cases", dimension,
                                     f"{n} regions have every indicator of the dimension; alpha and the "
                                     f"principal components need {MIN_CASES}", {"cases": n, "least": MIN_CASES}))
        else:
            alpha = cronbach_alpha(items)
            if math.isnan(alpha):
                warn.append(AuditWarning("no_variance", dimension,
                                         "the sum of the normalised indicators is the same for every region"))
            varying = items.max(axis=0) > items.min(axis=0)
            if not varying.all():
                left = ", ".join(c for c, v in zip(codes, varying, strict=True) if not v)
                warn.append(AuditWarning("left_out_of_pca", dimension,
                                         f"constant normalised scores left out of the principal components: {left}",
                                         {"indicators": [codes[j] for j in np.nonzero(~varying)[0]]}))
            if varying.sum() >= 2:
                variance, first_loadings = principal_components(items[:, varying])
                first, shares = float(variance[0]), tuple(float(v) for v in variance)
                for position, value in zip(np.nonzero(varying)[0], first_loadings, strict=True):
                    loadings[position] = float(value)
        out.append(Consistency(dimension=dimension, indicators=codes, complete_cases=n, alpha=_num(alpha),
                               first_share=_num(first), variance_shares=shares, loadings=tuple(loadings)))
    return tuple(out)


# --- importance and flags ---------------------------------------------------------------------------------

def _scaled(values: FloatArray, groups: IntArray) -> FloatArray:
    """`values` scaled to sum to 1 within each group (NaN values left out; NaN where a group sums to 0)."""
    sums = np.bincount(groups, weights=np.nan_to_num(values))[groups]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sums > 0, values / sums, np.nan)


def _importance(corr: Correlations, level: str, codes: tuple[str, ...], source: IntArray, target: IntArray,
                groups: IntArray, nominal: FloatArray, aggregates: list[str]) -> list[Importance]:
    """Rows for the variables `source` (columns of `corr`) feeding the aggregates `target`, one group each."""
    r = corr.pearson[source, target]
    rho = corr.spearman[source, target]
    effective = _scaled(r * r, groups)
    return [Importance(code=code, level=level, aggregate=aggregates[i], nominal=float(nominal[i]),
                       pearson=_num(r[i]), spearman=_num(rho[i]), effective=_num(effective[i]))
            for i, code in enumerate(codes)]


def importance(corr: Correlations, weights: FloatArray, dimension_weights: FloatArray,
               fw: Framework) -> tuple[Importance, ...]:
    """Each indicator in its dimension and in the index, each dimension in the index."""
    n_ind, n_dim = len(fw.codes), len(fw.dimension_codes)
    of = fw.dimension_of
    indicators, dimensions = np.arange(n_ind), n_ind + np.arange(n_dim)
    index_col = n_ind + n_dim
    dim_sums = np.bincount(of, weights=weights)[of]
    with np.errstate(invalid="ignore", divide="ignore"):
        within = np.where(dim_sums > 0, weights / dim_sums, 1.0 / np.bincount(of)[of])
    return tuple(
        _importance(corr, "indicator", fw.codes, indicators, n_ind + of, of, within,
                    [fw.dimension_codes[d] for d in of])
        + _importance(corr, "indicator", fw.codes, indicators, np.full(n_ind, index_col), np.zeros(n_ind, int),
                      weights, [INDEX] * n_ind)
        + _importance(corr, "dimension", fw.dimension_codes, dimensions, np.full(n_dim, index_col),
                      np.zeros(n_dim, int), dimension_weights, [INDEX] * n_dim)
    )


def collinear_pairs(corr: Correlations, fw: Framework, threshold: float) -> tuple[CollinearPair, ...]:
    n_ind = len(fw.codes)
    r = corr.pearson[:n_ind, :n_ind]
    same = fw.dimension_of[:, None] == fw.dimension_of[None, :]
    with np.errstate(invalid="ignore"):
        hit = np.triu(same & (np.abs(r) > threshold), k=1)
    return tuple(CollinearPair(dimension=fw.dimension_codes[fw.dimension_of[j]], first=fw.codes[j],
                               second=fw.codes[k], pearson=float(r[j, k])) for j, k in zip(*np.nonzero(hit),
                                                                                           strict=True))


def negative_correlations(corr: Correlations, fw: Framework, threshold: float) -> tuple[NegativeCorrelation, ...]:
    n_ind = len(fw.codes)
    r = corr.pearson[np.arange(n_ind), n_ind + fw.dimension_of]
    with np.errstate(invalid="ignore"):
        hit = np.nonzero(r < threshold)[0]
    return tuple(NegativeCorrelation(indicator=fw.codes[i], dimension=fw.dimension_codes[fw.dimension_of[i]],
                                     pearson=float(r[i])) for i in hit)


# --- per indicator ----------------------------------------------------------------------------------------

def indicator_statistics(treated: Treated, scores: FloatArray, p: int, fw: Framework, settings: AuditSettings,
                         warn: list[AuditWarning], assessed: IntArray) -> tuple[IndicatorStatistics, ...]:
    """`scores` (regions, indicators): the normalised scores of period `p`, over the regions with a row in it;
    `assessed` (indicators,): how many of those regions each indicator applies to (its missing share's base)."""
    m = treated.before
    flagged = m.outliers(settings.rule)[p]
    valued = np.count_nonzero(~np.isnan(scores), axis=0)
    top = np.count_nonzero(scores >= 100.0 - AT_END, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        at_ceiling = top / valued
        at_floor = np.count_nonzero(scores <= AT_END, axis=0) / valued
    rows = []
    for i, code in enumerate(fw.codes):
        n = int(m.n[p, i])
        if n == 0:
            warn.append(AuditWarning("no_values", code, "no region has a value"))
        elif m.constant[p, i]:
            warn.append(AuditWarning("constant", code, f"all {n} values equal {m.minimum[p, i]:g}: no skewness, "
                                                       "kurtosis or correlation",
                                     {"count": n, "value": float(m.minimum[p, i])}))
        elif n < 4:
            warn.append(AuditWarning("too_few_values", code, f"{n} values: skewness needs 3 and kurtosis 4; "
                                                             "the outlier rule is not applied", {"count": n}))
        if not m.constant[p, i] and valued[i] >= CEILING_MIN_VALUES and at_ceiling[i] > settings.ceiling_share:
            warn.append(_ceiling(code, int(top[i]), int(valued[i])))
        rows.append(IndicatorStatistics(
            indicator=code, dimension=fw.dimension_codes[fw.dimension_of[i]], n=n,
            missing_share=1.0 - n / max(int(assessed[i]), 1), mean=_num(m.mean[p, i]), sd=_num(m.sd[p, i]),
            minimum=_num(m.minimum[p, i]), maximum=_num(m.maximum[p, i]), skew=_num(m.skew[p, i]),
            kurtosis=_num(m.kurtosis[p, i]), outliers=bool(flagged[i]), at_ceiling=_num(at_ceiling[i]),
            at_floor=_num(at_floor[i]),
        ))
    return tuple(rows)


def _ceiling(code: str, count: int, n: int) -> AuditWarning:
    share = count / n
    return AuditWarning("ceiling", code, f"{count} of {n} regions ({share:.0%}) have the best score: the indicator "
                                         "no longer tells them apart at the top",
                        {"share": share, "count": count, "n": n})


def treatment_reports(treated: Treated, raw: FloatArray, p: int, regions: pd.Index, methods: list[str],
                      fw: Framework, rule: OutlierRule, warn: list[AuditWarning]) -> tuple[TreatmentReport, ...]:
    before, after = treated.before, treated.after
    remaining = after.outliers(rule)[p]
    out = []
    for i, code in enumerate(fw.codes):
        if methods[i] == "none":
            continue
        moved = np.nonzero(treated.moved[p, :, i])[0]
        points = tuple(TreatedPoint(region=str(regions[r]), value=float(raw[p, r, i]),
                                    treated=float(treated.values[p, r, i])) for r in moved)
        if treated.failed[p, i] and remaining[i]:
            how = (f"{len(points)} values winsorised" if methods[i] == "winsorise" else "after the log")
            warn.append(AuditWarning("outliers_remain", code, f"{how}, |skew| ≥ {rule.skew:g} and kurtosis ≥ "
                                                              f"{rule.kurtosis:g} still",
                                     {"method": methods[i], "moved": len(points)}))
        out.append(TreatmentReport(
            indicator=code, method=methods[i], applied=bool(treated.applied[p, i]), points=points,
            skew_before=_num(before.skew[p, i]), kurtosis_before=_num(before.kurtosis[p, i]),
            skew_after=_num(after.skew[p, i]), kurtosis_after=_num(after.kurtosis[p, i]),
            outliers_after=bool(remaining[i]),
        ))
    return tuple(out)


# --- the audit --------------------------------------------------------------------------------------------

def audit(values: pd.DataFrame, spec: FrameworkSpec,
          treatments: OutlierTreatment | Mapping[str, OutlierTreatment] | None = None, *,
          rule: OutlierRule | None = None, collinear: float = COLLINEAR, negative: float = NEGATIVE,
          ceiling_share: float = CEILING_SHARE, levels: Levels | None = None) -> Audit:
    """Audit `values` (region, period, indicator, value) scored with `spec`, every period on its own; `levels`
    (region code → level) leave out the indicators that do not apply to a region, as `compute` does.

    `treatments` (one for every indicator, or per indicator code; by default those the framework declares)
    are applied under `rule` (by default the framework's) before normalisation, as `compute` applies the
    declared ones: the correlations, consistency and effective weights are those of the scores a run publishes.
    """
    rule = rule or spec.outlier_rule
    fw = compile_spec(spec)
    cube = to_cube(values, fw.codes)
    applies = applicable(fw, cube.regions, levels)
    cube = dataclasses.replace(cube, values=leave_out(cube.values, applies))
    methods, limits = treatment_columns(declared(spec) if treatments is None else treatments, fw.codes)
    check_log(fw, methods)
    treated = treat_array(cube.values, methods, limits, rule)
    scores = normalise_cube(treated.values, fw.methods, fw.higher, fw.lower, fw.upper, fw.target, fw.codes)
    weights = framework_weights(fw, treated.values)
    result = aggregate(scores, weights, fw.dimension_of, spec.aggregation, spec.min_share, spec.geometric_floor,
                       applies)
    settings = AuditSettings(rule=rule, collinear=collinear, negative=negative, ceiling_share=ceiling_share)
    periods = []
    for p in range(len(cube.periods)):
        seen = np.nonzero(cube.seen[p])[0]
        assessed = np.full(len(fw.codes), len(seen)) if applies is None else applies[seen].sum(axis=0)
        periods.append(_period(p, seen, cube.periods[p], cube.regions, cube.values, treated, scores, weights,
                               result, methods, fw, settings, assessed))
    return Audit(settings=settings, periods=tuple(periods))


def _period(p: int, seen: IntArray, label: object, regions: pd.Index, raw: FloatArray, treated: Treated,
            scores: FloatArray, weights: FloatArray, result: Aggregate, methods: list[str], fw: Framework,
            settings: AuditSettings, assessed: IntArray) -> PeriodAudit:
    warn: list[AuditWarning] = []
    if len(seen) < 3:
        warn.append(AuditWarning("too_few_regions", "", f"{len(seen)} regions: skewness, correlations and "
                                                        "internal consistency need at least 3", {"count": len(seen)}))
    stats = indicator_statistics(treated, scores[p, seen], p, fw, settings, warn, assessed)
    reports = treatment_reports(treated, raw, p, regions, methods, fw, settings.rule, warn)
    index = result.index[p, seen]
    if np.isnan(index).all():
        warn.append(AuditWarning("no_complete_region", "", "no region has every dimension: nothing correlates "
                                                           "with the index"))
    corr = correlations(scores[p, seen], result.dimension_scores[p, seen], index, fw)
    return PeriodAudit(
        period=_period_label(label), regions=len(seen), indicators=stats, treatments=reports, correlations=corr,
        importance=importance(corr, weights[p], result.dimension_weights[p], fw),
        collinear=collinear_pairs(corr, fw, settings.collinear),
        negative=negative_correlations(corr, fw, settings.negative),
        consistency=consistency(scores[p, seen], fw, warn), warnings=tuple(warn),
    )

