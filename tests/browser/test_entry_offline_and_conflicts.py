"""The entry page where users were let down (issue 13, items 1–4): input typed offline saved when the connection
is back, without a click; an edit conflict told in words, the user's input kept and saved again in one click;
an input method's 是 and full-width digits taken as the server takes them; the province's comment box beside
each value and the commented indicators listed, with links, in the banner of a returned submission."""

import re

import pytest
from playwright.sync_api import expect

from assessments.models import IndicatorValue, ReviewComment, Submission
from assessments.services import submission_transition
from tests.browser.pages import login, screenshot
from tests.evidence_files import with_required_evidence
from tests.factories import fill

pytestmark = pytest.mark.django_db(transaction=True)

SAVED = "已自动保存"
OFFLINE = "恢复连接后将自动保存"


def _open(page, submission, user):
    login(page, user)
    page.goto(f"{page.base_url}/submissions/{submission.pk}/")


def _wait_saved(page, timeout=15000):
    """Nothing left pending in the browser's storage, and the state line says it saved (not in red)."""
    page.wait_for_function("""(saved) => {
        const key = document.getElementById("entry-form").dataset.storageKey;
        const state = document.getElementById("autosave-state");
        return localStorage.getItem(key) === "{}" && state.textContent.includes(saved)
            && state.className === "autosave-ok";
    }""", arg=SAVED, timeout=timeout)


def _saved(submission):
    return dict(IndicatorValue.objects.filter(submission=submission).values_list("indicator__code", "value"))


def test_input_typed_offline_is_saved_when_the_connection_is_back(page, submission, people):
    page.allowed_errors.append("ERR_INTERNET_DISCONNECTED")
    _open(page, submission, "officer")
    state = page.locator("#autosave-state")
    page.context.set_offline(True)
    page.locator("#value_RS02").press_sequentially("87.5")
    expect(state).to_contain_text(OFFLINE)
    expect(state).to_have_class("autosave-error")
    assert _saved(submission) == {}

    page.context.set_offline(False)  # and no click
    _wait_saved(page)
    expect(state).not_to_contain_text(OFFLINE)
    assert _saved(submission) == {"RS02": 87.5}


def test_a_save_that_failed_on_the_way_is_retried_without_a_click(page, submission, people):
    """The browser thinks it is online, but the first attempt never reaches the server and the second finds it
    unavailable (503): the page tries again after 2 s, then 4 s, and then saves."""
    answers = iter(["abort", "unavailable"])

    def flaky(route):
        match next(answers, "pass"):
            case "abort":
                route.abort("connectionreset")
            case "unavailable":
                route.fulfill(status=503, json={"code": "unavailable", "message": "暂时无法服务", "fields": {}})
            case _:
                route.continue_()

    page.allowed_errors += ["ERR_CONNECTION_RESET", "status of 503"]
    _open(page, submission, "officer")
    page.route("**/autosave", flaky)
    page.locator("#value_RS01").press_sequentially("90")
    expect(page.locator("#autosave-state")).to_have_class("autosave-error")
    _wait_saved(page, timeout=20000)
    assert _saved(submission) == {"RS01": 90}


def test_a_conflict_says_who_changed_what_keeps_the_input_and_saves_it_again_in_one_click(
        page, new_page, submission, people):
    officer = people["officer"]
    officer.first_name = "王芳"
    officer.save()
    IndicatorValue.objects.create(submission=submission, indicator=submission.cycle.framework.indicators.get(
        code="RS02"), value=82.5)
    other = new_page()
    other.allowed_errors.append("status of 409")
    _open(page, submission, "officer")
    _open(other, submission, "reviewer")

    # The officer changes RS02 and enters RS03; the reviewer, on the page as it was, types into RS02.
    page.locator("#value_RS02").fill("83")
    page.locator("#value_RS03").fill("4")
    _wait_saved(page)
    other.locator("#value_RS02").fill("77")
    conflict = other.locator("#conflict")
    expect(conflict).to_be_visible()
    expect(other.locator("#autosave-state")).to_contain_text("他人已保存了此填报")
    screenshot(other, "entry-conflict")

    # In words: who, which indicator by name, from what to what, when; no raw JSON.
    changes = conflict.locator(".conflict-changes")
    expect(changes).to_contain_text(re.compile(r"王芳于\d\d:\d\d:\d\d将RS02 数据共享申请满足率由82\.5%改为83%。"))
    expect(changes).to_contain_text("填写了RS03 数据共享申请平均答复时长：4")
    expect(changes.locator("a[href='#row-RS02']")).to_have_count(1)
    assert "{" not in conflict.inner_text()
    # The reviewer's own input stays in the field and beside the value saved now; RS03, which they did not
    # touch, shows the officer's value.
    mine = conflict.locator(".conflict-yours tr[data-code=RS02]")
    expect(mine.locator(".yours")).to_have_text("77")
    expect(mine.locator(".saved")).to_have_text("83%（由王芳保存）")
    expect(other.locator("#value_RS02")).to_have_value("77")
    expect(other.locator("#row-RS02")).to_have_class(re.compile(r"\bconflicted\b"))
    expect(other.locator("#value_RS03")).to_have_value("4")
    assert _saved(submission) == {"RS02": 83, "RS03": 4}

    # One click saves it against the new version; the officer's RS03 is not overwritten.
    other.locator("#conflict-reapply").click()
    _wait_saved(other)
    expect(conflict).to_have_count(0)
    expect(other.locator("#row-RS02")).not_to_have_class(re.compile(r"\bconflicted\b"))
    assert _saved(submission) == {"RS02": 77, "RS03": 4}


def test_an_input_method_composing_yes_and_full_width_digits_are_taken_as_the_server_takes_them(
        page, submission, people):
    """A Chinese IME types pinyin first ("shi"), then commits 是: the page does not call the field wrong while
    the word is being composed, nor after; full-width digits with an ASCII point (`８５.５`) are a number."""
    _open(page, submission, "officer")
    yes_no = page.locator("#value_RS08")
    expect(yes_no).to_have_attribute("inputmode", "text")  # a phone offers a keyboard that can type 是
    expect(yes_no).to_have_attribute("placeholder", "是/否")
    yes_no.focus()
    ime = page.context.new_cdp_session(page)
    for composing in ("s", "sh", "shi"):
        ime.send("Input.imeSetComposition", {"text": composing, "selectionStart": len(composing),
                                             "selectionEnd": len(composing)})
        expect(page.locator("#error-RS08")).to_have_text("")
    ime.send("Input.insertText", {"text": "是"})
    page.locator("#value_RS01").press_sequentially("８５.５")
    for code in ("RS08", "RS01"):
        expect(page.locator(f"#error-{code}")).to_have_text("")
        expect(page.locator(f"#row-{code}")).not_to_have_class(re.compile(r"\binvalid\b"))
    _wait_saved(page)
    assert _saved(submission) == {"RS08": 1, "RS01": 85.5}


def _signed_off(submission, people):
    """The submission filled, with its evidence, submitted by the officer and signed off by the city reviewer."""
    with_required_evidence(fill(submission))
    for action, who in (("submit", "officer"), ("sign_off", "reviewer")):
        submission = submission_transition(submission=Submission.objects.get(pk=submission.pk), action=action,
                                           actor=people[who], expected_version=None)
    return submission


def test_the_province_comments_beside_each_value_and_the_city_finds_the_commented_indicators(
        page, submission, people):
    _signed_off(submission, people)
    _open(page, submission, "analyst")
    for code in ("RS02", "SC03"):  # the box is in the indicator's row, beside its value
        expect(page.locator(f"#row-{code} .indicator-input textarea[name=comment_{code}]")).to_be_visible()
    expect(page.locator("#action-return details")).to_have_count(0)
    page.locator("#comment_SC03").fill("跑动次数应为平均值，不是总次数。")
    page.locator("#comment_RS02").fill("请附数据共享申请台账。")
    page.locator("#action-return textarea[name=comment]").fill("请核实两项指标的口径。")
    screenshot(page, "review-comment-beside-value")
    page.locator("#action-return button[type=submit]").click()
    expect(page.locator(".messages .success")).to_be_visible()
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.RETURNED
    assert set(ReviewComment.objects.filter(indicator__isnull=False).values_list("indicator__code", "text")) == {
        ("SC03", "跑动次数应为平均值，不是总次数。"), ("RS02", "请附数据共享申请台账。")}

    page.context.clear_cookies()
    _open(page, submission, "officer")
    banner = page.locator("#review-comments")
    expect(banner).to_contain_text("请核实两项指标的口径。")
    listed = banner.locator("#commented-indicators li")
    expect(listed).to_have_count(2)
    expect(listed.nth(0).locator("a[href='#row-RS02']")).to_have_text("RS02 数据共享申请满足率")
    expect(listed.nth(0).locator(".comment-text")).to_have_text("请附数据共享申请台账。")
    expect(listed.nth(1).locator("a[href='#row-SC03']")).to_have_text("SC03 事项平均跑动次数")
    expect(listed.nth(1).locator(".comment-text")).to_have_text("跑动次数应为平均值，不是总次数。")
    screenshot(page, "returned-banner")
    listed.nth(1).locator("a").click()
    expect(page).to_have_url(re.compile(r"#row-SC03$"))
    expect(page.locator("#row-SC03")).to_be_in_viewport()
    expect(page.locator("#row-SC03 .review-comment")).to_contain_text("跑动次数应为平均值")
