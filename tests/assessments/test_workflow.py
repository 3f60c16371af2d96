"""Every workflow transition, from every state, by every role — and every refusal says why."""

import datetime
import itertools

import pytest

from assessments.models import RoleAssignment, ScoreRun, Submission
from assessments.services import StaleEdit, submission_transition
from assessments.services.submissions import TRANSITION_ACTIONS
from assessments.workflow import WorkflowRefused
from audit.models import AuditEvent
from outbox.models import Job
from smartgov.errors import DomainError, Invalid, PermissionRefused
from tests.evidence_files import with_required_evidence
from tests.factories import approved_cycle, fill, many_cities

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role
STATES = ["draft", "submitted", "signed_off", "returned", "approved"]
ACTORS = ["officer", "reviewer", "analyst", "ningbo_reviewer", "jiangsu_analyst", "admin"]
ALLOWED = {
    ("submit", "draft", "officer"), ("submit", "draft", "reviewer"), ("submit", "draft", "admin"),
    ("submit", "returned", "officer"), ("submit", "returned", "reviewer"), ("submit", "returned", "admin"),
    ("send_back", "submitted", "reviewer"), ("send_back", "submitted", "admin"),
    ("sign_off", "submitted", "reviewer"), ("sign_off", "submitted", "admin"),
    ("return", "signed_off", "analyst"), ("return", "signed_off", "admin"),
    ("approve", "signed_off", "analyst"), ("approve", "signed_off", "admin"),
    ("reopen", "approved", "admin"),
}
TARGET = {"submit": "submitted", "send_back": "draft", "sign_off": "signed_off", "return": "returned",
          "approve": "approved", "reopen": "returned"}
NEEDS_REASON = ("send_back", "return", "reopen")


@pytest.fixture
def filled(submission):
    return with_required_evidence(fill(submission))


@pytest.mark.parametrize(("action", "state", "actor"), list(itertools.product(TARGET, STATES, ACTORS)))
def test_transition(action, state, actor, people, filled):
    Submission.objects.filter(pk=filled.pk).update(status=state)
    comment = "数据口径需要修正" if action in NEEDS_REASON else ""
    if (action, state, actor) in ALLOWED:
        result = submission_transition(submission=filled, action=action, actor=people[actor], comment=comment)
        assert result.status == TARGET[action]
        event = AuditEvent.objects.get(submission=filled, action=TRANSITION_ACTIONS[action])
        assert (event.actor, event.old, event.new, event.comment) == (people[actor], state, TARGET[action], comment)
    else:
        with pytest.raises(DomainError) as refused:
            submission_transition(submission=filled, action=action, actor=people[actor], comment=comment)
        assert str(refused.value)
        assert Submission.objects.get(pk=filled.pk).status == state
        assert not AuditEvent.objects.filter(submission=filled).exists()


def test_a_refusal_for_a_wrong_state_names_the_states_that_allow_it(people, filled):
    Submission.objects.filter(pk=filled.pk).update(status="submitted")
    with pytest.raises(WorkflowRefused, match="“批准”不能从“待城市签核”进行；可从以下状态进行：已签核，待省级审核"):
        submission_transition(submission=filled, action="approve", actor=people["analyst"])


def test_a_refusal_for_a_wrong_role_names_the_roles(people, filled):
    Submission.objects.filter(pk=filled.pk).update(status="submitted")
    with pytest.raises(PermissionRefused, match="城市审核员"):
        submission_transition(submission=filled, action="sign_off", actor=people["officer"])


def test_returning_needs_a_reason(people, filled):
    Submission.objects.filter(pk=filled.pk).update(status="signed_off")
    with pytest.raises(Invalid, match="需要填写理由"):
        submission_transition(submission=filled, action="return", actor=people["analyst"], comment="  ")


def test_an_incomplete_submission_cannot_be_signed_off(people, submission):
    with pytest.raises(WorkflowRefused, match="33 项指标尚未填报"):
        submission_transition(submission=submission, action="submit", actor=people["reviewer"])


def test_after_the_closing_date_only_an_admin_can_sign_off(people, filled):
    filled.cycle.closes = datetime.date(2000, 1, 1)
    filled.cycle.opens = datetime.date(1999, 1, 1)
    filled.cycle.save()
    with pytest.raises(WorkflowRefused, match="评估周期未开放填报"):
        submission_transition(submission=filled, action="submit", actor=people["reviewer"])
    assert submission_transition(submission=filled, action="submit", actor=people["admin"]).status == "submitted"


def test_a_stale_version_is_refused(people, filled):
    Submission.objects.filter(pk=filled.pk).update(version=filled.version + 1)
    filled.refresh_from_db()
    with pytest.raises(StaleEdit):
        submission_transition(submission=filled, action="submit", actor=people["reviewer"],
                              expected_version=filled.version - 1)
    assert submission_transition(submission=filled, action="submit", actor=people["reviewer"],
                                 expected_version=filled.version).version == filled.version + 1


def test_a_version_the_submission_never_had_is_an_invalid_version(people, filled):
    with pytest.raises(Invalid) as refused:
        submission_transition(submission=filled, action="submit", actor=people["reviewer"],
                              expected_version=filled.version + 1)
    assert list(refused.value.fields) == ["version"]
    assert Submission.objects.get(pk=filled.pk).status == filled.status


def test_approval_recomputes_the_cycle_scores(people, framework, regions, django_capture_on_commit_callbacks):
    cycle = approved_cycle(framework, many_cities(6, regions["zhejiang"]), 2026)
    submission = cycle.submissions.first()
    Submission.objects.filter(pk=submission.pk).update(status="signed_off")
    with django_capture_on_commit_callbacks(execute=True):
        submission_transition(submission=submission, action="approve", actor=people["analyst"])
    cycle.refresh_from_db()
    assert cycle.current_run.status == ScoreRun.Status.SUCCEEDED
    assert cycle.current_run.regions == 6


def test_forty_approvals_in_a_row_queue_one_recompute(people, framework, regions, queued_mode,
                                                      django_capture_on_commit_callbacks):
    cycle = approved_cycle(framework, many_cities(40, regions["zhejiang"]), 2026)
    cycle.submissions.update(status="signed_off")
    with django_capture_on_commit_callbacks(execute=True):
        for submission in cycle.submissions.all():
            submission_transition(submission=submission, action="approve", actor=people["analyst"])
    assert ScoreRun.objects.filter(cycle=cycle).count() == 1
    assert Job.objects.filter(kind="scores.compute").count() == 1
    assert queued_mode == []  # due after the debounce: the sweeper sends it


def test_a_reason_longer_than_the_limit_is_refused_naming_it(people, filled):
    Submission.objects.filter(pk=filled.pk).update(status="signed_off")
    with pytest.raises(Invalid) as refused:
        submission_transition(submission=filled, action="return", actor=people["analyst"], comment="理" * 2001,
                              indicator_comments={"RS01": "请核实", "RS02": "长" * 2001})
    assert set(refused.value.fields) == {"comment", "indicator_comments.RS02"}
    assert Submission.objects.get(pk=filled.pk).status == "signed_off"
