import pytest

from tests.api.clients import client_for, user_with_token
from tests.factories import submission_of

pytestmark = pytest.mark.django_db


def test_it_lists_the_submissions_of_the_aggregators_province_only(zj, scored):
    body = zj.get("/api/v1/submissions/?cycle=2025").json()
    assert body["count"] == 6
    assert {s["province"]["code"] for s in body["results"]} == {"330000"}
    hangzhou = submission_of(scored, "330100")
    assert body["results"][0] == {
        "id": hangzhou.pk, "region": {"code": "330100", "name_zh": "杭州市", "name_en": "Hangzhou"},
        "province": {"code": "330000", "name_zh": "浙江省", "name_en": "Zhejiang"}, "cycle": 2025,
        "framework": "smartgov-maturity", "status": "approved", "status_label": "Approved", "version": 1,
        "filled": 33, "expected": 33, "actions": [], "created_at": body["results"][0]["created_at"],
        "updated_at": body["results"][0]["updated_at"]}


def test_it_filters_by_cycle_status_province_and_region(zj, admin_client, scored, submission):
    assert admin_client.get("/api/v1/submissions/?province=320000&cycle=2025").json()["count"] == 4
    assert zj.get("/api/v1/submissions/?province=320000").json()["count"] == 0
    assert [s["id"] for s in zj.get("/api/v1/submissions/?status=draft").json()["results"]] == [submission.pk]
    assert [s["cycle"] for s in zj.get("/api/v1/submissions/?region=330100&ordering=cycle").json()["results"]] == [
        2024, 2025, 2026]


def test_it_does_not_reveal_a_submission_of_another_province(zj, scored):
    nanjing = submission_of(scored, "320100")
    for url in (f"/api/v1/submissions/{nanjing.pk}/", f"/api/v1/submissions/{nanjing.pk}/values/"):
        response = zj.get(url)
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_it_lists_the_actions_the_caller_may_take(submission, regions):
    from tests.factories import fill

    fill(submission)
    officer = client_for(user_with_token("officer2", "city_officer", regions["hangzhou"])[2])
    assert officer.get(f"/api/v1/submissions/{submission.pk}/").json()["actions"] == ["submit"]
    assert officer.get("/api/v1/submissions/99999999/").status_code == 404


def test_the_four_eyes_rule_is_read_once_for_a_page_of_signed_off_submissions(zj, scored):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessments.models import Submission

    def queries(signed_off):
        Submission.objects.filter(cycle=scored).update(status="approved")
        mine = Submission.objects.filter(cycle=scored, region__province__code="330000").order_by("pk")
        Submission.objects.filter(pk__in=list(mine.values_list("pk", flat=True)[:signed_off])).update(
            status="signed_off")
        with CaptureQueriesContext(connection) as captured:
            body = zj.get("/api/v1/submissions/?cycle=2025").json()
        assert sum("approve" in s["actions"] for s in body["results"]) == signed_off
        return len(captured)

    queries(1)  # the first request of the token also records its use
    assert queries(1) == queries(6)
