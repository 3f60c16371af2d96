"""Satisfaction imports as background work. A request stores the uploaded file privately and records the job that
imports it in one transaction (outbox), so the upload answers at once and the work is never lost; the job runs
`satisfaction_import` on the stored bytes — the same checks, the same all-or-nothing write — and records how it
went on the request, which its page shows: the progress, the rows checked or imported, or why nothing was imported
with the row-level errors. How long the stored file is kept, and what the records imports share with these:
`request_jobs`.
"""

import datetime
import logging

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Submission
from assessments.services.file_imports import file_import_given_up
from audit.services import Actor
from outbox.services import job_enqueue

from ..models import SatisfactionImport, SatisfactionImportRequest
from .imports import satisfaction_import
from .refusals import ImportRejected, check_manage
from .request_jobs import (
    check_size,
    files_prune,
    job_progress,
    job_run,
    request_apply,
    request_store,
)

logger = logging.getLogger(__name__)
IMPORT_JOB = "surveys.import"
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
    check_size(data)
    return request_store(Request(submission=submission, kind=kind, dry_run=dry_run), data, name=name, actor=actor,
                         enqueue=_enqueue)


def satisfaction_import_apply(*, checked: SatisfactionImportRequest, actor: Actor) -> SatisfactionImportRequest:
    """Import the file of a successful dry run without uploading it again: a new request takes over its stored
    file. Asked again, it returns the request it made the first time."""
    check_manage(actor, checked.submission.region)
    return request_apply(checked, actor, fields=lambda dry: {"submission": dry.submission, "kind": dry.kind},
                         enqueue=_enqueue)


def _enqueue(request: SatisfactionImportRequest) -> None:
    job_enqueue(kind_name=IMPORT_JOB, key=f"satisfaction-import:{request.pk}", args={"request_id": request.pk})


# ---- the job --------------------------------------------------------------------------------------------


def satisfaction_import_job(*, request_id: int) -> None:
    """The background job of a request (outbox kind `surveys.import`). Safe to run twice: a finished request
    is left as it is, and an import is recorded as succeeded in the transaction that writes its rows, so a run
    after a worker died once the rows were written finds it finished (and the same file is never imported
    twice: `satisfaction_import` refuses a file already imported). Errors other than a refusal are left to the
    outbox, which tries again and, in the end, gives up (`satisfaction_import_given_up`)."""
    job_run(Request, request_id, ("submission__region", "submission__cycle", "requested_by"), _job_work)


def _job_work(request: SatisfactionImportRequest, requester: User, data: bytes) -> None:
    outcome = satisfaction_import(
        submission=request.submission, kind=request.kind, data=data, name=request.file_name, actor=requester,
        dry_run=request.dry_run, progress=lambda stage, percent: job_progress(request, stage, percent),
        written=lambda batch: _job_written(request, batch))
    if outcome.dry_run:
        Request.objects.filter(pk=request.pk, status=Status.RUNNING).update(
            status=Status.SUCCEEDED, rows=outcome.rows, progress=100, stage="", finished_at=timezone.now())


def _job_written(request: SatisfactionImportRequest, batch: SatisfactionImport) -> None:
    """In the transaction that writes the rows: the request succeeded with them, or not at all."""
    Request.objects.filter(pk=request.pk, status=Status.RUNNING).update(
        status=Status.SUCCEEDED, batch=batch, rows=batch.rows, progress=100, stage="", finished_at=timezone.now())


def satisfaction_import_given_up(*, request_id: int, error: str) -> None:
    """A request whose job was given up (it failed or lost its worker again and again) fails with that reason;
    nothing was imported (the write is one transaction), and the file is removed."""
    file_import_given_up(Request, request_id, error)


# ---- the stored files -----------------------------------------------------------------------------------


def satisfaction_import_files_prune(*, now: datetime.datetime | None = None) -> int:
    """Remove the stored files no longer needed (`request_jobs.files_prune`); returns how many."""
    return files_prune(Request, now=now)
