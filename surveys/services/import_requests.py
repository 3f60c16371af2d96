"""Satisfaction imports as background work. A request stores the uploaded file privately and records the job that
imports it in one transaction (outbox), so the upload answers at once and the work is never lost; the job runs
`satisfaction_import` on the stored bytes — the same checks, the same all-or-nothing write — and records how it
went on the request, which its page shows: the progress, the rows checked or imported, or why nothing was imported
with the row-level errors.

The stored file is kept only while it is needed. A real import's file is removed once the import has run (its rows
are in the database, or it must be corrected and uploaded again). A dry run's file is kept after a successful
check, so that it can be imported without uploading it again (its file passes to the import), for
IMPORT_UPLOAD_LIFETIME seconds as the values workbooks between their dry run and their apply; a failed check's
file is removed at once. What is past its time is removed when the next file is uploaded.
"""

import datetime
import hashlib
import logging
from collections.abc import Iterable

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import Submission
from assessments.services.file_imports import file_import_given_up, stored_file_forget
from audit.services import Actor
from outbox.services import job_enqueue
from smartgov.errors import DomainError
from smartgov.limits import IMPORT_UPLOAD_LIFETIME, SATISFACTION_FILE_MAX_BYTES

from ..models import SatisfactionImport, SatisfactionImportRequest
from ..selectors import import_file_kept
from ..tables import RowError
from .imports import satisfaction_import
from .refusals import ImportRejected, SatisfactionRefused, check_manage

logger = logging.getLogger(__name__)
IMPORT_JOB = "surveys.import"
IMPORT_TIME_LIMIT = 600
"""Seconds after which the worker stops an import (a soft limit 30 s earlier fails it with its reason first). The
largest file, 200,000 ratings, takes well under a minute (benchmarks/satisfaction_import.py)."""
KEPT_ERRORS = 5000
"""Row errors kept with a request (shown in part on its page, all of them in its errors.csv)."""
PRUNED_AT_ONCE = 100

Request = SatisfactionImportRequest
Status = SatisfactionImportRequest.Status


def satisfaction_import_request(*, submission: Submission, kind: str, data: bytes, name: str, actor: Actor,
                                dry_run: bool = False) -> SatisfactionImportRequest:
    """Ask for a file of ratings or hotline figures to be checked (`dry_run`) or imported in the background: the
    file is stored and the job recorded in one transaction. Refused (nothing stored) unless `actor` may manage the
    city's satisfaction data, for an unknown kind, or for a file over the size limit."""
    check_manage(actor, submission.region)
    if kind not in SatisfactionImport.Kind.values:
        raise ImportRejected(_("Unknown kind of import."))
    if len(data) > SATISFACTION_FILE_MAX_BYTES:
        raise ImportRejected(_("The file is larger than %(limit)d MB.")
                             % {"limit": SATISFACTION_FILE_MAX_BYTES // (1024 * 1024)})
    satisfaction_import_files_prune()
    request = Request(submission=submission, kind=kind, dry_run=dry_run, file_name=name[:255],
                      sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                      requested_by=actor if actor.is_authenticated else None, language=translation.get_language() or "")
    request.file.save("upload", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            request.save()
            _enqueue(request)
    except BaseException:
        if request.file.name:
            request.file.storage.delete(request.file.name)
        raise
    return request


def satisfaction_import_apply(*, checked: SatisfactionImportRequest, actor: Actor) -> SatisfactionImportRequest:
    """Import the file of a successful dry run without uploading it again: a new request takes over its stored
    file. Asked again, it returns the request it made the first time."""
    check_manage(actor, checked.submission.region)
    expired = False
    with transaction.atomic():
        dry = Request.objects.select_for_update().get(pk=checked.pk)
        made = Request.objects.filter(applies=dry).first()
        if made is not None:
            return made
        if not dry.dry_run or dry.status != Status.SUCCEEDED:
            raise SatisfactionRefused(_("Only a file whose dry run found no error can be imported from it."))
        expired = bool(dry.file) and not import_file_kept(dry)
        if dry.file and not expired:
            request = Request.objects.create(
                submission=dry.submission, kind=dry.kind, file=dry.file.name, file_name=dry.file_name,
                sha256=dry.sha256, size=dry.size, applies=dry,
                requested_by=actor if actor.is_authenticated else None, language=translation.get_language() or "")
            Request.objects.filter(pk=dry.pk).update(file="")
            _enqueue(request)
            return request
    if expired:
        stored_file_forget(Request, checked.pk)
    raise SatisfactionRefused(_("The checked file is no longer kept (it is kept %(hours)d hours after its dry "
                                "run): upload it again.") % {"hours": IMPORT_UPLOAD_LIFETIME // 3600})


def _enqueue(request: SatisfactionImportRequest) -> None:
    job_enqueue(kind_name=IMPORT_JOB, key=f"satisfaction-import:{request.pk}", args={"request_id": request.pk})


# ---- the job --------------------------------------------------------------------------------------------


def satisfaction_import_job(*, request_id: int) -> None:
    """The background job of a request (outbox kind `surveys.import`). Safe to run twice: a finished request
    is left as it is, and an import is recorded as succeeded in the transaction that writes its rows, so a run
    after a worker died once the rows were written finds it finished (and the same file is never imported
    twice: `satisfaction_import` refuses a file already imported). Errors other than a refusal are left to the
    outbox, which tries again and, in the end, gives up (`satisfaction_import_given_up`)."""
    request = _job_start(request_id)
    if request is None:
        return
    with translation.override(request.language or settings.LANGUAGE_CODE):
        _job_work(request)
    if not (request.dry_run and Request.objects.filter(pk=request.pk, status=Status.SUCCEEDED).exists()):
        stored_file_forget(Request, request.pk)


def _job_work(request: SatisfactionImportRequest) -> None:
    if request.requested_by is None:
        _job_refused(request, _("The person who asked for this import no longer has an account; nothing was "
                                "imported."))
        return
    try:
        data = _stored_bytes(request)
        outcome = satisfaction_import(
            submission=request.submission, kind=request.kind, data=data, name=request.file_name,
            actor=request.requested_by, dry_run=request.dry_run,
            progress=lambda stage, percent: _job_progress(request, stage, percent),
            written=lambda batch: _job_written(request, batch))
    except ImportRejected as rejected:
        _job_refused(request, str(rejected), rejected.errors, rows=rejected.rows)
    except DomainError as refused:  # e.g. the requester may no longer manage the city
        _job_refused(request, str(refused))
    except SoftTimeLimitExceeded:
        _job_refused(request, _("The import took longer than %(minutes)d minutes and was stopped; nothing was "
                                "imported.") % {"minutes": IMPORT_TIME_LIMIT // 60})
    else:
        if outcome.dry_run:
            Request.objects.filter(pk=request.pk, status=Status.RUNNING).update(
                status=Status.SUCCEEDED, rows=outcome.rows, progress=100, stage="", finished_at=timezone.now())


def _job_start(request_id: int) -> SatisfactionImportRequest | None:
    with transaction.atomic():
        request = (Request.objects.select_for_update(of=("self",))
                   .select_related("submission__region", "submission__cycle", "requested_by")
                   .filter(pk=request_id).first())
        if request is None or not request.is_active:
            return None
        request.status, request.started_at, request.finished_at = Status.RUNNING, timezone.now(), None
        request.progress, request.stage, request.error = 0, Request.Stage.READING, ""
        request.save(update_fields=["status", "started_at", "finished_at", "progress", "stage", "error"])
    return request


def _stored_bytes(request: SatisfactionImportRequest) -> bytes:
    if not request.file:
        raise ImportRejected(_("The uploaded file is no longer kept: upload it again."))
    try:
        with request.file.open("rb") as stored:
            data: bytes = stored.read()
            return data
    except FileNotFoundError:
        raise ImportRejected(_("The uploaded file is no longer kept: upload it again.")) from None


def _job_progress(request: SatisfactionImportRequest, stage: str, percent: int) -> None:
    Request.objects.filter(pk=request.pk, status=Status.RUNNING).update(stage=stage, progress=percent)


def _job_written(request: SatisfactionImportRequest, batch: SatisfactionImport) -> None:
    """In the transaction that writes the rows: the request succeeded with them, or not at all."""
    Request.objects.filter(pk=request.pk, status=Status.RUNNING).update(
        status=Status.SUCCEEDED, batch=batch, rows=batch.rows, progress=100, stage="", finished_at=timezone.now())


def _job_refused(request: SatisfactionImportRequest, message: str, errors: Iterable[RowError] = (),
                 rows: int = 0) -> None:
    errors = list(errors)
    Request.objects.filter(pk=request.pk, status=Status.RUNNING).update(
        status=Status.FAILED, error=message[:4000], error_count=len(errors), rows=rows or None,
        row_errors=[[e.row, e.column, e.value, e.reason] for e in errors[:KEPT_ERRORS]], stage="",
        finished_at=timezone.now())


def satisfaction_import_given_up(*, request_id: int, error: str) -> None:
    """A request whose job was given up (it failed or lost its worker again and again) fails with that reason;
    nothing was imported (the write is one transaction), and the file is removed."""
    file_import_given_up(Request, request_id, error)


# ---- the stored files -----------------------------------------------------------------------------------


def satisfaction_import_files_prune(*, now: datetime.datetime | None = None) -> int:
    """Remove the stored files no longer needed (see the module's docstring); returns how many. Run as each new
    file is stored, at most PRUNED_AT_ONCE at a time."""
    limit = (now or timezone.now()) - datetime.timedelta(seconds=IMPORT_UPLOAD_LIFETIME)
    finished = Q(status__in=[Status.SUCCEEDED, Status.FAILED])
    done_with = (finished & Q(dry_run=False)) | Q(dry_run=True, status=Status.FAILED) | Q(
        dry_run=True, status=Status.SUCCEEDED, finished_at__lt=limit)
    stale = list(Request.objects.exclude(file="").filter(done_with).values_list("pk", flat=True)[:PRUNED_AT_ONCE])
    for pk in stale:
        stored_file_forget(Request, pk)
    return len(stale)


