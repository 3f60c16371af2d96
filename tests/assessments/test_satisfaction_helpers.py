"""Helpers shared by the satisfaction tests (no tests here): an open cycle, users, questionnaires, responses."""

import datetime

import numpy as np
from django.utils import timezone

from assessments.models import Answer, Cycle, Question, Questionnaire, RoleAssignment, SurveyResponse
from assessments.services.satisfaction import questionnaire_create, questionnaire_status_set
from tests.conftest import UserFactory

Role = RoleAssignment.Role
TEST_IP = "203.0.113.77"


def open_now(cycle):
    """The cycle assesses the current year and is open for entry today, whatever today is."""
    today = timezone.localdate()
    Cycle.objects.filter(pk=cycle.pk).update(period=today.year, opens=today - datetime.timedelta(days=30),
                                             closes=today + datetime.timedelta(days=30))
    cycle.refresh_from_db()
    return cycle


def user(name, role, region=None):
    person = UserFactory(username=name)
    RoleAssignment.objects.create(user=person, role=role, region=region)
    return person


def questionnaire(cycle, region, actor, *, publish=True) -> Questionnaire:
    made = questionnaire_create(cycle=cycle, region=region, actor=actor)
    if publish:
        made = questionnaire_status_set(questionnaire=made, action="publish", actor=actor)
    return made


def scale_questions(q):
    return list(q.questions.filter(kind=Question.Kind.SCALE).select_related("indicator"))


def choice_question(q, text="您的年龄段"):
    return q.questions.get(kind=Question.Kind.CHOICE, text_zh=text)


def generated_answers(count, *, seed=7, indicators=("PS03", "PS04", "PS08"), groups=5):
    """`count` respondents: an age band each (1…groups, skewed young, a few missing) and 1–5 answers to each
    indicator's question, whose level depends on the age band; some questions skipped."""
    rng = np.random.default_rng(seed)
    band = rng.choice(np.arange(1, groups + 1), size=count, p=np.array([0.35, 0.3, 0.2, 0.1, 0.05])[:groups]
                      / np.array([0.35, 0.3, 0.2, 0.1, 0.05])[:groups].sum())
    band = np.where(rng.random(count) < 0.02, 0, band)  # 0: did not say
    answers = {}
    for k, code in enumerate(indicators):
        level = 2.2 + 0.45 * np.where(band == 0, 3, band) + 0.2 * k + rng.normal(0, 1.0, count)
        values = np.clip(np.rint(level), 1, 5).astype(int)
        skipped = rng.random(count) < 0.1 + 0.05 * k
        answers[code] = np.where(skipped, 0, values)  # 0: not answered
    return band, answers


def store_responses(q, region, band, answers, *, start=None):
    """Write generated respondents as responses of `q` (bulk, fast)."""
    start = start or timezone.now() - datetime.timedelta(days=20)
    count = len(band)
    by_code = {question.indicator.code: question for question in scale_questions(q)}
    age = choice_question(q)
    responses = SurveyResponse.objects.bulk_create(
        SurveyResponse(questionnaire=q, region=region, client_hash=f"{i:064x}",
                       submitted_at=start + datetime.timedelta(minutes=3 * i)) for i in range(count))
    rows = []
    for i, response in enumerate(responses):
        if band[i]:
            rows.append(Answer(response=response, question=age, value=int(band[i])))
        for code, values in answers.items():
            if values[i]:
                rows.append(Answer(response=response, question=by_code[code], value=int(values[i])))
    Answer.objects.bulk_create(rows, batch_size=5000)
    return responses
