"""Which indicators apply to which regions: an indicator's `applies_to` names region levels, and a region of
another level is assessed without it (docs/scoring.md §6)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .arrays import BoolArray, FloatArray
from .framework import Framework
from .keys import Levels
from .spec import REGION_LEVELS


def applicable(fw: Framework, regions: pd.Index, levels: Levels | None) -> BoolArray | None:
    """(R, I) whether each indicator applies to each region, by the region's level; None when all apply (no
    levels given, or no indicator restricted to some levels)."""
    if levels is None or fw.applies_at.all():
        return None
    level_of = pd.Index(REGION_LEVELS).get_indexer(pd.Series(levels, dtype=object).reindex(regions))
    mask = np.ones((len(regions), len(fw.codes)), dtype=bool)
    known = level_of >= 0
    mask[known] = fw.applies_at[level_of[known]]
    return None if mask.all() else mask


def leave_out(values: FloatArray, mask: BoolArray | None) -> FloatArray:
    """`values` (…, R, I) with NaN where the indicator does not apply: a value entered there counts for nothing."""
    return values if mask is None else np.where(mask, values, np.nan)
