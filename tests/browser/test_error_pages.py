"""A stale link in Chromium, with `make run`'s settings (DEBUG on, no DEBUG_TECHNICAL_PAGES): our 404 page, in
Chinese for a Chinese browser and in English for an English one or after the header's language switch, with a
way back that works; never Django's technical page (URL patterns, "DEBUG = True")."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

STALE = "/submissions/2019/old-tab/?from=mail"


@pytest.fixture(autouse=True)
def make_run_settings(settings):
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_PAGES = False


def _stale_link(page, name):
    page.allowed_errors.append("status of 404")  # the browser logs the page's own status
    response = page.goto(f"{page.base_url}{STALE}")
    assert response.status == 404
    expect(page.locator("#error-page")).to_be_visible()
    content = page.content()
    assert "URLconf" not in content
    assert "DEBUG = True" not in content
    screenshot(page, name)


def test_a_stale_link_is_our_404_in_chinese_then_english(page):
    _stale_link(page, "error-404-zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#error-page h1")).to_have_text("页面不存在")
    expect(page).to_have_title(re.compile("^页面不存在 · "))
    expect(page.locator("#log-in")).to_have_text("登录")

    page.locator(".lang-switch button[value=en]").click()  # back to the same stale link, in English
    page.wait_for_url(re.compile(r"/submissions/2019/old-tab/\?from=mail$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#error-page h1")).to_have_text("Page not found")
    expect(page.locator("#error-page")).to_contain_text("The link may be out of date or mistyped.")

    page.locator("#back-home").click()
    page.wait_for_url(f"{page.base_url}/")
    expect(page.locator("#error-page")).to_have_count(0)


def test_a_stale_link_is_our_404_in_english_for_an_english_browser(new_page):
    page = new_page(locale="en-US")
    _stale_link(page, "error-404-en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#error-page h1")).to_have_text("Page not found")
    expect(page.locator("#back-home")).to_have_text("Back to the home page")
    page.locator("#log-in").click()
    page.wait_for_url(f"{page.base_url}/accounts/login/")


def test_a_logged_in_user_keeps_the_navigation_on_the_404(page, officer):
    login(page, officer.username)
    _stale_link(page, "error-404-logged-in")
    expect(page.locator(".site-nav")).to_contain_text("我的工作")
    expect(page.locator("#log-in")).to_have_count(0)
    page.locator("#back-home").click()
    page.wait_for_url(f"{page.base_url}/")
    expect(page.locator("h1").first).to_contain_text("我的工作")
