"""The facts: regions, who may act where, cycles, submissions, values, evidence, score runs and results.
Their audit trail is the `audit` app's; citizens' satisfaction data is the `surveys` app's."""

from .regions import REGION_CODE, Region, RoleAssignment
from .scores import DimensionScore, IndicatorScore, RegionScore, ScoreRun
from .submissions import (
    Cycle,
    Evidence,
    IndicatorValue,
    Notification,
    ReviewComment,
    Submission,
    evidence_path,
)

__all__ = [
    "REGION_CODE",
    "Cycle",
    "DimensionScore",
    "Evidence",
    "IndicatorScore",
    "IndicatorValue",
    "Notification",
    "Region",
    "RegionScore",
    "ReviewComment",
    "RoleAssignment",
    "ScoreRun",
    "Submission",
    "evidence_path",
]
