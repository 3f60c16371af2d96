"""Demo values drawn from the distributions published figures suggest (docs/framework-v2-demo-distributions.md),
so that the demo shows ceiling effects where real data have them — v1's 好差评 satisfied share at 99.8 %, its
rectification rate at 100 % — and none where v2's recalibration removed them.

Each indicator of the default framework (per version) has a marginal distribution: `Beta` (mean and sd, on
[lo, hi]), `LogNormal` (median, σ), `Normal`, `Gamma`, `NegBinomial` (mean, dispersion k), `Uniform` or
`Categorical` (ordinal levels 0, 1, …), optionally with a point mass (`Mass`) given to the best (or worst)
regions. Regions are tied together by a Gaussian copula: a region's latent maturity (its standardised capacity,
as `values.generate_values` builds it) loads on every indicator with the indicator's `loading`, so better regions
draw better values of every indicator and the index spreads as real ones do. A county lies `COUNTY_SHIFT` lower on
the latent scale (except the 好差评 and 12345 rates, reported alike everywhere), and every cycle moves the latent
scale up by `YEARLY_SHIFT`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from indicators.models import Indicator

COUNTY_SHIFT = 0.3
YEARLY_SHIFT = 0.15


@dataclass(frozen=True)
class Beta:
    mean: float
    sd: float
    lo: float = 0.0
    hi: float = 100.0

    def ppf(self, u: np.ndarray) -> np.ndarray:
        m, s = (self.mean - self.lo) / (self.hi - self.lo), self.sd / (self.hi - self.lo)
        k = m * (1 - m) / s**2 - 1
        return self.lo + (self.hi - self.lo) * np.asarray(stats.beta.ppf(u, m * k, (1 - m) * k), dtype=float)


@dataclass(frozen=True)
class LogNormal:
    median: float
    sigma: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.median * np.exp(self.sigma * np.asarray(stats.norm.ppf(u), dtype=float))


@dataclass(frozen=True)
class Normal:
    mean: float
    sd: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.asarray(stats.norm.ppf(u, self.mean, self.sd), dtype=float)


@dataclass(frozen=True)
class Gamma:
    mean: float
    sd: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        shape = (self.mean / self.sd) ** 2
        return np.asarray(stats.gamma.ppf(u, shape, scale=self.mean / shape), dtype=float)


@dataclass(frozen=True)
class NegBinomial:
    mean: float
    k: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.asarray(stats.nbinom.ppf(u, self.k, self.k / (self.k + self.mean)), dtype=float)


@dataclass(frozen=True)
class Uniform:
    lo: float
    hi: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.lo + (self.hi - self.lo) * u


@dataclass(frozen=True)
class Categorical:
    probabilities: tuple[float, ...]

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.searchsorted(np.cumsum(self.probabilities)[:-1], u, side="right").astype(float)


Marginal = Beta | LogNormal | Normal | Gamma | NegBinomial | Uniform | Categorical


@dataclass(frozen=True)
class Mass:
    """With probability `share` the value is exactly `value`: given to the best regions (`best`), else the worst."""

    share: float
    value: float
    best: bool = True


@dataclass(frozen=True)
class Draw:
    marginal: Marginal
    mass: Mass | None = None
    loading: float = 0.5
    county_shift: bool = True
    """False for the rates reported alike at every level (好差评, 12345)."""


def _d(marginal: Marginal, mass: Mass | None = None, *, loading: float = 0.5, county_shift: bool = True) -> Draw:
    return Draw(marginal, mass, loading, county_shift)


SURVEY, RECORDS = 0.3, 0.6
"""Loadings of the survey scores and of the case-record indicators SC01–SC06 (the others load 0.5)."""
TOP = 100.0

DISTRIBUTIONS: dict[int, dict[str, Draw]] = {
    2: {
        "RS01": _d(Beta(86, 9), Mass(0.10, TOP)),
        "RS02": _d(Beta(85, 10)),
        "RS03": _d(LogNormal(4, 0.6)),
        "RS04": _d(Beta(78, 15)),
        "RS05": _d(Beta(40, 18)),
        "RS06": _d(Beta(60, 20), Mass(0.30, 0.0, best=False)),
        "RS07": _d(Beta(65, 18)),
        "RS08": _d(Categorical((.35, .30, .20, .10, .05))),
        "RS09": _d(Beta(65, 20)),
        "RS10": _d(LogNormal(0.6, 1.0), Mass(0.30, 0.0, best=False)),
        "RS11": _d(Beta(55, 25), Mass(0.15, TOP)),
        "RS12": _d(Categorical((.05, .45, .35, .15))),
        "RS13": _d(Beta(75, 15)),
        "MP01": _d(Beta(96.5, 2.5, 80, 100), Mass(0.05, TOP)),
        "MP02": _d(Beta(60, 15)),
        "MP05": _d(LogNormal(7, 0.45), county_shift=False),
        "MP06": _d(Beta(18, 10)),
        "MP07": _d(Beta(82, 10)),
        "MP08": _d(Categorical((.05, .20, .40, .25, .10))),
        "MP09": _d(Beta(90, 7, 40, 100), county_shift=False),
        "MP10": _d(Beta(98.5, 1.2, 90, 100), Mass(0.15, TOP), county_shift=False),
        "MP11": _d(Beta(75, 15), Mass(0.10, TOP)),
        "MP12": _d(NegBinomial(4, 1)),
        "MP13": _d(Beta(75, 15)),
        "MP14": _d(Categorical((.15, .35, .30, .15, .05))),
        "SC01": _d(Beta(72, 12), loading=RECORDS),
        "SC02": _d(Beta(62, 15), loading=RECORDS),
        "SC03": _d(Gamma(0.6, 0.25), loading=RECORDS),
        "SC04": _d(Normal(3.2, 0.8), loading=RECORDS),
        "SC05": _d(Beta(70, 12), loading=RECORDS),
        "SC06": _d(Beta(50, 15), loading=RECORDS),
        "SC07": _d(Beta(82, 12)),
        "SC08": _d(Beta(87, 8)),
        "SC09": _d(Beta(80, 15), Mass(0.30, TOP)),
        "SC10": _d(Beta(60, 18)),
        "SC11": _d(Beta(12, 10)),
        "SC12": _d(Normal(75, 10)),
        "SC13": _d(Beta(35, 20)),
        "PS01": _d(LogNormal(0.02, 0.8), Mass(0.01, 0.0), county_shift=False),
        "PS02": _d(Beta(72, 12), loading=SURVEY),
        "PS03": _d(Normal(76, 5), loading=SURVEY),
        "PS04": _d(Normal(86, 4), loading=SURVEY),
        "PS05": _d(Beta(82, 8), loading=SURVEY, county_shift=False),
        "PS07": _d(Beta(85, 7), county_shift=False),
        "PS09": _d(Beta(55, 20)),
        "PS10": _d(Beta(74, 12), loading=SURVEY),
    },
    1: {
        "RS01": _d(Beta(86, 9), Mass(0.10, TOP)),
        "RS02": _d(Beta(80, 12)),
        "RS03": _d(LogNormal(4, 0.6)),
        "RS04": _d(Beta(90, 8), Mass(0.15, TOP)),
        "RS05": _d(Beta(65, 18)),
        "RS06": _d(LogNormal(400, 1.0), Mass(0.30, 0.0, best=False)),
        "RS07": _d(Beta(70, 18)),
        "RS08": _d(Categorical((0.55, 0.45))),
        "MP01": _d(Beta(97.5, 2, 85, 100), Mass(0.10, TOP)),
        "MP02": _d(Beta(85, 8)),
        "MP03": _d(LogNormal(20, 0.6)),
        "MP04": _d(Beta(97, 2.5, 80, 100), Mass(0.10, TOP)),
        "MP05": _d(LogNormal(7, 0.45), county_shift=False),
        "MP06": _d(Beta(96, 3, 70, 100), Mass(0.30, TOP)),
        "MP07": _d(Beta(94, 4, 60, 100)),
        "MP08": _d(Categorical((.05, .20, .40, .25, .10))),
        "SC01": _d(Beta(92, 5), Mass(0.10, TOP), loading=RECORDS),
        "SC02": _d(Beta(62, 15), loading=RECORDS),
        "SC03": _d(Beta(0.35, 0.15, 0, 2), loading=RECORDS),
        "SC04": _d(Normal(3.5, 0.8), loading=RECORDS),
        "SC05": _d(Beta(62, 12), loading=RECORDS),
        "SC06": _d(Beta(35, 12), loading=RECORDS),
        "SC07": _d(Beta(90, 7)),
        "SC08": _d(Beta(87, 8)),
        "SC09": _d(Beta(80, 15), Mass(0.30, TOP)),
        "PS01": _d(Beta(99.8, 0.15, 98, 100), county_shift=False),
        "PS02": _d(Beta(97, 2, 85, 100), Mass(0.85, TOP), county_shift=False),
        "PS03": _d(Normal(76, 5), loading=SURVEY),
        "PS04": _d(Normal(90, 4), loading=SURVEY),
        "PS05": _d(Uniform(96.8, 99.96), county_shift=False),
        "PS06": _d(Beta(98.5, 1.2, 90, 100), Mass(0.15, TOP), county_shift=False),
        "PS07": _d(Beta(15, 7), county_shift=False),
        "PS08": _d(Normal(78, 6), loading=SURVEY),
    },
}
"""Framework version of `smartgov-maturity` → indicator code → its draw (v1's PS07 is the unresolved share, the
complement of v2's resolved share: beta(85, 7) mirrored)."""


@dataclass(frozen=True)
class Column:
    """What the draw of one indicator needs to know of it."""

    code: str
    higher: bool
    low: float
    high: float
    """The valid range (±inf where open)."""
    decimals: int | None
    """Rounding (None: whole levels, as for ordinal and yes/no indicators)."""


def columns_of(indicators: Sequence[Indicator]) -> list[Column]:
    """The columns of `indicators` (percents to 2 decimals, counts and other numbers to 2, levels whole)."""
    whole = (Indicator.DataType.ORDINAL, Indicator.DataType.BOOLEAN)
    return [Column(code=i.code, higher=i.direction == Indicator.Direction.HIGHER,
                   low=-np.inf if i.min_value is None else i.min_value,
                   high=np.inf if i.max_value is None else i.max_value,
                   decimals=None if i.data_type in whole else 2) for i in indicators]


def draw_values(columns: Sequence[Column], latent: np.ndarray, county: np.ndarray, periods: int, *, version: int,
                seed: int) -> np.ndarray:
    """Values (periods, regions, indicators) of `columns` under framework `version`: `latent` (regions,) is each
    region's standardised maturity, `county` (regions,) whether it is a county-level division."""
    table = DISTRIBUTIONS[version]
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((periods, len(latent), len(columns)))
    values = np.empty_like(noise)
    for j, column in enumerate(columns):
        draw = table[column.code]
        shift = np.where(county & draw.county_shift, -COUNTY_SHIFT, 0.0)
        z = draw.loading * (latent + shift)[None, :] + np.sqrt(1 - draw.loading**2) * noise[:, :, j]
        z = z + YEARLY_SHIFT * (np.arange(periods) - (periods - 1))[:, None]
        u = np.clip(stats.norm.cdf(z), 1e-9, 1 - 1e-9)
        values[:, :, j] = _value(draw, u if column.higher else 1 - u, u, column)
    return values


def _value(draw: Draw, quantile: np.ndarray, merit: np.ndarray, column: Column) -> np.ndarray:
    """The marginal's value at `quantile`, the point mass given where `merit` (the region's standing, 0–1) is
    highest (or lowest), clipped to the valid range and rounded."""
    value = draw.marginal.ppf(quantile)
    if draw.mass is not None:
        at = merit > 1 - draw.mass.share if draw.mass.best else merit < draw.mass.share
        value = np.where(at, draw.mass.value, value)
    value = np.clip(value, column.low, column.high)
    rounded: np.ndarray = np.rint(value) if column.decimals is None else np.round(value, column.decimals)
    return rounded
