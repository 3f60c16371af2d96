"""The batched entry services (`assessments.services.batch`): values, evidence and workflow steps on many
submissions of a cycle at once, by the rules of their one-submission services — all or nothing, the refused
region named, each change audited as there — in a number of queries that does not grow with the submissions."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Cycle, Evidence, IndicatorValue, Notification, RoleAssignment, ScoreRun, Submission
from assessments.selectors import submission_findings_of, submissions_findings_of
from assessments.services import Entry, EntryLocked, ValuesInvalid, values_save
from assessments.services.batch import evidence_add_many, submission_transition_many, values_save_many
from assessments.workflow import WorkflowRefused
from audit.models import Action, AuditEvent
from smartgov.errors import PermissionRefused
from tests.assessments.campaign_cast import entry_window
from tests.evidence_files import explain_warnings, pdf_upload, with_required_evidence
from tests.factories import CycleFactory, SubmissionFactory, fill, many_cities, user_with_role

pytestmark = pytest.mark.django_db
Status = Submission.Status
ENTRIES = {"RS01": Entry("85.5", "来自共享平台统计"), "RS08": Entry("是")}


@pytest.fixture
def pair(cycle, regions):
    """杭州's and 宁波's submissions of an open cycle."""
    entry_window(cycle)
    return [SubmissionFactory(region=regions["hangzhou"], cycle=cycle),
            SubmissionFactory(region=regions["ningbo"], cycle=cycle)]


def _events(submission, action=Action.VALUE_CHANGED):
    return [(e.subject, e.old, e.new, e.actor_id, e.submission_version, e.region_id, e.comment)
            for e in AuditEvent.objects.filter(submission=submission, action=action).order_by("subject")]


def _untouched(submissions):
    assert not IndicatorValue.objects.filter(submission__in=submissions).exists()
    assert set(Submission.objects.filter(pk__in=[s.pk for s in submissions]).values_list("version", flat=True)) == {1}
    assert not AuditEvent.objects.filter(submission__in=submissions).exists()


def test_it_saves_values_of_many_submissions_audited_as_values_save_audits_one(cycle, pair, regions, admin_user):
    single = SubmissionFactory(region=regions["nanjing"], cycle=cycle)
    values_save(submission=single, entries=ENTRIES, actor=admin_user, expected_version=None)
    results = values_save_many(cycle=cycle, entries={s: ENTRIES for s in pair}, actor=admin_user)
    assert [r.submission.version for r in results] == [2, 2]
    for submission in pair:
        submission.refresh_from_db()
        assert submission.version == 2
        assert dict(submission.values.values_list("indicator__code", "value")) == {"RS01": 85.5, "RS08": 1.0}
        assert [e[:5] + e[6:] for e in _events(submission)] == [e[:5] + e[6:] for e in _events(single)]
        assert {e[5] for e in _events(submission)} == {submission.region_id}


def test_a_second_save_changes_notes_only_where_they_change(cycle, pair, admin_user):
    values_save_many(cycle=cycle, entries={s: ENTRIES for s in pair}, actor=admin_user)
    results = values_save_many(cycle=cycle, actor=admin_user, entries={
        pair[0]: {"RS01": Entry("85.5", "来自共享平台统计")}, pair[1]: {"RS01": Entry(85.5, "已核实")}})
    assert [r.changes for r in results] == [
        [], [("RS01", {"value": 85.5, "note": "来自共享平台统计"}, {"value": 85.5, "note": "已核实"})]]
    assert list(Submission.objects.filter(pk__in=[s.pk for s in pair]).order_by("region__code")
                .values_list("version", flat=True)) == [2, 3]


def test_one_refused_value_refuses_them_all_naming_the_region(cycle, pair, admin_user):
    with pytest.raises(ValuesInvalid) as refused:
        values_save_many(cycle=cycle, actor=admin_user, entries={
            pair[0]: ENTRIES, pair[1]: {"RS01": Entry("120"), "XX99": Entry("1")}})
    assert set(refused.value.errors) == {"330200 RS01", "330200 XX99"}
    assert refused.value.unknown == {"330200 XX99"}
    _untouched(pair)


def test_a_submission_the_actor_may_not_edit_refuses_them_all(cycle, pair, officer, english):
    with pytest.raises(PermissionRefused, match="Ningbo"):
        values_save_many(cycle=cycle, entries={s: ENTRIES for s in pair}, actor=officer)
    _untouched(pair)


def test_a_locked_submission_refuses_them_all(cycle, pair, admin_user, english):
    Submission.objects.filter(pk=pair[1].pk).update(status=Status.APPROVED)
    with pytest.raises(EntryLocked, match=r"Ningbo.*Approved by the province"):
        values_save_many(cycle=cycle, entries={s: ENTRIES for s in pair}, actor=admin_user)
    _untouched(pair)


def test_submissions_of_another_cycle_are_refused(framework, cycle, pair, admin_user, regions, english):
    other = SubmissionFactory(region=regions["nanjing"], cycle=CycleFactory(framework=framework, period=2025))
    with pytest.raises(Exception, match="not of this cycle"):
        values_save_many(cycle=cycle, entries={pair[0]: ENTRIES, other: ENTRIES}, actor=admin_user)
    _untouched([*pair, other])


def test_evidence_of_many_submissions_is_stored_and_audited(cycle, pair, admin_user):
    added = evidence_add_many(cycle=cycle, actor=admin_user, uploads=[
        (pair[0], "RS01", pdf_upload("a.pdf")), (pair[1], "RS01", pdf_upload("a.pdf")),
        (pair[1], None, pdf_upload("b.pdf", b"%PDF-1.4\n% b\n%%EOF\n"))])
    assert [(e.submission.region.code, e.indicator.code if e.indicator else None) for e in added] == [
        ("330100", "RS01"), ("330200", "RS01"), ("330200", None)]
    for evidence in Evidence.objects.all():
        with evidence.file.open("rb") as file:
            assert file.read(5) == b"%PDF-"
    events = AuditEvent.objects.filter(action=Action.EVIDENCE_ADDED).order_by("id")
    assert [(e.submission_id, e.subject, e.new["file"], e.actor_id) for e in events] == [
        (pair[0].pk, "RS01", "a.pdf", admin_user.pk), (pair[1].pk, "RS01", "a.pdf", admin_user.pk),
        (pair[1].pk, "", "b.pdf", admin_user.pk)]


def test_a_file_attached_twice_refuses_the_batch_and_leaves_no_file(cycle, pair, admin_user, english):
    with pytest.raises(Exception, match=r"Ningbo.*already attached"):
        evidence_add_many(cycle=cycle, actor=admin_user, uploads=[
            (pair[0], "RS01", pdf_upload()), (pair[1], "RS01", pdf_upload()), (pair[1], "RS01", pdf_upload())])
    assert not Evidence.objects.exists()
    stored = settings.MEDIA_ROOT / "evidence"
    assert not stored.exists() or not [p for p in stored.rglob("*") if p.is_file()]


def _ready(submissions, actor):
    for submission in submissions:
        explain_warnings(with_required_evidence(fill(submission)), actor)
        submission.refresh_from_db()
    return submissions


def test_submitting_refuses_a_submission_not_ready_naming_it(cycle, pair, admin_user, english):
    _ready(pair[:1], admin_user)
    with pytest.raises(WorkflowRefused, match=r"Ningbo.*Not ready to submit"):
        submission_transition_many(cycle=cycle, submissions=pair, action="submit", actor=admin_user)
    assert set(Submission.objects.values_list("status", flat=True)) == {Status.DRAFT}
    assert not AuditEvent.objects.filter(action=Action.SUBMISSION_SUBMITTED).exists()


def test_steps_are_audited_notified_and_an_approval_asks_for_one_recompute(cycle, pair, people):
    officer, admin = people["officer"], people["admin"]
    versions = [s.version for s in _ready(pair, admin)]
    submitted = submission_transition_many(cycle=cycle, submissions=pair, action="submit", actor=admin)
    assert [(s.status, s.version) for s in submitted] == [(Status.SUBMITTED, v + 1) for v in versions]
    for submission in pair:
        event = AuditEvent.objects.get(submission=submission, action=Action.SUBMISSION_SUBMITTED)
        fresh = Submission.objects.get(pk=submission.pk)
        assert (event.old, event.new, event.actor, event.submission_version) == (
            Status.DRAFT, Status.SUBMITTED, admin, fresh.version)
    notified = set(Notification.objects.filter(kind=Notification.Kind.TRANSITION)
                   .values_list("user__username", "submission__region__code"))
    assert notified == {("reviewer", "330100"), ("ningbo_reviewer", "330200")}
    assert officer.username not in {user for user, _code in notified}
    Cycle.objects.filter(pk=cycle.pk).update(separation_of_duties=False)
    cycle.refresh_from_db()
    for action in ("sign_off", "approve"):
        submission_transition_many(cycle=cycle, submissions=pair, action=action, actor=admin)
    assert set(Submission.objects.values_list("status", flat=True)) == {Status.APPROVED}
    assert list(ScoreRun.objects.filter(cycle=cycle).values_list("status", flat=True)) == [ScoreRun.Status.QUEUED]


def test_the_four_eyes_rule_and_roles_hold_for_each_submission(cycle, pair, people, english):
    admin, reviewer = people["admin"], people["reviewer"]
    _ready(pair, admin)
    submission_transition_many(cycle=cycle, submissions=pair, action="submit", actor=admin)
    with pytest.raises(PermissionRefused, match=r"Hangzhou.*Four-eyes rule: you submitted"):
        submission_transition_many(cycle=cycle, submissions=pair, action="sign_off", actor=admin)
    with pytest.raises(PermissionRefused, match=r"Ningbo.*needs one of these roles"):
        submission_transition_many(cycle=cycle, submissions=pair, action="sign_off", actor=reviewer)
    with pytest.raises(WorkflowRefused, match=r"Hangzhou.*not possible from"):
        submission_transition_many(cycle=cycle, submissions=pair, action="approve", actor=people["analyst"])
    assert set(Submission.objects.values_list("status", flat=True)) == {Status.SUBMITTED}


def test_a_step_that_needs_a_reason_is_refused_without_one(cycle, pair, admin_user, english):
    Submission.objects.filter(pk__in=[s.pk for s in pair]).update(status=Status.APPROVED)
    with pytest.raises(Exception, match="needs a reason"):
        submission_transition_many(cycle=cycle, submissions=pair, action="reopen", actor=admin_user)
    reopened = submission_transition_many(cycle=cycle, submissions=pair, action="reopen", actor=admin_user,
                                          comment="统计口径更正")
    assert {s.status for s in reopened} == {Status.RETURNED}
    assert set(AuditEvent.objects.filter(action=Action.SUBMISSION_REOPENED).values_list("comment", flat=True)) == {
        "统计口径更正"}


def test_findings_of_many_submissions_are_those_of_each(framework, cycle, pair, regions, admin_user):
    earlier = CycleFactory(framework=framework, period=2025)
    for region in ("hangzhou", "nanjing"):
        fill(SubmissionFactory(region=regions[region], cycle=earlier), seed=7)
    nanjing = SubmissionFactory(region=regions["nanjing"], cycle=cycle)
    with_required_evidence(fill(pair[0]))
    values_save(submission=pair[1], entries=ENTRIES, actor=admin_user, expected_version=None)
    fill(nanjing, seed=3)
    submissions = list(Submission.objects.filter(cycle=cycle).select_related("region", "cycle__framework"))
    assert submissions_findings_of(cycle, submissions) == {s.pk: submission_findings_of(s) for s in submissions}
    assert any(f.kind == "anomaly" for f in submission_findings_of(pair[0]))


def _queries(action):
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def _steps(cycle, fresh, ready, admin):
    """Each batched write once, on `fresh` submissions (values, values again, evidence) and on `ready` ones (the
    workflow to approval)."""
    return [lambda: values_save_many(cycle=cycle, entries={s: ENTRIES for s in fresh}, actor=admin),
            lambda: values_save_many(cycle=cycle, entries={s: {"RS01": Entry(1)} for s in fresh}, actor=admin),
            lambda: evidence_add_many(cycle=cycle, actor=admin, uploads=[(s, "RS01", pdf_upload()) for s in fresh]),
            *(lambda a=action: submission_transition_many(cycle=cycle, submissions=ready, action=a, actor=admin)
              for action in ("submit", "sign_off", "approve"))]


def test_the_number_of_queries_does_not_grow_with_the_submissions(framework, regions):
    admin = user_with_role("batch_admin", RoleAssignment.Role.PLATFORM_ADMIN)
    counts = []
    for period, size in ((2024, 2), (2025, 5)):
        cycle = entry_window(CycleFactory(framework=framework, period=period, separation_of_duties=False))
        cities = many_cities(2 * size, regions["jiangsu"])
        fresh = [SubmissionFactory(region=city, cycle=cycle) for city in cities[:size]]
        ready = _ready([SubmissionFactory(region=city, cycle=cycle) for city in cities[size:]], admin)
        acting = User.objects.get(pk=admin.pk)  # its roles not read yet, as in a new request
        counts.append([_queries(step) for step in _steps(cycle, fresh, ready, acting)])
    assert counts[0] == counts[1]
