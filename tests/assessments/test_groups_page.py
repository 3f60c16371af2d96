"""The comparison groups page: the national coordinator's only; a form for one group; a file checked in a dry run."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from assessments.models import ComparisonGroup, Cycle, RoleAssignment
from assessments.services.groups import GroupInput, cycle_groups, groups_set
from audit.models import Action, AuditEvent
from tests.factories import RegionFactory, SubmissionFactory, in_province, user_with_role

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role
HEADER = ["group_code", "group_name_zh", "group_name_en", "region_code"]
SUB = GroupInput("sub_provincial", "副省级城市", "Sub-provincial cities", ("330100", "330200", "320100"))


@pytest.fixture
def participants(cycle, regions):
    in_province(RegionFactory(code="330300", name_zh="温州市", name_en="Wenzhou", parent=regions["zhejiang"]))
    return [SubmissionFactory(cycle=cycle, region=regions[key]) for key in ("hangzhou", "ningbo", "nanjing")]


@pytest.fixture
def url(cycle):
    return reverse("cycle-groups", args=[cycle.pk])


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def stored(cycle):
    return {g.code: (g.name_zh, g.name_en, g.members) for g in cycle_groups(cycle)}


def table(rows, header=HEADER, encoding="utf-8-sig"):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    return SimpleUploadedFile("groups.csv", buffer.getvalue().encode(encoding), content_type="text/csv")


def workbook(rows):
    book = Workbook()
    for row in [HEADER, *rows]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("groups.xlsx", buffer.getvalue())


def test_it_lists_the_groups_with_their_members(admin_client, url, cycle, participants):
    groups_set(cycle=cycle, groups=[SUB], actor=None)
    response = admin_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-group="sub_provincial"' in page
    assert f'href="{reverse("cycle-detail", args=[cycle.pk])}"' in page
    assert "副省级城市" in page
    assert "Sub-provincial cities" in page
    assert all(name in page for name in ("杭州市", "宁波市", "南京市"))
    assert page.count('name="members"') == 3  # one checkbox per participant; 温州市 is not one
    assert "温州市" not in page


def test_anonymous_visitors_are_sent_to_log_in(client, url, participants):
    response = client.get(url)
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("name", ["officer", "reviewer", "analyst", "jiangsu_analyst"])
def test_only_the_national_coordinator_may_open_it(client, url, cycle, participants, people, name):
    client.force_login(people[name])
    assert client.get(url).status_code == 403
    response = client.post(url, {"action": "save", "code": "g", "name_zh": "甲", "name_en": "A",
                                 "members_text": "330100"})
    assert response.status_code == 403
    assert client.get(reverse("cycle-groups-csv", args=[cycle.pk])).status_code == 403
    assert not ComparisonGroup.objects.exists()


def test_a_provincial_coordinator_may_not_open_it(client, url, participants, regions):
    client.force_login(user_with_role("coordinator", Role.PROVINCE_COORDINATOR, regions["zhejiang"]))
    assert client.get(url).status_code == 403


def test_a_group_is_added_from_pasted_codes_and_chosen_participants(admin_client, url, cycle, participants):
    response = admin_client.post(url, {"action": "save", "code": "sub_provincial", "name_zh": "副省级城市",
                                       "name_en": "Sub-provincial cities", "members_text": "330100，330200",
                                       "members": ["320100", "330200"]})
    assert response.status_code == 302
    assert stored(cycle) == {"sub_provincial": ("副省级城市", "Sub-provincial cities", ("320100", "330100", "330200"))}
    assert AuditEvent.objects.filter(action=Action.GROUPS_SET).count() == 1


def test_a_refused_group_keeps_the_form_and_names_the_codes(admin_client, url, cycle, participants):
    response = admin_client.post(url, {"action": "save", "code": "g", "name_zh": "甲组", "name_en": "A",
                                       "members_text": "330100 330300 999999"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="groups-error"' in page
    assert page.count('class="field-error"') == 2
    assert "温州市（330300）" in page
    assert "999999" in page
    assert 'value="甲组"' in page
    assert not ComparisonGroup.objects.exists()


def test_a_group_is_edited_renamed_and_removed(admin_client, url, cycle, participants):
    groups_set(cycle=cycle, groups=[SUB, GroupInput("other", "其他", "Other", ("330100",))], actor=None)
    form = admin_client.get(url, {"edit": "sub_provincial"}).content.decode()
    assert 'name="original" value="sub_provincial"' in form
    assert ">320100\n330100\n330200</textarea>" in form  # members one per line, by code
    response = admin_client.post(url, {"action": "save", "original": "sub_provincial", "code": "sub",
                                       "name_zh": "副省级", "name_en": "Sub", "members_text": "330100\n330200"})
    assert response.status_code == 302
    assert stored(cycle) == {"other": ("其他", "Other", ("330100",)), "sub": ("副省级", "Sub", ("330100", "330200"))}
    admin_client.post(url, {"action": "remove", "code": "sub"})
    assert list(stored(cycle)) == ["other"]


def test_a_file_is_checked_in_a_dry_run_then_replaces_the_groups(admin_client, url, cycle, participants):
    groups_set(cycle=cycle, groups=[GroupInput("old", "旧", "Old", ("330100",))], actor=None)
    rows = [["sub_provincial", "副省级城市", "Sub-provincial cities", "330100"],
            ["sub_provincial", "", "", "330200"],
            ["plan", "计划单列市", "Separately planned", "330200"]]
    response = admin_client.post(url, {"action": "check", "file": table(rows)})
    assert response.status_code == 200
    preview = response.context["preview"]
    assert (preview.ok, preview.rows, preview.added, preview.removed) == (True, 3, ["plan", "sub_provincial"],
                                                                          ["old"])
    assert list(stored(cycle)) == ["old"]
    page = response.content.decode()
    assert 'id="apply-form"' in page
    response = admin_client.post(url, {"action": "apply", "token": preview.token, "fingerprint": preview.fingerprint})
    assert response.status_code == 302
    assert stored(cycle) == {"plan": ("计划单列市", "Separately planned", ("330200",)),
                             "sub_provincial": ("副省级城市", "Sub-provincial cities", ("330100", "330200"))}


def test_the_dry_run_names_every_wrong_row(admin_client, url, cycle, participants):
    rows = [["sub_provincial", "副省级城市", "Sub-provincial cities", "330100"],
            ["sub_provincial", "副省级", "", "330200"],          # another name
            ["sub_provincial", "", "", "330300"],                # not a participant
            ["sub_provincial", "", "", "999999"],                # no such region
            ["sub_provincial", "", "", "330100"],                # twice
            ["副省级", "副省级城市", "Sub", "330100"],                # a code that is not a slug
            ["plan", "", "Separately planned", "330200"],        # no Chinese name on its first row
            ["other", "其他", "Other", ""]]                      # no region
    response = admin_client.post(url, {"action": "check", "file": table(rows)})
    preview = response.context["preview"]
    assert [(e.row, e.column, e.value) for e in preview.errors] == [
        (3, "group_name_zh", "副省级"), (4, "region_code", "330300"), (5, "region_code", "999999"),
        (6, "region_code", "330100"), (7, "group_code", "副省级"), (8, "group_name_zh", ""),
        (9, "region_code", "")]
    assert "2" in preview.errors[3].reason  # already on row 2
    page = response.content.decode()
    assert page.count("<tr data-row=") == 7
    assert 'id="apply-form"' not in page
    assert not ComparisonGroup.objects.exists()


def test_an_excel_file_and_a_chinese_csv_are_read(admin_client, url, cycle, participants):
    rows = [["sub_provincial", "副省级城市", "Sub-provincial cities", 330100],
            ["sub_provincial", "副省级城市", "Sub-provincial cities", "320100"]]
    for upload in (workbook(rows), table(rows, header=["分组代码", "分组名称（中文）", "分组名称（英文）", "地区代码"],
                                         encoding="gb18030")):
        preview = admin_client.post(url, {"action": "check", "file": upload}).context["preview"]
        assert preview.ok
        assert preview.groups == [GroupInput("sub_provincial", "副省级城市", "Sub-provincial cities",
                                             ("320100", "330100"))]


@pytest.mark.parametrize(("data", "name"), [
    (b"", "groups.csv"),
    (b"group_code,region_code\r\ng,330100\r\n", "groups.csv"),
    (b"\xd0\xcf\x11\xe0 old excel", "groups.xls"),
    (b"PK\x03\x04 not really a zip", "groups.xlsx"),
])
def test_an_unreadable_file_is_refused_with_a_reason(admin_client, url, cycle, participants, data, name):
    response = admin_client.post(url, {"action": "check", "file": SimpleUploadedFile(name, data)})
    assert response.status_code == 400
    assert 'id="groups-error"' in response.content.decode()
    assert response.context["preview"] is None


def test_a_file_checked_before_a_change_is_not_applied(admin_client, url, cycle, participants):
    preview = admin_client.post(url, {"action": "check", "file": table([["g", "甲", "A", "330100"]])}
                                ).context["preview"]
    groups_set(cycle=cycle, groups=[SUB], actor=None)
    response = admin_client.post(url, {"action": "apply", "token": preview.token, "fingerprint": preview.fingerprint})
    assert response.status_code == 409
    assert list(stored(cycle)) == ["sub_provincial"]
    response = admin_client.post(url, {"action": "apply", "token": "forged", "fingerprint": preview.fingerprint})
    assert response.status_code == 400


def test_a_published_cycle_shows_its_groups_but_no_form(admin_client, url, cycle, participants):
    groups_set(cycle=cycle, groups=[SUB], actor=None)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.PUBLISHED)
    page = admin_client.get(url).content.decode()
    assert 'id="groups-lock"' in page
    assert 'id="group-edit"' not in page
    assert 'id="upload-form"' not in page
    response = admin_client.post(url, {"action": "remove", "code": "sub_provincial"})
    assert response.status_code == 409
    assert list(stored(cycle)) == ["sub_provincial"]


def test_the_groups_download_as_the_upload_format(admin_client, cycle, participants):
    groups_set(cycle=cycle, groups=[SUB, GroupInput("f", "=HYPERLINK(1)", "@risk", ("330100",))], actor=None)
    response = admin_client.get(reverse("cycle-groups-csv", args=[cycle.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [HEADER, ["f", "'=HYPERLINK(1)", "'@risk", "330100"],
                    *(["sub_provincial", "副省级城市", "Sub-provincial cities", code]
                      for code in ("320100", "330100", "330200"))]
