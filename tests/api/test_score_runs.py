import pytest

from assessments.models import RoleAssignment, ScoreRun, Submission
from tests.api.clients import client_for, user_with_token
from tests.factories import approved_cycle, many_cities, score, scored_cycle

pytestmark = pytest.mark.django_db


def test_it_lists_runs_with_status_progress_and_which_is_current(zj, scored):
    body = zj.get("/api/v1/score-runs/?cycle=2025").json()
    run = scored.current_run
    assert body["results"] == [{
        "id": run.pk, "cycle": 2025, "framework": "smartgov-maturity", "status": "succeeded",
        "status_label": "Succeeded", "progress": 100, "stage": "", "reason": "", "regions": 10, "error": "",
        "current": True, "requested_at": body["results"][0]["requested_at"],
        "warnings": [{"code": "ceiling", "subject": "RS08", "facts": {"share": 0.6, "count": 6, "n": 10}}],
        "started_at": body["results"][0]["started_at"], "finished_at": body["results"][0]["finished_at"]}]
    assert zj.get(f"/api/v1/score-runs/{run.pk}/").json()["progress"] == 100


@pytest.fixture
def zhejiang_only(framework, zj_cities):
    """A cycle of 2026 whose every participant lies in 浙江, scored."""
    return scored_cycle(framework, zj_cities, 2026, seed=5)


def test_a_province_analyst_starts_a_run_of_a_cycle_of_their_province_and_a_second_request_joins_it(
        zj, zhejiang_only, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = zj.post("/api/v1/score-runs/", {"cycle": 2026, "reason": "省级复核"}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["reason"], body["current"]) == ("queued", "省级复核", False)
    assert len(queued) == 1
    again = zj.post("/api/v1/score-runs/", {"cycle": 2026}, format="json").json()
    assert again["id"] == body["id"]
    assert ScoreRun.objects.filter(status="queued").count() == 1


def test_an_aggregator_cannot_start_a_run_of_a_cycle_outside_its_scope(zj, scored, zhejiang_only, regions):
    """2025 has participants in 江苏 too; 2026 has none in 江苏, so 江苏's aggregator may not start it either."""
    response = zj.post("/api/v1/score-runs/", {"cycle": 2025}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert "every participant" in response.json()["message"]
    jiangsu = client_for(user_with_token("js-aggregator", "province_analyst", regions["jiangsu"])[2])
    assert jiangsu.post("/api/v1/score-runs/", {"cycle": 2026}, format="json").status_code == 403
    assert not ScoreRun.objects.filter(status="queued").exists()


def test_the_platform_administrator_starts_a_run_of_any_cycle(admin_client, scored):
    response = admin_client.post("/api/v1/score-runs/", {"cycle": 2025}, format="json")
    assert response.status_code == 202


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


def test_the_list_holds_only_cycles_with_a_participant_in_the_callers_regions_and_hides_other_provinces_reasons(
        zj, scored, zhejiang_only, js_cities, framework):
    """2024 and 2025 have participants in 江苏 and 浙江, 2026 only in 浙江; a 2027 cycle only in 江苏."""
    jiangsu_only = scored_cycle(framework, js_cities, 2027, seed=6)
    ScoreRun.objects.filter(cycle=scored).update(reason="approve 320100")
    ScoreRun.objects.filter(cycle=zhejiang_only).update(reason="approve 330100")
    ScoreRun.objects.filter(cycle=jiangsu_only).update(reason="approve 320200")

    listed = {run["cycle"]: run["reason"] for run in zj.get("/api/v1/score-runs/").json()["results"]}
    assert listed == {2026: "approve 330100", 2025: "", 2024: ""}
    assert zj.get(f"/api/v1/score-runs/{jiangsu_only.current_run_id}/").status_code == 404
    assert zj.get(f"/api/v1/score-runs/{scored.current_run_id}/").json()["reason"] == ""


def test_the_platform_administrator_sees_every_run_with_its_reason(admin_client, scored):
    ScoreRun.objects.filter(cycle=scored).update(reason="approve 320100")
    runs = admin_client.get("/api/v1/score-runs/?cycle=2025").json()["results"]
    assert [run["reason"] for run in runs] == ["approve 320100"]


@pytest.mark.parametrize(("body", "fields"), [
    ({"cycle": "2026"}, ["cycle"]),
    ({"cycle": 2026.0}, ["cycle"]),
    ({"cycle": True}, ["cycle"]),
    ({"cycle": 1999}, ["cycle"]),
    ({"cycle": 2026, "reason": 5}, ["reason"]),
    ({"cycle": 2026, "framework": " smartgov-maturity"}, ["framework"]),
    ({"cycle": 2026, "dry_run": True}, ["dry_run"]),
])
def test_the_body_is_read_strictly_and_nothing_is_queued(zj, zhejiang_only, body, fields):
    runs = ScoreRun.objects.count()
    response = zj.post("/api/v1/score-runs/", body, format="json")
    assert (response.status_code, response.json()["code"], list(response.json()["fields"])) == (400, "invalid",
                                                                                                  fields)
    assert ScoreRun.objects.count() == runs


def test_a_run_lists_the_warnings_of_its_audit(zj, framework, regions):
    cycle = approved_cycle(framework, [regions["hangzhou"]], 2027)
    run = score(cycle)
    body = zj.get(f"/api/v1/score-runs/{run.pk}/").json()
    assert body["warnings"] == run.warnings
    assert {"code": "single_region", "subject": "330100", "facts": {}} in body["warnings"]


def test_a_caller_outside_the_cycle_is_not_told_which_region_was_alone(regions, framework):
    """Only 杭州 is approved in a cycle where a city of 江苏 takes part too: 江苏's analyst sees the run, not who
    was alone in it."""
    [jiangsu_city] = many_cities(1, regions["jiangsu"])
    cycle = approved_cycle(framework, [regions["hangzhou"], jiangsu_city], 2027)
    cycle.submissions.filter(region=jiangsu_city).update(status=Submission.Status.RETURNED)
    run = score(cycle)
    outside = client_for(user_with_token("js-analyst", RoleAssignment.Role.PROVINCE_ANALYST, regions["jiangsu"])[2])
    [listed] = outside.get("/api/v1/score-runs/?cycle=2027").json()["results"]
    assert listed["id"] == run.pk
    assert {"code": "single_region", "subject": "", "facts": {}} in listed["warnings"]
