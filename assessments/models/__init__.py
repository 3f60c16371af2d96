"""The facts: the region register, who may act where, people, cycles and their campaigns, submissions, values,
evidence, score runs, results and publications.
Their audit trail is the `audit` app's; citizens' satisfaction data is the `surveys` app's."""

from .campaign import ReminderSchedule
from .file_imports import FileImportRequest
from .people_imports import PeopleImportRequest, people_import_path
from .regions import REGION_CODE, Person, Region, RegionName, RoleAssignment
from .scores import DimensionScore, IndicatorScore, Publication, RegionScore, RunAnalysis, ScoreRun
from .submissions import (
    ComparisonGroup,
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
    "ComparisonGroup",
    "Cycle",
    "DimensionScore",
    "Evidence",
    "FileImportRequest",
    "IndicatorScore",
    "IndicatorValue",
    "Notification",
    "PeopleImportRequest",
    "Person",
    "Publication",
    "Region",
    "RegionName",
    "RegionScore",
    "ReminderSchedule",
    "ReviewComment",
    "RoleAssignment",
    "RunAnalysis",
    "ScoreRun",
    "Submission",
    "evidence_path",
    "people_import_path",
]
