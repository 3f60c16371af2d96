"""Issue 13, item 14: every list checks its whole query string. A bad `page` / `page_size`, a malformed filter
value, an unknown `ordering` field, an unknown parameter: 400 `invalid` naming the parameter; a `format` the
endpoint does not offer: 406 `not_acceptable` naming `format`. Always in the error format, and nothing written."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.pagination import PageNumberPagination

pytestmark = pytest.mark.django_db

LISTS = ["/api/v1/results/", "/api/v1/aggregates/", "/api/v1/submissions/", "/api/v1/score-runs/",
         "/api/v1/regions/", "/api/v1/cycles/", "/api/v1/frameworks/", "/api/v1/reports/",
         "/api/v1/cycles/2025/publications/"]
MAX = PageNumberPagination.max_page_size

# (query, the parameter named, the status, the code) on every list
EVERYWHERE = [
    ("page_size=abc", "page_size", 400, "invalid"),
    ("page_size=0", "page_size", 400, "invalid"),
    ("page_size=-1", "page_size", 400, "invalid"),
    ("page_size=1.5", "page_size", 400, "invalid"),
    ("page_size=", "page_size", 400, "invalid"),
    (f"page_size={MAX + 1}", "page_size", 400, "invalid"),
    ("page_size=100000", "page_size", 400, "invalid"),
    ("page=abc", "page", 400, "invalid"),
    ("page=0", "page", 400, "invalid"),
    ("page=-1", "page", 400, "invalid"),
    ("format=xml", "format", 406, "not_acceptable"),
    ("provnce=330000", "provnce", 400, "invalid"),  # a typo is not ignored
]
# (list, query, the parameter named): values that do not fit the parameter, or parameters a list does not have
PER_LIST = [
    ("/api/v1/results/", "province=abc", "province"),
    ("/api/v1/results/", "cycle=abc", "cycle"),
    ("/api/v1/results/", "cycle=1900", "cycle"),
    ("/api/v1/results/", "version=0", "version"),
    ("/api/v1/results/", "level=abc", "level"),
    ("/api/v1/results/", "framework=a%20b", "framework"),
    ("/api/v1/results/", "ordering=nonsense", "ordering"),
    ("/api/v1/results/", "format=pdf", "format"),
    ("/api/v1/aggregates/", "province=abc", "province"),
    ("/api/v1/aggregates/", "cycle=abc", "cycle"),
    ("/api/v1/aggregates/", "ordering=index", "ordering"),  # statistics come by province code
    ("/api/v1/aggregates/", "level=3", "level"),
    ("/api/v1/submissions/", "province=abc", "province"),
    ("/api/v1/submissions/", "region=330100;", "region"),
    ("/api/v1/submissions/", "cycle=abc", "cycle"),
    ("/api/v1/submissions/", "cycle=2025.5", "cycle"),
    ("/api/v1/submissions/", "status=lost", "status"),
    ("/api/v1/submissions/", "ordering=-nonsense", "ordering"),
    ("/api/v1/submissions/", "format=csv", "format"),
    ("/api/v1/score-runs/", "cycle=abc", "cycle"),
    ("/api/v1/score-runs/", "ordering=rank", "ordering"),
    ("/api/v1/regions/", "parent=abc", "parent"),
    ("/api/v1/regions/", "level=planet", "level"),
    ("/api/v1/regions/", "ordering=name", "ordering"),
    ("/api/v1/cycles/", "period=abc", "period"),
    ("/api/v1/cycles/", "ordering=closes", "ordering"),
    ("/api/v1/frameworks/", "status=lost", "status"),
    ("/api/v1/reports/", "ordering=status", "ordering"),
    ("/api/v1/cycles/2025/publications/", "ordering=version", "ordering"),
    # read as sent: nothing trimmed, a whole number written as one (the schema's pattern and type)
    ("/api/v1/results/", "province=%20330000", "province"),
    ("/api/v1/aggregates/", "province=330000%0A", "province"),
    ("/api/v1/results/", "cycle=%202025", "cycle"),
    ("/api/v1/results/", "version=1.0", "version"),
    ("/api/v1/submissions/", "cycle=2025.0", "cycle"),
    ("/api/v1/results/", "level=3.0", "level"),
    ("/api/v1/frameworks/", "code=smartgov-maturity%0A", "code"),
]
# (list, query): what the docs promise stays accepted
ACCEPTED = [
    ("/api/v1/results/", f"cycle=2025&framework=smartgov-maturity&province=330000&level=3&ordering=-index&page=1"
                         f"&page_size={MAX}"),
    ("/api/v1/results/", "format=csv&page_size=2"),
    ("/api/v1/results/", "format=json&page=last"),
    ("/api/v1/aggregates/", "cycle=2025&framework=smartgov-maturity&province=330000&page_size=1&format=csv"),
    ("/api/v1/aggregates/", "province=999999"),  # well-formed, outside your regions: nothing matches
    ("/api/v1/submissions/", "cycle=2025&framework=smartgov-maturity&status=approved&province=330000"
                             "&region=330100&ordering=-updated_at,region&page_size=1"),
    ("/api/v1/score-runs/", "cycle=2025&framework=smartgov-maturity&status=succeeded&ordering=-requested_at"),
    ("/api/v1/regions/", "parent=330000&level=prefecture&ordering=-code"),
    ("/api/v1/cycles/", "period=2025&framework=smartgov-maturity&status=open&ordering=-period"),
    ("/api/v1/frameworks/", "code=smartgov-maturity&status=published&ordering=version"),
    ("/api/v1/reports/", "status=queued&language=en&kind=city&page=1"),
    ("/api/v1/cycles/2025/publications/", "framework=smartgov-maturity&page_size=10"),
    # an optional parameter sent empty is as if left out (the schema's allowEmptyValue)
    ("/api/v1/results/", "cycle=&version=&framework=&province=&level=&ordering=&format="),
    ("/api/v1/aggregates/", "cycle=&province=&version="),
    ("/api/v1/submissions/", "cycle=&status=&province=&region=&framework=&ordering="),
    ("/api/v1/cycles/2025/publications/", "framework="),
]


@pytest.fixture
def zj_ready(zj, scored):
    zj.get("/api/v1/regions/")  # the token's last use is written once a minute: not by the requests below
    return zj


def ask(client, url, query):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{url}?{query}")
    writes = [q["sql"] for q in queries if q["sql"].lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == [], f"{url}?{query} wrote {writes}"
    return response


def refused(response, status, code, field):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert list(body["fields"]) == [field]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(("query", "field", "status", "code"), EVERYWHERE)
def test_every_list_refuses_a_bad_page_format_or_parameter(zj_ready, url, query, field, status, code):
    refused(ask(zj_ready, url, query), status, code, field)


@pytest.mark.parametrize(("url", "query", "field"), PER_LIST)
def test_a_value_that_does_not_fit_or_a_parameter_a_list_lacks_is_a_400_naming_it(zj_ready, url, query, field):
    refused(ask(zj_ready, url, query), 406 if field == "format" else 400,
            "not_acceptable" if field == "format" else "invalid", field)


@pytest.mark.parametrize(("url", "query"), ACCEPTED)
def test_the_documented_parameters_stay_accepted(zj_ready, url, query):
    response = ask(zj_ready, url, query)
    assert response.status_code == 200, response.content


def test_the_reasons_say_what_is_expected(zj_ready, english):
    assert zj_ready.get("/api/v1/regions/?page_size=0").json() == {
        "code": "invalid", "message": "The request is not valid: see the reasons given per field.",
        "fields": {"page_size": [f"A whole number from 1 to {MAX} is required."]}}
    assert zj_ready.get("/api/v1/results/?format=xml").json()["fields"] == {
        "format": ["“xml” is not a format of this endpoint; use one of: json, api, csv."]}
    fields = zj_ready.get("/api/v1/aggregates/?ordering=index").json()["fields"]
    assert fields == {"ordering": ["Unknown parameter here; this list accepts: cycle, framework, version, province, "
                                   "page, page_size, format."]}
    assert "capital letters" in zj_ready.get("/api/v1/submissions/?province=abc").json()["fields"]["province"][0]


def test_a_page_past_the_end_stays_a_404(zj_ready):
    response = zj_ready.get("/api/v1/regions/?page=99")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_an_unauthenticated_caller_is_told_to_authenticate_first(scored):
    from tests.api.clients import client_for

    response = client_for().get("/api/v1/results/?page_size=abc")
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
