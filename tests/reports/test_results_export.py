"""The Excel export of results holds only the regions its reader may see, in the reader's language."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from assessments.services import cycle_scores_compute, cycle_scores_request
from tests.factories import approved_cycle, many_cities, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(framework, regions):
    cities = many_cities(4, regions["zhejiang"]) + many_cities(3, regions["jiangsu"])
    cycle = approved_cycle(framework, cities, 2026)
    cycle_scores_compute(run_id=cycle_scores_request(cycle=cycle, enqueue=False).pk)
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
    codes = [row[0].value for row in overview.iter_rows(min_row=2) if row[0].value and str(row[0].value).isdigit()]
    assert sorted(codes) == ["330100", "330200", "330300", "330400"]
    assert "filename*=UTF-8''" in response["Content-Disposition"]


def test_it_has_a_sheet_per_dimension_with_chinese_headers(client, scored, admin_user):
    book, _response = _book(client, admin_user, cycle=scored.pk)
    assert [s.title for s in book.worksheets] == [
        "总览", "RS 资源共享度", "MP 管理精准度", "SC 服务便捷度", "PS 公众满意度"]
    assert [c.value for c in book.worksheets[0][1]][:5] == ["代码", "地区", "省份", "综合指数", "成熟度等级"]
    rs = book.worksheets[1]
    assert rs["C1"].value == "资源共享度"
    assert rs["D1"].value.startswith("RS01 ")
    assert rs.max_row == 8


def test_it_speaks_english_to_english_readers(client, scored, admin_user):
    client.cookies["django_language"] = "en"
    book, _response = _book(client, admin_user)
    assert book.worksheets[0]["D1"].value == "Index"
    assert book.worksheets[1].title == "RS Resource sharing"


def test_a_city_reader_gets_only_its_city(client, scored, regions):
    city = regions["hangzhou"]
    book, _response = _book(client, _user("city_officer", city))
    codes = [row[0].value for row in book.worksheets[0].iter_rows(min_row=2) if row[0].value]
    assert codes == ["330100"]
