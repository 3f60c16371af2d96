"""What the background imports of surveys share — of ratings and hotline figures (`import_requests`) and of system
records (`records_requests`): a request stores the uploaded file privately and records its job in one transaction;
the job starts once, reads the stored bytes, tells its progress, and ends succeeded or refused with its row errors;
a stored file is kept only while it is needed.

The stored file of a real import is removed once the import has run; a dry run's is kept after a successful check,
so that it can be imported without uploading it again (its file passes to the import), for IMPORT_UPLOAD_LIFETIME
seconds; a failed check's is removed at once. What is past its time is removed when the next file is uploaded.
"""

import datetime
import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import FileImportRequest
from assessments.services.file_imports import stored_file_forget
from audit.services import Actor
from smartgov.errors import DomainError
from smartgov.limits import IMPORT_UPLOAD_LIFETIME, SATISFACTION_FILE_MAX_BYTES

from ..models import RecordsImportRequest, SatisfactionImportRequest
from ..selectors import import_file_kept
from ..tables import RowError
from .refusals import ImportRejected, SatisfactionRefused

IMPORT_TIME_LIMIT = 600
"""Seconds after which the worker stops an import (a soft limit 30 s earlier fails it with its reason first). The
largest file, 200,000 ratings, takes well under a minute (benchmarks/satisfaction_import.py)."""
KEPT_ERRORS = 5000
"""Row errors kept with a request (shown in part on its page, all of them in its errors.csv)."""
PRUNED_AT_ONCE = 100

R = TypeVar("R", SatisfactionImportRequest, RecordsImportRequest)
ImportRequest = SatisfactionImportRequest | RecordsImportRequest
Status = FileImportRequest.Status


def check_size(data: bytes) -> None:
    if len(data) > SATISFACTION_FILE_MAX_BYTES:
        raise ImportRejected(_("The file is larger than %(limit)d MB.")
                             % {"limit": SATISFACTION_FILE_MAX_BYTES // (1024 * 1024)})


def request_store(request: R, data: bytes, *, name: str, actor: Actor, enqueue: Callable[[R], None]) -> R:
    """Store `data` as the request's private file and save the request with its job, in one transaction (the file
    removed again if that fails)."""
    files_prune(type(request))
    request.file_name, request.sha256, request.size = name[:255], hashlib.sha256(data).hexdigest(), len(data)
    request.requested_by = actor if actor.is_authenticated else None
    request.language = translation.get_language() or ""
    request.file.save("upload", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            request.save()
            enqueue(request)
    except BaseException:
        if request.file.name:
            request.file.storage.delete(request.file.name)
        raise
    return request


def request_apply(checked: R, actor: Actor, *, fields: Callable[[R], dict[str, Any]],
                  enqueue: Callable[[R], None]) -> R:
    """Import the file of a successful dry run without uploading it again: a new request (`fields` of the dry run
    it repeats) takes over its stored file. Asked again, it returns the request it made the first time."""
    model = type(checked)
    expired = False
    with transaction.atomic():
        dry = model._default_manager.select_for_update().get(pk=checked.pk)
        made = model._default_manager.filter(applies=dry).first()
        if made is not None:
            return made
        if not dry.dry_run or dry.status != Status.SUCCEEDED:
            raise SatisfactionRefused(_("Only a file whose dry run found no error can be imported from it."))
        expired = bool(dry.file) and not import_file_kept(dry)
        if dry.file and not expired:
            request = model._default_manager.create(
                **fields(dry), file=dry.file.name, file_name=dry.file_name, sha256=dry.sha256, size=dry.size,
                applies=dry, requested_by=actor if actor.is_authenticated else None,
                language=translation.get_language() or "")
            model._default_manager.filter(pk=dry.pk).update(file="")
            enqueue(request)
            return request
    if expired:
        stored_file_forget(model, checked.pk)
    raise SatisfactionRefused(_("The checked file is no longer kept (it is kept %(hours)d hours after its dry "
                                "run): upload it again.") % {"hours": IMPORT_UPLOAD_LIFETIME // 3600})


def job_run(model: type[R], request_id: int, related: Sequence[str], work: Callable[[R, User, bytes], None]) -> None:
    """A request's background job: start it (once), run `work(request, requester, stored bytes)` in the requester's
    language, record a refusal (a rejected file, a permission lost, the time limit) as the request's failure, then
    forget the stored file unless a successful dry run keeps it. Other errors are left to the outbox, which tries
    again and, in the end, gives up."""
    request = job_start(model, request_id, related)
    if request is None:
        return
    with translation.override(request.language or settings.LANGUAGE_CODE):
        requester = job_requester(request)
        if requester is not None:
            try:
                work(request, requester, job_stored_bytes(request))
            except ImportRejected as rejected:
                job_refused(request, str(rejected), rejected.errors, rows=rejected.rows)
            except DomainError as refused:  # e.g. the requester may no longer manage the region
                job_refused(request, str(refused))
            except SoftTimeLimitExceeded:
                job_refused(request, _("The import took longer than %(minutes)d minutes and was stopped; nothing "
                                       "was imported.") % {"minutes": IMPORT_TIME_LIMIT // 60})
    job_forget_file(request)


def job_start(model: type[R], request_id: int, related: Sequence[str]) -> R | None:
    """The request, marked running, or None when it is gone or finished (a job run twice does nothing twice)."""
    with transaction.atomic():
        request = (model._default_manager.select_for_update(of=("self",)).select_related(*related)
                   .filter(pk=request_id).first())
        if request is None or not request.is_active:
            return None
        request.status, request.started_at, request.finished_at = Status.RUNNING, timezone.now(), None
        request.progress, request.stage, request.error = 0, "reading", ""
        request.save(update_fields=["status", "started_at", "finished_at", "progress", "stage", "error"])
    return request


def job_stored_bytes(request: ImportRequest) -> bytes:
    if not request.file:
        raise ImportRejected(_("The uploaded file is no longer kept: upload it again."))
    try:
        with request.file.open("rb") as stored:
            data: bytes = stored.read()
            return data
    except FileNotFoundError:
        raise ImportRejected(_("The uploaded file is no longer kept: upload it again.")) from None


def job_requester(request: ImportRequest) -> User | None:
    """Who asked for the import; None, and the job refused, when their account is gone."""
    if request.requested_by is None:
        job_refused(request, _("The person who asked for this import no longer has an account; nothing was "
                               "imported."))
    return request.requested_by


def job_progress(request: ImportRequest, stage: str, percent: int) -> None:
    type(request)._default_manager.filter(pk=request.pk, status=Status.RUNNING).update(stage=stage, progress=percent)


def job_refused(request: ImportRequest, message: str, errors: Iterable[RowError] = (), rows: int = 0) -> None:
    errors = list(errors)
    type(request)._default_manager.filter(pk=request.pk, status=Status.RUNNING).update(
        status=Status.FAILED, error=message[:4000], error_count=len(errors), rows=rows or None,
        row_errors=[[e.row, e.column, e.value, e.reason] for e in errors[:KEPT_ERRORS]], stage="",
        finished_at=timezone.now())


def job_forget_file(request: ImportRequest) -> None:
    """After the job: the file goes unless a successful dry run keeps it for its import."""
    model = type(request)
    if not (request.dry_run and model._default_manager.filter(pk=request.pk, status=Status.SUCCEEDED).exists()):
        stored_file_forget(model, request.pk)


def files_prune(model: type[ImportRequest], *, now: datetime.datetime | None = None) -> int:
    """Remove the stored files of `model`'s requests no longer needed (see the module's docstring); returns how
    many, at most PRUNED_AT_ONCE at a time."""
    limit = (now or timezone.now()) - datetime.timedelta(seconds=IMPORT_UPLOAD_LIFETIME)
    finished = Q(status__in=[Status.SUCCEEDED, Status.FAILED])
    done_with = (finished & Q(dry_run=False)) | Q(dry_run=True, status=Status.FAILED) | Q(
        dry_run=True, status=Status.SUCCEEDED, finished_at__lt=limit)
    stale = list(model._default_manager.exclude(file="").filter(done_with).values_list("pk", flat=True)
                 [:PRUNED_AT_ONCE])
    for pk in stale:
        stored_file_forget(model, pk)
    return len(stale)
