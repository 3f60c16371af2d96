"""Importing entered values from a filled-in Excel template: a dry run that says what would change and what is
wrong, row by row, then an all-or-nothing apply.

An import is scoped: one submission, or every submission of a province's cities in one cycle. The uploaded file
is kept under MEDIA_ROOT/imports/ (outside the web root) between the dry run and the apply, with a record of who
uploaded it for which scope; the apply reads it again and refuses when anything changed since the dry run.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import Actor, audit_record
from smartgov.errors import DomainError, ErrorCode
from smartgov.limits import IMPORT_UPLOAD_LIFETIME, NOTE_MAX_LENGTH, VALUES_WORKBOOK_MAX_BYTES, VALUES_WORKBOOK_MAX_ROWS
from smartgov.numbers import human_number
from smartgov.workbooks import UnreadableWorkbook

from ..checks import InvalidValue, parse_value
from ..excel.layout import number_text
from ..excel.reader import FileMeta, SheetRow, read_values_workbook
from ..models import Cycle, IndicatorValue, Region, Submission
from ..permissions import edit_access
from .submissions import Entry, values_save

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from indicators.models import Indicator

TOKEN = re.compile(r"^[0-9a-f]{32}$")


class ImportRefused(DomainError):
    """The import cannot go on; the message says why. `preview` is the dry run behind it, when there is one."""

    code = ErrorCode.IMPORT_REFUSED

    def __init__(self, message: str, preview: ImportPreview | None = None) -> None:
        super().__init__(message)
        self.preview = preview


@dataclass(frozen=True)
class ImportScope:
    """What an upload may change: the submissions of `cycle` by region code."""

    kind: str
    """"submission" or "province"."""
    cycle: Cycle
    region: Region
    """The submission's city, or the province."""
    submissions: dict[str, Submission]

    @property
    def key(self) -> str:
        if self.kind == "submission":
            return f"submission:{next(iter(self.submissions.values())).pk}"
        return f"province:{self.cycle.pk}:{self.region.code}"


def import_scope_submission(submission: Submission) -> ImportScope:
    return ImportScope("submission", submission.cycle, submission.region, {submission.region.code: submission})


def import_scope_province(cycle: Cycle, province: Region) -> ImportScope:
    submissions = (Submission.objects.filter(cycle=cycle, region__province=province)
                   .select_related("region__province", "cycle__framework").order_by("region__code"))
    return ImportScope("province", cycle, province, {s.region.code: s for s in submissions})


def edit_refusal(submission: Submission, actor: Actor) -> StrOrPromise | None:
    """Why `actor` may not change the values of `submission` now, or None when they may."""
    access = edit_access(actor, submission)
    return access.lock if access.role else _("You may not edit this region's values.")


@dataclass(frozen=True)
class RowChange:
    row: int
    submission: Submission
    indicator: Indicator
    old_value: float | None
    new_value: float | None
    old_note: str
    new_note: str

    @property
    def region(self) -> Region:
        return self.submission.region

    @property
    def value_changed(self) -> bool:
        return not _same_number(self.old_value, self.new_value)

    @property
    def note_changed(self) -> bool:
        return self.old_note != self.new_note

    @property
    def old_text(self) -> str:
        return human_number(self.old_value)

    @property
    def new_text(self) -> str:
        return human_number(self.new_value)


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    column_label: str
    region: str
    code: str
    value: str
    reason: str


@dataclass
class ImportPreview:
    """What an import would do. Nothing has been written."""

    scope: ImportScope
    sha256: str
    rows: int = 0
    unchanged: int = 0
    changes: list[RowChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    entries: dict[int, dict[str, Entry]] = field(default_factory=dict)
    """Submission pk → {indicator code: Entry} of the changes."""
    versions: dict[int, int] = field(default_factory=dict)
    """Submission pk → the version the file was built from (the one the apply expects)."""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def submissions_changed(self) -> int:
        return len(self.entries)

    @property
    def fingerprint(self) -> str:
        """Changes whenever the apply would do something else than this dry run showed."""
        content = [self.sha256, sorted(self.versions.items()),
                   sorted((pk, code, e.value, e.note) for pk, entries in self.entries.items()
                          for code, e in entries.items()),
                   [(e.row, e.column, e.reason) for e in self.errors]]
        return hashlib.sha256(json.dumps(content, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class ImportResult:
    values: int
    submissions: int


def import_preview(*, data: bytes, scope: ImportScope, actor: Actor) -> ImportPreview:
    """The dry run: every change the file would make and every error, with its row and column. A pure read.

    Raises ImportRefused when the file as a whole cannot be used (unreadable, too large, another cycle).
    """
    if len(data) > VALUES_WORKBOOK_MAX_BYTES:
        raise ImportRefused(_("The file is larger than %(limit)d MB.")
                            % {"limit": VALUES_WORKBOOK_MAX_BYTES // (1024 * 1024)})
    try:
        sheet = read_values_workbook(data, max_rows=VALUES_WORKBOOK_MAX_ROWS)
    except UnreadableWorkbook as unreadable:
        raise ImportRefused(str(unreadable)) from None
    _check_meta(sheet.meta, scope)
    preview = ImportPreview(scope=scope, sha256=hashlib.sha256(data).hexdigest(), rows=len(sheet.rows))
    framework = scope.cycle.framework
    indicators = {i.code: i for i in framework.indicators.select_related("dimension")}
    current = {(s, code): (value, note) for s, code, value, note in IndicatorValue.objects.filter(
        submission__in=list(scope.submissions.values())).values_list("submission_id", "indicator__code", "value",
                                                                    "note")}
    default_region = sheet.meta.region if sheet.meta.kind == "submission" else None
    seen: dict[tuple[int, str], int] = {}
    strangers: dict[str, Region | None] = {}
    pending: dict[int, list[RowChange]] = {}

    def error(row: SheetRow, column: str, reason: str, value: object = None, region: str = "") -> None:
        preview.errors.append(RowError(
            row=row.number, column=column, column_label=sheet.column_label(column), region=region,
            code=row.code, value=_typed_text(row.code if value is None and column == "code" else value),
            reason=reason))

    for row in sheet.rows:
        region_code = row.region_code if "region_code" in sheet.columns else default_region
        if not region_code:
            error(row, "region_code", _("Enter the city code."))
            continue
        submission = scope.submissions.get(region_code)
        if submission is None:
            if region_code not in strangers:
                strangers[region_code] = Region.objects.filter(code=region_code).first()
            stranger = strangers[region_code]
            error(row, "region_code", _not_in_scope(scope, region_code, stranger), region_code,
                  stranger.name if stranger else region_code)
            continue
        city = submission.region.name
        if not row.code:
            error(row, "code", _("Enter the indicator code."), "", city)
            continue
        indicator = indicators.get(row.code) or indicators.get(row.code.upper())
        if indicator is None:
            error(row, "code", _("“%(code)s” is not an indicator of %(framework)s.")
                  % {"code": row.code, "framework": framework.name}, region=city)
            continue
        key = (submission.pk, indicator.code)
        if key in seen:
            error(row, "code", _("Row %(row)d already holds this city and indicator.") % {"row": seen[key]},
                  region=city)
            continue
        seen[key] = row.number
        try:
            value = parse_value(indicator, row.value)
        except InvalidValue as invalid:
            error(row, "value", str(invalid), row.value, city)
            continue
        old_value, old_note = current.get(key, (None, ""))
        if row.note is None:  # the file has no note column: the notes stay as they are
            note = old_note if value is not None else ""
        else:
            note = row.note.strip()[:NOTE_MAX_LENGTH]
            if value is None and note:
                error(row, "note", _("A note needs a value: enter the value, or clear the note as well."), note,
                      city)
                continue
        if _same_number(old_value, value) and old_note == note:
            preview.unchanged += 1
            continue
        pending.setdefault(submission.pk, []).append(
            RowChange(row.number, submission, indicator, old_value, value, old_note, note))

    for pk, changes in pending.items():
        submission = changes[0].submission
        reason = _refusal(submission, actor, sheet.meta)
        if reason:
            for change in changes:
                preview.errors.append(RowError(
                    row=change.row, column="value", column_label=sheet.column_label("value"),
                    region=submission.region.name, code=change.indicator.code, value=change.new_text,
                    reason=reason))
            continue
        preview.changes.extend(changes)
        preview.entries[pk] = {c.indicator.code: Entry(c.new_value, c.new_note) for c in changes}
        preview.versions[pk] = submission.version
    preview.changes.sort(key=lambda c: c.row)
    preview.errors.sort(key=lambda e: e.row)
    return preview


def import_apply(*, data: bytes, scope: ImportScope, actor: Actor, fingerprint: str | None = None,
                 name: str = "") -> ImportResult:
    """Apply the file: every change, or — if anything is refused — none. Reads the file again; refuses when it
    has errors or when the result differs from the dry run the user saw (`fingerprint`)."""
    preview = import_preview(data=data, scope=scope, actor=actor)
    if preview.errors:
        raise ImportRefused(_("The file has errors; nothing was imported. Correct them and upload the file again."),
                            preview)
    if fingerprint is not None and fingerprint != preview.fingerprint:
        raise ImportRefused(_("The values changed since the dry run; nothing was imported. Check the new dry run "
                              "below and apply again."), preview)
    submissions = {s.pk: s for s in scope.submissions.values()}
    count = 0
    with transaction.atomic():
        for pk, entries in preview.entries.items():
            submission = submissions[pk]
            try:
                result = values_save(submission=submission, entries=entries, actor=actor,
                                     expected_version=preview.versions[pk], source=IndicatorValue.Source.EXCEL)
            except DomainError as refused:
                raise ImportRefused(_("%(city)s: %(reason)s Nothing was imported.")
                                    % {"city": submission.region.name, "reason": refused}) from refused
            count += len(result.changes)
            audit_record(actor=actor, action=Action.VALUES_IMPORTED, submission=result.submission, subject="excel",
                         new={"values": len(result.changes), "sha256": preview.sha256},
                         comment=name[:200])
    return ImportResult(values=count, submissions=len(preview.entries))


def _check_meta(meta: FileMeta, scope: ImportScope) -> None:
    cycle = scope.cycle
    if meta.cycle != cycle.pk or meta.framework != cycle.framework.code \
            or meta.framework_version != str(cycle.framework.version):
        raise ImportRefused(_("This file was made for another assessment cycle (%(period)s, %(framework)s v%(version)s)"
                              "; download the template of this cycle.")
                            % {"period": meta.period or "?", "framework": meta.framework or "?",
                               "version": meta.framework_version or "?"})
    if scope.kind == "submission" and meta.kind == "submission" and meta.region != scope.region.code:
        other = Region.objects.filter(code=meta.region).first()
        raise ImportRefused(_("This file holds the values of %(file)s, not of %(here)s.")
                            % {"file": other.name if other else meta.region, "here": scope.region.name})


def _refusal(submission: Submission, actor: Actor, meta: FileMeta) -> str | None:
    """Why the changes of a submission cannot be applied: locked, not the actor's, or changed since the file."""
    reason = edit_refusal(submission, actor)
    if reason:
        return _("%(city)s: %(reason)s") % {"city": submission.region.name, "reason": reason}
    built = meta.submissions.get(submission.region.code)
    if built is None or built[0] != submission.pk or built[1] != submission.version:
        return _("%(city)s was changed after this file was made (file version %(file)s, now %(now)s): download a new "
                 "template, so as not to overwrite those changes.") % {
            "city": submission.region.name, "file": "—" if built is None else built[1], "now": submission.version}
    return None


def _not_in_scope(scope: ImportScope, code: str, region: Region | None) -> str:
    if scope.kind == "submission":
        return _("This file may only hold values of %(region)s.") % {"region": scope.region.name}
    if region is not None:
        return _("%(region)s is not a city of %(province)s with a submission in this cycle.") % {
            "region": region.name, "province": scope.region.name}
    return _("“%(code)s” is not a city of %(province)s with a submission in this cycle.") % {
        "code": code, "province": scope.region.name}


def _same_number(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)


def _typed_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return number_text(value)
    return str(value)[:200]


# The uploaded file between dry run and apply ----------------------------------------------------------------


def _directory() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def import_upload_store(*, data: bytes, scope: ImportScope, actor: Actor, name: str = "") -> str:
    """Keep the uploaded bytes for the apply; returns the token that refers to them."""
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    _prune(directory)
    token = uuid.uuid4().hex
    (directory / f"{token}.xlsx").write_bytes(data)
    record = {"user": actor.pk, "scope": scope.key, "sha256": hashlib.sha256(data).hexdigest(),
              "name": name[:200], "created": time.time()}
    (directory / f"{token}.json").write_text(json.dumps(record), encoding="utf-8")
    return token


def import_upload_load(*, token: str, scope: ImportScope, actor: Actor) -> tuple[bytes, str]:
    """The bytes and file name of an upload, only for the user who uploaded it and the same scope."""
    gone = ImportRefused(_("This upload is no longer available (it was applied, has expired or is not yours): "
                           "upload the file again."))
    if not TOKEN.match(token or ""):
        raise gone
    directory = _directory()
    try:
        record = json.loads((directory / f"{token}.json").read_text(encoding="utf-8"))
        data = (directory / f"{token}.xlsx").read_bytes()
    except (OSError, ValueError):
        raise gone from None
    if (record.get("user") != actor.pk or record.get("scope") != scope.key
            or record.get("sha256") != hashlib.sha256(data).hexdigest()
            or time.time() - record.get("created", 0) > IMPORT_UPLOAD_LIFETIME):
        raise gone
    return data, record.get("name", "")


def import_upload_discard(token: str) -> None:
    if TOKEN.match(token or ""):
        for suffix in (".xlsx", ".json"):
            (_directory() / f"{token}{suffix}").unlink(missing_ok=True)


def _prune(directory: Path) -> None:
    limit = time.time() - IMPORT_UPLOAD_LIFETIME
    for path in directory.iterdir():
        try:
            if path.suffix in (".xlsx", ".json") and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue
