"""The page of a satisfaction import in Chromium follows the work in the background (static/js/import-status.js,
under the Content-Security-Policy): the progress bar and the stage move, and the page shows the outcome once the
import has finished, without a reload by hand."""

import pytest
from playwright.sync_api import expect

from surveys.models import SatisfactionImport, SatisfactionImportRequest
from tests.browser.pages import login

pytestmark = pytest.mark.django_db(transaction=True)
Status = SatisfactionImportRequest.Status


def test_the_page_follows_the_import_until_it_is_done(new_page, submission, reviewer):
    made = SatisfactionImportRequest.objects.create(
        submission=submission, kind="ratings", file_name="好差评.csv", sha256="0" * 64, size=1000,
        requested_by=reviewer, status=Status.RUNNING, stage="checking", progress=30)
    page = new_page(locale="en-US")
    login(page, "reviewer")
    page.goto(f"{page.base_url}/submissions/{submission.pk}/satisfaction/import-requests/{made.pk}/")
    expect(page.locator("#import-pending")).to_be_visible()
    expect(page.locator("#import-progress progress")).to_have_attribute("value", "30")
    SatisfactionImportRequest.objects.filter(pk=made.pk).update(stage="writing", progress=50)
    expect(page.locator("#import-progress progress")).to_have_js_property("value", 50, timeout=10_000)
    expect(page.locator("#import-progress [data-field=stage]")).to_have_text("Writing the rows", timeout=10_000)
    batch = SatisfactionImport.objects.create(region=submission.region, cycle=submission.cycle, kind="ratings",
                                              file_name="好差评.csv", sha256="0" * 64, rows=1200,
                                              imported_by=reviewer)
    SatisfactionImportRequest.objects.filter(pk=made.pk).update(status=Status.SUCCEEDED, stage="", progress=100,
                                                                rows=1200, batch=batch)
    expect(page.locator("#import-done")).to_be_visible(timeout=10_000)
    expect(page.locator("#import-progress")).to_have_count(0)
    expect(page.locator("#back-to-city")).to_be_visible()
