"""The statistical audit page in Chromium: every chart draws from our static plotly.js without a JavaScript or
console error (the `page` fixture fails the test on any), the Pearson/Spearman switch works without a script of
its own, the page fits the screen, and a city's officer sees their own city's rank interval only."""

import pytest
from playwright.sync_api import expect

from assessments.models import RoleAssignment
from tests.browser.pages import login, screenshot
from tests.factories import user_with_role
from tests.run_analyses import analyse, scored_with_an_outlier

pytestmark = pytest.mark.django_db(transaction=True)

Role = RoleAssignment.Role
CHART = ".js-plotly-plot .main-svg"
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def analysed(framework, regions):
    cycle = scored_with_an_outlier(framework, regions)
    analyse(cycle)
    user_with_role("zj_analyst", Role.PROVINCE_ANALYST, regions["zhejiang"])
    user_with_role("hz_officer", Role.CITY_OFFICER, regions["hangzhou"])
    return cycle


def _charts_drawn(page, count):
    expect(page.locator(CHART).first).to_be_visible()
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {count}")
    assert page.evaluate("typeof window.Plotly") == "object"


def _width(page, selector):
    return page.eval_on_selector(selector, "element => element.getBoundingClientRect().width")


def test_the_audit_page_draws_its_charts_and_switches_the_correlations(page, analysed):
    login(page, "zj_analyst")
    page.goto(f"{page.base_url}/dashboards/")
    page.click("#audit-tab")
    page.wait_for_url("**/dashboards/audit/?cycle=*")
    _charts_drawn(page, 9)
    expect(page.locator("h1")).to_contain_text("统计审计与敏感性分析 · 2026")
    expect(page.locator("#provisional-banner")).to_be_visible()
    for chart in ("pearson", "weights", "dimension-weights", "consistency", "loadings", "sobol", "intervals",
                  "sobol-regions"):
        expect(page.locator(f"#chart-audit-{chart} .main-svg").first).to_be_visible()
    expect(page.locator("#audit-spearman")).to_be_hidden()
    expect(page.locator("#audit-intervals tbody tr")).to_have_count(8)
    expect(page.locator("#audit-moved tbody tr")).to_have_count(1)
    assert page.evaluate(OVERFLOW) <= 0
    screenshot(page, "dashboard-audit")

    page.click("label[for=audit-corr-spearman]")
    expect(page.locator("#audit-spearman .main-svg").first).to_be_visible()
    expect(page.locator("#audit-pearson")).to_be_hidden()
    # Drawn while hidden, the Spearman heatmap still spans its box.
    assert abs(_width(page, "#chart-audit-spearman .main-svg") - _width(page, "#audit-spearman")) < 2
    expect(page.locator("#chart-audit-spearman")).to_contain_text("综合指数")
    page.click("label[for=audit-corr-pearson]")
    expect(page.locator("#audit-pearson .main-svg").first).to_be_visible()


def test_a_city_officer_sees_their_own_citys_interval_in_english(page, analysed):
    login(page, "hz_officer")
    page.goto(f"{page.base_url}/dashboards/audit/")
    page.click("button[name=language][value=en]")
    page.wait_for_url("**/dashboards/audit/")
    _charts_drawn(page, 9)
    expect(page.locator("h1")).to_contain_text("Statistical audit and sensitivity analysis")
    expect(page.locator("#audit-intervals tbody tr")).to_have_count(1)
    expect(page.locator("#audit-intervals")).to_contain_text("Hangzhou")
    expect(page.locator("#audit-moved")).to_have_count(0)
    expect(page.locator("#chart-audit-intervals")).to_contain_text("Hangzhou")
    expect(page.locator("#chart-audit-sobol")).to_contain_text("Weights")
    assert page.evaluate(OVERFLOW) <= 0
    screenshot(page, "dashboard-audit-city-en")
