"""Results, provisional or published: scoped rows, filters, ordering, CSV, conditional GET, a fixed number of
queries, versions, ranks below the minimum participation, comparison groups, former names."""

import csv
import datetime
import io

import pytest
from django.utils.http import http_date
from rest_framework.fields import DateTimeField

from assessments.models import Cycle, RegionName, RegionScore
from tests.api.clients import client_for, user_with_token
from tests.factories import approved_cycle, many_cities, published, score
from tests.publishing import corrected, late_participant, ranks_need

pytestmark = pytest.mark.django_db


def _when(publication):
    return DateTimeField().to_representation(publication.published_at)


def test_it_lists_one_row_per_city_of_the_aggregators_province(zj, scored):
    body = zj.get("/api/v1/results/?cycle=2025").json()
    assert body["count"] == 6
    assert {row["parent"] for row in body["results"]} == {"330000"}
    first = body["results"][0]
    stored = RegionScore.objects.get(run=scored.current_run, region__code=first["region"]["code"])
    labels = {b.level: b.label_en for b in scored.framework.bands.all()}
    assert first == {
        "region": {"code": stored.region.code, "name_zh": stored.region.name_zh, "name_en": stored.region.name_en},
        "parent": "330000", "cycle": 2025, "run": scored.current_run_id, "provisional": True, "publication": None,
        "participants": 10, "approved": 10, "ranks_shown": True, "index": stored.index,
        "level": stored.level, "level_label": labels[stored.level], "rank": stored.rank,
        "parent_rank": stored.parent_rank, "group_ranks": {}, "change": stored.change, "complete": True,
        "coverage": 1.0,
        "rank_interval": {"low": stored.rank_low, "median": stored.rank_median, "high": stored.rank_high},
        "dimensions": {d.dimension.code: {"score": d.score, "rank": d.rank}
                       for d in stored.run.dimension_scores.filter(region=stored.region)
                       .select_related("dimension").order_by("dimension__order")}}
    assert first["rank"] == min(row["rank"] for row in body["results"])
    assert list(first["dimensions"]) == ["RS", "MP", "SC", "PS"]


def test_it_filters_and_orders(zj, admin_client, scored):
    rows = admin_client.get("/api/v1/results/?ordering=-index&page_size=500").json()["results"]
    assert len(rows) == 10
    assert [r["index"] for r in rows] == sorted((r["index"] for r in rows), reverse=True)
    assert {r["parent"] for r in admin_client.get("/api/v1/results/?province=320000").json()["results"]} == {
        "320000"}
    assert zj.get("/api/v1/results/?province=320000").json()["count"] == 0
    level = rows[0]["level"]
    assert {r["level"] for r in admin_client.get(f"/api/v1/results/?level={level}").json()["results"]} == {level}
    changes = [r["change"] for r in admin_client.get("/api/v1/results/?ordering=change").json()["results"]]
    assert changes == sorted(changes)
    assert zj.get("/api/v1/results/?cycle=2024").json()["results"][0]["cycle"] == 2024


def test_the_latest_published_cycle_is_the_default_and_an_unpublished_one_is_a_404(zj, scored, framework):
    assert zj.get("/api/v1/results/").json()["results"][0]["cycle"] == 2025
    from assessments.models import Cycle

    Cycle.objects.create(framework=framework, period=2026, opens="2026-01-01", closes="2026-12-31")
    assert zj.get("/api/v1/results/").json()["results"][0]["cycle"] == 2025
    assert zj.get("/api/v1/results/?cycle=2026").json() == {
        "code": "not_published", "message": "The 2026 cycle has no published results yet.", "fields": {}}
    assert zj.get("/api/v1/results/?cycle=2030").json()["message"] == "There is no cycle of 2030."


def test_it_answers_304_while_the_published_run_is_the_same(zj, scored, zj_cities, js_cities):
    first = zj.get("/api/v1/results/?cycle=2025")
    etag, modified = first["ETag"], first["Last-Modified"]
    assert modified == http_date(int(scored.current_run.finished_at.timestamp()))
    again = zj.get("/api/v1/results/?cycle=2025", HTTP_IF_NONE_MATCH=etag)
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    assert zj.get("/api/v1/results/?cycle=2025", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert zj.get("/api/v1/results/?cycle=2025&page_size=2", HTTP_IF_NONE_MATCH=etag).status_code == 200
    score(scored)
    fresh = zj.get("/api/v1/results/?cycle=2025", HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200
    assert fresh["ETag"] != etag
    assert zj.get("/api/v1/results/?cycle=2025", HTTP_IF_MODIFIED_SINCE=modified).status_code in (200, 304)


def test_another_callers_scope_has_another_etag(zj, admin_client, scored):
    assert zj.get("/api/v1/results/")["ETag"] != admin_client.get("/api/v1/results/")["ETag"]


def test_it_exports_every_row_as_csv_that_excel_reads(zj, scored):
    response = zj.get("/api/v1/results/?cycle=2025&format=csv&page_size=2")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="results.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 6
    assert rows[0]["region.name_zh"] == "杭州市"
    assert rows[0]["dimensions.RS.score"]
    assert rows[0]["rank_interval.low"]


def test_an_error_asked_for_as_csv_is_still_json(zj, scored):
    response = zj.get("/api/v1/results/?cycle=1999&format=csv")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "cycle": ["Ensure this value is greater than or equal to 2000."]}


def test_it_reads_one_region_with_its_indicators(zj, scored):
    body = zj.get("/api/v1/results/330100/?cycle=2025").json()
    assert body["region"]["code"] == "330100"
    assert len(body["indicators"]) == 33
    assert body["indicators"][0] == {**body["indicators"][0], "indicator": "RS01", "dimension": "RS"}
    assert set(body["indicators"][0]) == {"indicator", "dimension", "name_zh", "name_en", "value", "score",
                                          "weight", "contribution", "gap"}
    assert zj.get("/api/v1/results/320100/").status_code == 404


def test_the_aggregator_of_another_province_sees_only_its_own(scored, regions):
    jiangsu = client_for(user_with_token("js-aggregator", "province_analyst", regions["jiangsu"])[2])
    assert {r["parent"] for r in jiangsu.get("/api/v1/results/").json()["results"]} == {"320000"}
    assert jiangsu.get("/api/v1/results/330100/").status_code == 404


def test_the_number_of_queries_does_not_grow_with_the_page_size(framework, regions, django_assert_num_queries):
    cities = many_cities(60, regions["zhejiang"])
    score(approved_cycle(framework, cities, 2025, seed=5))
    client = client_for(user_with_token("zj-big", "province_analyst", regions["zhejiang"])[2])
    # Records the token's last use (written at most once a minute) and loads the band labels (kept in memory).
    client.get("/api/v1/results/?page_size=1")
    counts = {}
    for size in (5, 50):
        # token, roles, cycle, its publications and participation (`cycle_results`), count, page, former names
        # and dimension scores of the page (band labels are kept in memory)
        with django_assert_num_queries(9) as captured:
            body = client.get(f"/api/v1/results/?page_size={size}").json()
        assert len(body["results"]) == size
        counts[size] = len(captured.captured_queries)
    assert counts[5] == counts[50]
    for size in (5, 50):  # token, roles, count, page (with the filled counts as subqueries)
        with django_assert_num_queries(4):
            assert len(client.get(f"/api/v1/submissions/?page_size={size}").json()["results"]) == size


# ---- provisional and published --------------------------------------------------------------------------------

def test_every_row_says_its_results_are_provisional_until_published(zj, scored, regions):
    late_participant(scored, regions["zhejiang"])
    rows = zj.get("/api/v1/results/?cycle=2025").json()["results"]
    assert {(r["provisional"], r["publication"], r["participants"], r["approved"], r["ranks_shown"])
            for r in rows} == {(True, None, 11, 10, True)}
    publication = published(scored)
    rows = zj.get("/api/v1/results/?cycle=2025").json()["results"]
    assert {r["provisional"] for r in rows} == {False}
    assert rows[0]["publication"] == {"version": 1, "published_at": _when(publication), "reason": ""}
    assert (rows[0]["participants"], rows[0]["approved"], rows[0]["run"]) == (11, 10, publication.run_id)
    detail = zj.get("/api/v1/results/330100/?cycle=2025").json()
    assert (detail["provisional"], detail["publication"]["version"]) == (False, 1)


def test_a_cycle_published_then_reopened_serves_the_published_run_and_an_earlier_version_on_request(zj, scored):
    first = published(scored)
    old = {r["region"]["code"]: r["index"] for r in zj.get("/api/v1/results/?cycle=2025").json()["results"]}
    etag = zj.get("/api/v1/results/?cycle=2025")["ETag"]
    newer = corrected(scored, "330200")  # the newer computation: not served until published
    body = zj.get("/api/v1/results/?cycle=2025", HTTP_IF_NONE_MATCH=etag)
    assert body.status_code == 304
    rows = zj.get("/api/v1/results/?cycle=2025").json()["results"]
    assert {r["run"] for r in rows} == {first.run_id}
    assert {r["region"]["code"]: r["index"] for r in rows} == old

    revision = published(scored, reason="宁波市 RS 数据更正")
    response = zj.get("/api/v1/results/?cycle=2025", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {r["run"] for r in rows} == {newer.pk}
    assert rows[0]["publication"] == {"version": 2, "published_at": _when(revision), "reason": "宁波市 RS 数据更正"}
    ningbo = next(r for r in rows if r["region"]["code"] == "330200")
    assert ningbo["index"] < old["330200"]
    earlier = zj.get("/api/v1/results/?cycle=2025&version=1")
    assert earlier["ETag"] != response["ETag"]
    assert {r["region"]["code"]: r["index"] for r in earlier.json()["results"]} == old
    assert earlier.json()["results"][0]["publication"]["version"] == 1
    assert zj.get("/api/v1/results/330200/?cycle=2025&version=1").json()["index"] == old["330200"]
    assert zj.get("/api/v1/results/?cycle=2025&version=3").json() == {
        "code": "not_found", "message": f"The results of {scored} have no version 3.", "fields": {}}
    assert zj.get("/api/v1/results/?cycle=2025&version=0").status_code == 400


def test_publishing_the_same_run_changes_the_etag_and_the_last_modified_date(zj, scored):
    before = zj.get("/api/v1/results/?cycle=2025")
    publication = published(scored)
    after = zj.get("/api/v1/results/?cycle=2025", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["Last-Modified"] == http_date(int(publication.published_at.timestamp()))
    assert zj.get("/api/v1/aggregates/?cycle=2025", HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200


def test_below_the_minimum_participation_every_rank_is_null(zj, scored, regions):
    late_participant(scored, regions["zhejiang"])
    ranks_need(scored, 0.95)  # 10 of 11 approved
    rows = zj.get("/api/v1/results/?cycle=2025&page_size=100").json()["results"]
    assert [r["region"]["code"] for r in rows] == sorted(r["region"]["code"] for r in rows)
    for row in rows:
        assert (row["ranks_shown"], row["rank"], row["parent_rank"]) == (False, None, None)
        assert row["rank_interval"] == {"low": None, "median": None, "high": None}
        assert {d["rank"] for d in row["dimensions"].values()} == {None}
        assert row["index"] is not None
    assert zj.get("/api/v1/results/330100/?cycle=2025").json()["rank"] is None
    ranks_need(scored, 0.9)
    assert zj.get("/api/v1/results/330100/?cycle=2025").json()["rank"] is not None


def test_each_result_carries_its_ranks_in_the_comparison_groups(zj, scored, regions):
    RegionScore.objects.filter(run_id=scored.current_run_id, region=regions["ningbo"]).update(
        group_ranks={"fu-sheng-ji": 1, "ji-hua-dan-lie": 1})
    RegionScore.objects.filter(run_id=scored.current_run_id, region=regions["hangzhou"]).update(
        group_ranks={"fu-sheng-ji": 2})
    rows = {r["region"]["code"]: r for r in zj.get("/api/v1/results/?cycle=2025").json()["results"]}
    assert rows["330200"]["group_ranks"] == {"fu-sheng-ji": 1, "ji-hua-dan-lie": 1}
    assert rows["330100"]["group_ranks"] == {"fu-sheng-ji": 2}
    assert rows["330300"]["group_ranks"] == {}
    csv_rows = list(csv.DictReader(io.StringIO(zj.get("/api/v1/results/?cycle=2025&format=csv")
                                               .content.decode("utf-8-sig"))))
    assert {r["group_ranks.fu-sheng-ji"] for r in csv_rows if r["region.code"] == "330200"} == {"1"}
    assert {r["provisional"] for r in csv_rows} == {"True"}


def test_a_region_renamed_since_keeps_the_name_it_was_assessed_under(zj, scored, regions):
    RegionName.objects.create(region=regions["hangzhou"], name_zh="旧杭州市", name_en="Old Hangzhou",
                              valid_until=datetime.date(2026, 1, 1))
    row = next(r for r in zj.get("/api/v1/results/?cycle=2025").json()["results"]
               if r["region"]["code"] == "330100")
    assert row["region"] == {"code": "330100", "name_zh": "旧杭州市", "name_en": "Old Hangzhou"}
    assert zj.get("/api/v1/results/330100/?cycle=2025").json()["region"]["name_zh"] == "旧杭州市"
    assert zj.get("/api/v1/results/330100/?cycle=2024").json()["region"]["name_zh"] == "旧杭州市"
    Cycle.objects.filter(pk=scored.pk).update(closes=datetime.date(2026, 3, 1))  # assessed after the renaming
    assert zj.get("/api/v1/results/330100/?cycle=2025").json()["region"]["name_zh"] == "杭州市"


def test_without_a_cycle_the_latest_published_one_is_preferred_to_a_later_provisional_one(zj, scored):
    earlier = Cycle.objects.get(period=2024)
    assert zj.get("/api/v1/results/").json()["results"][0]["cycle"] == 2025  # none published: the latest
    published(earlier)
    first = zj.get("/api/v1/results/").json()["results"][0]
    assert (first["cycle"], first["provisional"]) == (2024, False)
    assert zj.get("/api/v1/results/?cycle=2025").json()["results"][0]["provisional"] is True
    published(scored)
    assert zj.get("/api/v1/results/").json()["results"][0]["cycle"] == 2025


def test_each_resource_and_representation_has_its_own_etag(zj, scored):
    """`results/`, `results/{region}/`, `aggregates/` and a CSV of the same run never share an ETag: the copy of
    one is never taken for another's."""
    answers = {url: zj.get(url) for url in ("/api/v1/results/", "/api/v1/results/330100/", "/api/v1/aggregates/",
                                            "/api/v1/results/?format=csv", "/api/v1/aggregates/?format=csv")}
    etags = {url: response["ETag"] for url, response in answers.items()}
    assert len(set(etags.values())) == len(etags), etags
    assert zj.get("/api/v1/results/330100/", HTTP_IF_NONE_MATCH=etags["/api/v1/results/"]).status_code == 200
    assert zj.get("/api/v1/aggregates/", HTTP_IF_NONE_MATCH=etags["/api/v1/results/"]).status_code == 200
    assert zj.get("/api/v1/results/", HTTP_IF_NONE_MATCH=etags["/api/v1/results/?format=csv"]).status_code == 200
    assert zj.get("/api/v1/results/", HTTP_ACCEPT="text/csv")["ETag"] != etags["/api/v1/results/"]
