"""One demo cycle run through the same services as a real campaign: create, open for the participants, set the
comparison groups, enter values with their evidence, submit, sign off, approve, score, close and publish.

The current cycle is run by the people who hold the roles: each city's officer enters and submits, its
reviewer signs off, the province's analyst approves — different people, as its four-eyes rule requires; it
stays open and its results provisional. Past cycles are recorded after the fact by the platform administrator,
the one role the workflow lets act outside the entry window, so their four-eyes rule is off (one person keys in
the historical records); they are closed and published.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from indicators.models import Framework, Indicator

from ..models import Cycle, IndicatorValue, Region, RoleAssignment, Submission
from ..selectors import submission_findings_of
from ..services import (
    Entry,
    cycle_create,
    cycle_scores_compute,
    cycle_scores_request,
    evidence_add,
    submission_transition,
    values_save,
)
from ..services.cycles import cycle_close, cycle_open
from ..services.groups import GroupInput, groups_set
from ..services.participants import ParticipantSet
from ..services.publication import cycle_publish, cycle_revise
from .people import Staff
from .values import PROVINCE_EFFECT

Role = RoleAssignment.Role
Status = Submission.Status
MIN_PARTICIPATION = 0.3
"""Ranks are shown once 30 % of the participants are approved."""
GROUPS = (
    GroupInput("sub-provincial", "副省级城市", "Sub-provincial cities",
               ("320100", "330100", "330200", "440100", "440300")),
    GroupInput("separately-planned", "计划单列市", "Cities specifically designated in the state plan",
               ("330200", "440300")),
)
CURRENT_STATUSES = (Status.APPROVED, Status.APPROVED, Status.APPROVED, Status.SIGNED_OFF, Status.SUBMITTED,
                    Status.DRAFT)
"""In the current cycle most cities are approved, some await the city's sign-off or the province's review, some
are drafts; the demo logins' own city is a draft, so that they can try entry."""
EXPLANATION = "演示数据：已核实统计口径。Demo data: the figures were checked."
REVISED_CITY = "320500"
REVISION_REASON = "苏州市更正2025年RS01统计口径（含市级部门共享目录）。Suzhou corrected its 2025 RS01 figure."
WORKFLOW = {Status.SUBMITTED: ("submit",), Status.SIGNED_OFF: ("submit", "sign_off"),
            Status.APPROVED: ("submit", "sign_off", "approve")}


@dataclass(frozen=True)
class Campaign:
    framework: Framework
    cities: Sequence[Region]
    indicators: Sequence[Indicator]
    staff: Staff
    coordinator: User
    """The national coordinator (the demo's platform administrator)."""
    draft_cities: frozenset[str]
    """Cities left as drafts in the current cycle (the demo logins')."""


def campaign_run(campaign: Campaign, *, period: int, values: np.ndarray, current: bool) -> Cycle:
    """Run the cycle of `period` (values: cities × indicators) as far as a campaign gets: the current one to
    provisional results, a past one to published results."""
    coordinator = campaign.coordinator
    opens, closes = _window(period, current=current)
    cycle = cycle_create(actor=coordinator, framework=campaign.framework, period=period, opens=opens, closes=closes,
                         min_participation=MIN_PARTICIPATION, is_demo=True, separation_of_duties=current)
    cycle_open(cycle=cycle, actor=coordinator, participants=ParticipantSet(
        level=Region.Level.PREFECTURE, provinces=tuple(sorted(PROVINCE_EFFECT))))
    groups_set(cycle=cycle, groups=GROUPS, actor=coordinator)
    submissions = {s.region_id: s for s in cycle.submissions.all()}
    with transaction.atomic():  # the approvals ask for one recompute between them
        for index, city in enumerate(campaign.cities):
            target = _target(index, city, campaign, current=current)
            _enter(campaign, submissions[city.pk], values[index], target, current=current)
    _score(cycle, coordinator)
    if current:
        return cycle
    cycle_close(cycle=cycle, actor=coordinator)
    cycle_publish(cycle=cycle, actor=coordinator)
    return cycle


def campaign_revise(campaign: Campaign, cycle: Cycle, *, corrected: float) -> None:
    """A correction after publication: the administrator reopens one city's approved submission, the value is
    corrected and approved again, and the recomputed results are published as version 2 with the reason."""
    admin = campaign.coordinator
    submission = cycle.submissions.get(region__code=REVISED_CITY)
    submission_transition(submission=submission, action="reopen", actor=admin, comment=REVISION_REASON)
    values_save(submission=submission, entries={"RS01": Entry(corrected, EXPLANATION)}, actor=admin,
                expected_version=None, source=IndicatorValue.Source.DEMO)
    with transaction.atomic():
        for action in WORKFLOW[Status.APPROVED]:
            submission_transition(submission=submission, action=action, actor=admin)
    _score(cycle, admin)
    cycle_revise(cycle=cycle, reason=REVISION_REASON, actor=admin)


def _window(period: int, *, current: bool) -> tuple[datetime.date, datetime.date]:
    """A past cycle's historical window; the current one's is open today, whatever today is."""
    opens, closes = datetime.date(period, 9, 1), datetime.date(period, 11, 30)
    if not current:
        return opens, closes
    today = timezone.localdate()
    return min(opens, today), max(datetime.date(period, 12, 31), today + datetime.timedelta(days=31))


def _target(index: int, city: Region, campaign: Campaign, *, current: bool) -> Status:
    if not current:
        return Status.APPROVED
    if city.code in campaign.draft_cities:
        return Status.DRAFT
    return CURRENT_STATUSES[index % len(CURRENT_STATUSES)]


def _enter(campaign: Campaign, submission: Submission, row: np.ndarray, target: Status, *, current: bool) -> None:
    """Enter the city's values and evidence and take its submission to `target`: a draft misses some values."""
    staff, city = campaign.staff, submission.region
    officer = staff.of_city(Role.CITY_OFFICER, city) if current else campaign.coordinator
    entries = {indicator.code: Entry(float(value)) for j, (indicator, value) in
               enumerate(zip(campaign.indicators, row, strict=True)) if target != Status.DRAFT or j % 5}
    values_save(submission=submission, entries=entries, actor=officer, expected_version=None,
                source=IndicatorValue.Source.DEMO)
    if target == Status.DRAFT:
        return
    for indicator in campaign.indicators:
        if indicator.evidence_required:
            evidence_add(submission=submission, indicator_code=indicator.code, actor=officer,
                         upload=evidence_file(city, indicator, submission.cycle.period))
    _explain(submission, officer)
    actors = {"submit": officer, "sign_off": staff.of_city(Role.CITY_REVIEWER, city) if current else officer,
              "approve": staff.analyst(city) if current else officer}
    for action in WORKFLOW[target]:
        submission_transition(submission=submission, action=action, actor=actors[action])


def _explain(submission: Submission, officer: User) -> None:
    """A note on every value a warning rule or the anomaly check asks about, as an officer explains them."""
    flagged = {code for finding in submission_findings_of(submission) if finding.kind in ("rule_warning", "anomaly")
               for code in finding.indicators}
    if flagged:
        values = dict(submission.values.filter(indicator__code__in=flagged).values_list("indicator__code", "value"))
        values_save(submission=submission, entries={code: Entry(values[code], EXPLANATION) for code in flagged},
                    actor=officer, expected_version=None, source=IndicatorValue.Source.DEMO)


def _score(cycle: Cycle, actor: User) -> None:
    """Compute the cycle's scores now, in this process: the run the approvals queued (a worker that receives it
    later finds it finished)."""
    run = cycle_scores_request(cycle=cycle, actor=actor, reason="demo", enqueue=False)
    cycle_scores_compute(run_id=run.pk)
    cycle.refresh_from_db()


def evidence_file(city: Region, indicator: Indicator, period: int) -> SimpleUploadedFile:
    """A one-page PDF that says what it stands for: generated demo evidence, not a real document."""
    text = f"SmartGov demo evidence - {city.code} {indicator.code} {period} - generated, not a real document"
    stream = f"BT /F1 11 Tf 56 780 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return SimpleUploadedFile(f"{city.code}-{indicator.code}-{period}.pdf", bytes(pdf), "application/pdf")
