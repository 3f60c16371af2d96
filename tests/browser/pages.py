"""What the browser tests share besides fixtures: viewports, logging in and out, screenshots."""

from pathlib import Path

from tests.factories import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 768, "height": 1024}


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def login(page, username, password=PASSWORD):
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    # The header's language buttons are submit buttons too: click the login form's own.
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{page.base_url}/")


def logout(page):
    page.click("form[action$='/accounts/logout/'] button")
    page.wait_for_url("**/accounts/login/")
