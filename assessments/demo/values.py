"""The demo's values: generated, not observed (every demo cycle is flagged `is_demo` and shown as demo data).

They are plausible on purpose: each city has a latent capacity (province effect plus its own), each
dimension follows it with its own noise, each indicator follows its dimension, and every city improves a
little each year, so indicators correlate across indicators and across years as real ones do.
"""

from collections.abc import Mapping, Sequence

import numpy as np

from indicators.models import Indicator

SEED = 20261125
LEADING_CITIES = {"440300": 1.6, "330100": 1.5, "440100": 1.3, "320500": 1.2, "320100": 1.1, "330200": 0.9}
PROVINCE_EFFECT = {"330000": 0.35, "440000": 0.15, "320000": 0.25}
"""The demo's provinces (江苏, 浙江, 广东) and how far ahead each is."""
PARENT_SHARE, OWN_SHARE, COUNTY_GAP = 0.8, 0.6, 0.2
"""How a county-level division follows its prefecture when `generate_values` is given the parents (the national
demo): a correlation of 0.8 between their own capacities (the variance unchanged), a little lower on average."""


def generate_values(city_codes: Sequence[str], province_of: Mapping[str, str], indicators: Sequence[Indicator],
                    periods: Sequence[int], seed: int = SEED, *, province_effect: Mapping[str, float] | None = None,
                    parent_of: Mapping[str, str] | None = None) -> np.ndarray:
    """Generated values, shape (periods, cities, indicators), within each indicator's goalposts and range.

    `province_effect` (province code → how far ahead it is) replaces the demo's three provinces' `PROVINCE_EFFECT`.
    `parent_of` (the national demo's: county-level code → its prefecture-level parent's, among `city_codes`) makes
    a county follow its prefecture: its own capacity is `PARENT_SHARE` of its prefecture's plus a smaller draw of
    its own, `COUNTY_GAP` below; without it (the quick demo) every region draws its capacity alone, as before.
    """
    rng = np.random.default_rng(seed)
    n_cities, n_indicators = len(city_codes), len(indicators)
    capacity = _capacity(rng, city_codes, province_of, province_effect, parent_of)
    dimensions = sorted({i.dimension.code for i in indicators})
    dimension_of = np.array([dimensions.index(i.dimension.code) for i in indicators])
    dimension_noise = rng.normal(0, 0.45, (n_cities, len(dimensions)))
    indicator_noise = rng.normal(0, 0.5, (n_cities, n_indicators))
    yearly = rng.normal(0, 0.15, (len(periods), n_cities, n_indicators))
    growth = 0.3 * np.arange(len(periods))[:, None, None]
    latent = (capacity[:, None] + dimension_noise[:, dimension_of] + indicator_noise)[None] + growth + yearly
    share = 1 / (1 + np.exp(-(latent - 0.2)))

    values: np.ndarray = np.empty_like(share)
    for j, indicator in enumerate(indicators):
        low, high = _span(indicator)
        s = share[:, :, j] if indicator.direction == Indicator.Direction.HIGHER else 1 - share[:, :, j]
        column = low + (high - low) * s
        if indicator.data_type == Indicator.DataType.BOOLEAN:
            column = (s > 0.45).astype(float)
        elif indicator.data_type == Indicator.DataType.ORDINAL:
            column = np.rint(column)
        elif indicator.data_type == Indicator.DataType.PERCENT:
            column = np.round(column, 1)
        else:
            column = np.round(column, 0 if high - low >= 100 else 2)
        values[:, :, j] = np.clip(column, *_valid(indicator))
    return values


def demo_capacity(city_codes: Sequence[str], province_of: Mapping[str, str], seed: int = SEED) -> np.ndarray:
    """Each city's latent capacity as `generate_values` draws it with the same seed, standardised (mean 0, sd 1):
    the maturity on which the draws from published distributions (`distributions.draw_values`) load."""
    capacity = _capacity(np.random.default_rng(seed), city_codes, province_of, None, None)
    standardised: np.ndarray = (capacity - capacity.mean()) / (capacity.std() or 1.0)
    return standardised


def _capacity(rng: np.random.Generator, city_codes: Sequence[str], province_of: Mapping[str, str],
              province_effect: Mapping[str, float] | None, parent_of: Mapping[str, str] | None) -> np.ndarray:
    """A region's own draw (the first of `rng`), following its parent's when given, plus its province's lead and
    its own as a leading city."""
    effects = PROVINCE_EFFECT if province_effect is None else province_effect
    own = rng.normal(0, 0.6, len(city_codes))
    if parent_of:
        own = _follow_parents(own, city_codes, parent_of)
    capacity: np.ndarray = own + np.array(
        [LEADING_CITIES.get(code, 0) + effects.get(province_of[code], 0) for code in city_codes])
    return capacity


def _follow_parents(own: np.ndarray, codes: Sequence[str], parent_of: Mapping[str, str]) -> np.ndarray:
    """Each region whose parent is among `codes` takes `PARENT_SHARE` of its parent's own capacity, keeps
    `OWN_SHARE` of its own draw and lies `COUNTY_GAP` lower (regions without such a parent keep their draw)."""
    position = {code: n for n, code in enumerate(codes)}
    children = np.array([n for n, code in enumerate(codes) if parent_of.get(code) in position], dtype=int)
    if not len(children):
        return own
    parents = np.array([position[parent_of[codes[n]]] for n in children], dtype=int)
    followed = own.copy()
    followed[children] = PARENT_SHARE * own[parents] + OWN_SHARE * own[children] - COUNTY_GAP
    return followed


def _span(indicator: Indicator) -> tuple[float, float]:
    low = indicator.goalpost_lower if indicator.goalpost_lower is not None else indicator.min_value
    high = indicator.goalpost_upper if indicator.goalpost_upper is not None else indicator.max_value
    if indicator.data_type == Indicator.DataType.PERCENT:
        low, high = (0.0 if low is None else low), (100.0 if high is None else high)
    if low is None or high is None:
        target = indicator.target or 1.0
        low, high = (0.0 if low is None else low), (2 * target if high is None else high)
    return low, high


def _valid(indicator: Indicator) -> tuple[float, float]:
    return (
        -np.inf if indicator.min_value is None else indicator.min_value,
        np.inf if indicator.max_value is None else indicator.max_value,
    )
