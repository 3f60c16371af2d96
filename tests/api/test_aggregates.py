import csv
import datetime
import io
import statistics

import pytest

from assessments.models import DimensionScore, RegionName, RegionScore
from tests.factories import published, score

pytestmark = pytest.mark.django_db


def test_it_describes_the_aggregators_province(zj, scored):
    body = zj.get("/api/v1/aggregates/?cycle=2025").json()
    assert body["count"] == 1
    row = body["results"][0]
    scores = list(RegionScore.objects.filter(run=scored.current_run, region__parent__code="330000"))
    index = [s.index for s in scores]
    assert row["index"] == pytest.approx({"count": 6, "mean": statistics.fmean(index),
                                          "median": statistics.median(index), "min": min(index), "max": max(index),
                                          "std": statistics.pstdev(index)})
    rs = list(DimensionScore.objects.filter(run=scored.current_run, region__parent__code="330000",
                                            dimension__code="RS").values_list("score", flat=True))
    assert row["dimensions"]["RS"]["mean"] == pytest.approx(statistics.fmean(rs))
    assert list(row["dimensions"]) == ["RS", "MP", "SC", "PS"]
    levels = {str(b.level): sum(s.level == b.level for s in scores) for b in scored.framework.bands.all()}
    assert {k: v for k, v in row.items() if k not in ("index", "dimensions")} == {
        "provisional": True, "publication": None, "participants": 10, "approved": 10,
        "province": {"code": "330000", "name_zh": "浙江省", "name_en": "Zhejiang"}, "cycle": 2025,
        "framework": "smartgov-maturity", "run": scored.current_run_id, "regions": 6, "levels": levels,
        "unrated": 0}


def test_a_platform_administrator_sees_every_province_and_filters_one(admin_client, scored):
    rows = admin_client.get("/api/v1/aggregates/").json()["results"]
    assert [(r["province"]["code"], r["regions"]) for r in rows] == [("320000", 4), ("330000", 6)]
    only = admin_client.get("/api/v1/aggregates/?province=320000").json()["results"]
    assert [r["province"]["code"] for r in only] == ["320000"]


def test_a_city_role_sees_no_province_statistics(officer_client, scored):
    assert officer_client.get("/api/v1/aggregates/").json()["count"] == 0


def test_it_exports_csv_and_answers_304(zj, scored):
    response = zj.get("/api/v1/aggregates/?format=csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["province.name_zh"] == "浙江省"
    assert rows[0]["index.count"] == "6"
    assert "dimensions.PS.std" in rows[0]
    etag = zj.get("/api/v1/aggregates/")["ETag"]
    assert zj.get("/api/v1/aggregates/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_statistics_say_which_results_they_describe(zj, scored):
    assert zj.get("/api/v1/aggregates/?cycle=2025").json()["results"][0]["provisional"] is True
    first = published(scored)
    row = zj.get("/api/v1/aggregates/?cycle=2025").json()["results"][0]
    assert (row["provisional"], row["publication"]["version"], row["run"]) == (False, 1, first.run_id)
    score(scored)  # a newer computation after a reopening: not described until published
    assert zj.get("/api/v1/aggregates/?cycle=2025").json()["results"][0]["run"] == first.run_id
    revision = published(scored, reason="correction")
    assert zj.get("/api/v1/aggregates/?cycle=2025").json()["results"][0]["run"] == revision.run_id
    row = zj.get("/api/v1/aggregates/?cycle=2025&version=1").json()["results"][0]
    assert (row["run"], row["publication"]["version"]) == (first.run_id, 1)
    assert zj.get("/api/v1/aggregates/?cycle=2025&version=7").status_code == 404


def test_a_province_renamed_since_keeps_its_name_of_then(admin_client, scored, regions):
    RegionName.objects.create(region=regions["jiangsu"], name_zh="旧江苏省", name_en="Old Jiangsu",
                              valid_until=datetime.date(2026, 1, 1))
    rows = admin_client.get("/api/v1/aggregates/?cycle=2025").json()["results"]
    assert [r["province"]["name_zh"] for r in rows] == ["旧江苏省", "浙江省"]
