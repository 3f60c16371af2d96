"""Evidence over the API: list, upload (the page's content checks and limits), download, remove; scoped like the
submissions (another province gets a 404), locked like the values (409), and the rule it serves: a submission
is refused while an indicator that requires evidence has no file."""

import hashlib
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import Evidence, Submission
from assessments.services import evidence_add
from audit.models import AuditEvent
from tests.api.clients import client_for, user_with_token
from tests.evidence_files import EXE, PDF, explain_warnings, pdf_upload, with_required_evidence
from tests.factories import fill, open_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(submission):
    """杭州市's draft, in a cycle open for entry today."""
    open_now(submission.cycle)
    submission.refresh_from_db()
    return submission


@pytest.fixture
def hz(regions):
    """杭州市's data-entry officer: their user and a client with their token."""
    user, _token, secret = user_with_token("hz-officer", "city_officer", regions["hangzhou"])
    return user, client_for(secret)


def url(submission, *rest):
    return "/".join([f"/api/v1/submissions/{submission.pk}/evidence", *map(str, rest), ""])


def upload(client, submission, content=PDF, name="电子证照免提交统计.pdf", **fields):
    return client.post(url(submission), {"file": SimpleUploadedFile(name, content, "application/pdf"), **fields},
                       format="multipart")


def test_it_lists_the_files_with_where_to_download_them(zj, draft, officer):
    first = evidence_add(submission=draft, indicator_code="RS05", upload=pdf_upload("免提交统计.pdf"), actor=officer)
    general = evidence_add(submission=draft, indicator_code=None, actor=officer,
                           upload=pdf_upload("说明.pdf", PDF + b"% general\n"))
    response = zj.get(url(draft))
    assert response.status_code == 200
    assert response.json() == {"count": 2, "next": None, "previous": None, "results": [
        {"id": first.pk, "indicator": "RS05", "file_name": "免提交统计.pdf", "content_type": "application/pdf",
         "size": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest(), "uploaded_by": "officer",
         "uploaded_at": response.json()["results"][0]["uploaded_at"],
         "download": f"/api/v1/submissions/{draft.pk}/evidence/{first.pk}/download/"},
        {"id": general.pk, "indicator": None, "file_name": "说明.pdf", "content_type": "application/pdf",
         "size": len(PDF) + 10, "sha256": hashlib.sha256(PDF + b"% general\n").hexdigest(), "uploaded_by": "officer",
         "uploaded_at": response.json()["results"][1]["uploaded_at"],
         "download": f"/api/v1/submissions/{draft.pk}/evidence/{general.pk}/download/"},
    ]}


def test_it_uploads_a_file_on_an_indicator_audited_as_on_the_page(hz, draft):
    user, client = hz
    response = upload(client, draft, indicator="RS05")
    assert response.status_code == 201
    evidence = Evidence.objects.get(submission=draft)
    assert response.json() == {
        "id": evidence.pk, "indicator": "RS05", "file_name": "电子证照免提交统计.pdf",
        "content_type": "application/pdf",
        "size": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest(), "uploaded_by": "hz-officer",
        "uploaded_at": response.json()["uploaded_at"],
        "download": f"/api/v1/submissions/{draft.pk}/evidence/{evidence.pk}/download/"}
    assert (evidence.indicator.code, evidence.uploaded_by, evidence.file.read()) == ("RS05", user, PDF)
    event = AuditEvent.objects.get(action="evidence_added", submission=draft)
    assert (event.actor, event.subject, event.new["file"]) == (user, "RS05", "电子证照免提交统计.pdf")


@pytest.mark.parametrize("indicator", [None, "", "general"])
def test_without_an_indicator_it_is_evidence_on_the_whole_submission(hz, draft, indicator):
    fields = {} if indicator is None else {"indicator": indicator}
    response = upload(hz[1], draft, **fields)
    assert (response.status_code, response.json()["indicator"]) == (201, None)


def test_an_executable_renamed_pdf_is_refused_with_the_reason_and_nothing_is_stored(hz, draft):
    response = upload(hz[1], draft, content=EXE, name="统计表.pdf", indicator="RS05")
    reason = ("“统计表.pdf” is refused: its content is not one of the accepted types (PDF, JPG, PNG, XLSX). The type "
              "is read from the file itself, not from its name.")
    assert (response.status_code, response.json()) == (400, {"code": "file_refused", "message": reason,
                                                             "fields": {"file": [reason]}})
    assert not Evidence.objects.exists()
    assert not AuditEvent.objects.filter(action="evidence_added").exists()


def test_a_file_over_the_size_limit_is_refused(hz, draft, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    response = upload(hz[1], draft, content=PDF + b"0" * (1024 * 1024), indicator="RS05")
    assert response.status_code == 400
    assert response.json()["code"] == "file_refused"
    assert response.json()["message"] == "The file is larger than the limit of 1 MB."
    assert not Evidence.objects.exists()


def test_an_empty_file_and_the_same_file_twice_are_refused(hz, draft):
    empty = upload(hz[1], draft, content=b"")
    assert (empty.status_code, empty.json()["message"]) == (400, "The file is empty.")
    assert upload(hz[1], draft, indicator="RS05").status_code == 201
    again = upload(hz[1], draft, indicator="RS05")
    assert (again.status_code, again.json()["code"], again.json()["message"]) == (
        400, "file_refused", "This file is already attached here.")


def test_a_missing_file_or_an_unknown_indicator_is_named(hz, draft):
    no_file = hz[1].post(url(draft), {"indicator": "RS05"}, format="multipart")
    assert (no_file.status_code, no_file.json()["code"], list(no_file.json()["fields"])) == (400, "invalid", ["file"])
    unknown = upload(hz[1], draft, indicator="XX99")
    assert (unknown.status_code, unknown.json()["fields"]) == (
        400, {"indicator": ["Not an indicator of this framework."]})
    json_body = hz[1].post(url(draft), {"indicator": "RS05"}, format="json")
    assert json_body.status_code == 415
    assert not Evidence.objects.exists()


def test_a_locked_submission_takes_no_file_and_keeps_its_files(hz, draft, officer):
    evidence = evidence_add(submission=draft, indicator_code="RS05", upload=pdf_upload(), actor=officer)
    Submission.objects.filter(pk=draft.pk).update(status=Submission.Status.SUBMITTED)
    response = upload(hz[1], draft, indicator="RS08")
    assert (response.status_code, response.json()["code"]) == (409, "locked")
    assert response.json()["message"]
    removal = hz[1].delete(url(draft, evidence.pk))
    assert (removal.status_code, removal.json()["code"]) == (409, "locked")
    assert list(Evidence.objects.all()) == [evidence]


def test_who_sees_the_submission_but_may_not_enter_values_gets_403(draft, regions, officer):
    evidence = evidence_add(submission=draft, indicator_code="RS05", upload=pdf_upload(), actor=officer)
    coordinator = client_for(user_with_token("zj-coordinator", "province_coordinator", regions["zhejiang"])[2])
    assert coordinator.get(url(draft)).json()["count"] == 1
    refused = upload(coordinator, draft, indicator="RS08")
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert coordinator.delete(url(draft, evidence.pk)).status_code == 403
    assert Evidence.objects.count() == 1


def test_another_province_gets_404_everywhere(draft, regions, officer):
    evidence = evidence_add(submission=draft, indicator_code="RS05", upload=pdf_upload(), actor=officer)
    js = client_for(user_with_token("js-aggregator", "province_analyst", regions["jiangsu"])[2])
    for response in (js.get(url(draft)), upload(js, draft, indicator="RS08"),
                     js.get(url(draft, evidence.pk, "download")), js.delete(url(draft, evidence.pk))):
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert Evidence.objects.count() == 1


def test_a_file_is_only_reached_through_its_own_submission(zj, draft, regions, cycle, officer):
    evidence = evidence_add(submission=draft, indicator_code="RS05", upload=pdf_upload(), actor=officer)
    ningbo = Submission.objects.create(region=regions["ningbo"], cycle=draft.cycle)
    assert zj.get(url(ningbo, evidence.pk, "download")).status_code == 404
    assert zj.delete(url(ningbo, evidence.pk)).status_code == 404
    assert zj.get(url(draft, evidence.pk + 1000, "download")).status_code == 404


def test_it_downloads_the_file_with_its_name_and_safe_headers(zj, draft, officer):
    evidence = evidence_add(submission=draft, indicator_code="RS05", upload=pdf_upload("免提交 统计.pdf"),
                            actor=officer)
    for accept in ("*/*", "application/pdf", "application/json"):
        response = zj.get(url(draft, evidence.pk, "download"), HTTP_ACCEPT=accept)
        assert response.status_code == 200, accept
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('免提交 统计.pdf')}"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"


def test_a_file_missing_from_storage_is_a_404_not_a_500(zj, draft, officer):
    evidence = evidence_add(submission=draft, indicator_code="RS05", upload=pdf_upload(), actor=officer)
    evidence.file.storage.delete(evidence.file.name)
    response = zj.get(url(draft, evidence.pk, "download"))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_it_removes_a_file_audited_and_from_storage(hz, draft, officer, django_capture_on_commit_callbacks):
    evidence = evidence_add(submission=draft, indicator_code="RS05", upload=pdf_upload(), actor=officer)
    stored, storage = evidence.file.name, evidence.file.storage
    with django_capture_on_commit_callbacks(execute=True):
        response = hz[1].delete(url(draft, evidence.pk))
    assert response.status_code == 204
    assert not Evidence.objects.exists()
    assert not storage.exists(stored)
    event = AuditEvent.objects.get(action="evidence_removed")
    assert (event.actor, event.subject, event.old["file"]) == (hz[0], "RS05", "证明材料.pdf")
    assert hz[1].delete(url(draft, evidence.pk)).status_code == 404


def test_without_a_token_it_is_401(draft):
    assert client_for().get(url(draft)).status_code == 401


def test_submit_is_refused_until_the_required_evidence_is_uploaded(hz, draft):
    fill(draft)
    with_required_evidence(draft)
    draft.evidence.filter(indicator__code__in=["RS08", "PS08"]).delete()
    client = hz[1]

    def submit():
        draft.refresh_from_db()
        return client.post(f"/api/v1/submissions/{draft.pk}/submit/", {"version": draft.version}, format="json")

    refused = submit()
    assert (refused.status_code, refused.json()["code"]) == (409, "workflow_refused")
    assert ("Evidence required but no file attached: RS08 Public data authorised-operation mechanism; PS08 "
            "Satisfaction with open public data.") in refused.json()["message"]
    assert upload(client, draft, indicator="RS08").status_code == 201
    assert upload(client, draft, content=PDF + b"% PS08\n", indicator="PS08").status_code == 201
    explain_warnings(draft, hz[0])
    assert submit().json()["status"] == "submitted"

