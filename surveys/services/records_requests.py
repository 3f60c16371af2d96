"""Records imports as background work, as the satisfaction imports are (`import_requests`): a request stores the
uploaded file of a province's records privately and records the job in one transaction (outbox); the job runs
`records_import` on the stored bytes — the same checks, the same all-or-nothing write — and records on the request
how it went, which its page shows: the progress, each region's values (computed, not computed and why, changed),
or why nothing was imported with the row-level errors. The stored file lives as long as a satisfaction import's
(`request_jobs`)."""

import datetime

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Cycle, IndicatorValue, Region
from assessments.permissions import roles_for_region
from assessments.services.file_imports import file_import_given_up
from audit.services import Actor
from outbox.services import job_enqueue
from smartgov.errors import PermissionRefused

from ..models import RecordsImportRequest
from .record_imports import IMPORTING_ROLES, RecordsOutcome, _check_framework, records_import
from .refusals import ImportRejected
from .request_jobs import (
    check_size,
    files_prune,
    job_progress,
    job_run,
    request_apply,
    request_store,
)

RECORDS_JOB = "surveys.records_import"

Request = RecordsImportRequest
Status = RecordsImportRequest.Status


def may_import_records(user: Actor, province: Region) -> bool:
    """The province's analysts and the platform administrators."""
    return bool(roles_for_region(user, province) & IMPORTING_ROLES)


def _check_import(actor: Actor, province: Region) -> None:
    if province.level != Region.Level.PROVINCE or not may_import_records(actor, province):
        raise PermissionRefused(_("Only the province's analysts and administrators may import records for its "
                                  "regions."))


def records_import_request(*, cycle: Cycle, province: Region, kind: str, data: bytes, name: str, actor: Actor,
                           dry_run: bool = False) -> RecordsImportRequest:
    """Ask for a file of records of `province`'s regions to be checked (`dry_run`) or imported in the background:
    the file is stored and the job recorded in one transaction. Refused (nothing stored) unless `actor` may import
    records for the province, for an unknown kind, a cycle whose framework has no values from records, or a file
    over the size limit."""
    _check_import(actor, province)
    if kind not in Request.Kind.values:
        raise ImportRejected(_("Unknown kind of records: %(kind)s.") % {"kind": kind})
    _check_framework(cycle.framework)
    check_size(data)
    return request_store(Request(cycle=cycle, province=province, kind=kind, dry_run=dry_run), data, name=name,
                         actor=actor, enqueue=_enqueue)


def records_import_apply(*, checked: RecordsImportRequest, actor: Actor) -> RecordsImportRequest:
    """Import the file of a successful dry run without uploading it again: a new request takes over its stored
    file. Asked again, it returns the request it made the first time."""
    _check_import(actor, checked.province)
    return request_apply(checked, actor, enqueue=_enqueue, fields=lambda dry: {
        "cycle_id": dry.cycle_id, "province_id": dry.province_id, "kind": dry.kind})


def _enqueue(request: RecordsImportRequest) -> None:
    job_enqueue(kind_name=RECORDS_JOB, key=f"records-import:{request.pk}", args={"request_id": request.pk})


# ---- the job --------------------------------------------------------------------------------------------


def records_import_job(*, request_id: int) -> None:
    """The background job of a request (outbox kind `surveys.records_import`). Safe to run twice: a finished
    request is left as it is, and an import is recorded as succeeded in the transaction that writes its values
    (importing the same file again would change nothing anyway). Errors other than a refusal are left to the
    outbox, which tries again and, in the end, gives up (`records_import_given_up`)."""
    job_run(Request, request_id, ("cycle__framework", "province", "requested_by"), _job_work)


def _job_work(request: RecordsImportRequest, requester: User, data: bytes) -> None:
    outcome = records_import(
        kind=request.kind, cycle=request.cycle, province=request.province, data=data, name=request.file_name,
        actor=requester, dry_run=request.dry_run, progress=lambda stage, percent: job_progress(request, stage, percent),
        written=lambda done: _job_succeeded(request, done))
    if outcome.dry_run:
        _job_succeeded(request, outcome)


def _job_succeeded(request: RecordsImportRequest, outcome: RecordsOutcome) -> None:
    """After a dry run, or in the transaction that writes the values: the request succeeded with its outcome."""
    Request.objects.filter(pk=request.pk, status=Status.RUNNING).update(
        status=Status.SUCCEEDED, rows=outcome.rows, outcome=outcome_json(outcome), progress=100, stage="",
        finished_at=timezone.now())


def outcome_json(outcome: RecordsOutcome) -> dict[str, object]:
    """What the page shows of an outcome: per region, the values computed (with their notes and, for a dry run,
    the value the submission holds now), the indicators not computed and why, and the values changed."""
    current: dict[tuple[int, str], float | None] = {}
    if outcome.dry_run:
        current = {(v.submission_id, v.indicator.code): v.value for v in IndicatorValue.objects.filter(
            submission__in=[r.submission for r in outcome.regions]).select_related("indicator")}
    return {"not_in_framework": list(outcome.not_in_framework), "regions": [{
        "code": r.submission.region.code, "name": str(r.submission.region.name), "rows": r.rows,
        "changed": r.changed,
        "values": [{"code": code, "value": figure.value, "note": str(figure.note),
                    "current": current.get((r.submission.pk, code))} for code, figure in r.values.items()],
        "missing": [{"code": code, "why": str(why)} for code, why in r.missing.items()],
    } for r in sorted(outcome.regions, key=lambda r: r.submission.region.code)]}


def records_import_given_up(*, request_id: int, error: str) -> None:
    """A request whose job was given up fails with that reason (the sibling's message); nothing was imported
    (the write is one transaction), and the file is removed."""
    file_import_given_up(Request, request_id, error)


def records_import_files_prune(*, now: datetime.datetime | None = None) -> int:
    """Remove the stored files no longer needed (`request_jobs.files_prune`); returns how many."""
    return files_prune(Request, now=now)
