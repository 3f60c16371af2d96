"""The Excel export of results holds only the regions its reader may see, in the reader's language, and says on
every sheet which results they are: provisional, or the published version asked for."""

from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from assessments.services import cycle_scores_compute, cycle_scores_request
from tests.factories import approved_cycle, many_cities, published, user_with_role
from tests.publishing import corrected, late_participant, ranks_need

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(framework, regions):
    cities = many_cities(4, regions["zhejiang"]) + many_cities(3, regions["jiangsu"])
    cycle = approved_cycle(framework, cities, 2026)
    cycle_scores_compute(run_id=cycle_scores_request(cycle=cycle, enqueue=False).pk)
    cycle.refresh_from_db()
    return cycle


def _user(role, region):
    return user_with_role(f"{role}-{region.code if region else 'all'}", role, region)


def _book(client, user, **params):
    client.force_login(user)
    response = client.get("/exports/results.xlsx", params)
    assert response.status_code == 200
    return load_workbook(BytesIO(response.content)), response


def test_it_holds_only_the_province_of_its_reader(client, scored, regions):
    book, response = _book(client, _user("province_analyst", regions["zhejiang"]))
    overview = book.worksheets[0]
    codes = [row[0].value for row in overview.iter_rows(min_row=3) if row[0].value and str(row[0].value).isdigit()]
    assert sorted(codes) == ["330100", "330200", "330300", "330400"]
    assert "filename*=UTF-8''" in response["Content-Disposition"]


def test_it_has_a_sheet_per_dimension_with_chinese_headers(client, scored, admin_user):
    book, _response = _book(client, admin_user, cycle=scored.pk)
    assert [s.title for s in book.worksheets] == [
        "总览", "RS 资源共享度", "MP 管理精准度", "SC 服务便捷度", "PS 公众满意度"]
    assert [c.value for c in book.worksheets[0][2]][:5] == ["代码", "地区", "省份", "综合指数", "成熟度等级"]
    rs = book.worksheets[1]
    assert rs["C2"].value == "资源共享度"
    assert rs["D2"].value.startswith("RS01 ")
    assert rs.max_row == 9


def test_it_speaks_english_to_english_readers(client, scored, admin_user):
    client.cookies["django_language"] = "en"
    book, _response = _book(client, admin_user)
    assert book.worksheets[0]["D2"].value == "Index"
    assert book.worksheets[1].title == "RS Resource sharing"


def test_a_city_reader_gets_only_its_city(client, scored, regions):
    city = regions["hangzhou"]
    book, _response = _book(client, _user("city_officer", city))
    codes = [row[0].value for row in book.worksheets[0].iter_rows(min_row=3) if row[0].value]
    assert codes == ["330100"]


def test_every_sheet_says_the_results_are_provisional_until_published(client, scored, admin_user):
    client.cookies["django_language"] = "en"
    book, response = _book(client, admin_user)
    for sheet in book.worksheets:
        assert sheet["A1"].value.startswith("Provisional results (not published) · 7 of 7 participants approved")
    assert book.properties.title.startswith("Provisional results")
    assert 'filename="results-2026-provisional.xlsx"' in response["Content-Disposition"]
    assert book.worksheets[0]["F2"].value == "Rank"


def test_a_published_version_is_named_and_an_earlier_one_can_be_asked_for(client, scored, admin_user):
    published(scored)
    corrected(scored)
    revision = published(scored, reason="Ningbo corrected")
    client.cookies["django_language"] = "en"
    book, response = _book(client, admin_user, cycle=scored.pk)
    date = timezone.localtime(revision.published_at).strftime("%Y-%m-%d")
    assert book.worksheets[0]["A1"].value.startswith(f"Published version 2 on {date} · 7 of 7 participants")
    assert "Ningbo corrected" in book.worksheets[0]["A1"].value
    assert 'filename="results-2026-v2.xlsx"' in response["Content-Disposition"]
    book, _response = _book(client, admin_user, cycle=scored.pk, version=1)
    assert book.worksheets[1]["A1"].value.startswith("Published version 1 on")
    assert client.get("/exports/results.xlsx", {"cycle": scored.pk, "version": 3}).status_code == 404


def test_below_the_minimum_participation_the_ranks_are_left_out(client, scored, admin_user, regions):
    late_participant(scored, regions["zhejiang"])
    ranks_need(scored, 1.0)
    client.cookies["django_language"] = "en"
    book, _response = _book(client, admin_user)
    overview = book.worksheets[0]
    assert "Ranks are not shown, only scores: 88 %" in overview["A1"].value
    headers = [c.value for c in overview[2]]
    assert not [h for h in headers if h and "Rank" in h]
    assert headers[:5] == ["Code", "Region", "Province name", "Index", "Maturity level"]
    assert all(isinstance(row[3].value, float) for row in overview.iter_rows(min_row=3))
