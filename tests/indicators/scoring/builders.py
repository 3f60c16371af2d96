"""Small framework specs and tidy value frames for the scoring tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.scoring import BandSpec, DimensionSpec, FrameworkSpec, IndicatorSpec, NormalisationSpec

BANDS = (BandSpec(1, 0.0, "起步级"), BandSpec(2, 40.0, "发展级"), BandSpec(3, 60.0, "成熟级"))


def make_spec(layout: dict[str, list[str]], *, dimension_weights: dict[str, float] | None = None,
              indicator_weights: dict[str, float] | None = None, lower_is_better: tuple[str, ...] = (),
              normalisation: NormalisationSpec | None = None, **method) -> FrameworkSpec:
    """A framework with the given dimension → indicator codes layout (equal weights unless given)."""
    norm = normalisation or NormalisationSpec("minmax_fixed", lower=0, upper=100)
    dims = tuple(
        DimensionSpec(code=d, weight=(dimension_weights or {}).get(d, 1 / len(layout))) for d in layout
    )
    inds = tuple(
        IndicatorSpec(code=c, dimension=d, weight=(indicator_weights or {}).get(c, 1 / len(codes)),
                      direction="lower" if c in lower_is_better else "higher", normalisation=norm)
        for d, codes in layout.items() for c in codes
    )
    return FrameworkSpec(code="test", version=1, dimensions=dims, indicators=inds,
                         bands=method.pop("bands", BANDS), **method)


def tidy(cube: np.ndarray, codes: list[str], *, regions: list[str] | None = None,
         periods: list[int] | None = None) -> pd.DataFrame:
    """(period, region, indicator) array → tidy rows; NaN cells become missing rows."""
    n_p, n_r, n_i = cube.shape
    regions = regions or [f"R{r:02d}" for r in range(n_r)]
    periods = periods or list(range(2020, 2020 + n_p))
    frame = pd.DataFrame({
        "region": np.tile(np.repeat(regions, n_i), n_p),
        "period": np.repeat(periods, n_r * n_i),
        "indicator": np.tile(codes, n_p * n_r),
        "value": cube.reshape(-1),
    })
    return frame.dropna(subset=["value"]).reset_index(drop=True)


def one_period(rows: dict[str, list[float]], codes: list[str], period: int = 2024) -> pd.DataFrame:
    """{region: values in `codes` order} → tidy rows of one period (NaN = no row)."""
    frame = pd.DataFrame([
        {"region": r, "period": period, "indicator": c, "value": v}
        for r, values in rows.items() for c, v in zip(codes, values, strict=True)
    ])
    return frame.dropna(subset=["value"]).reset_index(drop=True)
