"""The public questionnaire on a phone-sized screen (390×844) in Chromium: a citizen answers every question,
writes a comment and submits; the response is stored (comment masked) and the same browser cannot answer again."""

import pytest
from django.utils.translation import gettext
from playwright.sync_api import expect

from surveys.models import Answer, SurveyResponse
from tests.browser.pages import screenshot
from tests.factories import (
    Role,
    choice_question,
    open_now,
    questionnaire,
    scale_questions,
    user_with_role,
)

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def survey(cycle, regions):
    open_now(cycle)
    reviewer = user_with_role("hz_reviewer", Role.CITY_REVIEWER, regions["hangzhou"])
    return questionnaire(cycle, regions["hangzhou"], reviewer)


def test_a_citizen_answers_on_a_phone(new_page, survey):
    page = new_page(viewport=PHONE)
    page.goto(f"{page.base_url}/survey/{survey.key}/")
    expect(page.locator("h1")).to_have_text(survey.title_zh)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing sticks out sideways

    scale = scale_questions(survey)
    for n, question in enumerate(scale):
        options = page.locator(f"#question-{question.pk} .sv-opt")
        expect(options).to_have_count(5)
        box = options.nth(0).bounding_box()
        assert box["height"] >= 44
        assert box["width"] >= 44
        options.nth(4 - n % 2).click()  # 5 非常满意, then 4 满意…
        expect(page.locator(f"#question-{question.pk} input[value='{5 - n % 2}']")).to_be_checked()
    age = choice_question(survey)
    page.locator(f"#question-{age.pk} .sv-choice").nth(1).click()
    page.fill("#comment", "窗口办事很快。有问题请打13800138000")
    screenshot(page, "survey-mobile")

    page.locator(".sv-submit").click()
    page.wait_for_url(f"**/survey/{survey.key}/thanks")
    expect(page.locator("#survey-message h1")).to_have_text(gettext("Thank you!"))
    screenshot(page, "survey-mobile-thanks")

    response = SurveyResponse.objects.get()
    assert response.comment == "窗口办事很快。有问题请打***"
    assert {(a.question_id, a.value) for a in Answer.objects.filter(response=response)} == {
        *((q.pk, 5 - n % 2) for n, q in enumerate(scale)), (age.pk, 2)}

    page.goto(f"{page.base_url}/survey/{survey.key}/")
    expect(page.locator("#survey-message h1")).to_have_text(gettext("You have already answered"))
    assert not page.locator("#survey-form").count()
    assert SurveyResponse.objects.count() == 1


def test_a_forgotten_required_answer_is_shown_on_the_phone(new_page, survey):
    first = scale_questions(survey)[0]
    first.required = True
    first.save()
    page = new_page(viewport=PHONE)
    page.goto(f"{page.base_url}/survey/{survey.key}/")
    page.locator(f"#question-{scale_questions(survey)[1].pk} .sv-opt").nth(2).click()
    # The browser itself asks for the required answer first; without its check the server says the same.
    page.evaluate("document.getElementById('survey-form').noValidate = true")
    page.allowed_errors.append("status of 400")
    page.locator(".sv-submit").click()
    expect(page.locator(f"#question-{first.pk}.sv-invalid .sv-error")).to_be_visible()
    expect(page.locator(f"#question-{scale_questions(survey)[1].pk} input[value='3']")).to_be_checked()
    assert SurveyResponse.objects.count() == 0
