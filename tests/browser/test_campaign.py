"""A real campaign, run from the pages alone, on an empty database (Chromium, zh-CN).

The one step outside the pages is the bootstrap every platform needs: the national coordinator's account, a
superuser made as `manage.py createsuperuser` makes it. Everything else is done in the browser:

1. The national coordinator loads, in the admin, the default framework "smartgov-maturity" (import, published)
   and China's region register cn-nbs-2023 (upload → preview of the changes → apply).
2. On the People page they import Zhejiang's people from an Excel sheet: the provincial coordinator and the
   provincial analyst, and an officer and a reviewer for 杭州市 and for 宁波市. Dry run, apply, and the invitation
   links are read off the page.
3. 杭州's officer and reviewer and the provincial analyst open their links, each in a browser of their own, and
   choose their passwords.
4. The coordinator creates this year's cycle (its window includes today) and opens it for the 11
   prefecture-level cities of 浙江省.
5. 杭州's officer, logged in with the password they chose, enters every indicator, explains the values a
   cross-check asks about, uploads a PDF for every indicator that requires evidence and submits; the reviewer
   signs off; the provincial analyst approves. 宁波's submission is entered and approved through the services
   (values_save, evidence_add, submission_transition) instead, for speed: it is a second city to rank, not a
   second proof of the pages.
6. The approvals' recompute gives provisional results: the dashboard says so, and so does the API's `results/`,
   read with a token the coordinator creates in the admin for the provincial analyst (the province's aggregator).
7. The coordinator closes the cycle and publishes it: the dashboard shows published version 1, and the API
   answers `provisional: false` with publication version 1.

Screenshots of the key steps go to var/screenshots/campaign-*.png.
"""

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Cycle, Region, RoleAssignment, Submission
from assessments.people_file import role_labels
from assessments.selectors import submission_findings_of
from assessments.services import Entry, evidence_add, submission_transition, values_save
from indicators.models import Framework
from tests.browser.pages import login, screenshot
from tests.evidence_files import PDF, explain_warnings, pdf_upload
from tests.factories import plausible_values
from tests.people_sheets import XLSX, people_sheet

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORK_FILE = ROOT / "indicators" / "frameworks" / "smartgov-maturity.yaml"
REGISTER_FILE = ROOT / "assessments" / "data" / "regions" / "cn-nbs-2023.yaml"
Role = RoleAssignment.Role
ZHEJIANG, HANGZHOU, NINGBO = "330000", "330100", "330200"
NATIONAL, NATIONAL_PASSWORD = "national", "beijing-coordinator-2026"
NOTE = "统计口径已核实，数据以台账为准。"
SAVED = "已自动保存"
VERSION_1 = re.compile(r"(?<!\d)1(?!\d)")
"""The banner's version number 1 (not a digit of its date, 2026-11-30)."""
SLOW = 60_000
"""Milliseconds to wait for the answer to a heavy request (loading China's register, an approval's recompute)
on a busy machine."""


@dataclass(frozen=True)
class Person:
    """A row of the people sheet, and the password the person chooses when they accept the invitation."""

    name: str
    email: str
    mobile: str
    region: str
    role: str
    password: str = ""

    @property
    def username(self) -> str:
        return self.email or self.mobile

    def row(self) -> list[str]:
        return [self.name, self.email, self.mobile, self.region, role_labels(self.role)[0]]


STAFF = {
    "coordinator": Person("钱江", "qian.jiang@zj.gov.cn", "", ZHEJIANG, Role.PROVINCE_COORDINATOR),
    "analyst": Person("陈思远", "chen.siyuan@zj.gov.cn", "", ZHEJIANG, Role.PROVINCE_ANALYST, "zj-analyst-2026-pw"),
    "hz_officer": Person("王芳", "wang.fang@hz.gov.cn", "", HANGZHOU, Role.CITY_OFFICER, "hz-officer-2026-pw"),
    "hz_reviewer": Person("刘洋", "liu.yang@hz.gov.cn", "", HANGZHOU, Role.CITY_REVIEWER, "hz-reviewer-2026-pw"),
    "nb_officer": Person("李强", "", "13800000002", NINGBO, Role.CITY_OFFICER),
    "nb_reviewer": Person("赵敏", "zhao.min@nb.gov.cn", "", NINGBO, Role.CITY_REVIEWER),
}


@pytest.fixture(autouse=True)
def _empty_database():
    """A transactional test starts from an empty database: not even the default framework (conftest loads it
    for the other tests; the coordinator loads it here, in the admin)."""
    Framework.objects.all().delete()
    assert not Region.objects.exists()
    assert not get_user_model().objects.exists()


def _post(page, button, timeout=SLOW):
    """Press a form's submit button and wait for the page that answers (the page's own assertions then need not
    wait for the server)."""
    with page.expect_navigation(timeout=timeout):
        button.click()


# The national coordinator in the admin ---------------------------------------------------------------------------


def _admin_upload(page, path, url, *, publish=False):
    """Upload a file on one of the admin's load pages (the form's own submit button, not the header's)."""
    page.goto(f"{page.base_url}{url}")
    page.set_input_files("#id_file", str(path))
    if publish:
        page.check("#id_publish")
    _post(page, page.locator("#content form input[type=submit]"))


def _load_framework(page):
    _admin_upload(page, FRAMEWORK_FILE, "/admin/indicators/framework/import/", publish=True)
    expect(page).to_have_url(re.compile(r"/admin/indicators/framework/$"))
    expect(page.locator(".messagelist .success")).to_be_visible()
    framework = Framework.objects.get(code="smartgov-maturity")
    assert framework.status == Framework.Status.PUBLISHED
    return framework


def _load_regions(page):
    _admin_upload(page, REGISTER_FILE, "/admin/assessments/region/load/")
    expect(page.locator("#content h2")).to_contain_text("NBS-2023")
    screenshot(page, "campaign-01-regions-preview")
    _post(page, page.locator("#content form input[type=submit]"))
    expect(page).to_have_url(re.compile(r"/admin/assessments/region/$"))
    expect(page.locator(".messagelist .success")).to_contain_text("NBS-2023")


def _api_token(page, person):
    """A token for `person`, made in the admin (REST API › API tokens › Add); its secret, read off the message
    that shows it once."""
    page.goto(f"{page.base_url}/admin/api/apitoken/add/")
    page.locator(".field-user .select2-selection").click()
    page.locator(".select2-search__field").fill(person.username)
    page.locator(".select2-results__option", has_text=person.username).click()
    page.fill("#id_name", "浙江省数据汇聚平台")
    _post(page, page.locator("#content form input[name=_save]"))
    message = page.locator(".messagelist .warning").text_content()
    return re.search(r"[A-Za-z0-9_-]{40,}", message).group()


# People ----------------------------------------------------------------------------------------------------------


def _import_people(page):
    """The sheet of Zhejiang's people through the People page: dry run, apply; the invitation links by user name."""
    page.goto(f"{page.base_url}/")
    page.locator("#people-link").click()
    page.wait_for_url("**/people/")
    page.locator("#people-import-link").click()
    page.wait_for_url("**/people/import/")
    sheet = people_sheet([person.row() for person in STAFF.values()])
    page.set_input_files("#import-file", files=[{"name": "浙江省人员.xlsx", "mimeType": XLSX, "buffer": sheet}])
    _post(page, page.locator("#upload-form button[type=submit]"))
    expect(page.locator("#count-created")).to_have_text(str(len(STAFF)))
    expect(page.locator("#count-errors")).to_have_text("0")
    screenshot(page, "campaign-02-people-dry-run")
    _post(page, page.locator("#apply-form button[type=submit]"))
    expect(page.locator("#import-result")).to_be_visible()
    screenshot(page, "campaign-03-people-imported")
    return {key: page.locator(f"#invitations tr[data-username='{person.username}'] input.invitation-link")
            .input_value() for key, person in STAFF.items()}


def _accept_invitation(new_page, link, person):
    """The person opens their link in a browser of their own and chooses a password; then logs out, to log in
    with it later. Returns their page."""
    invitee = new_page()
    invitee.goto(link)
    expect(invitee.locator("#invitee-username")).to_have_text(person.username)
    invitee.fill("input[name=new_password1]", person.password)
    invitee.fill("input[name=new_password2]", person.password)
    _post(invitee, invitee.locator("#invitation-form button[type=submit]"))
    expect(invitee).to_have_url(f"{invitee.base_url}/")
    expect(invitee.locator(".site-tools .user")).to_contain_text(person.name)
    screenshot(invitee, f"campaign-03-welcome-{person.username}")
    invitee.context.clear_cookies()
    return invitee


# The cycle -------------------------------------------------------------------------------------------------------


def _create_cycle(page, framework, today):
    page.goto(f"{page.base_url}/")
    page.locator("#cycles-link").click()
    page.wait_for_url("**/cycles/")
    page.locator("#cycle-create").click()
    page.wait_for_url("**/cycles/new")
    page.select_option("#id_framework", str(framework.pk))
    page.fill("#id_period", str(today.year))
    page.fill("#id_opens", (today - datetime.timedelta(days=30)).isoformat())
    page.fill("#id_closes", (today + datetime.timedelta(days=30)).isoformat())
    screenshot(page, "campaign-04-new-cycle")
    _post(page, page.locator("#cycle-form button[type=submit]"))
    expect(page).to_have_url(re.compile(r"/cycles/\d+/$"))
    return Cycle.objects.get(framework=framework, period=today.year)


def _open_for_zhejiang_cities(page):
    form = page.locator("#open-form")
    form.locator("select[name=open-level]").select_option(Region.Level.PREFECTURE)
    form.locator(f"input[name=open-provinces][value='{ZHEJIANG}']").check()
    _post(page, form.locator("button[type=submit]"))
    expect(page.locator(".messages .success")).to_be_visible()
    expect(page.locator("#cycle-status")).to_have_class(re.compile(r"\bcycle-open\b"))
    zhejiang = page.locator("#provinces tbody tr", has_text="浙江省")
    expect(zhejiang.locator("td").nth(1)).to_have_text("11")
    screenshot(page, "campaign-05-cycle-open")


def _press(page, form_id):
    """A cycle page's button (close, publish): back on the page with its message of success."""
    _post(page, page.locator(f"#{form_id} button[type=submit]"))
    expect(page.locator(".messages .success")).to_be_visible()


# Entry and review ------------------------------------------------------------------------------------------------


def _open_submission(page, table, city):
    page.locator(f"{table} tr", has_text=city).locator("a.button").click()
    page.wait_for_url(re.compile(r"/submissions/\d+/$"))
    expect(page.locator("h1")).to_contain_text(city)


def _act(page, action):
    _post(page, page.locator(f"#action-{action} button[type=submit]"))
    expect(page.locator(".messages .success")).to_be_visible()


def _wait_saved(page):
    """Everything typed is autosaved: nothing left pending in the browser's storage, and the state line says so."""
    page.wait_for_function("""(saved) => {
        const key = document.getElementById("entry-form").dataset.storageKey;
        const state = document.getElementById("autosave-state").textContent;
        return localStorage.getItem(key) === "{}" && state.includes(saved);
    }""", arg=SAVED)


def _asked_about(submission):
    """The indicators whose values a cross-check or the anomaly check asks the city to explain."""
    return sorted({code for finding in submission_findings_of(submission)
                   if finding.kind in ("rule_warning", "anomaly") for code in finding.indicators})


def _evidence(code):
    return PDF + f"% {code}\n".encode()


def _city_values(framework, city, period):
    """Plausible values of `city` as text, in the form's order, keyed by indicator code."""
    numbers, indicators = plausible_values(framework, [city], period)
    return {indicator.code: f"{numbers[0, j]:g}" for j, indicator in enumerate(indicators)}


def _enter_and_submit(page, submission, values, required):
    """The officer fills in the whole form, explains what is asked, attaches the evidence and submits."""
    _open_submission(page, "#submissions", "杭州市")
    expect(page.locator("#status")).to_have_text(str(Submission.Status.DRAFT.label))
    for code, value in values.items():
        page.locator(f"#value_{code}").fill(value)
    expect(page.locator("#filled")).to_have_text(str(len(values)))
    _wait_saved(page)
    for code in _asked_about(submission):
        page.locator(f"#note_{code}").fill(NOTE)
    _wait_saved(page)
    screenshot(page, "campaign-06-entry-filled")
    for code in required:
        page.locator(f"#row-{code} a.evidence-add").click()
        page.wait_for_url(re.compile(rf"/evidence/\?indicator={code}$"))
        page.set_input_files("#evidence-file", files=[
            {"name": f"{code}-证明材料.pdf", "mimeType": "application/pdf", "buffer": _evidence(code)}])
        _post(page, page.locator("#evidence-form button[type=submit]"))
        expect(page).to_have_url(re.compile(r"/submissions/\d+/$"))
        expect(page.locator(f"#evidence-{code} .evidence-status.attached")).to_be_visible()
    expect(page.locator("#findings li:not(.explained)")).to_have_count(0)
    screenshot(page, "campaign-07-entry-evidence")
    _act(page, "submit")
    expect(page.locator("#status")).to_have_text(str(Submission.Status.SUBMITTED.label))


def _approve_through_services(submission, values, required):
    """宁波's submission, the way the pages would do it, through the services: values, evidence, explanations,
    submit, sign-off, approval."""
    officer, reviewer, analyst = (get_user_model().objects.get(username=STAFF[key].username)
                                  for key in ("nb_officer", "nb_reviewer", "analyst"))
    values_save(submission=submission, entries={code: Entry(value) for code, value in values.items()},
                actor=officer, expected_version=None)
    for code in required:
        evidence_add(submission=submission, indicator_code=code, actor=officer,
                     upload=pdf_upload(f"{code}-证明材料.pdf", _evidence(code)))
    explain_warnings(submission, officer)
    for action, actor in (("submit", officer), ("sign_off", reviewer), ("approve", analyst)):
        submission = submission_transition(submission=submission, action=action, actor=actor)
    assert submission.status == Submission.Status.APPROVED


# Results ---------------------------------------------------------------------------------------------------------


def _dashboard(page, provisional):
    page.goto(f"{page.base_url}/dashboards/")
    expect(page.locator("#results-status")).to_have_attribute("data-provisional", str(provisional).lower())


def _results(api, base_url, secret, period):
    response = api.get(f"{base_url}/api/v1/results/?cycle={period}", headers={"Authorization": f"Bearer {secret}"})
    assert response.ok, response.text()
    return {row["region"]["code"]: row for row in response.json()["results"]}


def test_a_campaign_runs_from_the_pages_alone(page, new_page):
    today = timezone.localdate()
    get_user_model().objects.create_superuser(NATIONAL, "national@smartgov.gov.cn", NATIONAL_PASSWORD)

    # 1. The national coordinator loads the framework and China's regions in the admin.
    login(page, NATIONAL, NATIONAL_PASSWORD)
    framework = _load_framework(page)
    _load_regions(page)
    assert Region.objects.filter(level=Region.Level.PREFECTURE, province__code=ZHEJIANG).count() == 11

    # 2. Zhejiang's people, imported from Excel; 3. three of them set their passwords.
    links = _import_people(page)
    officer = _accept_invitation(new_page, links["hz_officer"], STAFF["hz_officer"])
    reviewer = _accept_invitation(new_page, links["hz_reviewer"], STAFF["hz_reviewer"])
    analyst = _accept_invitation(new_page, links["analyst"], STAFF["analyst"])

    # 4. This year's cycle, open today for Zhejiang's 11 prefecture-level cities.
    cycle = _create_cycle(page, framework, today)
    _open_for_zhejiang_cities(page)
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.OPEN
    assert cycle.opens <= today <= cycle.closes
    assert cycle.submissions.count() == 11
    cycle_url = page.url

    # 5. 杭州 through the pages: entry, evidence, submit; sign-off; approval.
    hangzhou = cycle.submissions.select_related("region__province").get(region__code=HANGZHOU)
    required = list(framework.indicators.filter(evidence_required=True)
                    .order_by("dimension__order", "order").values_list("code", flat=True))
    login(officer, STAFF["hz_officer"].username, STAFF["hz_officer"].password)
    _enter_and_submit(officer, hangzhou, _city_values(framework, hangzhou.region, cycle.period), required)

    login(reviewer, STAFF["hz_reviewer"].username, STAFF["hz_reviewer"].password)
    _open_submission(reviewer, "#submissions", "杭州市")
    _act(reviewer, "sign_off")
    screenshot(reviewer, "campaign-08-signed-off")

    login(analyst, STAFF["analyst"].username, STAFF["analyst"].password)
    _open_submission(analyst, "#review-queue", "杭州市")
    _act(analyst, "approve")
    expect(analyst.locator("#status")).to_have_text(str(Submission.Status.APPROVED.label))
    expect(analyst.locator("#score")).to_be_visible()
    screenshot(analyst, "campaign-09-approved")

    # 宁波 through the services.
    ningbo = cycle.submissions.select_related("region__province").get(region__code=NINGBO)
    _approve_through_services(ningbo, _city_values(framework, ningbo.region, cycle.period), required)

    # 6. Provisional results: on the dashboard and in the API.
    _dashboard(page, provisional=True)
    expect(page.locator("#provisional-banner")).to_be_visible()
    screenshot(page, "campaign-10-dashboard-provisional")
    secret = _api_token(page, STAFF["analyst"])
    api = new_page().request
    provisional = _results(api, page.base_url, secret, cycle.period)
    assert set(provisional) == {HANGZHOU, NINGBO}
    assert all(row["provisional"] is True and row["publication"] is None for row in provisional.values())
    assert provisional[HANGZHOU]["index"] is not None

    # 7. Closed and published by the national coordinator.
    page.goto(cycle_url)
    _press(page, "close-form")
    expect(page.locator("#cycle-status")).to_have_class(re.compile(r"\bcycle-closed\b"))
    screenshot(page, "campaign-11-cycle-closed")
    _press(page, "publish-form")
    expect(page.locator("#publication-1")).to_be_visible()
    screenshot(page, "campaign-12-cycle-published")
    _dashboard(page, provisional=False)
    expect(page.locator("#published-banner")).to_have_text(VERSION_1)
    screenshot(page, "campaign-13-dashboard-published")
    published = _results(api, page.base_url, secret, cycle.period)
    assert set(published) == {HANGZHOU, NINGBO}
    assert all(row["provisional"] is False and row["publication"]["version"] == 1 for row in published.values())
    assert {code: row["index"] for code, row in published.items()} == {
        code: row["index"] for code, row in provisional.items()}, "publishing freezes the results shown, unchanged"
    assert cycle.publications.get().version == 1
