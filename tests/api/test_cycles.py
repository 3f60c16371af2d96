import pytest
from rest_framework.fields import DateTimeField

from assessments.models import ComparisonGroup, Cycle
from tests.factories import published, score

pytestmark = pytest.mark.django_db


def test_it_lists_cycles_with_their_latest_computation_provisional_until_published(zj, scored):
    body = zj.get("/api/v1/cycles/").json()
    assert body["count"] == 2
    assert body["results"][0] == {
        "id": scored.pk, "period": 2025, "framework": "smartgov-maturity", "framework_version": 1,
        "opens": "2025-09-01", "closes": "2025-11-30", "status": "closed", "status_label": "Closed",
        "entry_open": False, "min_participation": 0.0, "separation_of_duties": True,
        "current_run": scored.current_run_id, "provisional": True,
        "publication": None, "published_run": None, "published_at": None, "groups": []}


def test_a_published_cycle_names_its_latest_version_and_its_comparison_groups(zj, scored, regions):
    group = ComparisonGroup.objects.create(cycle=scored, code="fu-sheng-ji", name_zh="副省级城市",
                                           name_en="Sub-provincial cities")
    group.members.set([regions["ningbo"], regions["hangzhou"]])
    first = published(scored)
    newer = score(scored)
    revision = published(scored, reason="correction")
    score(scored)  # computed after the revision: the cycle's latest computation, still provisional
    row = zj.get("/api/v1/cycles/?period=2025").json()["results"][0]
    assert {k: row[k] for k in ("status", "provisional", "publication", "published_run", "published_at")} == {
        "status": "published", "provisional": False,
        "publication": {"version": 2, "published_at": _when(revision), "reason": "correction"},
        "published_run": newer.pk, "published_at": _when(revision)}
    assert row["current_run"] == Cycle.objects.get(pk=scored.pk).current_run_id != newer.pk
    assert row["groups"] == [{"code": "fu-sheng-ji", "name_zh": "副省级城市", "name_en": "Sub-provincial cities",
                              "members": ["330100", "330200"]}]
    assert first.version == 1


def test_it_lists_the_published_versions_of_a_cycle(zj, scored):
    assert zj.get("/api/v1/cycles/2025/publications/").json()["count"] == 0
    first = published(scored)
    revision = published(scored, reason="correction")
    body = zj.get("/api/v1/cycles/2025/publications/").json()
    assert [(p["version"], p["reason"]) for p in body["results"]] == [(2, "correction"), (1, "")]
    assert body["results"][1] == {
        "version": 1, "published_at": _when(first), "reason": "", "run": first.run_id, "participants": 10,
        "approved": 10, "inputs_fingerprint": first.inputs_fingerprint, "engine_version": first.engine_version}
    assert revision.version == 2
    assert zj.get("/api/v1/cycles/2025/publications/?framework=smartgov-maturity").json()["count"] == 2
    for wrong in ("2030", "1999", "999999999"):
        response = zj.get(f"/api/v1/cycles/{wrong}/publications/")
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), wrong
    assert zj.get("/api/v1/cycles/2025/publications/?framework=no-such").status_code == 404


def test_the_cycle_list_runs_the_same_number_of_queries_for_one_cycle_and_many(zj, scored, framework,
                                                                              django_assert_max_num_queries):
    published(scored)
    zj.get("/api/v1/cycles/")
    with django_assert_max_num_queries(8) as few:  # token, roles, count, page, publications, groups, members
        zj.get("/api/v1/cycles/")
    for period in range(2026, 2030):
        Cycle.objects.create(framework=framework, period=period, opens=f"{period}-01-01", closes=f"{period}-12-31")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert zj.get("/api/v1/cycles/").json()["count"] == 6


def test_it_filters_cycles_by_period_and_framework(zj, scored):
    assert [c["period"] for c in zj.get("/api/v1/cycles/?period=2024").json()["results"]] == [2024]
    assert zj.get("/api/v1/cycles/?framework=un-egdi").json()["count"] == 0
    assert [c["period"] for c in zj.get("/api/v1/cycles/?ordering=period").json()["results"]] == [2024, 2025]


def _when(publication):
    return DateTimeField().to_representation(publication.published_at)
