"""The staff pages: questionnaires (create, edit, weighting, publish, link and QR code), the results of the
responses (over time, per question, n and interval per indicator, masked comments) and who may see what."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from surveys.models import Question, Questionnaire, SurveyResponse
from tests.factories import (
    Role,
    choice_question,
    generated_answers,
    questionnaire,
    scale_questions,
    store_responses,
    user_with_role,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_cycle")]


@pytest.fixture
def survey(cycle, regions, reviewer):
    return questionnaire(cycle, regions["hangzhou"], reviewer)


def test_a_reviewer_creates_a_questionnaire_with_default_questions(client, cycle, regions, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("satisfaction-index"))
    assert page.status_code == 200
    assert list(page.context["form"].fields["region"].queryset) == [regions["hangzhou"]]
    response = client.post(reverse("satisfaction-index"), {"cycle": cycle.pk, "region": regions["hangzhou"].pk})
    q = Questionnaire.objects.get()
    assert response["Location"] == reverse("questionnaire-edit", args=[q.pk])
    assert q.status == Questionnaire.Status.DRAFT
    assert q.created_by == reviewer
    assert [question.indicator.code for question in scale_questions(q)] == ["PS03", "PS04", "PS08"]
    assert q.questions.filter(kind=Question.Kind.CHOICE).count() == 3
    assert "杭州市" in q.title_zh
    assert "Hangzhou" in q.title_en
    again = client.post(reverse("satisfaction-index"), {"cycle": cycle.pk, "region": regions["hangzhou"].pk})
    assert again.status_code == 400
    assert Questionnaire.objects.count() == 1
    refused = client.post(reverse("satisfaction-index"), {"cycle": cycle.pk, "region": regions["ningbo"].pk})
    assert refused.status_code == 400
    assert Questionnaire.objects.count() == 1


def _formset_data(q, rows, **texts):
    data = {"title_zh": "满意度调查", "title_en": "Survey", "intro_zh": "", "intro_en": "", "allow_comment": "on",
            "questions-TOTAL_FORMS": str(len(rows)), "questions-INITIAL_FORMS": str(q.questions.count()),
            "questions-MIN_NUM_FORMS": "0", "questions-MAX_NUM_FORMS": "1000", **texts}
    for i, row in enumerate(rows):
        data.update({f"questions-{i}-{key}": value for key, value in row.items()})
    return data


def test_the_questions_are_edited_until_citizens_answer(client, survey, reviewer, cycle):
    client.force_login(reviewer)
    assert client.get(reverse("questionnaire-edit", args=[survey.pk])).status_code == 200
    ps03 = survey.questions.get(indicator__code="PS03")
    ps04 = survey.questions.get(indicator__code="PS04")
    indicator_ps04 = ps04.indicator_id
    rows = [
        {"id": ps03.pk, "order": 1, "kind": "scale", "text_zh": "网上办事满意吗？", "text_en": "Online?",
         "indicator": ps03.indicator_id},
        {"id": ps04.pk, "order": 2, "kind": "scale", "text_zh": ps04.text_zh, "indicator": ps04.indicator_id,
         "DELETE": "on"},
        {"order": 3, "kind": "scale", "text_zh": "大厅等候时间满意吗？", "indicator": indicator_ps04, "required": "on"},
        {"order": 4, "kind": "choice", "text_zh": "您的性别", "options_text": "男 | Male\n女 | Female"},
    ]
    # Every other existing question is deleted too.
    others = [q for q in survey.questions.all() if q.pk not in (ps03.pk, ps04.pk)]
    rows = rows[:2] + [{"id": q.pk, "order": q.order, "kind": q.kind, "text_zh": q.text_zh, "DELETE": "on",
                        "options_text": "a\nb", "indicator": q.indicator_id or ""} for q in others] + rows[2:]
    response = client.post(reverse("questionnaire-edit", args=[survey.pk]), _formset_data(survey, rows))
    assert response.status_code == 302, response.context["formset"].errors
    texts = list(survey.questions.values_list("text_zh", "required"))
    assert texts == [("网上办事满意吗？", False), ("大厅等候时间满意吗？", True), ("您的性别", False)]
    assert survey.questions.get(text_zh="您的性别").options == [{"zh": "男", "en": "Male", "share": None},
                                                                 {"zh": "女", "en": "Female", "share": None}]
    survey.refresh_from_db()
    assert survey.title_zh == "满意度调查"

    bad = [{"order": 1, "kind": "scale", "text_zh": "没有指标"}, {"order": 2, "kind": "choice", "text_zh": "一个选项",
                                                              "options_text": "只有一个"}]
    response = client.post(reverse("questionnaire-edit", args=[survey.pk]),
                           {**_formset_data(survey, bad), "questions-INITIAL_FORMS": "0"})
    assert response.status_code == 400
    assert survey.questions.count() == 3

    SurveyResponse.objects.create(questionnaire=survey, region=survey.region, client_hash="x")
    page = client.get(reverse("questionnaire-edit", args=[survey.pk]))
    assert 'id="questions-locked"' in page.content.decode()
    response = client.post(reverse("questionnaire-edit", args=[survey.pk]),
                           {"title_zh": "新标题", "title_en": "", "intro_zh": "", "intro_en": ""})
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.title_zh == "新标题"
    assert survey.questions.count() == 3


def test_weighting_shares(client, survey, reviewer):
    client.force_login(reviewer)
    age = choice_question(survey)
    url = reverse("questionnaire-weighting", args=[survey.pk])
    assert client.get(url).status_code == 200
    shares = {f"share_{age.pk}_{n}": s for n, s in enumerate(["18", "20", "19", "17", "26"], start=1)}
    assert client.post(url, {"question": age.pk, **shares, f"share_{age.pk}_5": "30"}).status_code == 400
    assert client.post(url, {"question": age.pk, **shares}).status_code == 302
    age.refresh_from_db()
    assert age.weighting
    assert [o["share"] for o in age.options] == [18, 20, 19, 17, 26]
    assert client.post(url, {"question": ""}).status_code == 302
    age.refresh_from_db()
    assert not age.weighting


def test_publish_close_and_reopen(client, cycle, regions, reviewer):
    q = questionnaire(cycle, regions["hangzhou"], reviewer, publish=False)
    client.force_login(reviewer)
    for action, status in (("publish", "published"), ("close", "closed"), ("publish", "published")):
        assert client.post(reverse("questionnaire-status", args=[q.pk, action])).status_code == 302
        q.refresh_from_db()
        assert q.status == status
    client.post(reverse("questionnaire-status", args=[q.pk, "publish"]))
    assert Questionnaire.objects.get().status == "published"


def test_the_page_shows_the_link_and_a_qr_code(client, survey, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("questionnaire", args=[survey.pk])).content.decode()
    link = f"http://testserver/survey/{survey.key}/"
    assert link in page
    assert '<svg' in page
    assert 'class="segno"' in page
    svg = client.get(reverse("questionnaire-qr", args=[survey.pk]))
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<?xml")


def test_results_over_time_per_question_and_per_indicator(client, survey, reviewer, regions, settings):
    settings.SATISFACTION_MIN_RESPONSES = 300
    band, answers = generated_answers(240, seed=3)
    store_responses(survey, regions["hangzhou"], band, answers,
                    start=timezone.now() - datetime.timedelta(days=5))
    client.force_login(reviewer)
    response = client.get(reverse("questionnaire", args=[survey.pk]))
    overview = response.context["overview"]
    assert overview.total == 240
    assert overview.unit == "day"
    assert sum(b.count for b in overview.timeline) == 240
    by_question = {q.question.indicator.code: q for q in overview.questions if q.question.indicator}
    ps03 = by_question["PS03"]
    assert ps03.answered == int((answers["PS03"] > 0).sum())
    assert [b.count for b in ps03.bars] == [int((answers["PS03"] == v).sum()) for v in range(1, 6)]
    page = response.content.decode()
    assert 'id="estimate-PS03"' in page
    assert f'data-n="{ps03.answered}"' in page
    assert gettext("too few") in page  # fewer than 300
    city = client.get(reverse("satisfaction-city", args=[survey.cycle.submissions.get_or_create(
        region=regions["hangzhou"])[0].pk]))
    assert city.status_code == 200
    assert city.context["overview"].total == 240


def test_comments_are_masked_and_paginated(client, survey, reviewer, regions):
    now = timezone.now()
    SurveyResponse.objects.bulk_create(
        SurveyResponse(questionnaire=survey, region=regions["hangzhou"], client_hash="h",
                       submitted_at=now - datetime.timedelta(minutes=i),
                       comment=f"意见{i} 请打 1380013{i:04d}" if i % 2 else f"意见{i}") for i in range(25))
    SurveyResponse.objects.create(questionnaire=survey, region=regions["hangzhou"], client_hash="h",
                                  submitted_at=now - datetime.timedelta(days=1))
    client.force_login(reviewer)
    first = client.get(reverse("questionnaire", args=[survey.pk])).content.decode()
    assert first.count('class="comment-text"') == 20
    assert "意见0" in first
    assert "请打 ***" in first
    assert "1380013" not in first
    second = client.get(reverse("questionnaire", args=[survey.pk]) + "?page=2").content.decode()
    assert second.count('class="comment-text"') == 5
    assert "意见24" in second
    city = client.get(reverse("satisfaction-city", args=[
        survey.cycle.submissions.create(region=regions["hangzhou"]).pk]) + "?page=2").content.decode()
    assert city.count('class="comment-text"') == 5
    assert "1380013" not in city


def test_who_sees_what(client, survey, submission, regions, cycle):
    outsiders = [user_with_role("nj-reviewer", Role.CITY_REVIEWER, regions["nanjing"]),
                 user_with_role("js-analyst", Role.PROVINCE_ANALYST, regions["jiangsu"]),
                 user_with_role("nb-reviewer", Role.CITY_REVIEWER, regions["ningbo"])]
    pages = [reverse("questionnaire", args=[survey.pk]), reverse("questionnaire-qr", args=[survey.pk]),
             reverse("questionnaire-edit", args=[survey.pk]), reverse("questionnaire-weighting", args=[survey.pk]),
             reverse("satisfaction-city", args=[submission.pk])]
    for outsider in outsiders:
        client.force_login(outsider)
        for url in pages:
            assert client.get(url).status_code == 404, (outsider, url)
        assert client.post(reverse("questionnaire-status", args=[survey.pk, "close"])).status_code == 404
        assert client.post(reverse("satisfaction-aggregate", args=[submission.pk])).status_code == 404
        assert survey.pk not in [q.pk for q in client.get(reverse("satisfaction-index")).context["questionnaires"]]
    officer = user_with_role("hz-officer", Role.CITY_OFFICER, regions["hangzhou"])
    client.force_login(officer)
    assert client.get(pages[0]).status_code == 200
    assert client.get(pages[4]).status_code == 200
    assert client.get(pages[2]).status_code == 403
    assert client.post(reverse("questionnaire-status", args=[survey.pk, "close"])).status_code == 403
    analyst = user_with_role("zj-analyst", Role.PROVINCE_ANALYST, regions["zhejiang"])
    client.force_login(analyst)
    assert client.get(pages[2]).status_code == 200
    assert client.post(reverse("questionnaire-status", args=[survey.pk, "close"])).status_code == 302
    client.logout()
    assert client.get(pages[0]).status_code == 302  # to the login page


def test_a_province_questionnaire_counts_for_its_cities(client, cycle, regions, submission):
    analyst = user_with_role("zj-analyst", Role.PROVINCE_ANALYST, regions["zhejiang"])
    q = questionnaire(cycle, regions["zhejiang"], analyst)
    band, answers = generated_answers(60, seed=8)
    store_responses(q, regions["hangzhou"], band[:40], {c: v[:40] for c, v in answers.items()})
    store_responses(q, regions["ningbo"], band[40:], {c: v[40:] for c, v in answers.items()})
    client.force_login(analyst)
    page = client.get(reverse("questionnaire", args=[q.pk]))
    assert page.context["overview"].total == 60
    assert [city.responses for city in page.context["overview"].by_city] == [40, 20]
    city = client.get(reverse("satisfaction-city", args=[submission.pk]))
    assert city.context["questionnaire"] == q
    assert city.context["overview"].total == 40
    estimates = {item.indicator.code: item for item in city.context["estimates"]}
    assert estimates["PS03"].estimate.n == int((answers["PS03"][:40] > 0).sum())
    own = questionnaire(cycle, regions["hangzhou"], user_with_role("hz", Role.CITY_REVIEWER, regions["hangzhou"]))
    assert client.get(reverse("satisfaction-city", args=[submission.pk])).context["questionnaire"] == own
