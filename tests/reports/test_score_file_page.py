"""The page that scores files without a cycle: for signed-in users, scores in the request and stores nothing,
shows every problem of a refused upload with its line (keeping the other choices), downloads the results CSV, and
refuses files over its size limits."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import RegionScore, ScoreRun
from indicators.models import Framework
from reports import score_file_forms

pytestmark = pytest.mark.django_db

URL = "/dashboards/score-file/"
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "score-file"


def upload(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else (EXAMPLE / name).read_bytes())


def files(**given) -> dict:
    form = {"framework": upload("framework.yaml"), "values": upload("values.csv"), "groups": upload("groups.csv"),
            "period": "", "score": "1"}
    form.update(given)
    return {key: value for key, value in form.items() if value is not None}


def post(client, user, **given):
    client.force_login(user)
    return client.post(URL, files(**given))


def stored() -> tuple[int, int, int]:
    return ScoreRun.objects.count(), RegionScore.objects.count(), Framework.objects.count()


def test_it_sends_anonymous_visitors_to_the_login(client):
    for response in (client.get(URL), client.post(URL, files())):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_it_shows_the_form(client, analyst, english):
    client.force_login(analyst)
    page = client.get(URL).content.decode()
    assert 'id="score-file-form"' in page
    assert 'enctype="multipart/form-data"' in page
    for name in ("framework", "values", "groups", "levels", "period"):
        assert f'name="{name}"' in page
    assert 'name="download"' in page
    assert "/static/js/score-file.js" in page
    assert 'id="score-results"' not in page


def test_it_scores_the_files_and_shows_ranking_levels_dimensions_and_audit(client, officer, english):
    before = stored()
    response = post(client, officer)  # a city officer too: the same audience as the dashboards
    assert response.status_code == 200
    page = response.content.decode()
    assert "Example index · 2024" in page
    table = page[page.index('id="ranking-table"'):page.index("</table>", page.index('id="ranking-table"'))]
    headers = re.findall(r'<button type="button" data-sort="\w+"(?: data-first="descending")?>([^<]+)</button>', table)
    assert headers == ["Rank", "Region", "Index", "Maturity level", "Rank in coastal", "Digital services",
                       "Infrastructure"]
    rows = re.findall(r"<tr>\s*<td data-value=\"(\d*)\">[^<]*</td>\s*<td>(\w+)</td>", table)
    assert rows == [("1", "north"), ("2", "east"), ("3", "south"), ("4", "west")]
    assert "L3 Leading" in table
    assert "77.50" in table
    assert 'id="level-counts"' in page
    assert 'id="audit"' in page  # the audit partial
    assert 'id="audit-warnings"' in page
    assert "Digital services has a single indicator" in page
    assert stored() == before


def test_a_refused_upload_shows_every_problem_by_line_and_keeps_the_other_choices(client, analyst, english):
    bad = b"region,period,indicator,value\nnorth,2024,onlin,80\nnorth,2024,wait,x\nnorth,2024,wait,3\n"
    before = stored()
    response = post(client, analyst, values=upload("values.csv", bad), groups=upload("groups.csv", b"group\n"),
                    period="2024")
    assert response.status_code == 400
    page = response.content.decode()
    cells = re.findall(r"<tr>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>",
                       page[page.index('id="problems-table"'):])
    assert cells == [
        ("Values file", "2", "indicator",
         "“onlin” is not an indicator of the framework (did you mean “online”?); 1 row(s)."),
        ("Values file", "3", "value", "“x” is not a number."),
        ("Values file", "4", "", "north / 2024 / wait is already on line 3."),
        ("Groups file", "1", "", "The header lacks the column(s) region: it must name group, region."),
    ]
    assert "4 problems were found" in page
    assert 'name="period" value="2024"' in page
    assert 'id="score-results"' not in page
    assert stored() == before


def test_a_refused_framework_shows_the_path_of_each_problem(client, analyst, english):
    framework = (EXAMPLE / "framework.yaml").read_bytes().replace(b"weight: 0.6", b"weight: 0.7")
    response = post(client, analyst, framework=upload("framework.yaml", framework))
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(r"<td>Framework file</td>\s*<td></td>\s*<td>dimensions</td>\s*<td>the weights of the "
                     r"dimensions must sum to 1 \(they sum to 1.1\)</td>", page)


def test_missing_files_are_named_on_the_form(client, analyst, english):
    response = post(client, analyst, framework=None, values=None, period="2023")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-field="framework"' in page
    assert 'data-field="values"' in page
    assert 'name="period" value="2023"' in page


def test_the_download_button_answers_with_the_results_csv(client, analyst):
    before = stored()
    response = post(client, analyst, score=None, download="1")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="tiny-example-results.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["region", "period", "index", "level", "rank", "rank_in_coastal", "services", "infrastructure"]
    assert rows[2] == ["north", "2024", "79", "3", "1", "", "80", "77.5"]
    assert stored() == before


def test_a_levels_file_assesses_each_region_on_its_levels_indicators(client, analyst):
    """`broadband` applies to prefectures only: the county `west` is scored on `wait` alone in infrastructure."""
    framework = (EXAMPLE / "framework.yaml").read_bytes().replace(
        b"        weight: 0.5\n        source: example\n      - code: wait",
        b"        weight: 0.5\n        source: example\n        applies_to: [prefecture]\n      - code: wait")
    response = post(client, analyst, framework=upload("framework.yaml", framework), score=None, download="1",
                    levels=upload("levels.csv", b"region,level\nwest,county\nnorth,prefecture\n"))
    rows = {row[0]: row for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))}
    assert rows["west"][-1] == "90"
    assert rows["north"][-1] == "77.5"


def test_the_download_quotes_formula_like_names(client, analyst):
    values = (EXAMPLE / "values.csv").read_text(encoding="utf-8").replace("west", "=HYPERLINK(\"http://x\")")
    response = post(client, analyst, values=upload("values.csv", values.encode()), groups=None, download="1")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")"


def test_a_file_over_the_size_limit_is_refused_unread(client, analyst, english, monkeypatch):
    monkeypatch.setitem(score_file_forms.LIMITS, "values", 100)
    monkeypatch.setattr(score_file_forms.ScoreFileForm, "scored",
                        lambda self: pytest.fail("a refused file must not be read"))
    response = post(client, analyst)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Values (CSV): The file is larger than 100 B: 278 B." in page


def test_the_period_shown_can_be_chosen(client, analyst, english):
    values = (EXAMPLE / "values.csv").read_text(encoding="utf-8")
    earlier = "".join(line.replace(",2024,", ",2023,") + "\n" for line in values.splitlines()[1:])
    response = post(client, analyst, values=upload("values.csv", (values + earlier).encode()), period="2023")
    page = response.content.decode()
    assert "Example index · 2023" in page
    assert "Periods in the file: 2023, 2024" in page
    response = post(client, analyst, values=upload("values.csv", (values + earlier).encode()), period="1999")
    assert response.status_code == 400
    assert "No row has the period 1999." in response.content.decode()


def test_it_speaks_chinese_by_default(client, analyst):
    response = post(client, analyst)
    page = response.content.decode()
    assert "示例指数 · 2024" in page
    assert "数字服务" in page
    assert "L3 领先" in page


def test_the_pages_script_gets_the_output_alone(client, analyst, english):
    client.force_login(analyst)
    response = client.post(URL, files(), headers={"X-Fragment": "score-output"})
    assert response.status_code == 200
    assert response["X-Fragment"] == "score-output"
    page = response.content.decode()
    assert page.lstrip().startswith('<section class="panel" id="score-results">')
    assert "<html" not in page
    assert 'id="score-file-form"' not in page
    refused = client.post(URL, files(values=upload("values.csv", b"x\n")), headers={"X-Fragment": "score-output"})
    assert refused.status_code == 400
    assert refused["X-Fragment"] == "score-output"
    assert 'id="problems-table"' in refused.content.decode()


def test_a_long_ranking_lists_the_first_rows_and_says_so(client, analyst, english, monkeypatch):
    from reports import score_file_views

    monkeypatch.setattr(score_file_views, "ROWS_SHOWN", 2)
    page = post(client, analyst).content.decode()
    table = page[page.index('id="ranking-table"'):page.index("</table>", page.index('id="ranking-table"'))]
    assert table.count("<tr>") == 3  # the header and two rows
    assert "The ranking lists the first 2 of 4 regions; the results CSV holds them all." in page


def test_the_dashboards_link_to_it(client, analyst):
    client.force_login(analyst)
    assert f'<a href="{URL}" id="score-file-tab">文件评分</a>' in client.get("/dashboards/").content.decode()
