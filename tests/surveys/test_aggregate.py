"""Aggregation into the submission: values from citizens (source survey), explained, not editable by hand."""

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext

from assessments.models import IndicatorValue, Submission
from assessments.services import Entry, EntryLocked, ValuesInvalid, submission_transition, values_save
from audit.models import AuditEvent
from smartgov.errors import PermissionRefused
from surveys.models import SatisfactionEstimate, SatisfactionImport
from surveys.services import satisfaction_aggregate, satisfaction_import, satisfaction_import_remove
from tests.evidence_files import with_required_evidence
from tests.factories import (
    Role,
    fill,
    generated_answers,
    hotline_rows,
    open_now,
    questionnaire,
    rating_rows,
    store_responses,
    table_csv,
    table_xlsx,
    user_with_role,
)

pytestmark = pytest.mark.django_db
SURVEY = IndicatorValue.Source.SURVEY


@pytest.fixture
def city(cycle, submission, regions, reviewer):
    """Hangzhou's submission with 300 responses to its questionnaire, ratings and hotline figures imported."""
    open_now(cycle)
    q = questionnaire(cycle, regions["hangzhou"], reviewer)
    band, answers = generated_answers(300, seed=5)
    store_responses(q, regions["hangzhou"], band, answers)
    satisfaction_import(submission=submission, kind="ratings", data=table_csv(rating_rows(400)), name="file.csv",
                        actor=reviewer)
    satisfaction_import(submission=submission, kind="hotline", data=table_xlsx(hotline_rows()), name="12345.xlsx",
                        actor=reviewer)
    submission.refresh_from_db()
    return submission


def _values(submission):
    return {v.indicator.code: v for v in submission.values.select_related("indicator", "satisfaction_estimate")}


def test_it_writes_every_satisfaction_indicator_from_citizens(city, reviewer):
    outcome = satisfaction_aggregate(submission=city, actor=reviewer)
    values = _values(city)
    codes = ["PS01", "PS02", "PS03", "PS04", "PS05", "PS06", "PS07", "PS08"]
    assert sorted(code for code, _o, _n in outcome.changes) == codes
    for code in codes:
        value = values[code]
        assert value.source == SURVEY
        assert value.updated_by == reviewer
        estimate = value.satisfaction_estimate
        assert estimate.n > 0
        assert estimate.low <= value.value <= estimate.high
        assert f"{estimate.n:,}" in value.note
    ps03 = values["PS03"]
    assert ps03.satisfaction_estimate.method == "mean"
    assert ps03.satisfaction_estimate.n > 250
    assert "(mean − 1) ÷ 4 × 100" in ps03.note or "（均值" in ps03.note or "÷ 4" in ps03.note
    assert values["PS01"].value == pytest.approx(40.0)
    assert values["PS01"].satisfaction_estimate.method == "share"
    assert AuditEvent.objects.filter(action="value_changed", submission=city, subject="PS03").exists()
    city.refresh_from_db()
    assert city.version > 1


def test_too_few_responses_are_flagged(city, reviewer, settings):
    settings.SATISFACTION_MIN_RESPONSES = 350
    satisfaction_aggregate(submission=city, actor=reviewer)
    values = _values(city)
    assert values["PS03"].satisfaction_estimate.too_few
    assert values["PS03"].note.startswith("⚠")
    assert not values["PS01"].satisfaction_estimate.too_few  # 400 ratings


def test_the_city_can_no_longer_edit_them_but_the_aggregation_can(city, reviewer, officer):
    satisfaction_aggregate(submission=city, actor=reviewer)
    before = _values(city)["PS03"]
    with pytest.raises(ValuesInvalid) as refused:
        values_save(submission=city, entries={"PS03": Entry("99", "better")}, actor=officer, expected_version=None)
    message = refused.value.errors["PS03"]
    assert message.startswith(gettext("This value is computed from citizens' responses and cannot be changed by "
                                      "hand; it changes only when the responses are aggregated again. How it was "
                                      "computed: %(how)s").split("%(how)s")[0])
    assert before.note in message
    with pytest.raises(ValuesInvalid):
        values_save(submission=city, entries={"PS03": Entry("")}, actor=reviewer, expected_version=None)
    with pytest.raises(ValuesInvalid):  # the Excel import and the API save with their own source: refused too
        values_save(submission=city, entries={"PS03": Entry("50", before.note)}, actor=reviewer,
                    expected_version=None, source=IndicatorValue.Source.EXCEL)
    # An unchanged value is no change (e.g. an Excel round trip), and other values stay editable.
    values_save(submission=city, entries={"PS03": Entry(str(before.value), before.note), "RS01": Entry("80")},
                actor=officer, expected_version=None)
    assert _values(city)["PS03"].value == before.value

    more, answers = generated_answers(200, seed=99)
    answers = {code: values * 0 + 5 for code, values in answers.items()}  # 200 very satisfied respondents
    store_responses(city.region.questionnaires.get(), city.region, more, answers)
    outcome = satisfaction_aggregate(submission=city, actor=reviewer)
    after = _values(city)["PS03"]
    assert after.value > before.value
    assert after.source == SURVEY
    assert after.satisfaction_estimate.n > before.satisfaction_estimate.n
    assert "PS03" in [code for code, _o, _n in outcome.changes]


def test_the_entry_form_shows_them_read_only(client, city, reviewer, officer):
    satisfaction_aggregate(submission=city, actor=reviewer)
    client.force_login(officer)
    page = client.get(reverse("submission", args=[city.pk])).content.decode()
    row = page[page.index('id="row-PS03"'):page.index('id="row-PS04"')]
    assert gettext("From citizens") in row
    assert reverse("satisfaction-city", args=[city.pk]) in row
    value_input = row[row.index('id="value_PS03"'):]
    assert "disabled" in value_input[:value_input.index(">")]
    other = page[page.index('id="row-RS01"'):page.index('id="row-RS02"')]
    assert "disabled" not in other[other.index('id="value_RS01"'):][:400].split(">")[0]
    city.refresh_from_db()
    response = client.post(reverse("submission", args=[city.pk]), {"version": city.version, "value_PS03": "1",
                                                                  "note_PS03": ""})
    assert response.status_code == 400
    assert escape(gettext("From citizens")) in response.content.decode()
    assert _values(city)["PS03"].value != 1


def test_the_too_few_flag_is_on_the_entry_form(client, city, reviewer, settings):
    settings.SATISFACTION_MIN_RESPONSES = 1000
    satisfaction_aggregate(submission=city, actor=reviewer)
    client.force_login(reviewer)
    page = client.get(reverse("submission", args=[city.pk])).content.decode()
    values = _values(city)
    flagged = {code for code in values if 'too-few' in page[page.index(f'id="row-{code}"'):][:1500]}
    assert flagged == {code for code, v in values.items() if v.satisfaction_estimate.n < 1000}
    assert {"PS01", "PS03", "PS04", "PS08"} <= flagged


def test_a_value_whose_source_is_gone_is_cleared(city, reviewer):
    satisfaction_aggregate(submission=city, actor=reviewer)
    for batch in SatisfactionImport.objects.filter(region=city.region, kind="ratings"):
        satisfaction_import_remove(batch=batch, submission=city, actor=reviewer)
    satisfaction_aggregate(submission=city, actor=reviewer)
    values = _values(city)
    assert "PS01" not in values
    assert "PS02" not in values
    assert values["PS05"].source == SURVEY
    assert not SatisfactionEstimate.objects.filter(value__indicator__code="PS01").exists()


def test_a_hand_entered_value_is_replaced_and_kept_in_the_history(city, reviewer, officer):
    values_save(submission=city, entries={"PS04": Entry("77", "third-party survey")}, actor=officer,
                expected_version=None)
    satisfaction_aggregate(submission=city, actor=reviewer)
    assert _values(city)["PS04"].source == SURVEY
    event = AuditEvent.objects.filter(subject="PS04", action="value_changed").latest("id")
    assert event.old == {"value": 77.0, "note": "third-party survey"}


def test_who_may_aggregate_and_when(city, reviewer, officer, regions):
    with pytest.raises(PermissionRefused):
        satisfaction_aggregate(submission=city, actor=officer)
    with pytest.raises(PermissionRefused):
        satisfaction_aggregate(submission=city, actor=user_with_role("nj", Role.CITY_REVIEWER, regions["nanjing"]))
    analyst = user_with_role("zj", Role.PROVINCE_ANALYST, regions["zhejiang"])
    satisfaction_aggregate(submission=city, actor=analyst)
    assert _values(city)["PS03"].updated_by == analyst
    Submission.objects.filter(pk=city.pk).update(status=Submission.Status.SUBMITTED)
    city.refresh_from_db()
    with pytest.raises(EntryLocked):
        satisfaction_aggregate(submission=city, actor=reviewer)


def test_they_go_through_review_like_the_others(city, reviewer, officer, regions):
    with_required_evidence(fill(city))
    IndicatorValue.objects.filter(submission=city, indicator__code__startswith="PS").delete()
    satisfaction_aggregate(submission=city, actor=reviewer)
    analyst = user_with_role("zj", Role.PROVINCE_ANALYST, regions["zhejiang"])
    # The reviewer wrote the values from citizens: the four-eyes rule has another reviewer sign them off.
    second_reviewer = user_with_role("hz_reviewer_2", Role.CITY_REVIEWER, regions["hangzhou"])
    for action, actor in (("submit", officer), ("sign_off", second_reviewer), ("approve", analyst)):
        city = submission_transition(submission=city, action=action, actor=actor)
    assert city.status == Submission.Status.APPROVED
    assert _values(city)["PS03"].source == SURVEY


def test_the_page_aggregates(client, city, reviewer, officer):
    client.force_login(officer)
    page = client.get(reverse("satisfaction-city", args=[city.pk]))
    assert page.status_code == 200
    assert 'id="aggregate"' not in page.content.decode()
    assert client.post(reverse("satisfaction-aggregate", args=[city.pk])).status_code == 302
    assert not IndicatorValue.objects.filter(source=SURVEY).exists()
    client.force_login(reviewer)
    page = client.get(reverse("satisfaction-city", args=[city.pk])).content.decode()
    assert 'id="aggregate"' in page
    assert 'data-code="PS03"' in page
    response = client.post(reverse("satisfaction-aggregate", args=[city.pk]), follow=True)
    assert IndicatorValue.objects.filter(submission=city, source=SURVEY).count() == 8
    assert gettext("from citizens") in response.content.decode()
