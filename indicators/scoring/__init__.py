"""Composite-index scoring engine: pure numpy/pandas, no Django (formulas in docs/scoring.md)."""

from .ahp import RANDOM_INDEX, AHPResult, InconsistentMatrix, ahp_weights, check_consistency
from .audit import Audit, audit
from .compute import ScoringResult, compute
from .normalise import normalise
from .outliers import treat
from .ranking import competition_rank
from .sensitivity import Sensitivity, sensitivity
from .spec import (
    BandSpec,
    DimensionSpec,
    FrameworkSpec,
    IndicatorSpec,
    NormalisationSpec,
    OutlierRule,
    OutlierTreatment,
    SensitivitySpec,
    UncertainInputs,
)
from .topsis import topsis
from .uncertainty import uncertainty
from .version import engine_version
from .weights import combine_weights, entropy_weights

__all__ = [
    "RANDOM_INDEX",
    "AHPResult",
    "Audit",
    "BandSpec",
    "DimensionSpec",
    "FrameworkSpec",
    "InconsistentMatrix",
    "IndicatorSpec",
    "NormalisationSpec",
    "OutlierRule",
    "OutlierTreatment",
    "ScoringResult",
    "Sensitivity",
    "SensitivitySpec",
    "UncertainInputs",
    "ahp_weights",
    "audit",
    "check_consistency",
    "combine_weights",
    "competition_rank",
    "compute",
    "engine_version",
    "entropy_weights",
    "normalise",
    "sensitivity",
    "topsis",
    "treat",
    "uncertainty",
]
