"""The campaign console: counts by status, province and city, the overdue list, last activity, evidence missing;
who may open it and what each coordinator sees; its queries do not grow with the number of participants."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from assessments.models import IndicatorValue, Region, RoleAssignment, Submission
from assessments.progress import campaign_progress, with_details
from audit.models import Action
from smartgov.errors import PermissionRefused
from tests.campaigns import REQUIRED, activity, attach, campaign, coordinator, days, participant
from tests.factories import CycleFactory, RegionFactory, fill, in_province, many_cities, region_tree

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role
Status = Submission.Status


@pytest.fixture
def cycle(framework, db):
    return campaign(framework)


def _page(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("console"), params)
    assert response.status_code == 200
    return response.content.decode()


def _ids(html, prefix):
    return re.findall(rf'<tr id="{prefix}-([^"]+)"', html)


def _section(html, section):
    return html.split(f'<section id="{section}">')[1].split("</section>")[0]


def test_it_counts_participants_by_status_overall_by_province_and_by_city(cycle, admin_user):
    progress = campaign_progress(cycle, admin_user)
    total = progress.total
    assert total.by_status == {"draft": 1, "submitted": 1, "signed_off": 0, "returned": 1, "approved": 1}
    assert (total.participants, total.approved, total.participation, total.percent) == (4, 1, 0.25, 25)
    by_province = {t.code: t for t in progress.by_province}
    assert by_province["330000"].by_status == {"draft": 1, "submitted": 1, "signed_off": 0, "returned": 0,
                                               "approved": 1}
    assert by_province["320000"].by_status["returned"] == 1
    assert (by_province["330000"].overdue, by_province["320000"].overdue) == (2, 0)
    cities = {t.code: (t.name_zh, t.participants, t.by_status["submitted"]) for t in progress.by_city("330000")}
    assert cities == {"330100": ("杭州市", 2, 1), "330200": ("宁波市", 1, 0)}  # 上城区 counts under 杭州市


def test_the_overdue_list_holds_participants_past_their_deadline_not_approved_with_the_days(cycle, admin_user):
    progress = campaign_progress(cycle, admin_user)
    assert [(p.code, p.days_overdue, p.status) for p in progress.overdue] == [
        ("330100", 5, "draft"), ("330102", 5, "submitted")]
    ningbo, nanjing = participant(cycle, "330200"), participant(cycle, "320100")
    by_code = {p.code: p for p in progress.participants}
    assert not by_code["330200"].overdue  # approved, though its deadline has passed
    assert (by_code["320100"].deadline, by_code["320100"].extended) == (nanjing.closes, True)
    assert nanjing.closes == days(10)
    assert (by_code["330200"].deadline, by_code["330200"].extended) == (ningbo.closes, False)
    assert ningbo.closes == days(-5)
    later = campaign_progress(cycle, admin_user, today=days(12))
    assert [(p.code, p.days_overdue) for p in later.overdue] == [("330100", 17), ("330102", 17), ("320100", 2)]


def test_it_shows_each_participants_last_activity_and_its_kind(cycle, people):
    hangzhou = participant(cycle, "330100")
    activity(hangzhou, people["officer"])
    activity(hangzhou, people["officer"], Action.EVIDENCE_ADDED, "RS05")
    activity(participant(cycle, "330200"), people["analyst"], Action.SUBMISSION_APPROVED, "status")
    detailed, = with_details(campaign_progress(cycle, people["admin"]).participants)
    by_code = {p.code: p for p in detailed}
    assert (by_code["330100"].last_activity.action, by_code["330100"].last_activity.who) == (
        "evidence_added", "officer")
    with translation.override("en"):
        assert by_code["330100"].last_activity.label == "Evidence uploaded"
        assert by_code["330200"].last_activity.label == "Approve"
    assert by_code["320100"].last_activity is None


def test_evidence_missing_counts_the_required_indicators_without_a_file_of_their_own(cycle, admin_user):
    hangzhou = fill(participant(cycle, "330100"))
    attach(hangzhou, "RS05")
    attach(hangzhou, None)  # a file on the submission as a whole supports no indicator
    IndicatorValue.objects.filter(submission=hangzhou, indicator__code="PS03").update(
        source=IndicatorValue.Source.SURVEY)  # the platform's own survey: no report needed
    for code in REQUIRED:
        attach(participant(cycle, "330200"), code)
    progress = campaign_progress(cycle, admin_user)
    by_code = {p.code: p for p in progress.participants}
    assert by_code["330100"].evidence_missing == ("RS08", "MP06", "MP08", "SC08", "SC09", "PS04", "PS08")
    assert by_code["330200"].evidence_missing == ()
    assert by_code["320100"].evidence_missing == REQUIRED
    assert [p.code for p in progress.missing_evidence] == ["320100", "330100", "330102"]
    assert progress.total.evidence_missing == 3
    assert [code for code, _name in progress.evidence_required] == list(REQUIRED)
    assert (by_code["330100"].filled, by_code["330100"].expected) == (None, 33)  # read for those shown only
    detailed, = with_details(progress.participants)
    assert [(p.code, p.filled) for p in detailed] == [("320100", 0), ("330100", 33), ("330102", 0), ("330200", 0)]
    assert detailed[1].evidence_missing == by_code["330100"].evidence_missing


def test_a_provincial_coordinator_sees_their_province_only(client, cycle, people):
    zhejiang = coordinator()
    progress = campaign_progress(cycle, zhejiang)
    assert not progress.national
    assert [p.code for p in progress.provinces] == ["330000"]
    assert sorted(p.code for p in progress.participants) == ["330100", "330102", "330200"]
    html = _page(client, zhejiang)
    assert "南京市" not in html
    assert _ids(_section(html, "participants"), "participant") == ["330100", "330102", "330200"]  # drilled into
    assert 'id="all-provinces"' not in html
    response = client.get(reverse("console"), {"cycle": cycle.pk, "province": "320000"})
    assert response.status_code == 404
    export = client.get(reverse("console-export"), {"cycle": cycle.pk, "province": "320000"})
    assert export.status_code == 404


@pytest.mark.parametrize("who", ["analyst", "officer", "reviewer", "jiangsu_analyst"])
def test_analysts_and_city_staff_may_not_open_the_console(client, cycle, people, who):
    client.force_login(people[who])
    for url in (reverse("console"), reverse("console-export"),):
        response = client.get(url, {"cycle": cycle.pk})
        assert response.status_code == 403, url
    assert client.post(reverse("console-reminders", args=[cycle.pk]), {"every_days": 7, "hour": 9}).status_code == 403
    with pytest.raises(PermissionRefused):
        campaign_progress(cycle, people[who])
    home = client.get(reverse("home")).content.decode()
    for link in ("console-link", "cycles-link", "people-link"):
        assert f'id="{link}"' not in home


def test_anonymous_visitors_are_sent_to_log_in(client, cycle):
    response = client.get(reverse("console"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_header_links_coordinators_to_the_console_cycles_and_people(client, cycle, people):
    for user in (people["admin"], coordinator()):
        client.force_login(user)
        html = client.get(reverse("home")).content.decode()
        assert html.count('id="console-link"') == 1
        assert f'href="{reverse("console")}" id="console-link"' in html
        assert f'href="{reverse("cycle-list")}" id="cycles-link"' in html
        assert f'href="{reverse("people")}" id="people-link"' in html


def test_the_national_coordinator_sees_every_province_and_drills_into_one(client, cycle, people):
    html = _page(client, people["admin"])
    assert _ids(html, "province") == ["320000", "330000"]
    assert f'href="?cycle={cycle.pk}&amp;province=330000"' in html
    assert _ids(_section(html, "overdue"), "participant") == ["330100", "330102"]
    assert _ids(_section(html, "evidence-missing"), "participant") == ["320100", "330100", "330102", "330200"]
    hangzhou = participant(cycle, "330100")
    assert f'href="{reverse("submission", args=[hangzhou.pk])}"' in html
    drilled = _page(client, people["admin"], cycle=cycle.pk, province="330000")
    assert _ids(drilled, "city") == ["330100", "330200"]
    assert _ids(_section(drilled, "participants"), "participant") == ["330100", "330102", "330200"]
    assert 'id="overdue"' not in drilled
    assert 'id="all-provinces"' in drilled
    assert f'{reverse("console-export")}?cycle={cycle.pk}&amp;province=330000' in drilled


def test_the_cycle_switch_lists_every_cycle_and_defaults_to_the_open_one(client, framework, cycle, people):
    older = CycleFactory(framework=framework, period=2025, status="closed")
    html = _page(client, people["admin"])
    assert f'href="?cycle={cycle.pk}" aria-current="page"' in html
    assert f'href="?cycle={older.pk}"' in html
    assert 'id="overdue-empty"' in _page(client, people["admin"], cycle=older.pk)
    client.force_login(people["admin"])
    assert client.get(reverse("console"), {"cycle": "999999"}).status_code == 404


def test_a_page_without_any_cycle_says_so(client, admin_user):
    html = _page(client, admin_user)
    assert 'id="no-cycle"' in html


def _big_campaign(framework, count):
    """An open cycle of `count` cities of a province of their own, each with values, evidence and an event."""
    guangdong = in_province(RegionFactory(code="440000", name_zh="广东省", name_en="Guangdong",
                                          level=Region.Level.PROVINCE, parent=region_tree()["china"]))
    cycle = CycleFactory(framework=framework, period=2030 + count, opens=days(-30), closes=days(-1))
    for i, city in enumerate(many_cities(count, guangdong)):
        submission = Submission.objects.create(cycle=cycle, region=city, status=list(Status)[i % 5])
        if i % 2:
            fill(submission)
            attach(submission, "RS05")
        activity(submission, None)
    return cycle


def test_the_console_runs_a_fixed_number_of_queries_whatever_the_number_of_participants(
        client, framework, people, django_assert_max_num_queries):
    client.force_login(people["admin"])
    counts = []
    for count in (3, 30):
        cycle = _big_campaign(framework, count)
        for params in ({"cycle": cycle.pk}, {"cycle": cycle.pk, "province": "440000"}):
            with django_assert_max_num_queries(20) as captured:
                assert client.get(reverse("console"), params).status_code == 200
            counts.append(len(captured.captured_queries))
        with django_assert_max_num_queries(20) as captured:
            assert client.get(reverse("console-export"), {"cycle": cycle.pk}).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[:3] == counts[3:], counts
    print(f"console queries (overview, province, export): {counts[:3]}")
