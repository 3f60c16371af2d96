"""The coordinators' cycle pages: who may see and do what, every action through its service, refusals shown with
their reasons and with what the user typed."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessments.models import Cycle, Publication, Submission
from tests.assessments.campaign_cast import cycle_in, planned_cycle
from tests.factories import fill, many_cities, score

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "quick_scores")]


def _as(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(("who", "status"), [("national", 200), ("zj_coordinator", 200), ("analyst", 403),
                                             ("officer", 403)])
def test_the_pages_are_the_coordinators(client, actors, framework, regions, who, status):
    cycle = cycle_in("open", framework, regions)
    _as(client, actors[who])
    assert client.get(reverse("cycle-list")).status_code == status
    assert client.get(reverse("cycle-detail", args=[cycle.pk])).status_code == status
    assert client.get(reverse("cycle-province", args=[cycle.pk, "330000"])).status_code == status


def test_anonymous_users_are_sent_to_log_in(client, framework, regions):
    cycle = cycle_in("open", framework, regions)
    for url in (reverse("cycle-list"), reverse("cycle-detail", args=[cycle.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_list_shows_each_cycle_with_its_state_and_participation(client, actors, framework, regions):
    cycle = cycle_in("open", framework, regions)
    Submission.objects.filter(cycle=cycle, region__code="330100").update(status="approved")
    page = _as(client, actors["national"]).get(reverse("cycle-list")).content.decode()
    row = page[page.index(f'id="cycle-{cycle.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "Open for entry" in row
    assert "<td>3</td>" in row
    assert "1 (33 %)" in row
    assert "Provisional" in row
    mine = _as(client, actors["zj_coordinator"]).get(reverse("cycle-list")).content.decode()
    assert "1 (50 %)" in mine  # 杭州 and 宁波: the participants of 浙江 only
    assert 'id="cycle-create"' not in mine


def test_the_national_coordinator_creates_a_cycle_and_a_refusal_keeps_what_was_typed(client, actors, framework):
    client = _as(client, actors["national"])
    data = {"framework": framework.pk, "period": 2031, "opens": "2031-03-01", "closes": "2031-06-30",
            "min_participation": "60"}
    response = client.post(reverse("cycle-create"), data)
    cycle = Cycle.objects.get(period=2031)
    assert response["Location"] == reverse("cycle-detail", args=[cycle.pk])
    assert (cycle.status, cycle.min_participation) == ("planned", 0.6)
    again = client.post(reverse("cycle-create"), {**data, "closes": "2031-07-15"})
    page = again.content.decode()
    assert again.status_code == 400
    assert "Already taken for this framework." in page
    assert 'value="2031-07-15"' in page
    assert _as(client, actors["zj_coordinator"]).get(reverse("cycle-create")).status_code == 403


def test_opening_with_a_level_and_provinces_from_the_page(client, actors, framework, regions):
    cycle = planned_cycle(framework)
    client = _as(client, actors["national"])
    assert 'id="open-form"' in client.get(reverse("cycle-detail", args=[cycle.pk])).content.decode()
    response = client.post(reverse("cycle-open", args=[cycle.pk]),
                           {"open-level": "prefecture", "open-provinces": ["330000"]})
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.status == "open"
    assert sorted(cycle.submissions.values_list("region__code", flat=True)) == ["330100", "330200"]
    page = client.get(reverse("cycle-detail", args=[cycle.pk])).content.decode()
    assert "2 participants added, 0 took part already." in page
    assert 'id="open-form"' not in page
    assert 'id="add-form"' in page
    assert 'id="close-form"' in page


def test_refused_codes_are_named_and_the_typed_list_is_kept(client, actors, framework, regions):
    cycle = planned_cycle(framework)
    response = _as(client, actors["national"]).post(reverse("cycle-open", args=[cycle.pk]),
                                                    {"open-codes": "330100\n999999, 330200"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "line 2: “999999” is not a region code of the register." in page
    assert "330100\n999999, 330200</textarea>" in page
    cycle.refresh_from_db()
    assert (cycle.status, cycle.submissions.count()) == ("planned", 0)


def test_opening_with_an_uploaded_file_of_codes(client, actors, framework, regions):
    cycle = planned_cycle(framework)
    upload = SimpleUploadedFile("参评城市.csv", "区划代码\n330100\n320100\n".encode("utf-8-sig"), "text/csv")
    response = _as(client, actors["national"]).post(reverse("cycle-open", args=[cycle.pk]), {"open-file": upload})
    assert response.status_code == 302
    assert sorted(cycle.submissions.values_list("region__code", flat=True)) == ["320100", "330100"]


def test_a_provincial_coordinator_sees_and_acts_on_their_province_only(client, actors, framework, regions):
    cycle = cycle_in("open", framework, regions)
    many_cities(3, regions["zhejiang"])  # 330300 is not a participant yet
    client = _as(client, actors["zj_coordinator"])
    page = client.get(reverse("cycle-detail", args=[cycle.pk])).content.decode()
    assert "Zhejiang" in page
    assert "Jiangsu" not in page
    assert 'id="close-form"' not in page
    assert 'id="open-form"' not in page
    assert client.get(reverse("cycle-province", args=[cycle.pk, "320000"])).status_code == 404
    assert client.post(reverse("cycle-close", args=[cycle.pk])).status_code == 302
    assert Cycle.objects.get(pk=cycle.pk).status == "open"
    refused = client.post(reverse("cycle-participants-add", args=[cycle.pk]), {"add-codes": "320100 330300"})
    assert refused.status_code == 403
    assert "not these: Nanjing（320100）" in refused.content.decode()
    assert "320100 330300</textarea>" in refused.content.decode()
    added = client.post(reverse("cycle-participants-add", args=[cycle.pk]), {"add-codes": "330300"})
    assert added.status_code == 302
    assert cycle.submissions.filter(region__code="330300").exists()


def test_extending_a_deadline_from_the_province_page(client, actors, framework, regions):
    cycle = cycle_in("open", framework, regions)
    hangzhou = Submission.objects.get(cycle=cycle, region__code="330100")
    url = reverse("cycle-province", args=[cycle.pk, "330000"])
    until = (cycle.closes + datetime.timedelta(days=10)).isoformat()
    client = _as(client, actors["zj_coordinator"])
    refused = client.post(url, {"participant": hangzhou.pk, "until": until, "reason": ""})
    assert refused.status_code == 400
    assert f'value="{until}"' in refused.content.decode()
    too_early = client.post(url, {"participant": hangzhou.pk, "until": cycle.closes.isoformat(), "reason": "迁移"})
    assert too_early.status_code == 400
    assert "An extension ends after the cycle&#x27;s closing date" in too_early.content.decode()
    assert client.post(url, {"participant": hangzhou.pk, "until": until, "reason": "系统迁移"}).status_code == 302
    hangzhou.refresh_from_db()
    assert (hangzhou.extended_until.isoformat(), hangzhou.extension_reason) == (until, "系统迁移")
    page = client.get(url).content.decode()
    row = page[page.index('id="participant-330100"'):]
    assert until in row[:row.index("</tr>")]
    assert "系统迁移" in row[:row.index("</tr>")]


def test_close_publish_and_revise_from_the_page(client, actors, framework, regions):
    cycle = cycle_in("open", framework, regions)
    Submission.objects.filter(cycle=cycle).exclude(region__code="330200").update(status="approved")
    for submission in cycle.submissions.all():
        fill(submission)
    client = _as(client, actors["national"])
    assert client.post(reverse("cycle-close", args=[cycle.pk])).status_code == 302
    page = client.get(reverse("cycle-detail", args=[cycle.pk])).content.decode()
    assert "2 of 3 participants are approved" not in page  # the close form is gone
    assert "1 of 3 participants were not approved" in page
    not_approved = page[page.index('id="not-approved"'):]
    assert "Ningbo" in not_approved[:not_approved.index("</section>")]
    assert "Nothing has been computed" in page
    score(cycle)
    assert 'id="publish-form"' in client.get(reverse("cycle-detail", args=[cycle.pk])).content.decode()
    client.post(reverse("cycle-publish", args=[cycle.pk]))
    cycle.refresh_from_db()
    assert cycle.status == "published"
    page = client.get(reverse("cycle-detail", args=[cycle.pk])).content.decode()
    assert "Results published: version 1" in page
    assert "The latest computation is the one published as version 1" in page
    score(cycle)
    refused = client.post(reverse("cycle-revise", args=[cycle.pk]), {"reason": ""})
    assert refused.status_code == 400
    assert Publication.objects.count() == 1
    client.post(reverse("cycle-revise", args=[cycle.pk]), {"reason": "宁波市数据补报"})
    page = client.get(reverse("cycle-detail", args=[cycle.pk])).content.decode()
    assert 'id="publication-1"' in page
    assert 'id="publication-2"' in page
    assert "宁波市数据补报" in page
    assert "Results published: version 2" in page


def test_a_refused_transition_says_why_on_the_page(client, actors, framework, regions):
    cycle = cycle_in("closed", framework, regions)
    Cycle.objects.filter(pk=cycle.pk).update(current_run=None)
    response = _as(client, actors["national"]).post(reverse("cycle-publish", args=[cycle.pk]), follow=True)
    assert "Nothing has been computed for this cycle yet" in response.content.decode()
    assert not Publication.objects.exists()


def test_the_deadline_shown_is_the_participants_own(client, actors, framework, regions):
    cycle = cycle_in("open", framework, regions)
    until = timezone.localdate() + datetime.timedelta(days=60)
    Submission.objects.filter(cycle=cycle, region__code="330200").update(extended_until=until, extension_reason="x")
    page = _as(client, actors["national"]).get(reverse("cycle-province", args=[cycle.pk, "330000"])).content.decode()
    row = page[page.index('id="participant-330200"'):]
    assert until.isoformat() in row[:row.index("</tr>")]


def test_a_long_list_of_participants_not_approved_is_cut_and_points_to_the_provinces(client, actors, framework,
                                                                                     regions, monkeypatch):
    monkeypatch.setattr("assessments.views.cycles.NOT_APPROVED_SHOWN", 2)
    cycle = cycle_in("open", framework, regions)
    Cycle.objects.filter(pk=cycle.pk).update(status="closed")
    page = _as(client, actors["national"]).get(reverse("cycle-detail", args=[cycle.pk])).content.decode()
    listed = page[page.index('id="not-approved"'):page.index("</section>", page.index('id="not-approved"'))]
    assert listed.count("badge status-draft") == 2
    assert "The first 2 of 3: each province's page lists all of its own." in listed
