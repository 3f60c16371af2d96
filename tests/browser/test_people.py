"""Onboarding in a real browser: a provincial coordinator downloads the template, uploads a small sheet, reads the
dry run (first with a row error, then clean), applies it and gets the invitation links; an invited person opens
their link, chooses a password and lands, logged in, on their home page; the used link then says it no longer
works."""

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
