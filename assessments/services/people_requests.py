"""The apply of a people sheet as background work. The dry run stays in the request (it is a read: 0.4 s for
2,000 rows, 1.5 s for 10,000 — benchmarks/people_import.py); the apply, which writes every account, role and
invitation, is a request that stores the file privately and records its job in one transaction (outbox), so the
page answers at once and the work is never lost. The job runs `people_import_apply` on the stored bytes — the same
checks, the same refusal when the file would now do anything else than the dry run the coordinator saw, the same
all-or-nothing write — and records how it went on the request, which its page shows: the accounts created, the
roles given and the invitations, or why nothing was imported.

Safe to run twice: the outcome is recorded in the transaction that writes the accounts, so a second run (a
message delivered twice, a worker that died after the commit) finds the request finished and does nothing; the
invitation e-mails go when that transaction commits, so they go once. The stored file is removed once the job
has run (the accounts are in the database, or the file must be uploaded again).
"""

import hashlib
import logging
import re
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import Actor
from outbox.services import job_enqueue
from smartgov.errors import DomainError, PermissionRefused
from smartgov.limits import PEOPLE_FILE_MAX_BYTES

from ..models import PeopleImportRequest
from ..permissions import coordinated_provinces
from .file_imports import file_import_given_up, stored_file_delete, stored_file_forget
from .people import (
    PeopleImportRefused,
    PeopleImportResult,
    PeoplePreview,
    invitation_link_again,
    people_import_apply,
)

logger = logging.getLogger(__name__)
PEOPLE_IMPORT_JOB = "assessments.people_import"
PEOPLE_IMPORT_TIME_LIMIT = 600
"""Seconds after which the worker stops an apply (a soft limit 30 s earlier fails it with its reason first, and
the transaction rolls back: nothing is imported). The largest file, PEOPLE_FILE_MAX_ROWS rows, takes about a
minute (benchmarks/people_import.py)."""
KEPT_ERRORS = 2000
"""Row errors kept with a refused request (the new dry run's); its page shows them."""
FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")

Request = PeopleImportRequest
Status = PeopleImportRequest.Status


def people_import_request(*, data: bytes, name: str, actor: Actor, fingerprint: str,
                          base_url: str) -> PeopleImportRequest:
    """Ask for a people sheet to be applied in the background, as its dry run (`fingerprint`) showed: the file is
    stored and the job recorded in one transaction. `base_url`: see `person_invite`. Asked again for the same dry
    run (a second click), it returns the request it made the first time, unless that one failed. Refused (nothing
    stored) unless `actor` coordinates a province, for a file over the size limit or a fingerprint that is no
    dry run's."""
    if not coordinated_provinces(actor).exists():
        raise PermissionRefused(_("Only a coordinator may import people."))
    if len(data) > PEOPLE_FILE_MAX_BYTES:
        raise PeopleImportRefused(_("The file is larger than %(limit)d MB.")
                                  % {"limit": PEOPLE_FILE_MAX_BYTES // (1024 * 1024)})
    if not FINGERPRINT.match(fingerprint):
        raise PeopleImportRefused(_("This is not the dry run of a file: upload the file again."))
    made = _made_before(actor, fingerprint)
    if made is not None:
        return made
    request = Request(file_name=name[:255], sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                      fingerprint=fingerprint, base_url=base_url[:200], requested_by_id=actor.pk,
                      language=translation.get_language() or "")
    request.file.save("upload", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            request.save()
            job_enqueue(kind_name=PEOPLE_IMPORT_JOB, key=f"people-import:{request.pk}",
                        args={"request_id": request.pk})
    except IntegrityError:  # the same dry run, asked at the same moment by another click
        stored_file_delete(request.file.storage, request.file.name)
        made = _made_before(actor, fingerprint)
        if made is None:
            raise
        return made
    except BaseException:
        stored_file_delete(request.file.storage, request.file.name)
        raise
    return request


def _made_before(actor: Actor, fingerprint: str) -> PeopleImportRequest | None:
    return (Request.objects.filter(requested_by_id=actor.pk, fingerprint=fingerprint).exclude(status=Status.FAILED)
            .order_by("-requested_at").first())


# ---- the job --------------------------------------------------------------------------------------------


def people_import_job(*, request_id: int) -> None:
    """The background job of a request (outbox kind `assessments.people_import`): see the module's docstring.
    Errors other than a refusal are left to the outbox, which tries again and, in the end, gives up
    (`people_import_given_up`)."""
    request = _job_start(request_id)
    if request is None:
        return
    with translation.override(request.language or settings.LANGUAGE_CODE):
        _job_work(request)
    stored_file_forget(Request, request.pk)


def _job_work(request: PeopleImportRequest) -> None:
    if request.requested_by is None:
        _job_refused(request, _("The person who asked for this import no longer has an account; nothing was "
                                "imported."))
        return
    try:
        result = people_import_apply(
            data=_stored_bytes(request), actor=request.requested_by, fingerprint=request.fingerprint,
            base_url=request.base_url, name=request.file_name,
            progress=lambda stage, percent: _job_progress(request, stage, percent),
            written=lambda result: _job_written(request, result))
    except PeopleImportRefused as refused:
        _job_refused(request, str(refused), refused.preview)
    except DomainError as refused:  # e.g. the requester no longer coordinates a province
        _job_refused(request, str(refused))
    except SoftTimeLimitExceeded:  # raised inside the write, it rolled back; after the commit, nothing changes
        _job_refused(request, _("The import took longer than %(minutes)d minutes and was stopped; nothing was "
                                "imported.") % {"minutes": PEOPLE_IMPORT_TIME_LIMIT // 60})
    else:
        _job_written(request, result)  # a file that changes nothing writes nothing: recorded here


def _job_start(request_id: int) -> PeopleImportRequest | None:
    with transaction.atomic():
        request = (Request.objects.select_for_update(of=("self",)).select_related("requested_by")
                   .filter(pk=request_id).first())
        if request is None or not request.is_active:
            return None
        request.status, request.started_at, request.finished_at = Status.RUNNING, timezone.now(), None
        request.progress, request.stage, request.error = 0, "", ""
        request.save(update_fields=["status", "started_at", "finished_at", "progress", "stage", "error"])
    return request


def _stored_bytes(request: PeopleImportRequest) -> bytes:
    gone = _("The uploaded file is no longer kept; nothing was imported. Upload it again.")
    if not request.file:
        raise PeopleImportRefused(gone)
    try:
        with request.file.open("rb") as stored:
            data: bytes = stored.read()
    except FileNotFoundError:
        raise PeopleImportRefused(gone) from None
    if hashlib.sha256(data).hexdigest() != request.sha256:
        raise PeopleImportRefused(gone)
    return data


def _job_progress(request: PeopleImportRequest, stage: str, percent: int) -> None:
    Request.objects.filter(pk=request.pk, status=Status.RUNNING).update(stage=stage, progress=percent)


def _job_written(request: PeopleImportRequest, result: PeopleImportResult) -> None:
    """In the transaction that writes the accounts: the request succeeded with them, or not at all."""
    Request.objects.filter(pk=request.pk, status=Status.RUNNING).update(
        status=Status.SUCCEEDED, rows=result.rows, created=len(result.created), granted=result.granted,
        unchanged=result.unchanged, progress=100, stage="", finished_at=timezone.now(),
        invitations=[[i.person.pk, i.emailed, i.issued, i.digest] for i in result.invitations])


def _job_refused(request: PeopleImportRequest, message: str, preview: PeoplePreview | None = None) -> None:
    """Nothing was imported: why, with the rows read and the row errors of the dry run in the job, if it got
    that far (what the file would now do is for a new dry run to show, on the import page)."""
    errors = [] if preview is None else preview.errors
    Request.objects.filter(pk=request.pk, status=Status.RUNNING).update(
        status=Status.FAILED, error=message[:4000], stage="", finished_at=timezone.now(),
        rows=None if preview is None else preview.rows, error_count=len(errors),
        row_errors=[[e.row, e.column_label, e.value, e.reason] for e in errors[:KEPT_ERRORS]])


def people_import_given_up(*, request_id: int, error: str) -> None:
    """A request whose job was given up (it failed or lost its worker again and again) fails with that reason;
    nothing was imported (the write is one transaction), and the file is removed."""
    file_import_given_up(Request, request_id, error)


# ---- what its page shows (reads) ------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationShown:
    person: User
    emailed: bool
    link: str | None
    """The link as it was given, while it still works (see `invitation_link_again`); None after."""


def people_import_invitations(request: PeopleImportRequest, *, links: bool) -> list[InvitationShown]:
    """The invitations of a succeeded request, with (`links`) each link while it still works. A pure read."""
    people = User.objects.in_bulk([pk for pk, *_rest in request.invitations])
    return [InvitationShown(person, emailed, invitation_link_again(person, issued=issued, digest=digest,
                                                                   base_url=request.base_url) if links else None)
            for pk, emailed, issued, digest in request.invitations if (person := people.get(pk)) is not None]


def people_import_status(request: PeopleImportRequest) -> dict[str, object]:
    """What the page of a request shows while it waits or runs (its status endpoint answers this)."""
    return {"id": request.pk, "status": request.status, "status_label": request.get_status_display(),
            "active": request.is_active, "stage": request.stage,
            "stage_label": request.get_stage_display() if request.stage else "", "progress": request.progress}


def people_import_requests_of(user: Actor, *, limit: int = 5) -> list[PeopleImportRequest]:
    """The latest imports `user` asked for, newest first."""
    return list(Request.objects.filter(requested_by_id=user.pk).defer("row_errors", "invitations")
                .order_by("-requested_at", "-id")[:limit])
