"""Writes on evidence files: add and remove, by whoever may edit the submission's values, each audited.

The file is checked (type from its content, size, name) before anything is locked or written; it is stored
under MEDIA_ROOT through the model's FileField and is only ever served by the permission-checking download
view.
"""

from __future__ import annotations

from typing import IO, Any

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import Actor, audit_record

from ..evidence import EvidenceInvalid, check_upload
from ..models import Evidence, Submission
from .submissions import _check_may_edit, _locked

GENERAL = "general"
"""The indicator code that stands for evidence on the submission as a whole."""


def evidence_add(*, submission: Submission, indicator_code: str | None, upload: File[Any] | IO[bytes], actor: Actor
                 ) -> Evidence:
    """Attach `upload` to `submission`, on the indicator `indicator_code` (None, "" or "general": the
    submission as a whole). Raises EvidenceInvalid (the file or the indicator is refused), PermissionRefused
    or EntryLocked (the actor may not edit this submission now); in every case nothing is stored."""
    checked = check_upload(upload)
    code = (indicator_code or "").strip()
    stored = None
    try:
        with transaction.atomic():
            submission = _locked(submission)
            _check_may_edit(submission, actor)
            indicator = None
            if code and code != GENERAL:
                indicator = submission.cycle.framework.indicators.filter(code=code).first()
                if indicator is None:
                    raise EvidenceInvalid(_("“%(code)s” is not an indicator of this framework.") % {"code": code})
            if submission.evidence.filter(indicator=indicator, sha256=checked.sha256).exists():
                raise EvidenceInvalid(_("This file is already attached here."))
            evidence = Evidence(submission=submission, indicator=indicator, original_name=checked.name,
                                content_type=checked.type.content_type, size=checked.size, sha256=checked.sha256,
                                uploaded_by=actor if actor is not None and actor.is_authenticated else None)
            upload.seek(0)
            content = upload if isinstance(upload, File) else File(upload, name=checked.name)
            evidence.file.save(checked.name, content, save=False)
            stored = evidence.file.name
            evidence.save()
            audit_record(actor=actor, action=Action.EVIDENCE_ADDED, submission=submission, subject=_subject(evidence),
                         new=_facts(evidence))
    except BaseException:
        if stored:
            Evidence.file.field.storage.delete(stored)
        raise
    return evidence


def evidence_remove(*, evidence: Evidence, actor: Actor) -> None:
    """Remove an evidence file: the row now, the stored file once the transaction has committed."""
    with transaction.atomic():
        submission = _locked(evidence.submission)
        _check_may_edit(submission, actor)
        evidence = Evidence.objects.select_related("indicator").get(pk=evidence.pk, submission=submission)
        facts, subject, name = _facts(evidence), _subject(evidence), evidence.file.name
        evidence.delete()
        audit_record(actor=actor, action=Action.EVIDENCE_REMOVED, submission=submission, subject=subject, old=facts)
        storage = Evidence.file.field.storage
        transaction.on_commit(lambda: storage.delete(name) if name else None)


def _subject(evidence: Evidence) -> str:
    return evidence.indicator.code if evidence.indicator is not None else ""


def _facts(evidence: Evidence) -> dict[str, Any]:
    return {"file": evidence.original_name, "sha256": evidence.sha256, "size": evidence.size,
            "content_type": evidence.content_type}
