"""The audit trail: every write that matters calls `audit_record` inside its own transaction."""

from .models import AuditEvent


def audit_record(*, actor, action, submission=None, framework=None, subject="", old=None, new=None, comment=""):
    return AuditEvent.objects.create(**_fields(actor, action, submission, framework, subject, old, new, comment))


def audit_record_many(*, actor, action, submission, changes):
    """One event per (subject, old, new) in `changes`, in one query."""
    return AuditEvent.objects.bulk_create(
        AuditEvent(**_fields(actor, action, submission, None, subject, old, new, "")) for subject, old, new in changes
    )


def _fields(actor, action, submission, framework, subject, old, new, comment):
    return {
        "actor": actor if actor is not None and actor.is_authenticated else None,
        "action": action, "submission": submission, "framework": framework, "subject": subject,
        "submission_version": submission.version if submission is not None else None,
        "old": old, "new": new, "comment": comment,
    }
