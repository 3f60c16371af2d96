"""Satisfaction estimates with 95 % intervals. Plain numpy: no Django, so it runs anywhere.

Scores (questionnaires, indicators in points 0–100)
    Each answer x on the 1–5 scale (1 非常不满意 … 5 非常满意) becomes (x − 1) ÷ 4 × 100. A respondent who answered
    several questions of one indicator counts once, with the mean of those answers. Unweighted, the estimate is
    the mean ȳ of the n respondents' scores and the interval ȳ ± 1.96 · s ÷ √n (normal approximation; s the
    sample standard deviation, n − 1 in the denominator).

    Weighted (post-stratification to population shares, e.g. by age band): respondent i in group g gets
    w_i = P_g ÷ p_g, where P_g is the group's population share and p_g its share among the respondents.
    Groups without respondents are left out and the other groups' population shares rescaled to sum to 1 (the
    estimate says so); respondents with no group, or a group without a population share, are left out. Then
    ȳ_w = Σ w y ÷ Σ w, Kish's effective sample size n_eff = (Σ w)² ÷ Σ w², the weighted variance
    s_w² = Σ w (y − ȳ_w)² ÷ Σ w · n_eff ÷ (n_eff − 1), and the interval ȳ_w ± 1.96 · s_w ÷ √n_eff. With all
    weights equal this is exactly the unweighted estimate.

    Intervals are clipped to 0–100. With a single respondent there is no interval.

Shares (good/bad ratings, hotline, indicators in %)
    p̂ = k ÷ n, shown × 100. Wilson score interval: (p̂ + z²/2n ± z · √(p̂(1 − p̂)/n + z²/4n²)) ÷ (1 + z²/n),
    z = 1.96; it stays within 0–100 and behaves at p̂ = 0 or 1 and for small n, unlike p̂ ± z√(p̂(1 − p̂)/n).
    Hotline figures are counts of all work orders, not a sample: their interval only says how much a rate of
    that size moves from one period to the next by chance.
"""

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, SupportsFloat

import numpy as np
import numpy.typing as npt

Z95 = 1.959963984540054
"""The 97.5th percentile of the standard normal distribution (the brief's “1.96”)."""
SCALE_LOW, SCALE_HIGH = 1, 5


@dataclass(frozen=True)
class Estimate:
    method: str
    """"mean" (a scale turned into 0–100) or "share" (a proportion in %)."""
    value: float | None
    n: int
    """Respondents (or ratings, or requesters) counted."""
    low: float | None = None
    high: float | None = None
    sd: float | None = None
    n_effective: float | None = None
    """Kish's effective sample size when weighted, else n."""
    weighted: bool = False
    unweighted: float | None = None
    """The unweighted mean, when the estimate is weighted."""
    excluded: int = 0
    """Respondents left out of a weighted estimate (no group, or a group without a population share)."""
    empty_groups: tuple[object, ...] = ()
    """Groups with a population share but no respondent (their share went to the others)."""
    numerator: int | None = None
    """For a share: k in k ÷ n."""
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def half_width(self) -> float | None:
        if self.low is None or self.high is None:
            return None
        return (self.high - self.low) / 2


def likert_score(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """1–5 answers as 0–100 scores: (x − 1) ÷ 4 × 100."""
    answers = np.asarray(values, dtype=float)
    return (answers - SCALE_LOW) / (SCALE_HIGH - SCALE_LOW) * 100.0


def mean_estimate(scores: npt.ArrayLike, weights: npt.ArrayLike | None = None, *, z: float = Z95,
                  bounds: tuple[float, float] = (0.0, 100.0)) -> Estimate:
    """The mean of `scores` with its interval, weighted when `weights` is given (see the module's docstring).
    Scores with a zero weight are left out."""
    y = np.asarray(scores, dtype=float)
    if weights is None:
        return _unweighted(y, z, bounds)
    w = np.asarray(weights, dtype=float)
    if w.shape != y.shape:
        raise ValueError("scores and weights differ in length")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite and not negative")
    keep = w > 0
    y, w = y[keep], w[keep]
    n = int(y.size)
    if n == 0:
        return Estimate("mean", None, 0, weighted=True)
    total = w.sum()
    mean = float(min(max(np.dot(w, y) / total, y.min()), y.max()))  # only float rounding can leave the range
    n_eff = float(total * total / np.dot(w, w))
    sd = low = high = None
    if n > 1 and n_eff > 1:
        variance = float(np.dot(w, (y - mean) ** 2) / total * n_eff / (n_eff - 1))
        sd = math.sqrt(variance)
        half = z * sd / math.sqrt(n_eff)
        low, high = _clip(mean - half, bounds), _clip(mean + half, bounds)
    return Estimate("mean", mean, n, low, high, sd, n_eff, weighted=True, unweighted=float(y.mean()))


def _unweighted(y: npt.NDArray[np.float64], z: float, bounds: tuple[float, float]) -> Estimate:
    n = int(y.size)
    if n == 0:
        return Estimate("mean", None, 0)
    mean = float(y.mean())
    if n == 1:
        return Estimate("mean", mean, 1, n_effective=1.0)
    sd = float(y.std(ddof=1))
    half = z * sd / math.sqrt(n)
    return Estimate("mean", mean, n, _clip(mean - half, bounds), _clip(mean + half, bounds), sd, float(n))


def _clip(x: float, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return float(min(max(x, low), high))


def wilson_interval(k: int, n: int, *, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of the proportion k ÷ n, as fractions (0–1)."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= k <= n:
        raise ValueError("k must lie between 0 and n")
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def share_estimate(k: int, n: int, *, z: float = Z95) -> Estimate:
    """k ÷ n in % with its Wilson interval."""
    k, n = int(k), int(n)
    if n == 0:
        return Estimate("share", None, 0, numerator=k)
    low, high = wilson_interval(k, n, z=z)
    return Estimate("share", 100.0 * k / n, n, 100.0 * low, 100.0 * high, n_effective=float(n), numerator=k)


@dataclass(frozen=True)
class Weights:
    weights: np.ndarray
    """One weight per respondent, 0 for those left out; the included ones average 1."""
    excluded: int
    empty_groups: tuple[object, ...]


def poststratification_weights(groups: Iterable[Hashable], shares: Mapping[Any, SupportsFloat | None]) -> Weights:
    """Weights that make the respondents' distribution over `groups` match the population `shares`.

    `groups` holds each respondent's group (None or NaN: no answer); `shares` maps group → population share in
    any unit (% or fractions); groups with a share of 0 or none count as left out.
    """
    groups = list(groups)
    targets = {g: float(s) for g, s in shares.items() if s is not None and float(s) > 0}
    counts: dict[object, int] = {}
    for g in groups:
        if g in targets:
            counts[g] = counts.get(g, 0) + 1
    empty = tuple(g for g in targets if g not in counts)
    present = sum(targets[g] for g in counts)
    known = sum(counts.values())
    weights = np.zeros(len(groups), dtype=float)
    if known == 0:
        return Weights(weights, len(groups), empty)
    factor = {g: (targets[g] / present) / (counts[g] / known) for g in counts}
    for i, g in enumerate(groups):
        if g in factor:
            weights[i] = factor[g]
    return Weights(weights, len(groups) - known, empty)


def respondent_scores(response_ids: npt.ArrayLike, values: npt.ArrayLike
                      ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Answers on the 1–5 scale, one or more per respondent, as one 0–100 score per respondent (the mean of
    that respondent's answers). Returns the sorted respondent ids and their scores."""
    ids = np.asarray(response_ids)
    scores = likert_score(values)
    if ids.size == 0:
        return ids, scores
    unique, inverse = np.unique(ids, return_inverse=True)
    sums = np.bincount(inverse, weights=scores, minlength=unique.size)
    counts = np.bincount(inverse, minlength=unique.size)
    return unique, sums / counts


def bucket_counts(day_counts: list[tuple[date, int]], *, max_days: int = 62) -> tuple[str, list[tuple[date, int]]]:
    """Responses per day, or per week (Monday) when they span more than `max_days` days. `day_counts` is
    [(date, count)] sorted by date; returns ("day" or "week", [(date, count)])."""
    if not day_counts:
        return "day", []
    first, last = day_counts[0][0], day_counts[-1][0]
    if (last - first).days <= max_days:
        return "day", list(day_counts)
    weeks: dict[date, int] = {}
    for day, count in day_counts:
        monday = day.fromordinal(day.toordinal() - day.weekday())
        weeks[monday] = weeks.get(monday, 0) + count
    return "week", sorted(weeks.items())
