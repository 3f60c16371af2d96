"""Writes on the facts that carry a business rule. Each runs in one transaction and audits what matters."""

from .cycles import cycle_create, cycle_update
from .evidence import evidence_add, evidence_remove
from .imports import ImportRefused, import_apply, import_preview
from .notifications import notifications_mark_read
from .people import person_password_set, person_save
from .regions import regions_load
from .roles import role_grant, role_revoke
from .scores import ScoringRefused, cycle_scores_are_current, cycle_scores_compute, cycle_scores_request
from .submissions import (
    Change,
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
    "Change",
    "Entry",
    "EntryLocked",
    "ImportRefused",
    "SaveResult",
    "ScoringRefused",
    "StaleEdit",
    "ValuesInvalid",
    "cycle_create",
    "cycle_scores_are_current",
    "cycle_scores_compute",
    "cycle_scores_request",
    "cycle_update",
    "evidence_add",
    "evidence_remove",
    "import_apply",
    "import_preview",
    "notifications_mark_read",
    "person_password_set",
    "person_save",
    "regions_load",
    "role_grant",
    "role_revoke",
    "submission_transition",
    "values_copy_previous",
    "values_save",
]
