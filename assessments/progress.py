"""How a cycle's campaign is going, for the coordinators who run it: each participant's status, deadline, days
overdue, values filled, evidence still missing and last activity; counts by status overall, by province and by
city; and the same as an Excel file.

Reads only what the reader coordinates (`permissions.coordinated_provinces`: every participant for the national
coordinator, their province's for a provincial one). A fixed number of queries whatever the number of
participants: the reader's roles and provinces, the framework's indicators, the participants, and the evidence
and citizens' survey values on the indicators that require evidence (what is missing follows
`checks.evidence_missing`); then one more for the values filled and the latest audit event of the participants
a page shows (`with_details`), or of all of them for the export.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, JSONObject
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from audit.models import Action, AuditEvent
from audit.services import Actor
from indicators.models import Indicator
from smartgov.errors import NotFound, PermissionRefused
from smartgov.i18n import localised
from smartgov.workbooks import workbook_bytes

from .checks import evidence_missing
from .models import Cycle, Evidence, IndicatorValue, Region, Submission
from .permissions import coordinated_provinces, is_platform_admin

SHANGHAI = ZoneInfo("Asia/Shanghai")
Status = Submission.Status
NO_PROVINCE = ""
"""The key of participants outside any province-level division (an international tree), national view only."""


@dataclass(frozen=True)
class Activity:
    """The latest audited change of a submission."""

    at: datetime.datetime
    action: str
    who: str

    @property
    def label(self) -> str:
        try:
            return str(Action(self.action).label)
        except ValueError:
            return self.action

    @property
    def local(self) -> datetime.datetime:
        """When, in Beijing time."""
        return timezone.localtime(self.at, SHANGHAI)


@dataclass(frozen=True)
class Participant:
    """One participant of the cycle (a city or a county) and how far its submission is."""

    submission_id: int
    region_id: int
    code: str
    name_zh: str
    name_en: str
    level: str
    province_code: str
    """The code of its province-level division (`NO_PROVINCE` when it has none)."""
    province_zh: str
    province_en: str
    city_code: str
    """The prefecture-level city it is counted under: itself, or the city a county lies in."""
    city_zh: str
    city_en: str
    status: str
    deadline: datetime.date
    extended: bool
    days_overdue: int
    """Days since the deadline passed while the submission is not approved; 0 otherwise."""
    expected: int
    """Indicators of the framework."""
    evidence_missing: tuple[str, ...]
    """Codes of the indicators that require evidence and have no file on the submission."""
    filled: int | None = None
    """Indicators with a value; with `last_activity`, read only for the participants shown (`with_details`)."""
    last_activity: Activity | None = None

    @property
    def name(self) -> str:
        return localised(self.name_zh, self.name_en)

    @property
    def province(self) -> str:
        return localised(self.province_zh, self.province_en)

    @property
    def city(self) -> str:
        return localised(self.city_zh, self.city_en)

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)

    @property
    def approved(self) -> bool:
        return self.status == Status.APPROVED

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0


@dataclass(frozen=True)
class Tally:
    """Counts over a set of participants: a province, a city with its counties, or all of them."""

    code: str
    name_zh: str
    name_en: str
    by_status: dict[str, int]
    """Every status, 0 when none."""
    overdue: int
    evidence_missing: int
    """Participants with evidence still missing."""

    @property
    def name(self) -> str:
        return localised(self.name_zh, self.name_en)

    @property
    def participants(self) -> int:
        return sum(self.by_status.values())

    @property
    def approved(self) -> int:
        return self.by_status[Status.APPROVED]

    @property
    def participation(self) -> float:
        """Share of the participants approved, 0–1."""
        return self.approved / self.participants if self.participants else 0.0

    @property
    def percent(self) -> int:
        """The participation in whole per cent, rounded down (100 only when every participant is approved)."""
        return self.approved * 100 // self.participants if self.participants else 0

    @property
    def statuses(self) -> list[tuple[str, str, int]]:
        """(status, label, count) in the workflow's order, for the pages."""
        return [(status, str(label), self.by_status[status]) for status, label in Status.choices]


def tally(code: str, name_zh: str, name_en: str, participants: Iterable[Participant]) -> Tally:
    by_status = {status: 0 for status, _label in Status.choices}
    overdue = missing = 0
    for participant in participants:
        by_status[participant.status] += 1
        overdue += participant.overdue
        missing += bool(participant.evidence_missing)
    return Tally(code, name_zh, name_en, by_status, overdue, missing)


@dataclass(frozen=True)
class CampaignProgress:
    """A cycle's campaign as one reader may see it."""

    cycle: Cycle
    today: datetime.date
    national: bool
    """Whether the reader coordinates every participant (the national coordinator)."""
    provinces: list[Region]
    """The province-level divisions the reader coordinates, by code."""
    participants: list[Participant]
    """Ordered by province, then region code."""
    evidence_required: list[tuple[str, str]] = field(default_factory=list)
    """(code, name) of the framework's indicators that require evidence."""

    @cached_property
    def total(self) -> Tally:
        return tally("", _("All participants"), _("All participants"), self.participants)

    @cached_property
    def by_province(self) -> list[Tally]:
        """A tally for every province with participants (for a provincial coordinator, their provinces even
        without), then one for the participants outside any province, if there are such."""
        groups = _grouped(self.participants, lambda p: p.province_code)
        tallies = [tally(p.code, p.name_zh, p.name_en, groups.get(p.code, [])) for p in self.provinces
                   if p.code in groups or not self.national]
        if groups.get(NO_PROVINCE):
            tallies.append(tally(NO_PROVINCE, _("Other"), _("Other"), groups[NO_PROVINCE]))
        return tallies

    def in_province(self, code: str) -> list[Participant]:
        return [p for p in self.participants if p.province_code == code]

    def by_city(self, province_code: str) -> list[Tally]:
        """A tally for every prefecture-level city of the province with participants (its counties included)."""
        groups = _grouped(self.in_province(province_code), lambda p: p.city_code)
        return [tally(code, members[0].city_zh, members[0].city_en, members) for code, members in groups.items()]

    @cached_property
    def overdue(self) -> list[Participant]:
        """Participants past their deadline and not approved, the most overdue first."""
        return sorted((p for p in self.participants if p.overdue), key=lambda p: (-p.days_overdue, p.code))

    @cached_property
    def missing_evidence(self) -> list[Participant]:
        return [p for p in self.participants if p.evidence_missing]


def _grouped(participants: Iterable[Participant], key: Callable[[Participant], str]
             ) -> dict[str, list[Participant]]:
    groups: dict[str, list[Participant]] = {}
    for participant in participants:
        groups.setdefault(key(participant), []).append(participant)
    return groups


def may_open_console(user: Actor) -> bool:
    """Whether `user` coordinates a campaign somewhere: the national or a provincial coordinator."""
    return is_platform_admin(user) or coordinated_provinces(user).exists()


def campaign_progress(cycle: Cycle, user: Actor, *, today: datetime.date | None = None) -> CampaignProgress:
    """The campaign of `cycle` as `user` coordinates it (without the values filled and last activity, which
    `with_details` reads for the participants shown); PermissionRefused for anyone who coordinates nothing."""
    national = is_platform_admin(user)
    provinces = list(coordinated_provinces(user).order_by("code"))
    if not national and not provinces:
        raise PermissionRefused(_("Only the national and provincial coordinators run campaigns."))
    indicators = framework_indicators(cycle)
    today = today or timezone.localdate()
    participants = participants_progress(cycle, provinces=None if national else [p.pk for p in provinces],
                                         today=today, indicators=indicators)
    return CampaignProgress(cycle=cycle, today=today, national=national, provinces=provinces,
                            participants=participants,
                            evidence_required=[(i.code, i.name) for i in indicators if i.evidence_required])


def province_of(progress: CampaignProgress, code: str | None) -> Region | None:
    """The province (by code) whose participants the reader asked to see; NotFound outside their campaign."""
    if not code:
        return None
    found = next((p for p in progress.provinces if p.code == code), None)
    if found is None:
        raise NotFound(_("There is no such province in the campaigns you coordinate."))
    return found


def framework_indicators(cycle: Cycle) -> list[Indicator]:
    """The indicators of the cycle's framework, in the framework's order (one query)."""
    return list(cycle.framework.indicators.order_by("dimension__order", "order"))


def participants_progress(cycle: Cycle, *, provinces: Sequence[int] | None, today: datetime.date,
                          indicators: Sequence[Indicator], statuses: Iterable[str] | None = None
                          ) -> list[Participant]:
    """The participants of `cycle` in `provinces` (ids of province-level divisions; every participant when
    None), only those in `statuses` when given, without their details (`with_details`). Three queries: the
    participants, the evidence and the citizens' survey values on the indicators that require evidence."""
    submissions = cycle_submissions(cycle, provinces=provinces)
    if statuses is not None:
        submissions = submissions.filter(status__in=list(statuses))
    rows = list(submissions.values(
        "pk", "status", "extended_until", "region_id", "region__code", "region__name_zh", "region__name_en",
        "region__level", "region__province__code", "region__province__name_zh", "region__province__name_en",
        "region__parent__code", "region__parent__name_zh", "region__parent__name_en", "region__parent__level"))
    required = [i for i in indicators if i.evidence_required]
    evidenced = _codes_by_submission(Evidence.objects.filter(submission__in=submissions, indicator__in=required),
                                     required)
    computed = _codes_by_submission(IndicatorValue.objects.filter(
        submission__in=submissions, indicator__in=required, source__in=IndicatorValue.COMPUTED_SOURCES), required)
    return [_participant(
        row, cycle, today, sum(i.applies_at(row["region__level"]) for i in indicators),
        tuple(i.code for i in evidence_missing([i for i in required if i.applies_at(row["region__level"])],
                                               evidenced=evidenced.get(row["pk"], ()),
                                               computed=computed.get(row["pk"], ()))))
        for row in rows]


def with_details(*groups: Sequence[Participant]) -> list[list[Participant]]:
    """The groups of participants with their values filled and last activity (one query for all of them: a
    page's participants, or every one for the export)."""
    ids = {p.submission_id for group in groups for p in group}
    found = _details(Submission.objects.filter(pk__in=ids)) if ids else {}
    return [_detailed(group, found) for group in groups]


def _details(submissions: QuerySet[Submission]) -> dict[int, tuple[int, Activity | None]]:
    """Submission id → (indicators with a value, latest audited change), in one query."""
    last = (AuditEvent.objects.filter(submission=OuterRef("pk")).order_by("-at", "-id")
            .values(json=JSONObject(at="at", action="action", username="actor__username",
                                    first="actor__first_name", last="actor__last_name"))[:1])
    filled = (IndicatorValue.objects.filter(submission=OuterRef("pk")).order_by().values("submission")
              .annotate(n=Count("pk")).values("n"))
    return {pk: (n, _activity(event)) for pk, n, event in submissions.order_by().annotate(
        filled=Coalesce(Subquery(filled), 0), last_event=Subquery(last)).values_list("pk", "filled", "last_event")}


def _detailed(participants: Sequence[Participant], details: dict[int, tuple[int, Activity | None]]
              ) -> list[Participant]:
    return [replace(p, filled=details[p.submission_id][0], last_activity=details[p.submission_id][1])
            if p.submission_id in details else p for p in participants]


def _codes_by_submission(rows: QuerySet[Evidence] | QuerySet[IndicatorValue], indicators: Sequence[Indicator]
                         ) -> dict[object, set[str]]:
    """Submission id → codes of `indicators` the rows (evidence or values) concern; no query without indicators."""
    codes = {i.pk: i.code for i in indicators}
    found: dict[object, set[str]] = {}
    if codes:
        for submission_id, indicator_id in rows.order_by().values_list("submission_id", "indicator_id").distinct():
            found.setdefault(submission_id, set()).add(codes[indicator_id])
    return found


def cycle_submissions(cycle: Cycle, *, provinces: Sequence[int] | None) -> QuerySet[Submission]:
    """The submissions of `cycle` (one per participant) in `provinces` (every one when None), by province and
    region code."""
    submissions = Submission.objects.filter(cycle=cycle)
    if provinces is not None:
        submissions = submissions.filter(region__province_id__in=list(provinces))
    return submissions.order_by("region__province__code", "region__code")


def _activity(event: Any) -> Activity | None:
    """The latest event of a submission as the participants' query reads it: a JSON object (a dict, or its text
    on databases whose driver does not decode it), its time in ISO format (naive UTC on SQLite)."""
    if event is None:
        return None
    if isinstance(event, str):
        event = json.loads(event)
    at = datetime.datetime.fromisoformat(event["at"])
    first, last, username = event.get("first") or "", event.get("last") or "", event.get("username")
    who = f"{first} {last}".strip() if first or last else (username or "—")
    return Activity(at if at.tzinfo else at.replace(tzinfo=datetime.UTC), event["action"], who)


def _participant(row: Mapping[str, Any], cycle: Cycle, today: datetime.date, expected: int,
                 missing: tuple[str, ...]) -> Participant:
    extended: datetime.date | None = row["extended_until"]
    deadline = max(cycle.closes, extended) if extended else cycle.closes
    late = (today - deadline).days if row["status"] != Status.APPROVED else 0
    under_city = (row["region__level"] == Region.Level.COUNTY
                  and row["region__parent__level"] == Region.Level.PREFECTURE)
    city = "region__parent__" if under_city else "region__"
    return Participant(
        submission_id=row["pk"], region_id=row["region_id"], code=row["region__code"],
        name_zh=row["region__name_zh"], name_en=row["region__name_en"], level=row["region__level"],
        province_code=row["region__province__code"] or NO_PROVINCE,
        province_zh=row["region__province__name_zh"] or "", province_en=row["region__province__name_en"] or "",
        city_code=row[f"{city}code"], city_zh=row[f"{city}name_zh"], city_en=row[f"{city}name_en"],
        status=row["status"], deadline=deadline, extended=deadline != cycle.closes, days_overdue=max(late, 0),
        expected=expected, evidence_missing=missing,
    )


# --- Excel ---------------------------------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
COLUMN_WIDTHS = (14, 18, 10, 12, 26, 12, 10, 10, 10, 10, 30, 24, 18)


def progress_headers() -> list[str]:
    return [_("Province"), _("Region"), _("Code"), _("Level"), _("Status"), _("Deadline"), _("Deadline extended"),
            _("Days overdue"), _("Values filled"), _("Values expected"), _("Evidence missing"), _("Last activity"),
            _("Last activity at")]


def progress_rows(participants: Iterable[Participant]) -> list[list[str | int]]:
    levels = {level: str(label) for level, label in Region.Level.choices}
    statuses = {status: str(label) for status, label in Status.choices}
    yes, no = _("Yes"), _("No")
    return [[p.province, p.name, p.code, levels.get(p.level, p.level), statuses[p.status],
             p.deadline.isoformat(), yes if p.extended else no, p.days_overdue,
             "" if p.filled is None else p.filled, p.expected, ", ".join(p.evidence_missing),
             p.last_activity.label if p.last_activity else "",
             f"{p.last_activity.local:%Y-%m-%d %H:%M}" if p.last_activity else ""]
            for p in participants]


def progress_workbook(progress: CampaignProgress, participants: Iterable[Participant]) -> bytes:
    """One line per participant, in the reader's language; every cell a number or plain text (a text that
    begins like a formula is stored as text, never evaluated)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 — a new workbook always has its sheet
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", f"{progress.cycle.period} {_('Progress')}")[:31]
    sheet.append(progress_headers())
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    number = 1
    for number, row in enumerate(progress_rows(participants), start=2):
        for column, value in enumerate(row, start=1):
            if value != "":
                sheet.cell(row=number, column=column, value=value)
    for index, width in enumerate(COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMN_WIDTHS))}{max(number, 2)}"
    workbook.properties.creator = "SmartGov"
    return workbook_bytes(workbook)
