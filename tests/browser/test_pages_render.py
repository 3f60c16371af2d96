"""Every main page, as the user who sees it, on a desktop and on a tablet: it renders without JavaScript or
console errors (the `new_page` fixture fails the test on any), the entry form does not overflow the viewport
horizontally, and the pages switch to English from the header's language buttons."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from assessments.models import RoleAssignment
from assessments.services import evidence_add, submission_transition
from tests.browser.pages import DESKTOP, TABLET, login, logout, screenshot
from tests.evidence_files import with_required_evidence
from tests.factories import fill, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)

Role = RoleAssignment.Role
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def returned(submission, regions, admin_user):
    """杭州市's submission, filled, with evidence, returned by the province with comments: the form then shows
    everything it can (values, evidence, review comments), and the officer has notifications."""
    people = {}
    for username, role, region in (("hz_officer", Role.CITY_OFFICER, "hangzhou"),
                                   ("hz_reviewer", Role.CITY_REVIEWER, "hangzhou"),
                                   ("zj_analyst", Role.PROVINCE_ANALYST, "zhejiang")):
        people[role] = user_with_role(username, role, regions[region],
                                      first_name={"hz_officer": "王芳"}.get(username, ""))
    fill(submission)
    evidence_add(submission=submission, indicator_code="RS05", actor=people[Role.CITY_OFFICER],
                 upload=SimpleUploadedFile("免提交统计表.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"))
    with_required_evidence(submission)
    for action, role, comment, per_indicator in (
            ("submit", Role.CITY_OFFICER, "", {}),
            ("sign_off", Role.CITY_REVIEWER, "", {}),
            ("return", Role.PROVINCE_ANALYST, "请补充服务便捷度的佐证材料。", {"SC03": "请核实跑动次数的统计口径。"})):
        submission.refresh_from_db()
        explain = {"comment": comment, "indicator_comments": per_indicator}
        if action == "submit":
            _explain_rules(submission, people[role])
            submission.refresh_from_db()
        submission_transition(submission=submission, action=action, actor=people[role], **explain)
    submission.refresh_from_db()
    return submission


def _explain_rules(submission, actor):
    """A note on every indicator of a broken warning rule, so that the submission may go on."""
    from assessments.selectors import submission_findings_of
    from assessments.services import Entry, values_save

    values = dict(submission.values.values_list("indicator__code", "value"))
    notes = {code: Entry(values[code], "已核实统计口径。") for f in submission_findings_of(submission)
             if f.kind != "missing" for code in f.indicators}
    if notes:
        values_save(submission=submission, entries=notes, actor=actor, expected_version=submission.version)


def _visit(page, path, name, *, heading=None):
    response = page.goto(f"{page.base_url}{path}")
    assert response.ok, f"{path}: {response.status}"
    page.wait_for_load_state("load")
    if heading:
        expect(page.locator("h1").first).to_contain_text(heading)
    screenshot(page, name)
    return page.evaluate(OVERFLOW)


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["desktop", "tablet"])
def test_main_pages_render(new_page, viewport, returned):
    page = new_page(viewport=viewport)
    prefix = "desktop" if viewport is DESKTOP else "tablet"
    pk = returned.pk
    overflow = {}

    overflow["login"] = _visit(page, "/accounts/login/", f"{prefix}-login", heading="登录")
    login(page, "hz_officer")
    overflow["home"] = _visit(page, "/", f"{prefix}-home", heading="我的工作")
    expect(page.locator("#submissions")).to_contain_text("杭州市")

    overflow["entry"] = _visit(page, f"/submissions/{pk}/", f"{prefix}-entry-form", heading="杭州市")
    expect(page.locator("#review-comments")).to_contain_text("请补充服务便捷度的佐证材料。")
    expect(page.locator("#row-RS05 .evidence-file")).to_contain_text("免提交统计表.pdf")
    assert overflow["entry"] <= 1, f"the entry form overflows the {viewport['width']}px viewport: {overflow['entry']}px"
    # The inputs stay usable: every value field is inside the viewport horizontally.
    right = page.evaluate("Math.max(...[...document.querySelectorAll("
                          "'#entry-form input[data-type], #entry-form textarea')]"
                          ".map((e) => e.getBoundingClientRect().right))")
    assert right <= viewport["width"], right

    overflow["evidence"] = _visit(page, f"/submissions/{pk}/evidence/", f"{prefix}-evidence", heading="佐证材料")
    expect(page.locator("#evidence-list")).to_contain_text("免提交统计表.pdf")
    overflow["history"] = _visit(page, f"/submissions/{pk}/history/", f"{prefix}-history", heading="修改记录")
    expect(page.locator("#history")).to_contain_text("hz_reviewer")
    overflow["notifications"] = _visit(page, "/notifications/", f"{prefix}-notifications", heading="通知")
    expect(page.locator("#notifications li").first).to_contain_text("杭州市")
    logout(page)

    login(page, "admin")
    overflow["admin"] = _visit(page, "/admin/", f"{prefix}-admin")
    expect(page.locator("#site-name")).to_contain_text("SmartGov")

    print(f"{prefix} horizontal overflow (px) by page: {overflow}")


def test_pages_switch_to_english(page, returned):
    login(page, "hz_officer")
    page.goto(f"{page.base_url}/submissions/{returned.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.locator(".lang-switch button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.wait_for_url(re.compile(rf"/submissions/{returned.pk}/$"))

    expect(page.locator("#dimension-RS legend")).to_contain_text("Resource sharing")
    expect(page.locator("label[for=value_RS01]")).to_contain_text("Data catalogue linkage rate")
    expect(page.locator("h1")).to_contain_text("Hangzhou")
    expect(page.locator("#status")).to_have_text("Returned")
    expect(page.locator("#action-submit button")).to_have_text("Submit for city sign-off")
    expect(page.locator(".lang-switch button[value=en]")).to_be_disabled()
    # The messages of entry.js come from the page, in the page's language.
    value = page.locator("#value_RS01").input_value()
    page.locator("#value_RS01").fill("150")
    expect(page.locator("#error-RS01")).to_have_text("Must lie between 0 and 100.")
    screenshot(page, "en-entry-form")
    page.locator("#value_RS01").fill(value)  # back as it was: autosave has nothing to change
    expect(page.locator("#error-RS01")).to_have_text("")
    expect(page.locator("#autosave-state")).to_contain_text("Saved automatically at")

    for path, name, heading in (("/", "en-home", "My work"), (f"/submissions/{returned.pk}/evidence/", "en-evidence",
                                                              "Evidence"),
                                (f"/submissions/{returned.pk}/history/", "en-history", "History"),
                                ("/notifications/", "en-notifications", "Notifications")):
        _visit(page, path, name, heading=heading)
        leftover = page.evaluate(r"""() => [...document.querySelectorAll('body *')]
            .filter((e) => !e.children.length && /[\u4e00-\u9fff]/.test(e.textContent))
            .map((e) => e.textContent.trim()).slice(0, 20)""")
        print(f"{name}: Chinese text left on the English page: {leftover}")
