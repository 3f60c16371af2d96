"""The dashboards in Chromium: every chart draws (plotly.js from our static files), without JavaScript errors (the
`page` fixture fails the test on any), the ranking table sorts and filters, the cycle switch works."""

import pytest
from playwright.sync_api import expect

from assessments.models import ComparisonGroup, Cycle, RegionScore, RoleAssignment
from assessments.services import cycle_scores_compute, cycle_scores_request
from reports import ranking
from tests.browser.pages import login, screenshot
from tests.factories import approved_cycle, many_cities, published, score, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)

Role = RoleAssignment.Role
CHART = ".js-plotly-plot .main-svg"


def _run(cycle):
    cycle_scores_compute(run_id=cycle_scores_request(cycle=cycle, enqueue=False).pk)
    return cycle


@pytest.fixture
def scored(framework, regions):
    """Ten cities of Zhejiang (杭州 and 宁波 among them) and four of Jiangsu, two scored cycles, the later demo."""
    cities = many_cities(10, regions["zhejiang"]) + many_cities(4, regions["jiangsu"])
    _run(approved_cycle(framework, cities, 2025, seed=1))
    cycle = _run(approved_cycle(framework, cities, 2026, seed=2))
    Cycle.objects.filter(pk=cycle.pk).update(is_demo=True)
    for username, role, region in (("zj_analyst", Role.PROVINCE_ANALYST, "zhejiang"),
                                   ("hz_officer", Role.CITY_OFFICER, "hangzhou")):
        user_with_role(username, role, regions[region])
    return cycle


def _charts_drawn(page, count):
    expect(page.locator(CHART).first).to_be_visible()
    page.wait_for_function(f"document.querySelectorAll('{CHART}').length >= {count}")
    assert page.evaluate("typeof window.Plotly") == "object"


def _column(page, index):
    return page.eval_on_selector_all(
        "#ranking-table tbody tr:not([hidden])", f"rows => rows.map(r => r.cells[{index}].dataset.value)")


def test_the_overview_draws_its_charts_and_sorts_and_filters_the_ranking(page, scored):
    login(page, "zj_analyst")
    page.click("header a[href='/dashboards/']")
    page.wait_for_url("**/dashboards/")
    _charts_drawn(page, 4)
    expect(page.locator("#demo-badge")).to_be_visible()
    expect(page.locator("#ranking-table tbody tr")).to_have_count(10)
    assert [float(r) for r in _column(page, 0)] == sorted(float(r) for r in _column(page, 0))
    screenshot(page, "dashboard-overview")

    page.click("#ranking-table th:nth-child(3) button")  # index, highest first
    indices = [float(v) for v in _column(page, 2)]
    assert indices == sorted(indices, reverse=True)
    page.click("#ranking-table th:nth-child(3) button")
    assert [float(v) for v in _column(page, 2)] == sorted(indices)
    expect(page.locator("#ranking-table th:nth-child(3)")).to_have_attribute("aria-sort", "ascending")

    # The maturity-level filter runs on the server since issue 15 (the ranking of 3,000 regions is paginated):
    # choosing a level reloads the page with ?band=.
    level = page.eval_on_selector("#ranking-table tbody tr", "row => row.dataset.level")
    page.select_option("#filter-level", level)
    page.wait_for_url(f"**band={level}*")
    shown = page.locator("#ranking-table tbody tr")
    assert shown.count() == page.locator(f"#ranking-table tbody tr[data-level='{level}']").count() >= 1
    expect(page.locator("#ranking-count")).to_contain_text(str(shown.count()))
    expect(page.locator("#filter-level")).to_have_value(level)
    page.select_option("#filter-level", "")
    expect(shown).to_have_count(10)

    expect(page.locator("#provisional-banner")).to_be_visible()
    page.select_option("#cycle-select", value=str(Cycle.objects.get(period=2025).pk))
    page.wait_for_url("**/dashboards/?cycle=*")
    expect(page.locator("h1")).to_contain_text("2025")
    expect(page.locator("#demo-badge")).to_have_count(0)
    _charts_drawn(page, 4)


def test_the_national_overview_draws_with_the_cartesian_bundle_pages_and_searches(page, scored, monkeypatch):
    """Issue 15: the overview loads the partial plotly.js bundle (no console error: the `page` fixture), draws
    every chart, the index by province among them, pages through the ranking and finds a region by name."""
    monkeypatch.setattr(ranking, "PAGE_SIZE", 5)  # the live server runs in this process
    user_with_role("national", Role.PLATFORM_ADMIN, None)
    login(page, "national")
    page.goto(f"{page.base_url}/dashboards/")
    _charts_drawn(page, 5)
    scripts = page.eval_on_selector_all("script[src]", "scripts => scripts.map(s => s.getAttribute('src'))")
    assert "/static/vendor/plotly-cartesian/plotly-cartesian.min.js" in scripts
    assert not any(src.endswith("/plotly.min.js") for src in scripts)
    for chart in ("levels", "movement", "dimensions", "provinces", "heatmap"):
        expect(page.locator(f"#chart-{chart} .main-svg").first).to_be_visible()
    expect(page.locator("#ranking-table tbody tr")).to_have_count(5)
    assert _column(page, 0) == ["1", "2", "3", "4", "5"]
    page.click("#page-next")
    page.wait_for_url("**page=2*")
    assert _column(page, 0) == ["6", "7", "8", "9", "10"]
    expect(page.locator("#chart-heatmap .main-svg").first).to_be_visible()
    page.fill("#filter-search", "宁波")
    page.press("#filter-search", "Enter")
    page.wait_for_url("**q=*")
    expect(page.locator("#ranking-table tbody tr")).to_have_count(1)
    expect(page.locator("#ranking-table tbody tr td a")).to_have_text("宁波市")
    screenshot(page, "dashboard-overview-search")


def test_the_city_dashboard_draws_its_charts(page, scored):
    login(page, "hz_officer")
    page.goto(f"{page.base_url}/dashboards/")
    page.wait_for_url("**/dashboards/cities/330100/")
    _charts_drawn(page, 4)
    expect(page.locator("h1")).to_contain_text("杭州市 · 2026")
    for chart in ("radar", "trend", "interval", "priorities"):
        expect(page.locator(f"#chart-{chart} .main-svg").first).to_be_visible()
    expect(page.locator("#indicator-table tbody tr:not(.group)")).to_have_count(33)
    screenshot(page, "dashboard-city")


def test_the_comparison_draws_the_chosen_cities(page, scored):
    login(page, "zj_analyst")
    page.goto(f"{page.base_url}/dashboards/compare/")
    page.select_option("#compare-cities", ["330100", "330200", "330300"])
    page.click("#compare-form button[type=submit]")
    page.wait_for_url("**/dashboards/compare/?*cities=*")
    _charts_drawn(page, 1)
    expect(page.locator("#chart-comparison .legendtext")).to_have_count(3)
    expect(page.locator("#compare-table thead th")).to_have_count(4)
    screenshot(page, "dashboard-compare")


def test_the_dashboards_switch_to_english(page, scored):
    login(page, "zj_analyst")
    page.goto(f"{page.base_url}/dashboards/cities/330200/")
    page.click("button[name=language][value=en]")
    page.wait_for_url("**/dashboards/cities/330200/")
    expect(page.locator("h1")).to_contain_text("Ningbo")
    _charts_drawn(page, 4)
    expect(page.locator("#chart-radar")).to_contain_text("Highest score of each dimension")
    expect(page.locator("#chart-radar")).to_contain_text("Resource")  # "Resource sharing", on two lines


def test_the_reader_switches_to_an_earlier_published_version_and_filters_by_group(page, scored, regions):
    scored.refresh_from_db()
    group = ComparisonGroup.objects.create(cycle=scored, code="fu-sheng-ji", name_zh="副省级城市",
                                           name_en="Sub-provincial cities")
    group.members.set([regions["hangzhou"], regions["ningbo"]])
    for rank, city in enumerate(("ningbo", "hangzhou"), start=1):
        RegionScore.objects.filter(run_id=scored.current_run_id, region=regions[city]).update(
            group_ranks={"fu-sheng-ji": rank})
    published(scored)
    score(scored)
    published(scored, reason="宁波市数据更正")
    login(page, "zj_analyst")
    page.goto(f"{page.base_url}/dashboards/")
    expect(page.locator("#published-banner")).to_contain_text("2")
    expect(page.locator("#revision-reason")).to_have_text("宁波市数据更正")
    page.select_option("#version-select", "1")
    page.wait_for_url("**/dashboards/?cycle=*&version=1")
    expect(page.locator("#version-select")).to_have_value("1")
    expect(page.locator("#revision-reason")).to_have_count(0)
    _charts_drawn(page, 4)
    screenshot(page, "dashboard-published-version-1")

    page.select_option("#filter-group", "fu-sheng-ji")
    page.wait_for_url("**/dashboards/?*group=fu-sheng-ji*")
    assert "version=1" in page.url
    expect(page.locator("#ranking-table tbody tr")).to_have_count(2)
    expect(page.locator("#group-rank-heading")).to_be_visible()
    assert _column(page, 0) == ["1", "2"]
