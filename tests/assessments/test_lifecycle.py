"""The cycle lifecycle: every transition, from every state, by every role — and every refusal says why."""

import datetime
import itertools

import pytest
from django.core import mail

from assessments.lifecycle import TRANSITIONS, LifecycleRefused, available, transition
from assessments.models import Cycle, Notification, Publication
from assessments.services.cycles import cycle_close, cycle_create, cycle_open, cycle_update
from assessments.services.participants import ParticipantSet
from assessments.services.publication import cycle_publish, cycle_revise
from audit.models import Action, AuditEvent
from audit.selectors import events_about
from smartgov.errors import DomainError, Invalid, PermissionRefused
from tests.assessments.campaign_cast import ACTORS, cycle_in, planned_cycle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "quick_scores")]
STATES = ("planned", "open", "closed", "published")
ALLOWED = {("open", "planned"), ("close", "open"), ("publish", "closed"), ("revise", "published")}
AUDITED = {"open": Action.CYCLE_OPENED, "close": Action.CYCLE_CLOSED, "publish": Action.CYCLE_PUBLISHED,
           "revise": Action.CYCLE_REVISED}


def _take(action, cycle, actor):
    if action == "open":
        return cycle_open(cycle=cycle, participants=ParticipantSet.of_codes(["330100", "330200"]), actor=actor)
    if action == "close":
        return cycle_close(cycle=cycle, actor=actor)
    if action == "publish":
        return cycle_publish(cycle=cycle, actor=actor)
    return cycle_revise(cycle=cycle, reason="杭州市数据更正", actor=actor)


@pytest.mark.parametrize(("action", "state", "actor"), list(itertools.product(TRANSITIONS, STATES, ACTORS)))
def test_transition(action, state, actor, actors, framework, regions):
    cycle = cycle_in(state, framework, regions)
    publications = Publication.objects.count()
    if actor == "national" and (action, state) in ALLOWED:
        _take(action, cycle, actors[actor])
        cycle.refresh_from_db()
        assert cycle.status == TRANSITIONS[action].target
        [event] = [e for e in events_about(cycle) if e.action == AUDITED[action]]
        assert event.actor == actors[actor]
        return
    if (action, state, actor) == ("open", "open", "national"):  # opening again creates nothing (idempotent)
        assert _take(action, cycle, actors[actor]).added == []
        assert not AuditEvent.objects.filter(action=AUDITED[action]).exists()
        return
    expected = PermissionRefused if actor != "national" else LifecycleRefused
    with pytest.raises(expected) as refused:
        _take(action, cycle, actors[actor])
    assert str(refused.value)
    cycle.refresh_from_db()
    assert cycle.status == state
    assert not AuditEvent.objects.filter(action=AUDITED[action]).exists()
    assert Publication.objects.count() == publications


def test_a_refusal_for_a_wrong_state_names_the_states_that_allow_it(actors, framework, regions):
    cycle = cycle_in("open", framework, regions)
    with pytest.raises(LifecycleRefused) as refused:
        cycle_publish(cycle=cycle, actor=actors["national"])
    assert str(refused.value) == (f"“Publish the results” is not possible while the cycle is "
                                  f"“{Cycle.Status.OPEN.label}”; it is possible while it is: "
                                  f"{Cycle.Status.CLOSED.label}.")


def test_a_refusal_for_a_wrong_role_names_the_roles(actors, framework, regions):
    with pytest.raises(PermissionRefused, match="Platform administrator"):
        cycle_close(cycle=cycle_in("open", framework, regions), actor=actors["zj_coordinator"])


def test_what_each_role_may_do_now(actors, framework, regions):
    cycle = cycle_in("open", framework, regions)
    assert {t.action for t in available(cycle, actors["national"])} == {
        "close", "add_participants", "extend_deadline", "change"}
    assert {t.action for t in available(cycle, actors["zj_coordinator"])} == {"add_participants", "extend_deadline"}
    assert available(cycle, actors["analyst"]) == []
    assert available(cycle, actors["officer"]) == []


def test_opening_tells_the_participants_staff_in_the_app_and_by_mail(actors, framework, regions, people,
                                                                     django_capture_on_commit_callbacks):
    cycle = planned_cycle(framework)
    with django_capture_on_commit_callbacks(execute=True):
        cycle_open(cycle=cycle, participants=ParticipantSet.of_codes(["330100"]), actor=actors["national"])
    told = Notification.objects.filter(submission__cycle=cycle)
    assert sorted(n.user.username for n in told) == ["officer", "reviewer"]
    assert {m.to[0] for m in mail.outbox} == {"officer@example.gov.cn", "reviewer@example.gov.cn"}
    assert "open for entry" in told[0].message


def test_the_status_changes_only_through_the_lifecycle(actors, framework):
    cycle = planned_cycle(framework)
    with pytest.raises(Invalid, match="status"):
        cycle_update(cycle=cycle, actor=actors["national"], status="open")
    with pytest.raises(TypeError, match="status"):
        cycle_create(actor=actors["national"], framework=framework, period=2030, opens=cycle.opens,
                     closes=cycle.closes, status="open")
    assert Cycle.objects.get(pk=cycle.pk).status == "planned"


def test_the_national_coordinator_creates_and_changes_cycles_and_nobody_else(actors, framework):
    cycle = cycle_create(actor=actors["national"], framework=framework, period=2030,
                         opens=datetime.date(2030, 9, 1), closes=datetime.date(2030, 12, 31), min_participation=0.6)
    assert (cycle.status, cycle.min_participation) == ("planned", 0.6)
    for who in ("zj_coordinator", "analyst", "officer"):
        with pytest.raises(PermissionRefused):
            cycle_update(cycle=cycle, actor=actors[who], min_participation=0.1)
    with pytest.raises(Invalid, match="share from 0 to 1"):
        cycle_update(cycle=cycle, actor=actors["national"], min_participation=1.5)
    cycle_update(cycle=cycle, actor=actors["national"], min_participation=0.5)
    [changed] = [e for e in events_about(cycle) if e.action == Action.CYCLE_CHANGED]
    assert (changed.old, changed.new) == ({"min_participation": 0.6}, {"min_participation": 0.5})


def test_a_published_cycle_is_not_changed_any_more(actors, framework, regions):
    cycle = cycle_in("published", framework, regions)
    with pytest.raises(LifecycleRefused, match=str(Cycle.Status.PUBLISHED.label)):
        cycle_update(cycle=cycle, actor=actors["national"], min_participation=0.9)
    assert cycle_update(cycle=cycle, actor=actors["national"], min_participation=cycle.min_participation)


def test_every_refusal_is_a_domain_error_with_a_message(actors, framework, regions):
    cycle = cycle_in("planned", framework, regions)
    with pytest.raises(DomainError, match="no cycle action"):
        transition("archive")
    with pytest.raises(Invalid):
        cycle_open(cycle=cycle, participants=ParticipantSet(), actor=actors["national"])
    assert Cycle.objects.get(pk=cycle.pk).status == "planned"
