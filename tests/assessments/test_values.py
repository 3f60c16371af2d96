"""values_save: all or nothing, audited, refused when locked, and never silently overwriting a colleague."""

import datetime

import pytest

from assessments.models import IndicatorValue, RoleAssignment, Submission
from assessments.services import (
    Entry,
    EntryLocked,
    StaleEdit,
    ValuesInvalid,
    submission_transition,
    values_copy_previous,
    values_save,
)
from audit.models import AuditEvent
from smartgov.errors import PermissionRefused
from tests.evidence_files import with_required_evidence
from tests.factories import fill, user_with_role

pytestmark = pytest.mark.django_db


def _save(submission, user, entries, version=None):
    submission.refresh_from_db()
    return values_save(submission=submission, entries=entries, actor=user,
                       expected_version=submission.version if version is None else version)


def test_it_saves_values_and_notes_and_audits_each_change(submission, officer):
    result = _save(submission, officer, {"RS01": Entry("85.5", "来自共享平台统计"), "RS08": Entry("是")})
    assert result.submission.version == 2
    assert IndicatorValue.objects.get(submission=submission, indicator__code="RS01").value == 85.5
    assert IndicatorValue.objects.get(submission=submission, indicator__code="RS08").value == 1.0
    events = AuditEvent.objects.filter(submission=submission, action="value_changed").order_by("subject")
    assert [(e.subject, e.old, e.new, e.actor, e.submission_version) for e in events] == [
        ("RS01", None, {"value": 85.5, "note": "来自共享平台统计"}, officer, 2),
        ("RS08", None, {"value": 1.0, "note": ""}, officer, 2)]


def test_one_bad_value_writes_nothing(submission, officer):
    with pytest.raises(ValuesInvalid) as refused:
        _save(submission, officer, {"RS01": Entry("85"), "RS02": Entry("150"), "MP08": Entry("2.5"),
                                    "RS03": Entry("abc")})
    assert set(refused.value.errors) == {"RS02", "MP08", "RS03"}
    assert "0 至 100" in refused.value.errors["RS02"]
    assert not IndicatorValue.objects.exists()
    assert not AuditEvent.objects.filter(submission=submission).exists()
    assert Submission.objects.get(pk=submission.pk).version == 1


def test_clearing_a_value_deletes_it_and_is_audited(submission, officer):
    _save(submission, officer, {"RS01": Entry("80")})
    _save(submission, officer, {"RS01": Entry("")})
    assert not IndicatorValue.objects.filter(submission=submission).exists()
    assert AuditEvent.objects.filter(subject="RS01").order_by("-id").first().new is None


def test_an_unchanged_save_changes_nothing(submission, officer):
    _save(submission, officer, {"RS01": Entry("80", "n")})
    result = _save(submission, officer, {"RS01": Entry("80.0", "n")})
    assert result.changes == []
    assert result.submission.version == 2


def test_html_in_a_note_is_stored_as_text(client, submission, officer):
    _save(submission, officer, {"RS01": Entry("80", "<script>alert(1)</script>")})
    client.force_login(officer)
    page = client.get(f"/submissions/{submission.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_second_save_on_an_old_version_is_refused_with_the_other_changes(submission, officer, regions):
    reviewer = user_with_role("wang_reviewer", RoleAssignment.Role.CITY_REVIEWER, regions["hangzhou"],
                              first_name="王审核")
    opened_at = submission.version
    _save(submission, reviewer, {"RS01": Entry("70")}, version=opened_at)
    with pytest.raises(StaleEdit) as conflict:
        _save(submission, officer, {"RS01": Entry("90")}, version=opened_at)
    assert [(e.actor, e.subject, e.new["value"]) for e in conflict.value.changes] == [(reviewer, "RS01", 70.0)]
    assert IndicatorValue.objects.get(submission=submission, indicator__code="RS01").value == 70


def test_an_approved_submission_is_locked_and_says_who_can_reopen(submission, officer):
    Submission.objects.filter(pk=submission.pk).update(status="approved")
    with pytest.raises(EntryLocked, match="平台管理员可说明理由后重新开放"):
        _save(submission, officer, {"RS01": Entry("80")})


def test_after_the_closing_date_only_an_admin_can_edit(submission, officer, admin_user):
    submission.cycle.opens, submission.cycle.closes = datetime.date(2000, 1, 1), datetime.date(2000, 2, 1)
    submission.cycle.save()
    with pytest.raises(EntryLocked, match="评估周期未开放填报"):
        _save(submission, officer, {"RS01": Entry("80")})
    assert _save(submission, admin_user, {"RS01": Entry("80")}).changes


def test_another_city_cannot_edit(submission, people):
    other = people["ningbo_officer"]
    with pytest.raises(PermissionRefused):
        _save(submission, other, {"RS01": Entry("80")})


def test_copy_previous_fills_only_empty_fields(framework, regions, officer, cycle):
    from assessments.models import Cycle

    last = Cycle.objects.create(framework=framework, period=2025, opens="2025-09-01", closes="2025-11-30",
                                status="closed")
    fill(Submission.objects.create(region=regions["hangzhou"], cycle=last, status="approved"))
    current = Submission.objects.create(region=regions["hangzhou"], cycle=cycle)
    _save(current, officer, {"RS01": Entry("12")})
    current.refresh_from_db()
    result = values_copy_previous(submission=current, actor=officer, expected_version=current.version)
    assert len(result.changes) == framework.indicators.count() - 1
    assert IndicatorValue.objects.get(submission=current, indicator__code="RS01").value == 12


def test_anomalies_and_warnings_block_submission_until_explained(framework, regions, officer, cycle):
    from assessments.models import Cycle
    from assessments.workflow import WorkflowRefused

    last = Cycle.objects.create(framework=framework, period=2025, opens="2025-09-01", closes="2025-11-30",
                                status="closed")
    fill(Submission.objects.create(region=regions["hangzhou"], cycle=last, status="approved"))
    current = with_required_evidence(fill(Submission.objects.create(region=regions["hangzhou"], cycle=cycle)))
    before = IndicatorValue.objects.get(submission__cycle=last, indicator__code="RS06").value
    _save(current, officer, {"RS06": Entry(str(round(before * 3, 2)))})
    current.refresh_from_db()
    with pytest.raises(WorkflowRefused, match=r"RS06 .*较上期"):
        submission_transition(submission=current, action="submit", actor=officer)
    _save(current, officer, {"RS06": Entry(str(round(before * 3, 2)), "新增数据开放平台，数据集大幅增加")})
    current.refresh_from_db()
    assert submission_transition(submission=current, action="submit", actor=officer).status == "submitted"


def test_a_broken_error_rule_blocks_submission(submission, officer):
    from assessments.workflow import WorkflowRefused

    fill(submission)
    IndicatorValue.objects.filter(submission=submission, indicator__code="SC03").update(value=7)
    with pytest.raises(WorkflowRefused, match="E01"):
        submission_transition(submission=submission, action="submit", actor=officer)
