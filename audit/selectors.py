"""Reads of the audit trail."""

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from .models import AuditEvent, Submission


def submission_events(submission: Submission, *, actions: Iterable[str] | None = None) -> QuerySet[AuditEvent]:
    """The submission's events, newest first, with their actors; only `actions` when given."""
    events = AuditEvent.objects.filter(submission=submission).select_related("actor").order_by("-at", "-id")
    return events if actions is None else events.filter(action__in=actions)


def submission_events_since(submission: Submission, version: int) -> QuerySet[AuditEvent]:
    """What changed the submission after `version`, oldest first: the news for someone who opened that version."""
    return (AuditEvent.objects.filter(submission=submission, submission_version__gt=version)
            .select_related("actor").order_by("at", "id"))


def change_record(event: AuditEvent) -> dict[str, Any]:
    """An event as JSON for someone whose edit was refused: who changed what, when, from what to what."""
    actor = event.actor
    return {"by": (actor.get_full_name() or actor.get_username()) if actor else None, "at": event.at.isoformat(),
            "subject": event.subject, "old": event.old, "new": event.new, "version": event.submission_version}


def events_about(target: Model) -> QuerySet[AuditEvent]:
    """The events whose target is `target` (any model instance), oldest first."""
    return (AuditEvent.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
            .select_related("actor").order_by("at", "id"))
