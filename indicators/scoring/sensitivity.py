"""Variance-based global sensitivity analysis of ranks (first-order and total Sobol indices).

The JRC/OECD Handbook (2008, §4.2) and COINr audit a composite index by letting every modelling choice
vary at once and apportioning the variance of each region's rank to the choices (Saltelli et al., *Global
Sensitivity Analysis: The Primer*, 2008; Saltelli et al. 2010, *Comput. Phys. Commun.* 181). Here:

* the uncertain inputs are declared by `UncertainInputs` (the framework file declares them): weights
  (every indicator's — or every dimension's — overall weight times U(1 − r, 1 + r), then rescaled to sum 1,
  as `uncertainty`), the normalisation, the aggregation, imputation on/off, outlier treatment on/off and
  the exclusion of one indicator at a time;
* the weight factors form *one* input (a SALib group), so the indices say how much the weights as a whole
  matter; every discrete input is one variable U(0, 1) mapped to its L levels by ⌊u·L⌋ (the usual trick of
  COINr and SALib practice for categorical choices: each level has probability 1/L and the Saltelli
  estimators apply unchanged);
* the design is SALib's Saltelli/Sobol' sample (scrambled, seeded): N·(2G + 2) runs for G inputs; the
  indices use the estimators SALib uses (Saltelli 2010 first order, Jansen total), on outputs standardised
  as SALib does, with bootstrap confidence intervals — vectorised over all outputs at once (SALib's
  `analyze` loops over outputs, which for 300 regions would cost more than the runs themselves);
* each run is the engine's model: imputation (COINr ``i_mean``: a missing raw value takes its indicator's
  mean over the regions) and the outlier treatment (`outliers.treat_array`) on the raw values, then
  normalisation, the framework's weights (recomputed on the treated values, so entropy weights follow the
  data), the perturbation, and `aggregate`. Runs are grouped by their discrete choices: each group is
  normalised once and its weight draws are aggregated as one batch, as `uncertainty` does.

Outputs per region: nominal rank, median and 5–95 % interval of the rank over the runs, S1/ST of its
rank; and S1/ST of the mean absolute rank shift from the nominal ranking.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from SALib.sample import sobol as sobol_sample
from scipy.stats import norm

from .aggregate import aggregate, index_of_weights
from .applicability import applicable, leave_out
from .arrays import BoolArray, FloatArray, IntArray
from .cube import to_cube
from .frames import rank_basis
from .framework import Framework, compile_spec
from .keys import Levels
from .normalise import normalise_cube
from .outliers import check_log, declared, treat_array, treatment_columns
from .ranking import BLOCK_ELEMENTS, competition_rank
from .spec import FrameworkSpec, OutlierTreatment, UncertainInputs
from .uncertainty import BATCH_CELLS, nan_quantiles
from .weighting import framework_weights

DEFAULT_SAMPLES = 1024
RANK_THREADS = min(2, os.cpu_count() or 1)
"""Threads ranking the runs' blocks (`evaluate`): two are enough to use the core the result writes leave idle."""
Model = Callable[[FloatArray], FloatArray]
"""(runs, variables) sample → (runs, outputs) values."""
Progress = Callable[[float], None]
"""Told the share (0–1) of the model runs done."""


@dataclass(frozen=True)
class SobolIndex:
    """First-order (S1) and total (ST) index of one input, with the half-widths of their confidence intervals
    (None where none was computed: a region's indices without `region_confidence`)."""

    input: str
    s1: float
    s1_conf: float | None
    st: float
    st_conf: float | None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class RegionSensitivity:
    region: str
    rank: int | None
    """Nominal rank (as `compute`); None when the region is not ranked."""
    rank_median: float
    rank_p05: float
    rank_p95: float
    ranked_share: float
    indices: tuple[SobolIndex, ...]
    """Empty when the region is unranked in some runs (the variance of its rank is undefined)."""

    def as_dict(self) -> dict[str, Any]:
        return {**{f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "indices"},
                "indices": [i.as_dict() for i in self.indices]}


@dataclass(frozen=True)
class Sensitivity:
    period: str
    inputs: tuple[str, ...]
    base_samples: int
    runs: int
    seed: int
    regions: tuple[RegionSensitivity, ...]
    rank_shift: tuple[SobolIndex, ...]
    """Indices of the mean absolute rank shift from the nominal ranking."""
    mean_rank_shift: float
    """Mean over the runs of the mean absolute rank shift."""

    def as_dict(self) -> dict[str, Any]:
        return {"period": self.period, "inputs": list(self.inputs), "base_samples": self.base_samples,
                "runs": self.runs, "seed": self.seed, "mean_rank_shift": self.mean_rank_shift,
                "rank_shift": [i.as_dict() for i in self.rank_shift],
                "regions": [r.as_dict() for r in self.regions]}


@dataclass(frozen=True)
class SobolResult:
    s1: FloatArray
    """(G, K) first-order index of every input group on every output."""
    s1_conf: FloatArray
    st: FloatArray
    st_conf: FloatArray


def sobol_indices(y: FloatArray, groups: int, *, num_resamples: int = 100, conf_level: float = 0.95,
                  seed: int = 0, conf_columns: Sequence[int] | None = None) -> SobolResult:
    """S1/ST of every column of `y` (N·(2G + 2), K), laid out as SALib's Saltelli sample with second order.

    The estimators and the standardisation of `y` are SALib's (`SALib.analyze.sobol`); an output that
    does not vary has indices 0. Confidence: `conf_level` normal interval of `num_resamples` bootstraps, for
    the columns `conf_columns` (all by default; NaN for the others — the bootstrap costs `num_resamples` times
    the estimate, which for thousands of regions' ranks would cost more than the runs).
    """
    step = 2 * groups + 2
    if y.shape[0] % step:
        raise ValueError(f"{y.shape[0]} runs is not a multiple of 2·{groups} + 2")
    sd = y.std(axis=0)
    varying = sd > 0
    z = np.where(varying, (y - y.mean(axis=0)) / np.where(varying, sd, 1.0), 0.0)
    a, b = z[0::step], z[step - 1::step]
    ab = np.stack([z[j + 1::step] for j in range(groups)])

    def estimate(a: FloatArray, ab: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
        var = np.concatenate([a, b]).var(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            s1 = np.where(var > 0, (b * (ab - a)).mean(axis=1) / var, 0.0)
            st = np.where(var > 0, 0.5 * ((a - ab) ** 2).mean(axis=1) / var, 0.0)
        return s1, st

    s1, st = estimate(a, ab, b)
    columns = np.arange(y.shape[1]) if conf_columns is None else np.asarray(conf_columns, dtype=np.intp)
    a_c, ab_c, b_c = a[:, columns], ab[:, :, columns], b[:, columns]
    rng = np.random.default_rng(seed)
    boot_s1 = np.empty((num_resamples, groups, columns.size))
    boot_st = np.empty_like(boot_s1)
    n = a.shape[0]
    for k in range(num_resamples):
        r = rng.integers(n, size=n)
        boot_s1[k], boot_st[k] = estimate(a_c[r], ab_c[:, r], b_c[r])
    scale = norm.ppf(0.5 + conf_level / 2)
    s1_conf, st_conf = np.full(s1.shape, np.nan), np.full(st.shape, np.nan)
    s1_conf[:, columns] = scale * boot_s1.std(axis=0, ddof=1)
    st_conf[:, columns] = scale * boot_st.std(axis=0, ddof=1)
    return SobolResult(s1=s1, s1_conf=s1_conf, st=st, st_conf=st_conf)


def saltelli(model: Model, bounds: Sequence[tuple[float, float]], groups: Sequence[str], n: int, *,
             seed: int = 0, num_resamples: int = 100,
             conf_columns: Sequence[int] | None = None) -> tuple[FloatArray, FloatArray, SobolResult]:
    """Saltelli design of N base samples over `bounds` (one variable each, in the input group named by
    `groups`), the model on it, and the Sobol indices of every output, groups in order of first appearance.

    Returns the sample (runs, variables), the outputs (runs, K) and the indices.
    """
    names = [f"x{j}" for j in range(len(bounds))]
    problem = {"num_vars": len(bounds), "names": names, "bounds": [list(b) for b in bounds],
               "groups": list(groups)}
    x = sobol_sample.sample(problem, n, calc_second_order=True, seed=seed)
    y = np.asarray(model(x), dtype=float).reshape(x.shape[0], -1)
    return x, y, sobol_indices(y, len(dict.fromkeys(groups)), num_resamples=num_resamples, seed=seed,
                               conf_columns=conf_columns)


def level(u: FloatArray, levels: int) -> IntArray:
    """U(0, 1) → {0, …, levels − 1}, each with probability 1/levels."""
    chosen: IntArray = np.minimum((u * levels).astype(np.intp), levels - 1)
    return chosen


def impute_means(x: FloatArray) -> FloatArray:
    """Missing raw values (..., R, I) replaced by their indicator's mean over the regions (COINr ``i_mean``)."""
    missing = np.isnan(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(missing, 0.0, x).sum(axis=-2, keepdims=True) / (~missing).sum(axis=-2, keepdims=True)
    filled: FloatArray = np.where(missing, mean, x)
    return filled


NONE, DECLARED, ON = 0, 1, 2
"""Outlier treatment states of a run: none; each indicator's declared one (the nominal state when there is one);
"on" — the declared ones and, where an indicator declares none, the uncertain input's."""


class _Model:
    """The framework model on one period, evaluated for a batch of unit-cube samples."""

    def __init__(self, fw: Framework, raw: FloatArray, seen: BoolArray, inputs: UncertainInputs,
                 applies: BoolArray | None = None) -> None:
        self.fw, self.raw, self.seen, self.inputs, self.applies = fw, leave_out(raw, applies), seen, inputs, applies
        spec = fw.spec
        self.normalisations = inputs.normalisations or ("spec",)
        self.aggregations = inputs.aggregations or (spec.aggregation,)
        self.treatments = {DECLARED: treatment_columns(declared(spec), fw.codes) if spec.treats_outliers else None,
                           ON: self._treatment_on(spec, inputs) if inputs.outliers is not None else None}
        self.nominal_state = DECLARED if spec.treats_outliers else NONE
        for columns in self.treatments.values():
            if columns is None:
                continue
            for m in self.normalisations:
                methods = fw.methods if m == "spec" else np.full(len(fw.codes), m, dtype=object)
                check_log(dataclasses.replace(fw, methods=methods), columns[0])
        n_ind = len(fw.codes)
        self.membership = (fw.dimension_of[:, None] == np.arange(len(fw.dimension_codes))).astype(float)
        self.weight_vars = (0 if inputs.weight_range is None
                            else n_ind if inputs.weight_level == "indicator" else len(fw.dimension_codes))
        self._raw: dict[tuple[bool, int], FloatArray] = {}
        self._scores: dict[tuple[int, bool, int], FloatArray] = {}
        self._weights: dict[tuple[bool, int], FloatArray] = {}

    @staticmethod
    def _treatment_on(spec: FrameworkSpec, inputs: UncertainInputs) -> tuple[list[str], list[int]]:
        """Methods and limits of "treatment on": the declared treatment of each indicator, or the uncertain
        input's where it declares none."""
        fallback = inputs.outliers or OutlierTreatment()
        on = {code: t if t.method != "none" else fallback for code, t in declared(spec).items()}
        if all(t.method == "none" for t in on.values()):
            raise ValueError("the outlier treatment is declared uncertain, but no indicator declares a treatment "
                             "and the uncertain input names none")
        return treatment_columns(on, [i.code for i in spec.indicators])

    def state(self, choice: IntArray | int) -> int:
        """A run's outlier treatment: the nominal one, or — when the treatment is uncertain — none (level 0) or
        "on" (level 1)."""
        if self.treatments[ON] is None:
            return self.nominal_state
        return ON if choice else NONE

    def groups(self) -> list[str]:
        names = self.inputs.names()
        return ["weights"] * self.weight_vars + [n for n in names if n != "weights"]

    def raw_of(self, imputed: bool, state: int) -> FloatArray:
        key = (imputed, state)
        if key not in self._raw:
            x = leave_out(np.where(self.seen[:, None], impute_means(self.raw), np.nan), self.applies) if imputed \
                else self.raw
            columns = self.treatments.get(state)
            if columns is not None:
                x = treat_array(x, *columns, self.fw.spec.outlier_rule).values
            self._raw[key] = x
        return self._raw[key]

    def scores_of(self, method: int, imputed: bool, state: int) -> FloatArray:
        key = (method, imputed, state)
        if key not in self._scores:
            fw, name = self.fw, self.normalisations[method]
            methods = fw.methods if name == "spec" else np.full(len(fw.codes), name, dtype=object)
            self._scores[key] = normalise_cube(self.raw_of(imputed, state), methods, fw.higher, fw.lower,
                                               fw.upper, fw.target, fw.codes)
        return self._scores[key]

    def weights_of(self, imputed: bool, state: int) -> FloatArray:
        key = (imputed, state)
        if key not in self._weights:
            self._weights[key] = framework_weights(self.fw, self.raw_of(imputed, state))[0]
        return self._weights[key]

    def choices(self, x: FloatArray) -> dict[str, IntArray]:
        """Per run, the level of every discrete input (0 where the input is not uncertain)."""
        n_ind = len(self.fw.codes)
        levels = {"normalisation": len(self.normalisations), "aggregation": len(self.aggregations),
                  "imputation": 2, "outliers": 2, "exclusion": n_ind + 1}
        column = dict(zip([n for n in self.inputs.names() if n != "weights"],
                          range(self.weight_vars, x.shape[1]), strict=True))
        zero = np.zeros(x.shape[0], dtype=np.intp)
        return {name: level(x[:, column[name]], count) if name in column else zero
                for name, count in levels.items()}

    def perturbed(self, base: FloatArray, x: FloatArray, excluded: IntArray) -> FloatArray:
        """(B, I) overall weights of the runs `x` (B, variables): factors, then the exclusion, summing to 1."""
        w = np.repeat(base[None, :], x.shape[0], axis=0)
        if self.weight_vars:
            r = float(self.inputs.weight_range or 0.0)
            factors = 1.0 - r + 2.0 * r * x[:, :self.weight_vars]
            w *= factors if self.inputs.weight_level == "indicator" else factors[:, self.fw.dimension_of]
        out = excluded > 0
        if out.any():
            rows = np.nonzero(out)[0]
            before = w[rows] @ self.membership
            w[rows, excluded[rows] - 1] = 0.0
            after = w[rows] @ self.membership
            with np.errstate(invalid="ignore", divide="ignore"):
                keep = np.where(after > 0, before / after, 1.0)
            w[rows] *= keep[:, self.fw.dimension_of]
        w /= w.sum(axis=1, keepdims=True)
        return w

    def indices(self, x: FloatArray, progress: Progress | None = None) -> FloatArray:
        """(runs, R) index of every run; `progress` is told the share of runs done after each batch."""
        c = self.choices(x)
        spec, n_regions, n_ind = self.fw.spec, self.raw.shape[1], self.raw.shape[2]
        key = ((c["normalisation"] * len(self.aggregations) + c["aggregation"]) * 2 + c["imputation"]) * 2 \
            + c["outliers"]
        out = np.empty((x.shape[0], n_regions))
        done = 0
        for k in np.unique(key):
            rows = np.nonzero(key == k)[0]
            first = rows[0]
            imputed, state = bool(c["imputation"][first]), self.state(c["outliers"][first])
            scores = self.scores_of(int(c["normalisation"][first]), imputed, state)
            method = self.aggregations[c["aggregation"][first]]
            base = self.weights_of(imputed, state)
            per_run = n_ind if method == "topsis" else len(self.fw.dimension_codes)
            batch = max(1, BATCH_CELLS // (n_regions * per_run))
            for start in range(0, rows.size, batch):
                chunk = rows[start:start + batch]
                w = self.perturbed(base, x[chunk], c["exclusion"][chunk])
                if method == "topsis":
                    s = np.broadcast_to(scores, (chunk.size, n_regions, n_ind))
                    out[chunk] = aggregate(s, w, self.fw.dimension_of, method, spec.min_share,
                                           spec.geometric_floor, self.applies).index
                else:
                    out[chunk] = index_of_weights(scores[0], w, self.fw.dimension_of, method, spec.min_share,
                                                  spec.geometric_floor, self.applies)
                done += chunk.size
                if progress is not None:
                    progress(done / x.shape[0])
        return out


def run_inputs(values: pd.DataFrame, spec: FrameworkSpec, inputs: UncertainInputs, x: FloatArray, *,
               period: object | None = None, levels: Levels | None = None) -> tuple[pd.DataFrame, FrameworkSpec]:
    """The values and spec with which `compute` reproduces the run `x` (one unit-cube sample row).

    The run's weights are written as expert weights (dimension weight = the sum of its indicators'), so
    this holds whatever the framework's weighting. It is the plain one-run-at-a-time path that the batched
    evaluation is checked and benchmarked against.
    """
    fw = compile_spec(spec)
    cube = to_cube(values, fw.codes)
    p = len(cube.periods) - 1 if period is None else cube.periods.get_loc(period)
    model = _Model(fw, cube.values[p:p + 1], cube.seen[p], inputs, applicable(fw, cube.regions, levels))
    row = np.asarray(x, dtype=float)[None, :]
    c = {name: int(v[0]) for name, v in model.choices(row).items()}
    imputed, state = bool(c["imputation"]), model.state(c["outliers"])
    w = model.perturbed(model.weights_of(imputed, state), row, np.array([c["exclusion"]]))[0]
    name = model.normalisations[c["normalisation"]]
    indicators = tuple(
        dataclasses.replace(i, weight=float(w[j]), outliers=OutlierTreatment(),
                            normalisation=i.normalisation if name == "spec"
                            else dataclasses.replace(i.normalisation, method=name))
        for j, i in enumerate(spec.indicators))
    totals = w @ model.membership
    dimensions = tuple(dataclasses.replace(d, weight=float(totals[k]), pairwise=None)
                       for k, d in enumerate(spec.dimensions))
    run_spec = dataclasses.replace(spec, indicators=indicators, dimensions=dimensions, weighting="expert",
                                   dimension_pairwise=None, aggregation=model.aggregations[c["aggregation"]])
    raw = model.raw_of(imputed, state)[0]
    region, indicator = np.nonzero(~np.isnan(raw) & cube.seen[p][:, None])
    tidy = pd.DataFrame({"region": cube.regions[region], "period": cube.periods[p],
                         "indicator": np.asarray(fw.codes)[indicator], "value": raw[region, indicator]})
    return tidy, run_spec


def sensitivity(values: pd.DataFrame, spec: FrameworkSpec, inputs: UncertainInputs | None = None, *,
                base_samples: int | None = None, seed: int | None = None, period: object | None = None,
                num_resamples: int = 100, progress: Progress | None = None,
                region_confidence: bool = False, levels: Levels | None = None) -> Sensitivity:
    """Sobol sensitivity of every region's rank in `period` (default: the latest) to the `inputs`.

    `inputs`, `base_samples` and `seed` default to the framework's declaration (`spec.sensitivity`), then to
    1,024 and 0. `base_samples` N should be a power of 2 (the Sobol' sequence); the model runs N·(2G + 2)
    times for G declared inputs. The same seed gives the same result. `progress` is told the share of the runs
    done as they go; `levels` (region code → level) leave out the indicators that do not apply to a region, as
    `compute` does. The indices of the mean rank shift come with bootstrap confidence intervals; those of each
    region's rank only with `region_confidence` (else NaN: at national scale the bootstrap of 3,000 regions'
    indices would cost more than the runs).
    """
    declared_analysis = spec.sensitivity
    inputs = inputs or declared_analysis.inputs
    base_samples = base_samples or declared_analysis.samples or DEFAULT_SAMPLES
    seed = (declared_analysis.seed or 0) if seed is None else seed
    inputs.check()
    fw = compile_spec(spec)
    cube = to_cube(values, fw.codes)
    p = len(cube.periods) - 1 if period is None else cube.periods.get_loc(period)
    raw = cube.values[p:p + 1]
    seen = cube.seen[p]
    model = _Model(fw, raw, seen, inputs, applicable(fw, cube.regions, levels))

    def ranks_of(index: FloatArray) -> FloatArray:
        return competition_rank(rank_basis(np.where(seen, index, np.nan), spec.rank_decimals))

    nominal_raw = model.raw_of(False, model.nominal_state)
    nominal_scores = normalise_cube(nominal_raw, fw.methods, fw.higher, fw.lower, fw.upper, fw.target, fw.codes)
    nominal_index = aggregate(nominal_scores, model.weights_of(False, model.nominal_state)[None, :],
                              fw.dimension_of, spec.aggregation, spec.min_share, spec.geometric_floor,
                              model.applies).index
    nominal = ranks_of(nominal_index)[0]

    def evaluate(x: FloatArray) -> FloatArray:
        """Every run's ranks and its mean absolute shift from the nominal ranks, a block of runs at a time (the
        temporaries of a block stay small: see `ranking.BLOCK_ELEMENTS`), the blocks shared by RANK_THREADS
        threads (numpy's sorts let go of the GIL)."""
        index = model.indices(x, progress)
        y = np.empty((index.shape[0], index.shape[1] + 1))
        step = max(1, BLOCK_ELEMENTS // max(index.shape[1], 1))

        def fill(start: int) -> None:
            ranks = ranks_of(index[start:start + step])
            both = ~np.isnan(ranks) & ~np.isnan(nominal)
            y[start:start + step, :-1] = ranks
            y[start:start + step, -1] = (np.where(both, np.abs(ranks - nominal), 0.0).sum(axis=1)
                                         / np.maximum(both.sum(axis=1), 1))

        starts = range(0, index.shape[0], step)
        if RANK_THREADS < 2 or len(starts) < 2:
            for start in starts:
                fill(start)
        else:
            with ThreadPoolExecutor(RANK_THREADS) as pool:
                list(pool.map(fill, starts))
        return y

    groups = model.groups()
    shift_column = raw.shape[1]
    _, y, result = saltelli(evaluate, [(0.0, 1.0)] * len(groups), groups, base_samples, seed=seed,
                            num_resamples=num_resamples, conf_columns=None if region_confidence else [shift_column])
    ranks = y[:, :-1][:, seen]
    quantiles, share = nan_quantiles(ranks)
    names = inputs.names()

    def conf(value: float) -> float | None:
        return None if np.isnan(value) else float(value)

    def indices(k: int) -> tuple[SobolIndex, ...]:
        return tuple(SobolIndex(name, float(result.s1[g, k]), conf(result.s1_conf[g, k]), float(result.st[g, k]),
                                conf(result.st_conf[g, k])) for g, name in enumerate(names))

    columns: list[int] = np.nonzero(seen)[0].tolist()
    regions = tuple(
        RegionSensitivity(
            region=str(cube.regions[r]),
            rank=None if np.isnan(nominal[r]) else int(nominal[r]),
            rank_median=float(quantiles["rank_median"][j]), rank_p05=float(quantiles["rank_p05"][j]),
            rank_p95=float(quantiles["rank_p95"][j]), ranked_share=float(share[j]),
            indices=indices(r) if share[j] == 1.0 else (),
        )
        for j, r in enumerate(columns)
    )
    return Sensitivity(period=str(cube.periods[p]), inputs=names, base_samples=base_samples, runs=y.shape[0],
                       seed=seed, regions=regions, rank_shift=indices(y.shape[1] - 1),
                       mean_rank_shift=float(y[:, -1].mean()))
