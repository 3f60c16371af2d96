"""The page that scores files, in Chromium: "Score the files" shows the results and the audit's charts in place
(no JavaScript or console error: the `page` fixture fails the test on any), the chosen files stay in the form, and
"Download the results (CSV)" then saves the results without choosing the files again."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessments.models import RoleAssignment
from tests.browser.pages import login, screenshot
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "score-file"


def test_it_scores_in_place_and_downloads_the_same_files(page, regions):
    user_with_role("zj_analyst", RoleAssignment.Role.PROVINCE_ANALYST, regions["zhejiang"])
    login(page, "zj_analyst")
    page.goto(f"{page.base_url}/dashboards/score-file/")
    page.set_input_files("input[name=framework]", str(EXAMPLE / "framework.yaml"))
    page.set_input_files("input[name=values]", str(EXAMPLE / "values.csv"))
    page.set_input_files("input[name=groups]", str(EXAMPLE / "groups.csv"))
    page.click("#score-button")

    expect(page.locator("#score-results h2")).to_contain_text("示例指数 · 2024")
    expect(page.locator("#ranking-table tbody tr")).to_have_count(4)
    expect(page.locator("#ranking-table tbody tr").first).to_contain_text("north")
    expect(page.locator("#audit-warnings")).to_be_visible()
    page.wait_for_function("document.querySelectorAll('#score-output .js-plotly-plot').length >= 1")
    assert page.url.endswith("/dashboards/score-file/")
    assert page.eval_on_selector("input[name=values]", "input => input.files.length") == 1

    page.click("#ranking-table thead button[data-sort=text]")  # the table sorts (dashboards.js set it up again)
    expect(page.locator("#ranking-table tbody tr").first).to_contain_text("east")
    screenshot(page, "score-file")

    with page.expect_download() as caught:
        page.click("#download-button")
    download = caught.value
    assert download.suggested_filename == "tiny-example-results.csv"
    text = Path(download.path()).read_bytes().decode("utf-8-sig")
    assert text.splitlines()[2] == "north,2024,79,3,1,,80,77.5"


def test_a_refused_file_shows_its_problems_in_place(page, regions):
    user_with_role("zj_analyst", RoleAssignment.Role.PROVINCE_ANALYST, regions["zhejiang"])
    page.allowed_errors = ["status of 400"]
    login(page, "zj_analyst")
    page.goto(f"{page.base_url}/dashboards/score-file/")
    page.set_input_files("input[name=framework]", str(EXAMPLE / "framework.yaml"))
    page.set_input_files("input[name=values]", {"name": "values.csv", "mimeType": "text/csv",
                                                "buffer": b"region,period,indicator,value\nnorth,2024,online,x\n"})
    page.click("#score-button")
    expect(page.locator("#problems-table tbody tr")).to_have_count(1)
    expect(page.locator("#problems-table")).to_contain_text("“x”不是数字。")
    assert page.eval_on_selector("input[name=framework]", "input => input.files.length") == 1
