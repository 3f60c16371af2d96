"""The list of PDF reports in Chromium follows reports that are still being built (static/js/reports.js): the
row of a report that finishes gets its download link, one that fails its retry button, without a reload by
hand."""

import pytest
from playwright.sync_api import expect

from reports.models import Report
from tests.browser.pages import login
from tests.factories import CycleFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def building(framework, regions, people):
    """Two reports of the analyst's, still being built."""
    cycle = CycleFactory(framework=framework, period=2026)
    return [Report.objects.create(cycle=cycle, region=regions[city], requested_by=people["analyst"],
                                  status=Report.Status.RUNNING, progress=40) for city in ("hangzhou", "ningbo")]


def test_the_list_follows_reports_until_they_finish(page, building):
    done, failed = building
    login(page, "analyst")
    page.goto(f"{page.base_url}/reports/")
    row = page.locator(f"#report-{done.pk}")
    expect(row.locator("[data-field=percent]")).to_have_text("40 %")
    Report.objects.filter(pk=done.pk).update(status=Report.Status.SUCCEEDED, progress=100, pages=4, size=52_000,
                                             file="reports/2026/330100.pdf")
    Report.objects.filter(pk=failed.pk).update(status=Report.Status.FAILED, error="字体缺失")
    expect(row.locator("a.button")).to_have_attribute("href", f"/reports/{done.pk}/download", timeout=10_000)
    expect(row.locator("[data-field=percent]")).to_have_text("100 %")
    expect(row).to_contain_text("4页")
    expect(page.locator(f"#report-{failed.pk} form button")).to_be_visible(timeout=10_000)
    expect(page.locator(f"#report-{failed.pk}")).to_contain_text("字体缺失")
