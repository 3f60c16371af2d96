"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser) against the live server."""

import os
from pathlib import Path

import pytest

from tests.browser.pages import DESKTOP

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

# Playwright's sync API runs an event loop in this thread; the live server's ORM calls happen in another.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Evidence uploaded in the browser goes to a temporary MEDIA_ROOT, not to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def new_page(chromium, live_server):
    """Open more pages, each in a browser context of its own (own cookies and storage): a second user at the
    same time, another viewport. JavaScript errors and console errors on any of them fail the test, except
    those whose text contains one of the page's `allowed_errors` (e.g. "status of 409" where a test expects
    the server to answer 409)."""
    opened = []

    def open_page(viewport=DESKTOP, locale="zh-CN"):
        context = chromium.new_context(viewport=viewport, locale=locale)
        page = context.new_page()
        page.set_default_timeout(15000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if _is_error(message) else None)
        page.base_url = live_server.url
        page.allowed_errors = []
        opened.append((context, page, errors))
        return page

    yield open_page
    unexpected = []
    for context, page, errors in opened:
        context.close()
        unexpected += [e for e in errors if not any(allowed in e for allowed in page.allowed_errors)]
    assert not unexpected, f"JavaScript errors: {unexpected}"


def _is_error(message):
    """A console error, except the browser's own request for /favicon.ico, which the site does not serve."""
    return message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico")


@pytest.fixture
def page(new_page):
    """A fresh browser context per test, 1280×900; JavaScript errors on any page fail the test."""
    return new_page()
