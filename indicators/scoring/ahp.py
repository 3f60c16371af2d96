"""Analytic Hierarchy Process: principal-eigenvector weights and Saaty's consistency ratio."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from .arrays import FloatArray

Pairwise: TypeAlias = pd.DataFrame | npt.ArrayLike
"""A square pairwise comparison matrix: nested sequences, an array, or a DataFrame labelled on both axes."""

CR_THRESHOLD = 0.10
RECIPROCAL_TOLERANCE = 0.02
"""Relative tolerance on a_ij·a_ji = 1, so that judgements written as 0.33 or 0.14 are accepted."""

RANDOM_INDEX: dict[str, dict[int, float]] = {
    # Saaty, T. L. (1980). The Analytic Hierarchy Process. McGraw-Hill (and Saaty 1990, EJOR 48, 9–26).
    "saaty": {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49},
    # Donegan, H. A. & Dodd, F. J. (1991). A note on Saaty's random indexes. Mathematical and Computer
    # Modelling 15(10), 135–137.
    "donegan_dodd": {
        1: 0.0, 2: 0.0, 3: 0.4914, 4: 0.8286, 5: 1.0591, 6: 1.1797, 7: 1.2519, 8: 1.3171, 9: 1.3733,
        10: 1.4055, 11: 1.4213, 12: 1.4497, 13: 1.4643, 14: 1.4822, 15: 1.4969,
    },
}


class InconsistentMatrix(ValueError):
    """A pairwise comparison matrix whose consistency ratio reaches the threshold."""

    def __init__(self, name: str, cr: float, threshold: float = CR_THRESHOLD):
        self.name, self.cr, self.threshold = name, cr, threshold
        super().__init__(f"AHP matrix {name!r} is inconsistent: CR = {cr:.3f} ≥ {threshold:.2f}")


@dataclass(frozen=True)
class AHPResult:
    weights: FloatArray | pd.Series
    """Principal eigenvector normalised to sum 1, in the order of the matrix (a Series keyed by the
    labels when the matrix was a labelled DataFrame)."""
    lambda_max: float
    ci: float
    cr: float
    random_index: float

    @property
    def consistent(self) -> bool:
        return self.cr < CR_THRESHOLD


def _label(name: str | None) -> str:
    return f"AHP matrix {name!r}" if name else "AHP matrix"


def _validated(pairwise: Pairwise, name: str | None) -> FloatArray:
    matrix = np.asarray(pairwise, dtype=float)
    label = _label(name)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"{label} must be square and non-empty, got shape {matrix.shape}")
    if not (np.isfinite(matrix).all() and (matrix > 0).all()):
        raise ValueError(f"{label} must contain positive finite numbers only")
    product = matrix * matrix.T
    bad = np.abs(product - 1.0) > RECIPROCAL_TOLERANCE
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(
            f"{label} is not reciprocal: a[{i}][{j}]·a[{j}][{i}] = {product[i, j]:.4g} (should be 1)"
        )
    return matrix


def random_index_value(n: int, random_index: str | Mapping[int, float] = "saaty") -> float:
    table = RANDOM_INDEX.get(random_index) if isinstance(random_index, str) else random_index
    if table is None:
        raise ValueError(f"unknown random index table {random_index!r}; expected one of {', '.join(RANDOM_INDEX)}")
    if n not in table:
        raise ValueError(
            f"random index table {random_index if isinstance(random_index, str) else 'given'!r} has no "
            f"value for n = {n} (it covers n ≤ {max(table)}); choose another table, e.g. 'donegan_dodd'"
        )
    return float(table[n])


def ahp_weights(pairwise: Pairwise, *, random_index: str | Mapping[int, float] = "saaty",
                name: str | None = None) -> AHPResult:
    """Weights, λmax, CI and CR of a positive reciprocal pairwise comparison matrix.

    Weights are the principal eigenvector (numpy.linalg.eig) normalised to sum 1;
    CI = (λmax − n)/(n − 1) and CR = CI/RI(n) for n ≥ 3; a 1×1 or 2×2 matrix has CI = CR = 0.
    `random_index` names a table of RANDOM_INDEX or is a mapping n → RI.
    """
    if isinstance(pairwise, pd.DataFrame) and not pairwise.index.equals(pairwise.columns):
        raise ValueError(f"{_label(name)}: rows and columns must carry the same labels in the same order")
    matrix = _validated(pairwise, name)
    n = matrix.shape[0]
    eigenvalues, eigenvectors = np.linalg.eig(matrix)
    k = int(np.argmax(eigenvalues.real))
    vector = np.abs(eigenvectors[:, k].real)
    weights = vector / vector.sum()
    lambda_max = float(eigenvalues[k].real)
    if n <= 2:
        ci = cr = ri = 0.0
    else:
        ri = random_index_value(n, random_index)
        ci = (lambda_max - n) / (n - 1)
        cr = ci / ri
    if isinstance(pairwise, pd.DataFrame):
        weights = pd.Series(weights, index=pairwise.columns)
    return AHPResult(weights=weights, lambda_max=lambda_max, ci=ci, cr=cr, random_index=ri)


def check_consistency(pairwise: Pairwise, name: str, *, threshold: float = CR_THRESHOLD,
                      random_index: str | Mapping[int, float] = "saaty") -> AHPResult:
    """`ahp_weights`, raising InconsistentMatrix (naming the matrix and its CR) when CR ≥ threshold."""
    result = ahp_weights(pairwise, random_index=random_index, name=name)
    if result.cr >= threshold:
        raise InconsistentMatrix(name, result.cr, threshold)
    return result
