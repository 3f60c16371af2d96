"""`compute`: tidy values + FrameworkSpec → scores, weights, dimension scores, index, levels and ranks.

The data are pivoted once into a (period, region, indicator) cube; every step after that is a numpy
operation over the whole cube (loops run over normalisation methods or dimensions only).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .aggregate import aggregate, contributions, effective_weights
from .applicability import applicable, leave_out
from .arrays import BoolArray, FloatArray
from .cube import Cube, to_cube
from .frames import Frames
from .framework import Framework, compile_spec
from .groups import Groups
from .keys import Levels, Parents
from .normalise import normalise_cube
from .outliers import check_log, declared, treat_array, treatment_columns
from .spec import FrameworkSpec
from .weighting import framework_weights


@dataclass(frozen=True)
class ScoringResult:
    """Rows are ordered by period, then region (then indicator or dimension in framework order).

    Only region–period pairs with at least one row in the input are reported. Region, indicator,
    dimension and parent columns are categoricals; ranks and levels are nullable integers (<NA> when
    the region–period is incomplete).
    """

    indicators: pd.DataFrame
    """region, period, indicator, dimension, value, score, weight, contribution, gap"""
    dimensions: pd.DataFrame
    """region, period, dimension, score, coverage, weight, rank"""
    index: pd.DataFrame
    """region, period, index, level, label, rank, parent, parent_rank, change, complete, coverage"""
    weights: pd.DataFrame
    """period, indicator, dimension, weight"""
    group_ranks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["region", "period", "group",
                                                                                    "rank"]))
    """region, period, group, rank: one row per region–period per comparison group the region is a member of"""


@dataclass(frozen=True)
class Nominal:
    """A spec's compiled framework, the cube of its raw values (NaN where an indicator does not apply), which
    indicators apply where, and the normalised scores (P, R, I) and overall weights (P, I) taken from the values
    after the declared outlier treatments."""

    fw: Framework
    cube: Cube
    applies: BoolArray | None
    """(R, I), `applicability.applicable`; None: every indicator applies everywhere."""
    scores: FloatArray
    weights: FloatArray


def nominal(values: pd.DataFrame, spec: FrameworkSpec, levels: Levels | None = None) -> Nominal:
    fw = compile_spec(spec)
    cube = to_cube(values, fw.codes)
    applies = applicable(fw, cube.regions, levels)
    cube = replace(cube, values=leave_out(cube.values, applies))
    treated = treated_values(fw, cube.values)
    scores = normalise_cube(treated, fw.methods, fw.higher, fw.lower, fw.upper, fw.target, fw.codes)
    return Nominal(fw, cube, applies, scores, framework_weights(fw, treated))


def treated_values(fw: Framework, raw: FloatArray) -> FloatArray:
    """`raw` (P, R, I) after the outlier treatments the framework declares (`raw` itself if it declares none)."""
    if not fw.spec.treats_outliers:
        return raw
    methods, limits = treatment_columns(declared(fw.spec), fw.codes)
    check_log(fw, methods)
    return treat_array(raw, methods, limits, fw.spec.outlier_rule).values


def compute(values: pd.DataFrame, spec: FrameworkSpec, *, parents: Parents | None = None,
            groups: Groups | None = None, levels: Levels | None = None) -> ScoringResult:
    """Score `values` (columns region, period, indicator, value) with the method of `spec`.

    `parents` maps region code → parent region code, for ranks within the parent; `groups` maps a comparison
    group's code → its member region codes, for ranks within each group (a region may be in several);
    `levels` maps region code → level, for the indicators that apply only at some levels (`applies_to`).
    The outlier treatments the framework declares are applied before normalisation; the `value` column keeps
    the raw values. See docs/scoring.md for every formula and the missing-data rule.
    """
    base = nominal(values, spec, levels)
    fw, cube, scores, weights = base.fw, base.cube, base.scores, base.weights
    result = aggregate(scores, weights, fw.dimension_of, spec.aggregation, spec.min_share, spec.geometric_floor,
                       base.applies)
    complete = result.complete[..., None]
    effective = np.where(complete, effective_weights(scores, weights, fw.dimension_of, result), np.nan)
    contribution = contributions(scores, effective, result.index, spec.aggregation, spec.geometric_floor)
    gap = _gap(result.index, contribution)
    frames = Frames(fw, cube)
    return ScoringResult(
        indicators=frames.indicators(scores, effective, contribution, gap),
        dimensions=frames.dimensions(result),
        index=frames.index(result, parents),
        weights=frames.weights(weights),
        group_ranks=frames.group_ranks(result.index, groups),
    )


def _gap(index: FloatArray, contribution: FloatArray) -> FloatArray:
    """Per indicator, the best region's contribution minus this region's (sums to the index gap).

    When several regions share the best index of a period their contributions are averaged, so the
    result does not depend on the order of the regions.
    """
    best = index == np.fmax.reduce(index, axis=1, keepdims=True)
    n_best = best.sum(axis=1)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        best_contribution: FloatArray = np.einsum(
            "pr,pri->pi", best.astype(float), np.nan_to_num(contribution)) / n_best
    return best_contribution[:, None, :] - contribution
