"""The campaign's permission matrix: every role × the cycle, participants, deadlines, publication, console and people
pages and actions × its own province or another — allowed, or refused as designed (302 to the login page, 403 or
404), and a refused request changes nothing.

Who: the national coordinator (a platform administrator), the provincial coordinators of 浙江 (own) and 江苏
(another province), 浙江's provincial analyst, 杭州's data-entry officer, and an anonymous visitor. The subjects
are all in 浙江: the participant 杭州, the city 330300 to be added, 杭州's officer as a person.

Recomputes and report batches are scoped too: a recompute of a cycle (its scores cover all its participants) is
the national role's, or a provincial role's whose province holds every participant; a province's report batch
is its analyst's or the national role's. The four-eyes rule of the workflow is in `test_four_eyes.py`."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser, Permission, User
from django.urls import reverse

from assessments.models import Cycle, Publication, ScoreRun, Submission
from assessments.services import cycle_scores_request, submission_transition
from reports.models import ReportBatch
from reports.services import batch_request
from smartgov.errors import PermissionRefused
from tests.assessments.campaign_cast import cycle_in, planned_cycle
from tests.factories import example_user, many_cities

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_scores")]
WHO = ("national", "zj_coordinator", "js_coordinator", "analyst", "officer", "anonymous")
COORDINATORS = {"national", "zj_coordinator", "js_coordinator"}
OF_ZHEJIANG = {"national", "zj_coordinator"}
NATIONAL = {"national"}


def _as(client, actors, who):
    if who != "anonymous":
        client.force_login(actors[who])
    return client


def _refused(response, who):
    """A refusal as designed: anonymous visitors are sent to log in, everyone else is told no (403) or finds
    nothing (404) — or, for a lifecycle step on a page, is sent back to it with the reason (302, nothing done)."""
    if who == "anonymous":
        return response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    return response.status_code in (302, 403, 404)


PAGES = {
    "cycle list": (lambda cycle, people: reverse("cycle-list"), COORDINATORS),
    "cycle page": (lambda cycle, people: reverse("cycle-detail", args=[cycle.pk]), COORDINATORS),
    "province page": (lambda cycle, people: reverse("cycle-province", args=[cycle.pk, "330000"]), OF_ZHEJIANG),
    "groups page": (lambda cycle, people: reverse("cycle-groups", args=[cycle.pk]), NATIONAL),
    "console": (lambda cycle, people: reverse("console") + f"?cycle={cycle.pk}", COORDINATORS),
    "console of the province": (lambda cycle, people: reverse("console") + f"?cycle={cycle.pk}&province=330000",
                                OF_ZHEJIANG),
    "progress export": (lambda cycle, people: reverse("console-export") + f"?cycle={cycle.pk}", COORDINATORS),
    "people": (lambda cycle, people: reverse("people"), COORDINATORS),
    "people template": (lambda cycle, people: reverse("people-template"), COORDINATORS),
    "person of 杭州": (lambda cycle, people: reverse("person", args=[people["officer"].pk]), OF_ZHEJIANG),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("who", WHO)
def test_pages(client, actors, framework, regions, people, who, page):
    cycle = cycle_in("open", framework, regions)
    url, allowed = PAGES[page]
    response = _as(client, actors, who).get(url(cycle, people))
    if who in allowed:
        assert response.status_code == 200, (who, page)
    else:
        assert _refused(response, who), (who, page, response.status_code)
        assert response.status_code != 200


def test_a_provincial_coordinator_is_shown_only_their_province_in_the_console(client, actors, framework, regions):
    cycle = cycle_in("open", framework, regions)
    page = _as(client, actors, "js_coordinator").get(reverse("console"), {"cycle": cycle.pk}).content.decode()
    assert "南京" in page or "Nanjing" in page
    assert "杭州" not in page
    assert "Hangzhou" not in page


@pytest.mark.parametrize("who", WHO)
def test_adding_a_participant_of_zhejiang(client, actors, framework, regions, who):
    cycle = cycle_in("open", framework, regions)
    many_cities(3, regions["zhejiang"])
    response = _as(client, actors, who).post(reverse("cycle-participants-add", args=[cycle.pk]),
                                            {"add-codes": "330300"})
    added = cycle.submissions.filter(region__code="330300").exists()
    assert added == (who in OF_ZHEJIANG)
    if not added:
        assert _refused(response, who)


@pytest.mark.parametrize("who", WHO)
def test_extending_hangzhous_deadline(client, actors, framework, regions, who):
    cycle = cycle_in("open", framework, regions)
    hangzhou = Submission.objects.get(cycle=cycle, region__code="330100")
    until = cycle.closes + datetime.timedelta(days=10)
    response = _as(client, actors, who).post(reverse("cycle-province", args=[cycle.pk, "330000"]),
                                            {"participant": hangzhou.pk, "until": until.isoformat(),
                                             "reason": "系统迁移"})
    hangzhou.refresh_from_db()
    assert (hangzhou.extended_until == until) == (who in OF_ZHEJIANG)
    if who not in OF_ZHEJIANG:
        assert _refused(response, who)


@pytest.mark.parametrize("who", WHO)
def test_closing_the_cycle(client, actors, framework, regions, who):
    cycle = cycle_in("open", framework, regions)
    response = _as(client, actors, who).post(reverse("cycle-close", args=[cycle.pk]))
    assert (Cycle.objects.get(pk=cycle.pk).status == "closed") == (who in NATIONAL)
    assert _refused(response, who) or who in NATIONAL


@pytest.mark.parametrize("who", WHO)
def test_publishing_and_revising(client, actors, framework, regions, who):
    cycle = cycle_in("closed", framework, regions)
    client = _as(client, actors, who)
    client.post(reverse("cycle-publish", args=[cycle.pk]))
    assert Publication.objects.filter(cycle=cycle).count() == (1 if who in NATIONAL else 0)
    client.post(reverse("cycle-revise", args=[cycle.pk]), {"reason": "更正"})
    assert Publication.objects.filter(cycle=cycle, version=2).count() == 0


@pytest.mark.parametrize("who", WHO)
def test_creating_a_cycle(client, actors, framework, regions, who):
    response = _as(client, actors, who).post(reverse("cycle-create"), {
        "framework": framework.pk, "period": 2031, "opens": "2031-09-01", "closes": "2031-11-30",
        "min_participation": "50"})
    assert Cycle.objects.filter(period=2031).exists() == (who in NATIONAL)
    if who not in NATIONAL:
        assert _refused(response, who)


@pytest.mark.parametrize("who", WHO)
def test_deactivating_hangzhous_officer(client, actors, framework, regions, people, who):
    officer = people["officer"]
    response = _as(client, actors, who).post(reverse("person-act", args=[officer.pk, "deactivate"]))
    active = User.objects.get(pk=officer.pk).is_active
    assert active == (who not in OF_ZHEJIANG)
    if active:
        assert _refused(response, who)


# Recomputes and report batches, within one's scope --------------------------------------------------------------

SCOPES = {"zhejiang": ("hangzhou", "ningbo"), "jiangsu": ("nanjing",), "national": ("hangzhou", "ningbo", "nanjing")}
"""The cycles recomputed, by where their participants lie: all in 浙江, all in 江苏, in both."""
RECOMPUTES = {"platform": set(SCOPES), "national": set(SCOPES), "zj_coordinator": {"zhejiang"},
              "js_coordinator": {"jiangsu"}, "analyst": {"zhejiang"}, "js_analyst": {"jiangsu"}, "officer": set(),
              "anonymous": set()}
"""Who may recompute which of them: the platform itself (a command: no actor) and the national coordinator any;
a provincial role only the cycle whose every participant lies in its province."""


def _actor(actors, who):
    if who == "platform":
        return None
    if who == "anonymous":
        return AnonymousUser()
    return example_user("jiangsu_analyst") if who == "js_analyst" else actors[who]


def _cycle_of(framework, regions, scope):
    cycle = planned_cycle(framework)
    Submission.objects.bulk_create(Submission(cycle=cycle, region=regions[key]) for key in SCOPES[scope])
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.OPEN)
    cycle.refresh_from_db()
    return cycle


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("scope", list(SCOPES))
@pytest.mark.parametrize("who", list(RECOMPUTES))
def test_recomputing_a_cycle(actors, framework, regions, who, scope):
    cycle = _cycle_of(framework, regions, scope)
    actor = _actor(actors, who)
    if scope in RECOMPUTES[who]:
        run = cycle_scores_request(cycle=cycle, actor=actor, reason="matrix", enqueue=False)
        assert (run.cycle_id, run.status) == (cycle.pk, "queued")
    else:
        with pytest.raises(PermissionRefused, match="only for a cycle whose every participant lies in the province"):
            cycle_scores_request(cycle=cycle, actor=actor, reason="matrix", enqueue=False)
        assert not ScoreRun.objects.filter(cycle=cycle).exists()


def test_a_cycle_without_participants_is_recomputed_by_the_national_role_only(actors, framework):
    cycle = planned_cycle(framework)
    with pytest.raises(PermissionRefused):
        cycle_scores_request(cycle=cycle, actor=actors["analyst"], enqueue=False)
    assert cycle_scores_request(cycle=cycle, actor=actors["national"], enqueue=False).status == "queued"


def test_an_approval_in_a_national_cycle_still_queues_its_recompute(actors, framework, regions,
                                                                    django_capture_on_commit_callbacks):
    """The recompute an approval asks for follows from a step checked already: not limited to the approver's
    scope."""
    cycle = _cycle_of(framework, regions, "national")
    hangzhou = Submission.objects.get(cycle=cycle, region__code="330100")
    Submission.objects.filter(pk=hangzhou.pk).update(status="signed_off")
    with django_capture_on_commit_callbacks(execute=False):
        submission_transition(submission=hangzhou, action="approve", actor=actors["analyst"])
    assert ScoreRun.objects.filter(cycle=cycle, status="queued").exists()


def test_the_admin_action_recomputes_only_within_the_users_scope(client, actors, framework, regions):
    national, zhejiang = _cycle_of(framework, regions, "national"), planned_cycle(framework, 2027)
    Submission.objects.create(cycle=zhejiang, region=regions["ningbo"])
    analyst = actors["analyst"]
    User.objects.filter(pk=analyst.pk).update(is_staff=True)
    analyst.user_permissions.add(Permission.objects.get(codename="view_cycle"))
    client.force_login(User.objects.get(pk=analyst.pk))
    response = client.post("/admin/assessments/cycle/", {"action": "recompute_scores",
                                                         "_selected_action": [national.pk, zhejiang.pk]},
                           follow=True)
    assert response.status_code == 200
    assert not ScoreRun.objects.filter(cycle=national).exists()
    assert ScoreRun.objects.filter(cycle=zhejiang).exists()


BATCHES = {"national", "analyst"}
"""Who may ask for the report batch of 浙江's cities: its provincial analyst and the national coordinator."""


@pytest.mark.parametrize("who", ["national", "zj_coordinator", "js_coordinator", "analyst", "js_analyst", "officer",
                                 "anonymous"])
def test_requesting_the_report_batch_of_zhejiang(actors, framework, regions, who):
    cycle = cycle_in("closed", framework, regions)
    actor = _actor(actors, who)
    if who in BATCHES:
        batch = batch_request(cycle=cycle, province=regions["zhejiang"], actor=actor, enqueue=False)
        assert batch.total == 2
    else:
        with pytest.raises(PermissionRefused):
            batch_request(cycle=cycle, province=regions["zhejiang"], actor=actor, enqueue=False)
        assert not ReportBatch.objects.exists()
