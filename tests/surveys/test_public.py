"""The public questionnaire: anonymous, one response per browser, floods throttled, no address kept."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext

from surveys.models import Answer, Question, Questionnaire, SurveyResponse
from surveys.services import address_hash, questionnaire_status_set
from tests.factories import TEST_IP, Role, choice_question, open_now, questionnaire, scale_questions, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(cycle, regions, reviewer):
    open_now(cycle)
    return questionnaire(cycle, regions["hangzhou"], reviewer)


def _url(q):
    return reverse("survey", args=[q.key])


def _answers(q, **extra):
    data = {f"q{question.pk}": str(3 + i % 3) for i, question in enumerate(scale_questions(q))}
    data[f"q{choice_question(q).pk}"] = "2"
    return {**data, "comment": "", **extra}


def _fresh(ip=TEST_IP):
    return Client(REMOTE_ADDR=ip)


def test_it_shows_the_questionnaire_without_login(survey):
    response = _fresh().get(_url(survey))
    assert response.status_code == 200
    page = response.content.decode()
    assert survey.title_zh in page
    assert "网上政务服务" in page
    assert gettext("Very dissatisfied") in page
    assert gettext("Very satisfied") in page
    assert 'name="viewport"' in page
    assert "<script" not in page  # light: no script at all
    assert response["Cache-Control"] == "private, no-store"


def test_it_is_in_english_with_the_switcher(survey):
    client = _fresh()
    client.post(reverse("set_language"), {"language": "en", "next": _url(survey)})
    page = client.get(_url(survey)).content.decode()
    assert "Very dissatisfied" in page
    assert "online government services" in page
    assert survey.title_en in page


def test_a_response_is_stored_and_thanked(survey):
    client = _fresh()
    response = client.post(_url(survey), _answers(survey, comment="窗口服务很好"))
    assert response.status_code == 302
    assert response["Location"] == reverse("survey-thanks", args=[survey.key])
    stored = SurveyResponse.objects.get()
    assert stored.region == survey.region
    assert stored.comment == "窗口服务很好"
    assert Answer.objects.filter(response=stored).count() == 4
    assert gettext("Thank you!") in client.get(response["Location"]).content.decode()


def test_a_second_response_from_the_same_browser_is_refused(survey):
    client = _fresh()
    assert client.post(_url(survey), _answers(survey)).status_code == 302
    cookie = client.cookies[f"sgsurvey_{survey.key}"]
    assert cookie["httponly"]
    assert cookie["path"] == _url(survey)
    again = client.post(_url(survey), _answers(survey))
    assert again.status_code == 409
    assert gettext("You have already answered") in again.content.decode()
    assert SurveyResponse.objects.count() == 1
    page = client.get(_url(survey))
    assert page.status_code == 200
    assert gettext("You have already answered") in page.content.decode()
    assert 'id="survey-form"' not in page.content.decode()


def test_a_forged_cookie_does_not_count(survey):
    client = _fresh()
    client.cookies[f"sgsurvey_{survey.key}"] = "1"  # not signed
    assert client.post(_url(survey), _answers(survey)).status_code == 302


def test_a_flood_from_one_address_is_throttled_and_the_address_is_not_stored(survey, settings):
    settings.SATISFACTION_RESPONSES_PER_ADDRESS_HOUR = 3
    for _ in range(3):
        assert _fresh().post(_url(survey), _answers(survey)).status_code == 302  # new browser each time
    refused = _fresh().post(_url(survey), _answers(survey))
    assert refused.status_code == 429
    assert gettext("Please try again later") in refused.content.decode()
    assert SurveyResponse.objects.count() == 3
    assert _fresh("198.51.100.9").post(_url(survey), _answers(survey)).status_code == 302
    assert set(SurveyResponse.objects.values_list("client_hash", flat=True)) == {
        address_hash(survey, TEST_IP), address_hash(survey, "198.51.100.9")}
    _assert_nowhere_in_the_database(TEST_IP)


def _assert_nowhere_in_the_database(text):
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            for column in columns:
                quoted = connection.ops.quote_name
                cursor.execute(f"SELECT COUNT(*) FROM {quoted(table)} WHERE CAST({quoted(column)} AS TEXT) LIKE %s",
                               [f"%{text}%"])
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column}")
    assert not found, f"the address is stored in {found}"


def test_the_address_hash_is_keyed_per_questionnaire(survey, cycle, regions, reviewer):
    other = questionnaire(cycle, regions["ningbo"], user_with_role("ningbo", Role.CITY_REVIEWER, regions["ningbo"]))
    digest = address_hash(survey, TEST_IP)
    assert len(digest) == 64
    assert TEST_IP not in digest
    assert digest != address_hash(other, TEST_IP)
    assert address_hash(survey, "2001:db8:1:2:aaaa::1") == address_hash(survey, "2001:db8:1:2:bbbb::9")  # /64
    assert address_hash(survey, "::ffff:203.0.113.77") == digest


def test_behind_a_proxy_the_configured_header_is_used(survey, settings):
    settings.SATISFACTION_RESPONSES_PER_ADDRESS_HOUR = 1
    settings.SATISFACTION_CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"
    proxy = "10.0.0.1"
    assert _fresh(proxy).post(_url(survey), _answers(survey), HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1") \
        .status_code == 302
    assert _fresh(proxy).post(_url(survey), _answers(survey), HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302
    assert _fresh(proxy).post(_url(survey), _answers(survey), HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 429


def test_the_honeypot_is_thanked_but_not_stored(survey):
    response = _fresh().post(_url(survey), _answers(survey, website="http://spam.example"))
    assert response.status_code == 302
    assert SurveyResponse.objects.count() == 0


def test_invalid_answers_are_explained_and_nothing_stored(survey):
    first = scale_questions(survey)[0]
    response = _fresh().post(_url(survey), {**_answers(survey), f"q{first.pk}": "9"})
    assert response.status_code == 400
    assert escape(gettext("Choose one of the answers.")) in response.content.decode()
    nothing = {f"q{q.pk}": "na" for q in scale_questions(survey)}
    assert _fresh().post(_url(survey), nothing).status_code == 400
    Question.objects.filter(pk=first.pk).update(required=True)
    response = _fresh().post(_url(survey), {**_answers(survey), f"q{first.pk}": ""})
    assert response.status_code == 400
    assert escape(gettext("Please answer this question.")) in response.content.decode()
    assert SurveyResponse.objects.count() == 0


def test_not_applicable_stores_no_answer(survey):
    first, *rest = scale_questions(survey)
    assert _fresh().post(_url(survey), {**_answers(survey), f"q{first.pk}": "na"}).status_code == 302
    assert set(Answer.objects.values_list("question_id", flat=True)) == {q.pk for q in rest} | {
        choice_question(survey).pk}


def test_comments_are_stored_masked(survey):
    comment = "请联系我 13912345678 或 wang@example.com，身份证 330106199001011234"
    _fresh().post(_url(survey), _answers(survey, comment=comment))
    assert SurveyResponse.objects.get().comment == "请联系我 *** 或 ***，身份证 ***"


def test_draft_and_closed_questionnaires(survey, reviewer, cycle, regions):
    draft = questionnaire(cycle, regions["ningbo"], user_with_role("nb", Role.CITY_REVIEWER, regions["ningbo"]),
                          publish=False)
    assert _fresh().get(_url(draft)).status_code == 404
    assert _fresh().get(reverse("survey", args=["no-such-key"])).status_code == 404
    questionnaire_status_set(questionnaire=survey, action="close", actor=reviewer)
    closed = _fresh().get(_url(survey))
    assert closed.status_code == 200
    assert gettext("This questionnaire is closed") in closed.content.decode()
    assert _fresh().post(_url(survey), _answers(survey)).status_code == 409
    assert SurveyResponse.objects.count() == 0


def test_a_provincial_questionnaire_asks_for_the_city(cycle, regions):
    open_now(cycle)
    analyst = user_with_role("analyst", Role.PROVINCE_ANALYST, regions["zhejiang"])
    q = questionnaire(cycle, regions["zhejiang"], analyst)
    page = _fresh().get(_url(q)).content.decode()
    assert "杭州市" in page
    assert "宁波市" in page
    assert "南京市" not in page
    assert _fresh().post(_url(q), _answers(q)).status_code == 400
    assert _fresh().post(_url(q), _answers(q, city="320100")).status_code == 400  # not in the province
    assert _fresh().post(_url(q), _answers(q, city="330200")).status_code == 302
    assert SurveyResponse.objects.get().region == regions["ningbo"]
    assert Questionnaire.objects.get().region == regions["zhejiang"]
