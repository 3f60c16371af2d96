"""The audit trail: every write that matters calls `audit_record` inside its own transaction."""

from .models import AuditEvent


def audit_record(*, actor, action, submission=None, framework=None, subject="", old=None, new=None, comment=""):
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action, submission=submission, framework=framework,
        subject=subject, old=old, new=new, comment=comment,
    )
