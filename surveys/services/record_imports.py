"""Indicator values computed from system records (case logs, 12345 work orders and call figures, 好差评 ratings)
for the regions of a province, from one file that covers many of them: every row checked, and nothing written when
any row is wrong, names a region outside the province or a region whose submission cannot be edited now. Values
are written through `values_save` with source "records" and each region's import is audited like the Excel
import's. Layouts and formulas: `surveys.records`, docs/records.md."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.checks import not_applicable
from assessments.models import Cycle, IndicatorValue, Region, RoleAssignment, Submission
from assessments.permissions import roles_for_region
from assessments.services import Entry, values_save
from assessments.services.imports import ImportScope, edit_refusal, import_scope_province
from audit.models import Action
from audit.services import Actor, audit_record
from indicators.models import Framework
from indicators.published import FrameworkContents, framework_contents
from indicators.selectors import DEFAULT_FRAMEWORK_CODE
from smartgov.errors import DomainError, PermissionRefused
from smartgov.limits import SATISFACTION_FILE_MAX_BYTES
from smartgov.workbooks import UnreadableWorkbook

from ..records import LAYOUTS, Figure, Layout, Records, RegionFigures
from ..sources import RECORDS_SINCE_VERSION, feeds_from_imports
from ..tables import RowError, read_table
from .refusals import ImportRejected

IMPORTING_ROLES = frozenset({RoleAssignment.Role.PROVINCE_ANALYST, RoleAssignment.Role.PLATFORM_ADMIN})


@dataclass
class RegionValues:
    submission: Submission
    rows: int
    values: dict[str, Figure]
    """The indicators computed, by code."""
    missing: dict[str, str]
    """Indicator code → why no value was computed."""
    changed: int = 0
    """Values written that differ from what the submission held (0 in a dry run)."""


@dataclass
class RecordsOutcome:
    kind: str
    rows: int
    dry_run: bool
    regions: list[RegionValues] = field(default_factory=list)
    not_in_framework: list[str] = field(default_factory=list)
    """Indicators the layout computes that the cycle's framework does not have: not written."""


def records_import(*, kind: str, cycle: Cycle, province: Region, data: bytes, name: str, actor: Actor,
                   dry_run: bool = False, progress: Callable[[str, int], None] | None = None,
                   written: Callable[[RecordsOutcome], None] | None = None) -> RecordsOutcome:
    """Compute the indicators of the file's regions and write them, all or nothing (ImportRejected with the row
    errors). A dry run checks everything, the regions' locks included, and writes nothing.

    What runs it in the background (`records_requests`) is told as each stage begins — `progress(stage,
    percent)`, stage "reading", "checking" or "writing" — and `written(outcome)` is called inside the write's
    transaction, once every region is written."""
    step = progress or _no_progress
    layout = LAYOUTS.get(kind)
    if layout is None:
        raise ImportRejected(_("Unknown kind of records: %(kind)s.") % {"kind": kind})
    _check_framework(cycle.framework)
    if not roles_for_region(actor, province) & IMPORTING_ROLES:
        raise PermissionRefused(_("Only the province's analysts and administrators may import records for its "
                                  "regions."))
    if len(data) > SATISFACTION_FILE_MAX_BYTES:
        raise ImportRejected(_("The file is larger than %(limit)d MB.")
                             % {"limit": SATISFACTION_FILE_MAX_BYTES // (1024 * 1024)})
    step("reading", 5)
    try:
        table = read_table(data, name)
    except UnreadableWorkbook as error:
        raise ImportRejected(str(error)) from None
    step("checking", 30)
    today = timezone.localdate()
    records = layout.parse(table, year=cycle.period, today=today)
    scope = import_scope_province(cycle, province)
    errors = records.errors + _region_errors(records, scope, actor)
    if errors:
        raise ImportRejected(_("Nothing was imported: %(count)d rows have errors. Correct them and upload the file "
                               "again.") % {"count": len({e.row for e in errors})},
                             sorted(errors, key=lambda e: e.row), len(table.rows))
    if not records.records:
        raise ImportRejected(_("The file has no data rows."))
    contents = framework_contents(cycle.framework)
    outcome = RecordsOutcome(kind, len(records.records), dry_run,
                             not_in_framework=[code for code in layout.indicators if code not in contents.by_code])
    outcome.regions = [_region_values(scope.submissions[figures.region], figures, contents)
                       for figures in layout.compute(records, year=cycle.period, today=today)]
    if not dry_run:
        step("writing", 50)
        _write(outcome, layout, actor=actor, name=name, digest=hashlib.sha256(data).hexdigest(), written=written)
    return outcome


def _no_progress(stage: str, percent: int) -> None:
    pass


def _check_framework(framework: Framework) -> None:
    if feeds_from_imports(framework):
        raise ImportRejected(_(
            "Values from system records are defined by the framework %(code)s from version %(version)d on; this "
            "cycle assesses %(framework)s (%(its_code)s, version %(its_version)d).") % {
            "code": DEFAULT_FRAMEWORK_CODE, "version": RECORDS_SINCE_VERSION, "framework": framework.name,
            "its_code": framework.code, "its_version": framework.version})


def _region_errors(records: Records, scope: ImportScope, actor: Actor) -> list[RowError]:
    """One error per region the file may not write, at the first row naming it: a region unknown, outside the
    province, without a submission in the cycle, or whose submission the actor may not edit now."""
    first: dict[str, int] = {}
    for record in records.records:
        first.setdefault(record.region, record.row)
    strangers = {region.code: region for region in Region.objects.filter(
        code__in=[code for code in first if code not in scope.submissions])}
    errors = []
    for code, row in first.items():
        submission = scope.submissions.get(code)
        if submission is None:
            reason = _stranger(code, strangers.get(code), scope.region)
        else:
            lock = edit_refusal(submission, actor)
            reason = _("%(city)s: %(reason)s") % {"city": submission.region.name, "reason": lock} if lock else ""
        if reason:
            errors.append(RowError(row, records.region_column, code, reason))
    return errors


def _stranger(code: str, region: Region | None, province: Region) -> str:
    if region is None:
        return _("“%(code)s” is not a region code of the register.") % {"code": code}
    if region.province_id != province.pk:
        return _("%(region)s is not in %(province)s.") % {"region": region.name, "province": province.name}
    return _("%(region)s has no submission in this cycle.") % {"region": region.name}


def _region_values(submission: Submission, figures: RegionFigures, contents: FrameworkContents) -> RegionValues:
    """The figures of the framework's indicators; those the framework does not assess at the region's level
    (`applies_to`) are not written, and say so."""
    applying = contents.at_level(submission.region.level).by_code
    region = RegionValues(submission, figures.rows, values={}, missing={})
    for code, figure in figures.figures.items():
        if code not in contents.by_code:
            continue
        if code not in applying:
            region.missing[code] = not_applicable(submission.region)
        elif figure.value is None:
            region.missing[code] = figure.note
        else:
            region.values[code] = figure
    return region


def _write(outcome: RecordsOutcome, layout: Layout, *, actor: Actor, name: str, digest: str,
           written: Callable[[RecordsOutcome], None] | None = None) -> None:
    with transaction.atomic():
        for region in outcome.regions:
            if not region.values:
                continue
            submission = region.submission
            entries = {code: Entry(f.value, _note(layout, name, region.rows, f)) for code, f in region.values.items()}
            try:
                result = values_save(submission=submission, entries=entries, actor=actor, expected_version=None,
                                     source=IndicatorValue.Source.RECORDS)
            except DomainError as refused:
                raise ImportRejected(_("%(city)s: %(reason)s Nothing was imported.")
                                     % {"city": submission.region.name, "reason": refused}) from refused
            region.changed = len(result.changes)
            if result.changes:
                audit_record(actor=actor, action=Action.VALUES_IMPORTED, submission=result.submission,
                             subject="records", comment=name[:200],
                             new={"kind": layout.kind, "values": region.changed, "rows": region.rows,
                                  "sha256": digest})
        if written is not None:
            written(outcome)


def _note(layout: Layout, name: str, rows: int, figure: Figure) -> str:
    return _("Computed from %(system)s (file “%(file)s”; rows of this region: %(rows)s): %(how)s") % {
        "system": layout.system, "file": name[:100], "rows": f"{rows:,}", "how": figure.note}
