"""The whole path in a real browser: a city enters its values (typed, autosaved, checked inline), attaches
evidence and submits; the city reviewer signs off; the province returns it with reasons; the city corrects
and submits again; the province approves and the scores appear. Plus autosave persistence, an edit
conflict between two users of the city, two autosave cases that once went wrong (a reload after a conflict,
overlapping saves on a slow connection), and the inline check reading values by the server's rule (full-width
digits, 是/否)."""

import json
import operator
import re

import pytest
from playwright.sync_api import expect

from assessments.checks import InvalidValue, parse_value
from assessments.models import Evidence, IndicatorValue, RegionScore, ReviewComment, RoleAssignment, Submission
from tests.browser.pages import login, logout, screenshot
from tests.evidence_files import with_required_evidence
from tests.factories import plausible_values, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)

Role = RoleAssignment.Role
SAVED = "已自动保存"
CONFLICT = "他人已保存了此填报"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
OPERATORS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt, "==": operator.eq}


@pytest.fixture
def people(regions):
    return {
        "officer": user_with_role("hz_officer", Role.CITY_OFFICER, regions["hangzhou"]),
        "reviewer": user_with_role("hz_reviewer", Role.CITY_REVIEWER, regions["hangzhou"]),
        "analyst": user_with_role("zj_analyst", Role.PROVINCE_ANALYST, regions["zhejiang"]),
    }


@pytest.fixture
def values(framework, regions):
    """Plausible values of 杭州市 as text, in the form's order, keyed by indicator code."""
    numbers, indicators = plausible_values(framework, [regions["hangzhou"]], 2026)
    return {i.code: f"{numbers[0, j]:g}" for j, i in enumerate(indicators)}


def _open_from_home(page, table="#submissions"):
    page.locator(f"{table} a.button").first.click()
    page.wait_for_url(re.compile(r"/submissions/\d+/$"))
    expect(page.locator("h1")).to_contain_text("杭州市")


def _act(page, action):
    page.locator(f"#action-{action} button[type=submit]").click()
    expect(page.locator(".messages .success")).to_be_visible()


def _wait_saved(page):
    """Wait until everything typed has been autosaved: nothing is left pending in the browser's storage (the
    page keeps unsaved input there) and the state line says it saved."""
    page.wait_for_function("""(saved) => {
        const key = document.getElementById("entry-form").dataset.storageKey;
        const state = document.getElementById("autosave-state").textContent;
        return localStorage.getItem(key) === "{}" && state.includes(saved);
    }""", arg=SAVED)


def _unexplained_rule_codes(framework, values):
    """The left-hand indicators of the rules these values break (a note on one of them explains it)."""
    number = {code: float(text) for code, text in values.items()}
    broken = []
    for rule in framework.rules.all():
        left = sum(number[c] for c in rule.left)
        right = sum(number[c] for c in rule.right) + rule.constant
        if not OPERATORS[rule.operator](left, right):
            broken.append(rule.left[0])
    return broken


def test_entry_review_return_and_approval(page, framework, submission, people, values):
    codes = list(values)

    # The officer opens the submission from the home page.
    login(page, "hz_officer")
    expect(page.locator("#submissions")).to_contain_text("杭州市")
    screenshot(page, "01-officer-home")
    _open_from_home(page)
    expect(page.locator("#filled")).to_have_text("0")
    expect(page.locator("#status")).to_have_text("草稿")
    screenshot(page, "02-entry-form")
    page.evaluate("window.__samePage = true")

    # Five values typed key by key: autosave reports the save and the counter follows without a reload.
    page.locator(f"#value_{codes[0]}").press_sequentially(values[codes[0]])
    _wait_saved(page)
    expect(page.locator("#filled")).to_have_text("1")
    for code in codes[1:5]:
        page.locator(f"#value_{code}").press_sequentially(values[code])
    expect(page.locator("#filled")).to_have_text("5")
    _wait_saved(page)
    assert page.evaluate("window.__samePage") is True, "the page reloaded"

    # The rest, quickly; a note explains any cross-indicator warning these values raise.
    for code in codes[5:]:
        page.locator(f"#value_{code}").fill(values[code])
    for code in _unexplained_rule_codes(framework, values):
        page.locator(f"#note_{code}").fill("统计口径已核实：证照归集与免提交按不同台账统计。")
    expect(page.locator("#filled")).to_have_text(str(len(codes)))
    _wait_saved(page)

    # An out-of-range value is shown inline at once, and never sent; correcting it clears the error.
    row, error = page.locator("#row-RS01"), page.locator("#error-RS01")
    page.locator("#value_RS01").fill("150")
    expect(error).to_contain_text("100")
    expect(row).to_have_class(re.compile(r"\binvalid\b"))
    screenshot(page, "03-entry-error")
    page.locator("#value_RS01").fill("96.5")
    expect(error).to_have_text("")
    expect(row).not_to_have_class(re.compile(r"\binvalid\b"))
    _wait_saved(page)
    expect(page.locator("#findings li")).to_have_count(1)
    expect(page.locator("#findings li.evidence_missing")).to_contain_text("RS05")
    expect(page.locator("#evidence-RS05 .evidence-status.missing")).to_be_visible()
    screenshot(page, "03-entry-filled")
    assert IndicatorValue.objects.filter(submission=submission).count() == len(codes)
    assert IndicatorValue.objects.get(submission=submission, indicator__code="RS01").value == 96.5

    # Evidence: a PDF for one indicator, from the link on its row.
    page.locator("#row-RS05 a.evidence-add").click()
    page.wait_for_url(re.compile(r"/evidence/\?indicator=RS05$"))
    expect(page.locator("#evidence-indicator")).to_have_value("RS05")
    page.set_input_files("#evidence-file", files=[
        {"name": "电子证照免提交统计.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    screenshot(page, "04-evidence")
    page.locator("#evidence-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/submissions/\d+/$"))
    expect(page.locator("#row-RS05 .evidence-file")).to_contain_text("电子证照免提交统计.pdf")
    expect(page.locator("#evidence-RS05 .evidence-status.attached")).to_be_visible()
    expect(page.locator("#findings li.evidence_missing")).not_to_contain_text("RS05")
    assert Evidence.objects.get(submission=submission).indicator.code == "RS05"
    # The other indicators that require evidence get theirs (written directly), and nothing blocks any more.
    with_required_evidence(submission)
    page.reload()
    expect(page.locator("#findings")).to_be_hidden()

    # Submit, log out.
    _act(page, "submit")
    expect(page.locator("#status")).to_have_text(str(Submission.Status.SUBMITTED.label))
    expect(page.locator("#value_RS01")).to_be_disabled()
    logout(page)

    # The city reviewer signs off.
    login(page, "hz_reviewer")
    _open_from_home(page)
    screenshot(page, "05-reviewer-signoff")
    _act(page, "sign_off")
    logout(page)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SIGNED_OFF

    # The province finds it in its queue and returns it, with a reason and a comment on one indicator.
    login(page, "zj_analyst")
    expect(page.locator("#review-queue")).to_contain_text("杭州市")
    _open_from_home(page, "#review-queue")
    page.locator("#action-return textarea[name=comment]").fill("请核实服务便捷度维度的数据口径。")
    page.locator("#row-SC03 textarea[name=comment_SC03]").fill("跑动次数应为平均值，不是总次数。")  # beside its value
    screenshot(page, "06-province-return")
    _act(page, "return")
    logout(page)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RETURNED
    assert ReviewComment.objects.filter(submission=submission).count() == 2

    # The officer sees why, corrects the value and submits again.
    login(page, "hz_officer")
    _open_from_home(page)
    expect(page.locator("#review-comments")).to_contain_text("请核实服务便捷度维度的数据口径。")
    expect(page.locator("#row-SC03 .review-comment")).to_contain_text("跑动次数应为平均值，不是总次数。")
    screenshot(page, "07-officer-returned")
    corrected = f"{float(values['SC03']) + 0.2:g}"
    page.locator("#value_SC03").fill(corrected)
    _wait_saved(page)
    _act(page, "submit")
    logout(page)
    assert IndicatorValue.objects.get(submission=submission, indicator__code="SC03").value == float(corrected)

    login(page, "hz_reviewer")
    _open_from_home(page)
    _act(page, "sign_off")
    logout(page)

    # The province approves: the scores are computed on commit and shown on the submission.
    login(page, "zj_analyst")
    _open_from_home(page, "#review-queue")
    screenshot(page, "08-province-approve")
    _act(page, "approve")
    expect(page.locator("#status")).to_have_text(str(Submission.Status.APPROVED.label))
    submission.cycle.refresh_from_db()
    score = RegionScore.objects.get(run=submission.cycle.current_run, region=submission.region)
    band = framework.bands.get(level=score.level)
    expect(page.locator("#score")).to_contain_text(f"{score.index:.1f}")
    expect(page.locator("#score")).to_contain_text(band.label_zh)
    screenshot(page, "09-scores")
    assert 0 <= score.index <= 100
    assert score.rank == 1


def test_autosaved_value_survives_a_reload(page, submission, people):
    login(page, "hz_officer")
    page.goto(f"{page.base_url}/submissions/{submission.pk}/")
    page.locator("#value_RS02").press_sequentially("87.5")
    _wait_saved(page)
    page.evaluate("localStorage.clear()")  # what comes back must come from the server
    page.reload()
    expect(page.locator("#value_RS02")).to_have_value("87.5")
    expect(page.locator("#filled")).to_have_text("1")
    assert IndicatorValue.objects.get(submission=submission, indicator__code="RS02").value == 87.5


def test_two_users_editing_the_same_field_conflict(page, new_page, submission, people):
    other = new_page()
    other.allowed_errors.append("status of 409")  # the browser logs the refused autosave
    login(page, "hz_officer")
    login(other, "hz_reviewer")
    for p in (page, other):
        p.goto(f"{p.base_url}/submissions/{submission.pk}/")

    page.locator("#value_RS01").press_sequentially("88")
    _wait_saved(page)
    other.locator("#value_RS01").press_sequentially("77")
    expect(other.locator("#autosave-state")).to_contain_text(CONFLICT)
    expect(other.locator("#autosave-state")).to_have_class("autosave-error")
    screenshot(other, "conflict")
    assert IndicatorValue.objects.get(submission=submission, indicator__code="RS01").value == 88


def test_reloading_after_a_conflict_keeps_the_colleagues_value(page, new_page, submission, people):
    """The conflict message says: reload to see their changes, then enter yours again. The reload must show
    the colleague's value, not silently put back and save the refused one."""
    other = new_page()
    other.allowed_errors.append("status of 409")
    login(page, "hz_officer")
    login(other, "hz_reviewer")
    for p in (page, other):
        p.goto(f"{p.base_url}/submissions/{submission.pk}/")
    page.locator("#value_RS01").press_sequentially("88")
    _wait_saved(page)
    other.locator("#value_RS01").press_sequentially("77")
    expect(other.locator("#autosave-state")).to_contain_text(CONFLICT)

    other.reload()
    other.wait_for_timeout(2000)  # longer than the autosave delay: a restored value would be saved by now
    value = IndicatorValue.objects.get(submission=submission, indicator__code="RS01").value
    shown = other.locator("#value_RS01").input_value()
    assert (value, shown) == (88, "88"), "the refused input must not come back after a reload and overwrite"


def test_a_slow_autosave_does_not_conflict_with_itself(page, submission, people):
    """On a slow connection a second autosave may start before the first one's answer: it must not be refused
    as a conflict with the user's own earlier save."""
    page.add_init_script("""(() => {
        const fetch = window.fetch;
        window.fetch = async (...args) => {
            const response = await fetch(...args);
            await new Promise((resolve) => setTimeout(resolve, 2500));  // 2.5 s of latency on the answer
            return response;
        };
    })()""")
    page.allowed_errors.append("status of 409")
    login(page, "hz_officer")
    page.goto(f"{page.base_url}/submissions/{submission.pk}/")
    page.locator("#value_RS01").press_sequentially("88")
    expect(page.locator("#autosave-state")).to_contain_text("正在保存")
    page.locator("#value_RS02").press_sequentially("77")
    # Until the page is done: refused as a conflict, or everything saved.
    page.wait_for_function("""([conflict, saved]) => {
        const state = document.getElementById("autosave-state").textContent;
        const key = document.getElementById("entry-form").dataset.storageKey;
        return state.includes(conflict) || (localStorage.getItem(key) === "{}" && state.includes(saved));
    }""", arg=[CONFLICT, SAVED], timeout=20000)
    state = page.locator("#autosave-state").text_content()
    saved = dict(IndicatorValue.objects.filter(submission=submission).values_list("indicator__code", "value"))
    assert CONFLICT not in state, f"a second autosave overlapped the first: {state!r}"
    assert saved == {"RS01": 88, "RS02": 77}


def test_full_width_digits_and_chinese_yes_are_accepted_and_sent_as_typed(page, submission, people):
    """An IME gives `９０` and `是`: the page takes them as the server does and sends them as typed."""
    sent = []
    page.on("request", lambda request: sent.append(json.loads(request.post_data))
            if request.url.endswith("/autosave") else None)
    login(page, "hz_officer")
    page.goto(f"{page.base_url}/submissions/{submission.pk}/")
    page.locator("#value_RS01").press_sequentially("９０")
    page.locator("#value_RS08").press_sequentially("是")
    for code in ("RS01", "RS08"):
        expect(page.locator(f"#error-{code}")).to_have_text("")
        expect(page.locator(f"#row-{code}")).not_to_have_class(re.compile(r"\binvalid\b"))
    _wait_saved(page)
    saved = dict(IndicatorValue.objects.filter(submission=submission).values_list("indicator__code", "value"))
    assert saved == {"RS01": 90, "RS08": 1}
    typed = {code: entry["value"] for body in sent for code, entry in body["entries"].items()}
    assert typed == {"RS01": "９０", "RS08": "是"}


# Inputs on which JavaScript's and Python's own readings of numbers differ, or which only the rule makes valid.
TRICKY = ["９０", "８５．５", "８５％", "85 %", "1,234", "１，２３４", "\u3000９０\u3000", "\ufeff1", "+.5", "5.",
          "1e1", "1e999", "-1", "150", "2.5", "３", "abc", "1_000", "٩٠", "0x10", "0b1", "inf", "Infinity", "nan",
          "８５。５", "%", ",", "是", "否", "有", "无", "YES", "ｙｅｓ", "No", "1.00", "2", "是的", "10²", "①",
          "ＹＥＳ"]


def test_the_page_refuses_exactly_what_the_server_refuses(page, framework, submission, people):
    """Every tricky input in a percent, a count, a level and a yes/no field: the page marks it as wrong exactly
    when `parse_value` refuses it."""
    indicators = {i.code: i for i in framework.indicators.filter(code__in=["RS01", "RS06", "MP08", "RS08"])}
    cases = [(code, raw) for code in indicators for raw in [*TRICKY, ""]]
    login(page, "hz_officer")
    page.goto(f"{page.base_url}/submissions/{submission.pk}/")
    shown = page.evaluate("""(cases) => cases.map(([code, raw]) => {
        const input = document.getElementById("value_" + code);
        input.value = raw;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        return document.getElementById("error-" + code).textContent;
    })""", cases)
    disagreements = [(code, raw, message) for (code, raw), message in zip(cases, shown, strict=True)
                     if bool(message) != _refused(indicators[code], raw)]
    assert not disagreements
    _wait_saved(page)  # each field ends blank: what is left to save is valid, and the server takes it


def _refused(indicator, raw):
    try:
        parse_value(indicator, raw)
    except InvalidValue:
        return True
    return False
