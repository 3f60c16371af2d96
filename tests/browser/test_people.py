"""Onboarding in a real browser: a provincial coordinator downloads the template, uploads a small sheet, reads the
dry run (first with a row error, then clean), applies it (in the background: the page of the apply shows the
invitation links) and gets the invitation links; an invited person opens their link, chooses a password and
lands, logged in, on their home page; the used link then says it no longer works. The page of an apply follows it
while it runs."""

import re

import pytest
from playwright.sync_api import expect

from assessments.models import RoleAssignment
from tests.browser.pages import login, screenshot
from tests.people_sheets import XLSX, coordinator, people_sheet

pytestmark = pytest.mark.django_db(transaction=True)
Role = RoleAssignment.Role
NEW_PASSWORD = "xihu-lake-2026-pass"


def _upload(page, data, name):
    page.set_input_files("#import-file", files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    page.locator("#upload-form button[type=submit]").click()
    expect(page.locator("#preview")).to_be_visible()


def test_a_coordinator_onboards_people_who_then_log_in(page, new_page, regions):
    coordinator("zj_coordinator", regions["zhejiang"])
    login(page, "zj_coordinator")
    page.goto(f"{page.base_url}/people/")
    with page.expect_download() as download:
        page.locator("#people-template-link").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.locator("#people-import-link").click()
    page.wait_for_url("**/people/import/")

    # A sheet with a mistake: the dry run names the row and the column, and offers no apply.
    _upload(page, people_sheet([["王芳", "wang.fang@hz.gov.cn", "", "330100", "城市填报员"],
                                ["李强", "", "1380000", "330200", "city_officer"]]), "有错误.xlsx")
    expect(page.locator("#import-errors tr[data-row='3'][data-column='mobile']")).to_be_visible()
    expect(page.locator("#apply-form")).to_have_count(0)
    screenshot(page, "people-01-dry-run-errors")

    # Corrected: two new people, one with e-mail and one with a mobile only.
    _upload(page, people_sheet([["王芳", "wang.fang@hz.gov.cn", "", "330100", "城市填报员"],
                                ["李强", "", "13800000002", "330200", "city_officer"]]), "人员.xlsx")
    expect(page.locator("#count-created")).to_have_text("2")
    expect(page.locator("#count-errors")).to_have_text("0")
    screenshot(page, "people-02-dry-run")
    page.locator("#apply-form button[type=submit]").click()
    expect(page.locator("#import-result")).to_be_visible()
    link = page.locator("#invitations tr[data-username='13800000002'] input.invitation-link").input_value()
    assert re.match(rf"^{re.escape(page.base_url)}/invitation/[^/]+/[^/]+/$", link), link
    screenshot(page, "people-03-imported")
    page.goto(f"{page.base_url}/people/")
    expect(page.locator("#people tr[data-username='13800000002']")).to_contain_text("李强")
    screenshot(page, "people-03-list")

    # On a person's page the coordinator invites again: a new link, shown for hand delivery.
    page.locator("#people tr[data-username='wang.fang@hz.gov.cn'] a").click()
    page.locator("#action-invite button").click()
    expect(page.locator(".invitation input.invitation-link")).to_have_value(re.compile(r"/invitation/"))
    screenshot(page, "people-03-person")

    # The invited person (no e-mail: the link was handed over) sets a password and lands on their home page.
    invitee = new_page()
    invitee.goto(link)
    expect(invitee.locator("#invitee-username")).to_have_text("13800000002")
    invitee.fill("input[name=new_password1]", NEW_PASSWORD)
    invitee.fill("input[name=new_password2]", NEW_PASSWORD)
    screenshot(invitee, "people-04-set-password")
    invitee.locator("#invitation-form button[type=submit]").click()
    invitee.wait_for_url(f"{invitee.base_url}/")
    expect(invitee.locator(".site-tools .user")).to_contain_text("李强")
    expect(invitee.locator("h1")).to_be_visible()
    screenshot(invitee, "people-05-home")

    # The link worked once; the person now logs in with the user name and password.
    invitee.context.clear_cookies()
    invitee.goto(link)
    expect(invitee.locator("#invitation-invalid")).to_be_visible()
    login(invitee, "13800000002", NEW_PASSWORD)
    expect(invitee.locator(".site-tools .user")).to_contain_text("李强")


def test_the_page_of_an_import_follows_it_until_it_is_done(new_page, regions):
    """The apply runs in the background: its page moves the progress bar and names the stage as the job reports
    them (static/js/import-status.js, under the Content-Security-Policy), then shows the outcome without a reload
    by hand."""
    from assessments.models import PeopleImportRequest

    zj = coordinator("zj_coordinator", regions["zhejiang"])
    made = PeopleImportRequest.objects.create(
        file_name="人员.xlsx", sha256="0" * 64, size=1000, fingerprint="0" * 64, base_url="http://testserver/",
        requested_by=zj, status=PeopleImportRequest.Status.RUNNING, stage="checking", progress=10)
    page = new_page(locale="en-US")
    login(page, "zj_coordinator")
    page.goto(f"{page.base_url}/people/imports/{made.pk}/")
    expect(page.locator("#import-pending")).to_be_visible()
    expect(page.locator("#import-progress progress")).to_have_attribute("value", "10")
    PeopleImportRequest.objects.filter(pk=made.pk).update(stage="writing", progress=40)
    expect(page.locator("#import-progress progress")).to_have_js_property("value", 40, timeout=10_000)
    expect(page.locator("#import-progress [data-field=stage]")).to_have_text(
        "Creating the accounts, the roles and the invitations", timeout=10_000)
    screenshot(page, "people-06-import-running")
    PeopleImportRequest.objects.filter(pk=made.pk).update(
        status=PeopleImportRequest.Status.SUCCEEDED, stage="", progress=100, rows=300, created=120, granted=300)
    expect(page.locator("#import-done")).to_have_text("120 accounts created, 300 roles given.", timeout=10_000)
    expect(page.locator("#import-progress")).to_have_count(0)
    expect(page.locator("#back-to-people")).to_be_visible()
