"""Array types of the engine: every signature states the dtype of its arrays (shapes are in the docstrings)."""

from __future__ import annotations

from typing import TypeAlias, TypeGuard

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.float64]
"""Values, scores, weights and ranks (NaN = missing or not ranked)."""
BoolArray: TypeAlias = npt.NDArray[np.bool_]
IntArray: TypeAlias = npt.NDArray[np.intp]
"""Integer codes and positions (-1 = none)."""
ObjectArray: TypeAlias = npt.NDArray[np.object_]
"""Labels (codes, method names, band labels)."""
GenericArray: TypeAlias = npt.NDArray[np.generic]
"""An array whose dtype is known only at run time (parameters as the caller gave them)."""


def is_bool_array(array: GenericArray) -> TypeGuard[BoolArray]:
    """True when `array` holds booleans (the dtype of an array built from user input is known only at run time)."""
    return bool(array.dtype == bool)
