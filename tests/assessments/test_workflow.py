"""Every workflow transition, from every state, by every role — and every refusal says why."""

import datetime
import itertools

import pytest

from assessments.models import AuditEvent, RoleAssignment, ScoreRun, Submission
from assessments.services import StaleEdit, submission_transition
from assessments.workflow import WorkflowRefused
from tests.conftest import UserFactory, approved_cycle, fill, many_cities

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role
STATES = ["draft", "submitted", "signed_off", "returned", "approved"]
ACTORS = ["officer", "reviewer", "analyst", "other_reviewer", "other_analyst", "admin"]
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
def actors(regions):
    def user(name, role, region):
        u = UserFactory(username=name)
        RoleAssignment.objects.create(user=u, role=role, region=region)
        return u

    return {
        "officer": user("officer", Role.CITY_OFFICER, regions["hangzhou"]),
        "reviewer": user("reviewer", Role.CITY_REVIEWER, regions["hangzhou"]),
        "analyst": user("analyst", Role.PROVINCE_ANALYST, regions["zhejiang"]),
        "other_reviewer": user("other_reviewer", Role.CITY_REVIEWER, regions["ningbo"]),
        "other_analyst": user("other_analyst", Role.PROVINCE_ANALYST, regions["jiangsu"]),
        "admin": user("admin", Role.PLATFORM_ADMIN, None),
    }


@pytest.fixture
def filled(submission):
    return fill(submission)


@pytest.mark.parametrize(("action", "state", "actor"), list(itertools.product(TARGET, STATES, ACTORS)))
def test_transition(action, state, actor, actors, filled):
    Submission.objects.filter(pk=filled.pk).update(status=state)
    comment = "数据口径需要修正" if action in NEEDS_REASON else ""
    if (action, state, actor) in ALLOWED:
        result = submission_transition(submission=filled, action=action, actor=actors[actor], comment=comment)
        assert result.status == TARGET[action]
        event = AuditEvent.objects.get(submission=filled, action=f"submission_{action}")
        assert (event.actor, event.old, event.new, event.comment) == (actors[actor], state, TARGET[action], comment)
    else:
        with pytest.raises(WorkflowRefused) as refused:
            submission_transition(submission=filled, action=action, actor=actors[actor], comment=comment)
        assert str(refused.value)
        assert Submission.objects.get(pk=filled.pk).status == state
        assert not AuditEvent.objects.filter(submission=filled).exists()


def test_a_refusal_for_a_wrong_state_names_the_states_that_allow_it(actors, filled):
    Submission.objects.filter(pk=filled.pk).update(status="submitted")
    with pytest.raises(WorkflowRefused, match="“批准”不能从“待城市签核”进行；可从以下状态进行：已签核，待省级审核"):
        submission_transition(submission=filled, action="approve", actor=actors["analyst"])


def test_a_refusal_for_a_wrong_role_names_the_roles(actors, filled):
    Submission.objects.filter(pk=filled.pk).update(status="submitted")
    with pytest.raises(WorkflowRefused, match="城市审核员"):
        submission_transition(submission=filled, action="sign_off", actor=actors["officer"])


def test_returning_needs_a_reason(actors, filled):
    Submission.objects.filter(pk=filled.pk).update(status="signed_off")
    with pytest.raises(WorkflowRefused, match="需要填写理由"):
        submission_transition(submission=filled, action="return", actor=actors["analyst"], comment="  ")


def test_an_incomplete_submission_cannot_be_signed_off(actors, submission):
    with pytest.raises(WorkflowRefused, match="33 项指标尚未填报"):
        submission_transition(submission=submission, action="submit", actor=actors["reviewer"])


def test_after_the_closing_date_only_an_admin_can_sign_off(actors, filled):
    filled.cycle.closes = datetime.date(2000, 1, 1)
    filled.cycle.opens = datetime.date(1999, 1, 1)
    filled.cycle.save()
    with pytest.raises(WorkflowRefused, match="评估周期未开放填报"):
        submission_transition(submission=filled, action="submit", actor=actors["reviewer"])
    assert submission_transition(submission=filled, action="submit", actor=actors["admin"]).status == "submitted"


def test_a_stale_version_is_refused(actors, filled):
    with pytest.raises(StaleEdit):
        submission_transition(submission=filled, action="submit", actor=actors["reviewer"],
                              expected_version=filled.version - 1 if filled.version > 1 else 99)
    assert submission_transition(submission=filled, action="submit", actor=actors["reviewer"],
                                 expected_version=filled.version).version == filled.version + 1


def test_approval_recomputes_the_cycle_scores(actors, framework, regions, django_capture_on_commit_callbacks):
    cycle = approved_cycle(framework, many_cities(6, regions["zhejiang"]), 2026)
    submission = cycle.submissions.first()
    Submission.objects.filter(pk=submission.pk).update(status="signed_off")
    with django_capture_on_commit_callbacks(execute=True):
        submission_transition(submission=submission, action="approve", actor=actors["analyst"])
    cycle.refresh_from_db()
    assert cycle.current_run.status == ScoreRun.Status.SUCCEEDED and cycle.current_run.regions == 6


def test_forty_approvals_in_a_row_queue_one_recompute(actors, framework, regions, monkeypatch,
                                                      django_capture_on_commit_callbacks):
    cycle = approved_cycle(framework, many_cities(40, regions["zhejiang"]), 2026)
    cycle.submissions.update(status="signed_off")
    sent = []
    monkeypatch.setattr("assessments.tasks.compute_scores.apply_async", lambda *a, **k: sent.append(k))
    with django_capture_on_commit_callbacks(execute=True):
        for submission in cycle.submissions.all():
            submission_transition(submission=submission, action="approve", actor=actors["analyst"])
    assert len(sent) == 1 and ScoreRun.objects.filter(cycle=cycle).count() == 1
