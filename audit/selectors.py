"""Reads of the audit trail."""

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Action, AuditEvent, Submission

ROUND_STARTS = (Action.SUBMISSION_RETURNED, Action.SUBMISSION_REOPENED)
"""The events after which a submission is prepared again: the province returned it, or it was reopened."""


def submission_events(submission: Submission, *, actions: Iterable[str] | None = None) -> QuerySet[AuditEvent]:
    """The submission's events, newest first, with their actors; only `actions` when given."""
    events = AuditEvent.objects.filter(submission=submission).select_related("actor").order_by("-at", "-id")
    return events if actions is None else events.filter(action__in=actions)


def submission_events_since(submission: Submission, version: int) -> QuerySet[AuditEvent]:
    """What changed the submission after `version`, oldest first: the news for someone who opened that version."""
    return (AuditEvent.objects.filter(submission=submission, submission_version__gt=version)
            .select_related("actor").order_by("at", "id"))


def submission_round_actors(submission: Submission) -> dict[str, set[int]]:
    """Who did what in the submission's current round — its events since it was last returned or reopened (all of
    them if it never was) — as action → ids of the users who took it; the platform itself (no user) is left out.
    Sending back to the officer does not start a round: what was entered before is still being signed off."""
    return submissions_round_actors([submission.pk]).get(submission.pk, {})


def submissions_round_actors(submission_ids: Iterable[int]) -> dict[int, dict[str, set[int]]]:
    """`submission_round_actors` of many submissions (a page of a list) in one query: submission id → action →
    user ids (a submission without any event is absent)."""
    start = (AuditEvent.objects.filter(submission_id=OuterRef("submission_id"), action__in=ROUND_STARTS)
             .order_by("-id").values("id")[:1])
    events = AuditEvent.objects.filter(submission_id__in=list(submission_ids), actor__isnull=False,
                                       id__gt=Coalesce(Subquery(start), Value(0)))
    took: dict[int, dict[str, set[int]]] = {}
    for submission_id, action, actor_id in (events.order_by().values_list("submission_id", "action", "actor_id")
                                            .distinct()):
        took.setdefault(submission_id, {}).setdefault(action, set()).add(actor_id)
    return took


def change_record(event: AuditEvent) -> dict[str, Any]:
    """An event as JSON for someone whose edit was refused: who changed what, when, from what to what."""
    actor = event.actor
    return {"by": (actor.get_full_name() or actor.get_username()) if actor else None,
            "at": timezone.localtime(event.at).isoformat(),
            "subject": event.subject, "old": event.old, "new": event.new, "version": event.submission_version}


def events_about(target: Model) -> QuerySet[AuditEvent]:
    """The events whose target is `target` (any model instance), oldest first."""
    return (AuditEvent.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
            .select_related("actor").order_by("at", "id"))
