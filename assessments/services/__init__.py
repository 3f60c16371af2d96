"""Writes on the facts that carry a business rule. Each runs in one transaction and audits what matters."""

from .evidence import evidence_add, evidence_remove
from .imports import ImportRefused, import_apply, import_preview
from .notifications import notifications_mark_read
from .regions import regions_load
from .scores import ScoringRefused, cycle_scores_compute, cycle_scores_request
from .submissions import (
    Entry,
    EntryLocked,
    SaveResult,
    StaleEdit,
    ValuesInvalid,
    submission_transition,
    values_copy_previous,
    values_save,
)

__all__ = [
    "Entry",
    "EntryLocked",
    "ImportRefused",
    "SaveResult",
    "ScoringRefused",
    "StaleEdit",
    "ValuesInvalid",
    "cycle_scores_compute",
    "cycle_scores_request",
    "evidence_add",
    "evidence_remove",
    "import_apply",
    "import_preview",
    "notifications_mark_read",
    "regions_load",
    "submission_transition",
    "values_copy_previous",
    "values_save",
]
