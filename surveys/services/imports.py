"""Imports of good/bad service ratings and 12345 hotline figures for a city and cycle: all rows or none, each
file once; rating comments are stored with personal data masked."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Submission
from audit.models import Action
from audit.services import Actor, audit_record
from smartgov.workbooks import UnreadableWorkbook

from ..masking import mask_personal_data
from ..models import HotlineStatistic, SatisfactionImport, ServiceRating
from ..tables import parse_hotline, parse_ratings, read_table
from .refusals import ImportRejected, check_manage

WRITE_CHUNK = 2000
"""Ratings built and written at a time."""


@dataclass
class ImportOutcome:
    kind: str
    rows: int
    dry_run: bool
    batch: SatisfactionImport | None = None


def satisfaction_import(*, submission: Submission, kind: str, data: bytes, name: str, actor: Actor,
                        dry_run: bool = False, progress: Callable[[str, int], None] | None = None,
                        written: Callable[[SatisfactionImport], None] | None = None) -> ImportOutcome:
    """Import a file of good/bad ratings or hotline figures for the submission's city and cycle: every row, or
    none when any row is wrong (ImportRejected with the row-level errors). A dry run only checks.

    What runs it in the background (`import_requests`) is told as each stage begins — `progress(stage,
    percent)`, stage "reading", "checking" or "writing" — and `written(batch)` is called inside the write's
    transaction, so that its record of the result is committed with the rows or not at all."""
    step = progress or _no_progress
    check_manage(actor, submission.region)
    region, cycle = submission.region, submission.cycle
    if kind not in SatisfactionImport.Kind.values:
        raise ImportRejected(_("Unknown kind of import."))
    step("reading", 5)
    try:
        table = read_table(data, name)
    except UnreadableWorkbook as error:
        raise ImportRejected(str(error)) from None
    step("checking", 30)
    today = timezone.localdate()
    if kind == SatisfactionImport.Kind.RATINGS:
        parsed = parse_ratings(table, year=cycle.period, today=today)
    else:
        existing = dict(HotlineStatistic.objects.filter(region=region, cycle=cycle)
                        .values_list("month", "batch__file_name"))
        parsed = parse_hotline(table, year=cycle.period, today=today, existing=existing)
    if parsed.errors:
        rows = {e.row for e in parsed.errors}
        raise ImportRejected(_("Nothing was imported: %(count)d rows have errors. Correct them and upload the file "
                               "again.") % {"count": len(rows)}, parsed.errors, len(table.rows))
    if not parsed.records:
        raise ImportRejected(_("The file has no data rows."))
    digest = hashlib.sha256(data).hexdigest()
    before = SatisfactionImport.objects.filter(region=region, cycle=cycle, kind=kind, sha256=digest).first()
    if before is not None:
        raise ImportRejected(_("This file was already imported on %(when)s; nothing was imported again.")
                             % {"when": timezone.localtime(before.imported_at).strftime("%Y-%m-%d %H:%M")})
    if dry_run:
        return ImportOutcome(kind, len(parsed.records), True)
    step("writing", 50)
    try:
        with transaction.atomic():
            batch = SatisfactionImport.objects.create(region=region, cycle=cycle, kind=kind, file_name=name[:255],
                                                      sha256=digest, rows=len(parsed.records), imported_by=actor)
            if kind == SatisfactionImport.Kind.RATINGS:
                for start in range(0, len(parsed.records), WRITE_CHUNK):  # never 200,000 instances at once
                    ServiceRating.objects.bulk_create(
                        [ServiceRating(batch=batch, **{**r, "comment": mask_personal_data(r["comment"])})
                         for r in parsed.records[start:start + WRITE_CHUNK]])
            else:
                HotlineStatistic.objects.bulk_create(
                    HotlineStatistic(batch=batch, region=region, cycle=cycle, **r) for r in parsed.records)
            audit_record(actor=actor, action=Action.SATISFACTION_IMPORTED, target=batch, submission=submission,
                         subject=kind,
                         new={"rows": len(parsed.records), "sha256": digest}, comment=name[:200])
            if written is not None:
                written(batch)
    except IntegrityError:
        raise ImportRejected(_("Someone imported overlapping data at the same time; nothing was imported. Reload "
                               "the page and try again.")) from None
    return ImportOutcome(kind, len(parsed.records), False, batch)


def _no_progress(stage: str, percent: int) -> None:
    pass


def satisfaction_import_remove(*, batch: SatisfactionImport, submission: Submission, actor: Actor) -> None:
    """Remove an imported file's rows (e.g. to import a corrected one). The indicator values computed from them
    change only when the aggregation runs again."""
    check_manage(actor, batch.region)
    with transaction.atomic():
        audit_record(actor=actor, action=Action.SATISFACTION_IMPORT_REMOVED, target=batch, submission=submission,
                     subject=batch.kind,
                     old={"rows": batch.rows, "sha256": batch.sha256}, comment=batch.file_name)
        batch.delete()
