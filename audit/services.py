"""Writing the audit trail: every service that changes something that matters calls `audit_record` (or
`audit_record_many`) inside its own transaction, so that the change and its record commit together."""

from collections.abc import Iterable
from typing import Any, TypeAlias

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import Action, AuditEvent, Region, Submission

Actor: TypeAlias = User | AnonymousUser
"""Who acts: the signed-in user of a request (anonymous ones are recorded as nobody)."""


def audit_record(*, actor: Actor | None, action: Action, target: models.Model | None = None,
                 submission: Submission | None = None, region: Region | None = None,
                 subject: str = "", old: Any = None, new: Any = None, comment: str = "") -> AuditEvent:
    """Record one event. `target` is the object changed (its label is kept with it); `submission` and
    `region` default to the target's own when it has them."""
    return AuditEvent.objects.create(**_fields(actor, action, target, submission, region, subject, old, new, comment))


def audit_record_many(*, actor: Actor | None, action: Action, submission: Submission,
                      changes: Iterable[tuple[str, Any, Any]]) -> list[AuditEvent]:
    """One event per (subject, old, new) in `changes` on `submission`, in one query."""
    return AuditEvent.objects.bulk_create(
        AuditEvent(**_fields(actor, action, None, submission, None, subject, old, new, ""))
        for subject, old, new in changes
    )


def audit_record_each(*, actor: Actor | None, action: Action,
                      events: Iterable[tuple[Submission, str, Any, Any]], comment: str = "") -> list[AuditEvent]:
    """One event per (submission, subject, old, new) in `events` — the same step on many submissions — in one
    query per thousand events: the fields `audit_record_many` gives each, set by id."""
    action, actor_id = Action(action), actor.pk if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.bulk_create(
        (AuditEvent(actor_id=actor_id, action=action, region_id=submission.region_id, submission_id=submission.pk,
                    submission_version=submission.version, subject=subject, old=old, new=new, comment=comment)
         for submission, subject, old, new in events), batch_size=1000)


def _fields(actor: Actor | None, action: Action, target: models.Model | None, submission: Submission | None,
            region: Region | None,
            subject: str, old: Any, new: Any, comment: str) -> dict[str, Any]:
    action = Action(action)
    if submission is None and target is not None:
        submission = getattr(target, "submission", None)
    if region is None:
        region = submission.region if submission is not None else getattr(target, "region", None)
    return {
        "actor": actor if actor is not None and actor.is_authenticated else None,
        "action": action,
        "region": region,
        "submission": submission,
        "submission_version": submission.version if submission is not None else None,
        "target_type": ContentType.objects.get_for_model(target) if target is not None else None,
        "target_id": target.pk if target is not None else None,
        "target_label": str(target)[:200] if target is not None else "",
        "subject": subject,
        "old": old,
        "new": new,
        "comment": comment,
    }
