"""Evidence rules: an indicator marked "evidence required" without a file blocks the submission, by a finding
that names the indicators in the reader's language; the entry form shows each indicator's evidence status to
everyone who opens the submission."""

import json
import re

import pytest
from django.utils import translation

from assessments.checks import Finding, submission_findings
from assessments.models import IndicatorValue, RoleAssignment, Submission
from assessments.selectors import submission_findings_of
from assessments.services import evidence_add, evidence_remove, submission_transition
from indicators.models import Indicator
from smartgov.errors import Refused
from tests.evidence_files import explain_warnings, pdf_upload, with_required_evidence
from tests.factories import fill

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role

REQUIRED = ["RS05", "RS08", "MP06", "MP08", "SC08", "SC09", "PS03", "PS04", "PS08"]
"""The default framework's indicators marked "evidence required", in framework order (docs/framework.md)."""


def _evidence_finding(submission):
    found = [f for f in submission_findings_of(submission) if f.kind == "evidence_missing"]
    return found[0] if found else None


def _attach(submission, actor, codes):
    for code in codes:
        evidence_add(submission=submission, indicator_code=code, actor=actor,
                     upload=pdf_upload(f"{code}.pdf", b"%PDF-1.4\n% " + code.encode() + b"\n%%EOF\n"))


def test_it_lists_every_required_indicator_without_a_file_in_framework_order(submission, framework):
    assert list(framework.indicators.filter(evidence_required=True)
                .order_by("dimension__order", "order").values_list("code", flat=True)) == REQUIRED
    finding = _evidence_finding(submission)
    assert finding.indicators == tuple(REQUIRED)
    assert finding.blocking


def test_it_names_the_indicators_by_code_and_name_in_the_readers_language(submission):
    with translation.override("en"):
        english = _evidence_finding(submission).message
    with translation.override("zh-hans"):
        chinese = _evidence_finding(submission).message
    assert english.startswith("Evidence required but no file attached: RS05 Licence submission waiver rate; "
                              "RS08 Public data authorised-operation mechanism; ")
    assert "RS05 电子证照免提交率" in chinese
    assert "Licence" not in chinese


def test_submit_is_refused_while_evidence_is_missing_and_the_message_names_what_is_missing(submission, officer):
    fill(submission)
    _attach(submission, officer, REQUIRED[:-2])
    with translation.override("en"), pytest.raises(Refused) as refused:
        submission_transition(submission=submission, action="submit", actor=officer)
    message = str(refused.value)
    assert "PS04 Satisfaction with on-site government services; PS08 Satisfaction with open public data" in message
    assert "RS05" not in message
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DRAFT


def test_submit_goes_through_once_every_required_file_is_attached(submission, officer):
    fill(submission)
    explain_warnings(submission, officer)
    with pytest.raises(Refused):
        submission_transition(submission=submission, action="submit", actor=officer)
    _attach(submission, officer, REQUIRED)
    assert _evidence_finding(submission) is None
    submission.refresh_from_db()
    assert submission_transition(submission=submission, action="submit", actor=officer).status == "submitted"


def test_a_file_on_the_submission_as_a_whole_does_not_stand_for_an_indicator(submission, officer):
    evidence_add(submission=submission, indicator_code="general", upload=pdf_upload(), actor=officer)
    assert _evidence_finding(submission).indicators == tuple(REQUIRED)


def test_removing_the_only_file_brings_the_finding_back(submission, officer):
    with_required_evidence(submission)
    assert _evidence_finding(submission) is None
    evidence_remove(evidence=submission.evidence.get(indicator__code="MP06"), actor=officer)
    assert _evidence_finding(submission).indicators == ("MP06",)


def test_a_value_from_the_citizens_survey_needs_no_uploaded_report(submission):
    fill(submission)
    IndicatorValue.objects.filter(submission=submission, indicator__code__in=["PS03", "PS04"]).update(
        source=IndicatorValue.Source.SURVEY)
    assert _evidence_finding(submission).indicators == tuple(c for c in REQUIRED if c not in ("PS03", "PS04"))


def test_the_rule_is_the_same_in_the_pure_check():
    required = Indicator(code="A1", name_zh="甲", name_en="A", evidence_required=True)
    optional = Indicator(code="A2", name_zh="乙", name_en="B")
    surveyed = Indicator(code="A3", name_zh="丙", name_en="C", evidence_required=True)

    def findings(**evidence):
        return submission_findings(indicators=[required, optional, surveyed], values={"A1": 1, "A2": 2, "A3": 3},
                                   notes={}, previous={}, rules=[], threshold=0.5, **evidence)

    assert [(f.kind, f.indicators) for f in findings()] == [("evidence_missing", ("A1", "A3"))]
    assert findings(evidenced={"A1"}, computed={"A3"}) == []
    assert Finding("evidence_missing", ("A1",), "…", explained=True).blocking


# The entry form ------------------------------------------------------------------------------------------------


def _row(page, code):
    """The HTML of one indicator's row on the entry form."""
    match = re.search(rf'<div class="indicator[^"]*" id="row-{code}".*?(?=<div class="indicator[ "]|</fieldset>)',
                      page, re.S)
    assert match, code
    return match.group(0)


@pytest.mark.parametrize("viewer", ["officer", "reviewer", "analyst", "ningbo_officer"])
def test_the_form_shows_each_indicators_evidence_status_to_whoever_opens_it(client, people, submission, viewer):
    officer = people["officer"]
    fill(submission)
    _attach(submission, officer, ["RS05"])
    evidence_add(submission=submission, indicator_code="RS05", actor=officer,
                 upload=pdf_upload("second.pdf", b"%PDF-1.4\n% second\n%%EOF\n"))
    IndicatorValue.objects.filter(submission=submission, indicator__code="PS03").update(
        source=IndicatorValue.Source.SURVEY)
    client.force_login(people[viewer])
    response = client.get(f"/submissions/{submission.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    if viewer == "ningbo_officer":
        assert response.status_code == 404
        return
    page = response.content.decode()
    assert "Evidence: 2 files" in _row(page, "RS05")
    assert "RS05.pdf" in _row(page, "RS05")
    assert "second.pdf" in _row(page, "RS05")
    assert 'evidence-status missing">Evidence required, missing' in _row(page, "RS08")
    assert "Evidence: the citizens' survey responses" in _row(page, "PS03")
    assert "evidence-status" not in _row(page, "RS01")
    findings = re.search(r'<section id="findings".*?</section>', page, re.S).group(0)
    assert '<li class="finding evidence_missing">Evidence required but no file attached: RS08 ' in findings


def test_the_form_says_one_file_in_the_singular(client, officer, submission):
    _attach(submission, officer, ["MP06"])
    client.force_login(officer)
    page = client.get(f"/submissions/{submission.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Evidence: 1 file<" in _row(page, "MP06")


def test_the_provinces_review_shows_the_missing_evidence_among_the_blocking_findings(client, analyst, submission):
    fill(submission)
    with_required_evidence(submission)
    submission.evidence.filter(indicator__code="SC09").delete()
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.SIGNED_OFF)
    client.force_login(analyst)
    page = client.get(f"/submissions/{submission.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "finding evidence_missing" in page
    assert "SC09 " in re.search(r'<li class="finding evidence_missing">(.*?)</li>', page).group(1)
    assert 'id="evidence-link"' in page


def test_autosave_reports_the_missing_evidence(client, officer, submission):
    client.force_login(officer)
    response = client.post(f"/submissions/{submission.pk}/autosave", content_type="application/json",
                           data=json.dumps({"version": submission.version, "entries": {"RS01": {"value": "88"}}}))
    kinds = {f["kind"]: f for f in response.json()["findings"]}
    assert kinds["evidence_missing"]["indicators"] == REQUIRED
    assert kinds["evidence_missing"]["blocking"] is True


def test_submitting_through_the_page_shows_the_refusal(client, officer, submission):
    fill(submission)
    client.force_login(officer)
    response = client.post(f"/submissions/{submission.pk}/act/submit", {"version": submission.version},
                           HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Evidence required but no file attached: RS05 Licence submission waiver rate" in response.content.decode()
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.DRAFT


def test_a_city_reviewer_may_attach_what_is_missing(submission, reviewer):
    _attach(submission, reviewer, REQUIRED)
    assert _evidence_finding(submission) is None


def test_the_evidence_page_lists_what_is_missing_and_files_whose_uploader_is_gone(client, reviewer, submission):
    with_required_evidence(submission)  # written without an uploader, as after the account was deleted
    submission.evidence.filter(indicator__code="RS08").delete()
    client.force_login(reviewer)
    response = client.get(f"/submissions/{submission.pk}/evidence/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<tr class="missing"><td>RS08 [^<]*</td><td colspan="4"><strong>Evidence required', page)
    assert re.search(r"RS05\.pdf</a></td>\s*<td>[^<]*</td>\s*<td>[0-9: -]+ · —</td>", page)
