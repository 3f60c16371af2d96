"""Writes on the facts that carry a business rule. Each runs in one transaction and audits what matters."""

from .regions import regions_load
from .scores import ScoringRefused, cycle_scores_compute, cycle_scores_request
from .submissions import Entry, EntryLocked, SaveResult, StaleEdit, ValuesInvalid, submission_transition, values_save

__all__ = [
    "Entry",
    "EntryLocked",
    "SaveResult",
    "ScoringRefused",
    "StaleEdit",
    "ValuesInvalid",
    "cycle_scores_compute",
    "cycle_scores_request",
    "regions_load",
    "submission_transition",
    "notifications_mark_read",
    "values_copy_previous",
    "values_save",
]
