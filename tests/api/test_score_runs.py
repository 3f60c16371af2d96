import pytest

from assessments.models import ScoreRun

pytestmark = pytest.mark.django_db


def test_it_lists_runs_with_status_progress_and_which_is_current(zj, scored):
    body = zj.get("/api/v1/score-runs/?cycle=2025").json()
    run = scored.current_run
    assert body["results"] == [{
        "id": run.pk, "cycle": 2025, "framework": "smartgov-maturity", "status": "succeeded",
        "status_label": "Succeeded", "progress": 100, "stage": "", "reason": "", "regions": 10, "error": "",
        "current": True, "requested_at": body["results"][0]["requested_at"],
        "started_at": body["results"][0]["started_at"], "finished_at": body["results"][0]["finished_at"]}]
    assert zj.get(f"/api/v1/score-runs/{run.pk}/").json()["progress"] == 100


def test_a_province_analyst_starts_a_run_and_a_second_request_joins_it(zj, scored, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = zj.post("/api/v1/score-runs/", {"cycle": 2025, "reason": "省级复核"}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["reason"], body["current"]) == ("queued", "省级复核", False)
    assert len(queued) == 1
    again = zj.post("/api/v1/score-runs/", {"cycle": 2025}, format="json").json()
    assert again["id"] == body["id"]
    assert ScoreRun.objects.filter(status="queued").count() == 1


def test_a_city_officer_may_not_start_a_run(officer_client, scored):
    response = officer_client.post("/api/v1/score-runs/", {"cycle": 2025}, format="json")
    assert (response.status_code, response.json()["message"]) == (
        403, "Only provincial analysts and platform administrators may start a score run.")
    assert officer_client.get("/api/v1/score-runs/").status_code == 200


def test_an_unknown_cycle_is_a_404_and_a_bad_one_a_400(zj, scored):
    assert zj.post("/api/v1/score-runs/", {"cycle": 2031}, format="json").json() == {
        "code": "not_found", "message": "There is no cycle of 2031.", "fields": {}}
    assert zj.post("/api/v1/score-runs/", {"cycle": "soon"}, format="json").json()["fields"] == {
        "cycle": ["A valid integer is required."]}
