"""The coordinators' people pages: who may open which (national, provincial coordinator of the province or of
another, analyst, city staff, anonymous), the list and its filters, the template, the import through the pages
(upload → dry run → apply in the background, with the invitation links shown on its page), and a person's page
(invite, deactivate, reactivate, change a role)."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import PeopleImportRequest, RoleAssignment
from audit.models import Action, AuditEvent
from tests.factories import user_with_role
from tests.people_sheets import XLSX, coordinator, county, people_sheet

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role


@pytest.fixture
def cast(people, regions):
    return {
        "national": people["admin"],
        "coordinator": coordinator("zj_coordinator", regions["zhejiang"]),
        "other_province": coordinator("js_coordinator", regions["jiangsu"]),
        "analyst": people["analyst"],
        "officer": people["officer"],
        "reviewer": people["reviewer"],
        "anonymous": None,
    }


def _as(client, cast, who):
    if cast[who] is not None:
        client.force_login(cast[who])
    return client


def _upload(client, data, name="people.xlsx"):
    return client.post(reverse("people-import"), {"file": SimpleUploadedFile(name, data, content_type=XLSX)})


def _apply(client, response):
    return client.post(reverse("people-import"), {"action": "apply", "token": response.context["token"],
                                                  "fingerprint": response.context["preview"].fingerprint})


COORDINATORS = {"national", "coordinator"}
PAGES = {
    "list": ("get", lambda w: reverse("people"), {"national": 200, "coordinator": 200, "other_province": 200}),
    "template": ("get", lambda w: reverse("people-template"),
                 {"national": 200, "coordinator": 200, "other_province": 200}),
    "import": ("get", lambda w: reverse("people-import"), {"national": 200, "coordinator": 200, "other_province": 200}),
    "person": ("get", lambda w: reverse("person", args=[w.pk]), {"national": 200, "coordinator": 200,
                                                                 "other_province": 404}),
    "invite": ("post", lambda w: reverse("person-act", args=[w.pk, "invite"]),
               {"national": 200, "coordinator": 200, "other_province": 404}),
    "deactivate": ("post", lambda w: reverse("person-act", args=[w.pk, "deactivate"]),
                   {"national": 302, "coordinator": 302, "other_province": 404}),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("who", ["national", "coordinator", "other_province", "analyst", "officer", "reviewer",
                                 "anonymous"])
def test_who_may_open_which_page(client, cast, people, who, page):
    method, url, allowed = PAGES[page]
    target = people["ningbo_officer"]
    response = getattr(_as(client, cast, who), method)(url(target))
    if who == "anonymous":
        assert (response.status_code, response["Location"].split("?")[0]) == (302, "/accounts/login/")
    else:
        assert response.status_code == allowed.get(who, 403)
    target.refresh_from_db()
    assert target.is_active == (page != "deactivate" or who not in COORDINATORS)


def test_the_list_shows_the_people_of_the_coordinators_province_only(client, cast, people):
    client.force_login(cast["coordinator"])
    listed = {p.username for p in client.get(reverse("people")).context["page"].object_list}
    assert listed == {"officer", "reviewer", "analyst", "ningbo_officer", "ningbo_reviewer", "zj_coordinator"}
    client.force_login(cast["other_province"])
    listed = {p.username for p in client.get(reverse("people")).context["page"].object_list}
    assert listed == {"jiangsu_analyst", "js_coordinator"}


@pytest.mark.parametrize(("query", "expected"), [
    ({"role": "city_reviewer"}, {"reviewer", "ningbo_reviewer"}),
    ({"region": "330200"}, {"ningbo_officer", "ningbo_reviewer"}),
    ({"region": "330100", "role": "city_officer"}, {"officer", "xihu_officer"}),
    ({"q": "ningbo_r"}, {"ningbo_reviewer"}),
    ({"province": "330000", "role": "province_analyst"}, {"analyst"}),
])
def test_the_list_filters_by_region_and_role(client, cast, people, regions, query, expected):
    user_with_role("xihu_officer", Role.CITY_OFFICER, county(regions["hangzhou"]))
    client.force_login(cast["coordinator"])
    response = client.get(reverse("people"), query)
    assert {p.username for p in response.context["page"].object_list} == expected


def test_the_template_has_bilingual_headers_and_the_regions_of_the_province(client, cast, regions):
    client.force_login(cast["coordinator"])
    response = client.get(reverse("people-template"))
    assert response["Content-Type"] == XLSX
    book = load_workbook(BytesIO(response.content))
    people_sheet_, regions_sheet = book.worksheets[0], book.worksheets[2]
    assert [c.value for c in people_sheet_[1]] == [
        "姓名 Name", "电子邮箱 E-mail", "手机 Mobile", "地区代码 Region code", "角色 Role"]
    codes = [row[0] for row in regions_sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == ["330000", "330100", "330200"]
    assert all(cell.data_type == "s" for row in regions_sheet.iter_rows() for cell in row if cell.value)


def test_a_region_name_that_looks_like_a_formula_stays_text_in_the_template(client, cast, regions):
    from tests.factories import RegionFactory, in_province

    in_province(RegionFactory(code="330300", name_zh="=HYPERLINK(\"http://x\")", name_en="=1+1",
                              parent=regions["zhejiang"]))
    client.force_login(cast["coordinator"])
    book = load_workbook(BytesIO(client.get(reverse("people-template")).content))
    cells = [c for row in book.worksheets[2].iter_rows() for c in row if str(c.value).startswith("=")]
    assert [c.data_type for c in cells] == ["s", "s"]


def test_the_import_runs_dry_then_applies_in_the_background_and_shows_the_links(
        client, cast, regions, django_capture_on_commit_callbacks):
    client.force_login(cast["coordinator"])
    data = people_sheet([["王芳", "wang@hz.gov.cn", "", "330100", "城市填报员"],
                         ["李强", "", "13800000002", "330200", "city_officer"]])
    dry = _upload(client, data)
    assert dry.status_code == 200
    assert dry.context["preview"].created == 2
    assert "apply-form" in dry.content.decode()
    assert not AuditEvent.objects.filter(action=Action.PERSON_CREATED).exists()
    with django_capture_on_commit_callbacks(execute=True):  # in-process: the job runs once the request commits
        done = _apply(client, dry)
    made = PeopleImportRequest.objects.get()
    assert (done.status_code, done["Location"]) == (302, reverse("people-import-request", args=[made.pk]))
    page = client.get(done["Location"])
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    invitations = page.context["invitations"]
    assert [i.person.username for i in invitations] == ["wang@hz.gov.cn", "13800000002"]
    content = page.content.decode()
    assert all(i.link in content for i in invitations)
    assert "http://testserver/invitation/" in content
    again = _apply(client, dry)
    assert again.status_code == 409
    assert PeopleImportRequest.objects.count() == 1


def test_the_dry_run_page_lists_the_row_errors_and_offers_no_apply(client, cast, regions):
    client.force_login(cast["coordinator"])
    data = people_sheet([["王芳", "wang@", "", "330100", "city_officer"],
                         ["周", "zhou@nj.gov.cn", "", "320100", "city_officer"]])
    response = _upload(client, data)
    page = response.content.decode()
    assert all(f'data-row="{row}" data-column="{column}"' in page for row, column in ((2, "email"), (3, "region_code")))
    assert "apply-form" not in page


def test_a_file_that_cannot_be_read_is_refused_on_the_page(client, cast):
    client.force_login(cast["coordinator"])
    response = _upload(client, b"not a workbook at all")
    assert response.status_code == 400
    assert "import-error" in response.content.decode()


def test_another_users_upload_cannot_be_applied(client, cast, regions):
    client.force_login(cast["coordinator"])
    dry = _upload(client, people_sheet([["王芳", "wang@hz.gov.cn", "", "330100", "city_officer"]]))
    client.force_login(cast["national"])
    assert _apply(client, dry).status_code == 409
    assert not RoleAssignment.objects.filter(user__email="wang@hz.gov.cn").exists()


def test_the_person_page_invites_and_shows_the_link(client, cast, people):
    client.force_login(cast["coordinator"])
    target = people["ningbo_officer"]
    response = client.post(reverse("person-act", args=[target.pk, "invite"]))
    assert response.status_code == 200
    link = response.context["invitation"].link
    assert link in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_person_page_deactivates_reactivates_and_changes_a_role(client, cast, people, regions):
    client.force_login(cast["coordinator"])
    target = people["ningbo_officer"]
    client.post(reverse("person-act", args=[target.pk, "deactivate"]))
    target.refresh_from_db()
    assert not target.is_active
    client.post(reverse("person-act", args=[target.pk, "reactivate"]))
    target.refresh_from_db()
    assert target.is_active
    assignment = target.roles.get()
    response = client.post(reverse("person-role", args=[target.pk, assignment.pk]),
                           {"role": "city_reviewer", "region": "330100"})
    assert response.status_code == 302
    assert list(target.roles.values_list("role", "region__code")) == [("city_reviewer", "330100")]


@pytest.mark.parametrize(("role", "region", "status"), [
    ("city_officer", "320100", 403), ("province_analyst", "330100", 409), ("city_officer", "999999", 400)])
def test_a_role_change_that_is_refused_says_why(client, cast, people, role, region, status):
    client.force_login(cast["coordinator"])
    target = people["ningbo_officer"]
    assignment = target.roles.get()
    response = client.post(reverse("person-role", args=[target.pk, assignment.pk]), {"role": role, "region": region})
    assert response.status_code == status
    assert "person-error" in response.content.decode()
    assert target.roles.get().region.code == "330200"


def test_a_person_the_coordinator_cannot_manage_is_shown_without_actions(client, cast, people, regions):
    both = user_with_role("both", Role.CITY_OFFICER, regions["hangzhou"])
    RoleAssignment.objects.create(user=both, role=Role.CITY_OFFICER, region=regions["nanjing"])
    client.force_login(cast["coordinator"])
    page = client.get(reverse("person", args=[both.pk])).content.decode()
    assert ("not-managed" in page, "action-deactivate" in page) == (True, False)
    assert client.post(reverse("person-act", args=[both.pk, "deactivate"])).status_code == 403
    both.refresh_from_db()
    assert both.is_active


def test_an_unknown_action_is_a_404(client, cast, people):
    client.force_login(cast["coordinator"])
    assert client.post(reverse("person-act", args=[people["officer"].pk, "delete"])).status_code == 404
