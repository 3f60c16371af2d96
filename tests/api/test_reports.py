"""PDF reports over the API: request, poll, download; scoped like everything else."""

import pytest
from django.core.files.base import ContentFile

from reports.models import Report
from tests.api.clients import client_for, user_with_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def request_report(client, region="330100", cycle=2025):
    return client.post("/api/v1/reports/", {"cycle": cycle, "region": region, "language": "en"}, format="json")


def test_it_queues_a_report_and_the_same_request_returns_it(zj, scored, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = request_report(zj)
    assert response.status_code == 202
    assert len(queued) == 1
    body = response.json()
    assert {k: body[k] for k in ("kind", "region", "cycle", "language", "status", "progress", "download")} == {
        "kind": "city", "region": {"code": "330100", "name_zh": "杭州市", "name_en": "Hangzhou"}, "cycle": 2025,
        "language": "en", "status": "queued", "progress": 0, "download": None}
    assert request_report(zj).json()["id"] == body["id"]
    assert zj.get(f"/api/v1/reports/{body['id']}/").json()["status"] == "queued"
    assert [r["id"] for r in zj.get("/api/v1/reports/").json()["results"]] == [body["id"]]


def test_it_downloads_a_built_report_and_says_when_it_is_not_ready(zj, scored):
    report_id = request_report(zj).json()["id"]
    response = zj.get(f"/api/v1/reports/{report_id}/download/")
    assert (response.status_code, response.json()["code"]) == (409, "not_ready")
    report = Report.objects.get(pk=report_id)
    report.file.save("r.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    report.status, report.progress = Report.Status.SUCCEEDED, 100
    report.save()
    assert zj.get(f"/api/v1/reports/{report_id}/").json()["download"] == f"/api/v1/reports/{report_id}/download/"
    response = zj.get(f"/api/v1/reports/{report_id}/download/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.7 test"


def test_reports_of_another_province_are_neither_requested_nor_seen(zj, scored, regions):
    assert request_report(zj, region="320100").status_code == 404
    jiangsu = client_for(user_with_token("js-aggregator", "province_analyst", regions["jiangsu"])[2])
    report_id = request_report(zj).json()["id"]
    assert jiangsu.get(f"/api/v1/reports/{report_id}/").status_code == 404
    assert jiangsu.get(f"/api/v1/reports/{report_id}/download/").status_code == 404


def test_a_city_officer_may_not_request_the_province_summary(officer_client, scored):
    response = request_report(officer_client, region="330000")
    assert response.status_code == 404  # the province is not one of the officer's regions


def test_a_cycle_without_results_is_refused_with_the_reason(zj, framework, regions):
    from assessments.models import Cycle

    Cycle.objects.create(framework=framework, period=2026, opens="2026-01-01", closes="2026-12-31")
    response = request_report(zj, cycle=2026)
    assert (response.status_code, response.json()["code"]) == (409, "report_refused")


@pytest.mark.parametrize(("body", "fields"), [
    ({"cycle": "2025", "region": "330100"}, ["cycle"]),
    ({"cycle": 2025, "region": 330100}, ["region"]),
    ({"cycle": 2025, "region": "330100 "}, ["region"]),
    ({"cycle": 2025, "region": "330100", "format": "pdf"}, ["format"]),
])
def test_the_body_is_read_strictly_and_nothing_is_requested(zj, scored, body, fields):
    response = zj.post("/api/v1/reports/", body, format="json")
    assert (response.status_code, response.json()["code"], list(response.json()["fields"])) == (400, "invalid",
                                                                                                  fields)
    assert not Report.objects.exists()
