import pytest

pytestmark = pytest.mark.django_db


def test_it_lists_cycles_with_their_published_run(zj, scored):
    body = zj.get("/api/v1/cycles/").json()
    assert body["count"] == 2
    assert body["results"][0] == {
        "id": scored.pk, "period": 2025, "framework": "smartgov-maturity", "framework_version": 1,
        "opens": "2025-09-01", "closes": "2025-11-30", "status": "closed", "status_label": "Closed",
        "entry_open": False, "current_run": scored.current_run_id,
        "published_at": body["results"][0]["published_at"]}
    assert body["results"][0]["published_at"].startswith(scored.current_run.finished_at.astimezone().strftime("%Y"))


def test_it_filters_cycles_by_period_and_framework(zj, scored):
    assert [c["period"] for c in zj.get("/api/v1/cycles/?period=2024").json()["results"]] == [2024]
    assert zj.get("/api/v1/cycles/?framework=un-egdi").json()["count"] == 0
    assert [c["period"] for c in zj.get("/api/v1/cycles/?ordering=period").json()["results"]] == [2024, 2025]
