import pytest

pytestmark = pytest.mark.django_db


def test_it_lists_the_province_and_its_cities_to_the_province_aggregator(zj, regions):
    response = zj.get("/api/v1/regions/")
    assert response.json() == {"count": 3, "next": None, "previous": None, "results": [
        {"code": "330000", "name_zh": "浙江省", "name_en": "Zhejiang", "level": "province",
         "level_label": "Province-level division", "parent": "CHN"},
        {"code": "330100", "name_zh": "杭州市", "name_en": "Hangzhou", "level": "prefecture",
         "level_label": "Prefecture-level division", "parent": "330000"},
        {"code": "330200", "name_zh": "宁波市", "name_en": "Ningbo", "level": "prefecture",
         "level_label": "Prefecture-level division", "parent": "330000"},
    ]}


def test_it_walks_the_tree_by_parent_and_level(zj, admin_client, regions):
    assert [r["code"] for r in zj.get("/api/v1/regions/?parent=330000").json()["results"]] == ["330100", "330200"]
    assert [r["code"] for r in zj.get("/api/v1/regions/?level=province").json()["results"]] == ["330000"]
    assert [r["code"] for r in admin_client.get("/api/v1/regions/?parent=CHN").json()["results"]] == [
        "320000", "330000"]
    assert zj.get("/api/v1/regions/?parent=320000").json()["count"] == 0


def test_it_does_not_reveal_a_region_of_another_province(zj, regions):
    assert zj.get("/api/v1/regions/330100/").json()["name_en"] == "Hangzhou"
    response = zj.get("/api/v1/regions/320100/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_it_shows_a_city_officer_their_city_only(officer_client, regions):
    assert [r["code"] for r in officer_client.get("/api/v1/regions/").json()["results"]] == ["330100"]


def test_it_pages_with_a_page_size_of_at_most_500(admin_client, regions):
    body = admin_client.get("/api/v1/regions/?page_size=2&page=2").json()
    assert body["count"] == 6
    assert len(body["results"]) == 2
    assert "page=3" in body["next"]
    assert admin_client.get("/api/v1/regions/?page_size=500").json()["count"] == 6
    assert admin_client.get("/api/v1/regions/?page_size=501").status_code == 400  # tests/api/test_query_parameters
    assert admin_client.get("/api/v1/regions/?page=99").json()["code"] == "not_found"
