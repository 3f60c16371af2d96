"""The facts: regions, who may act where, cycles, submissions, values, evidence, their audit trail, score runs
and results, and the citizens' satisfaction data."""

from .regions import REGION_CODE, Region, RoleAssignment
from .satisfaction import (
    Answer,
    HotlineStatistic,
    Question,
    Questionnaire,
    SatisfactionEstimate,
    SatisfactionImport,
    ServiceRating,
    SurveyResponse,
    questionnaire_key,
)
from .scores import DimensionScore, IndicatorScore, RegionScore, ScoreRun
from .submissions import (
    AuditEvent,
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
    "Answer",
    "AuditEvent",
    "Cycle",
    "DimensionScore",
    "Evidence",
    "HotlineStatistic",
    "IndicatorScore",
    "IndicatorValue",
    "Notification",
    "Question",
    "Questionnaire",
    "Region",
    "RegionScore",
    "ReviewComment",
    "RoleAssignment",
    "SatisfactionEstimate",
    "SatisfactionImport",
    "ScoreRun",
    "ServiceRating",
    "Submission",
    "SurveyResponse",
    "evidence_path",
    "questionnaire_key",
]
