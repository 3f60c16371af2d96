"""The progress export of the campaign console: one row per participant the reader coordinates, in their language,
every cell a number or plain text (never a formula)."""

import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import Region
from audit.models import Action
from tests.campaigns import activity, attach, campaign, coordinator, days, participant
from tests.factories import fill

pytestmark = pytest.mark.django_db
HEADERS_EN = ["Province", "Region", "Code", "Level", "Status", "Deadline", "Deadline extended", "Days overdue",
              "Values filled", "Values expected", "Evidence missing", "Last activity", "Last activity at"]


@pytest.fixture
def cycle(framework, people):
    cycle = campaign(framework)
    hangzhou = fill(participant(cycle, "330100"))
    for code in ("RS05", "RS08", "MP06", "MP08", "SC08", "SC09", "PS03"):
        attach(hangzhou, code)
    activity(hangzhou, people["officer"], Action.SUBMISSION_SUBMITTED, "status")
    return cycle


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.content)).active


def _export(client, user, language="en", **params):
    client.force_login(user)
    return client.get(reverse("console-export"), params, HTTP_ACCEPT_LANGUAGE=language)


def test_it_has_a_row_per_participant_with_what_the_console_shows(client, cycle, admin_user):
    sheet = _sheet(_export(client, admin_user, cycle=cycle.pk))
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == HEADERS_EN
    by_code = {row[2]: row for row in rows[1:]}
    assert list(by_code) == ["320100", "330100", "330102", "330200"]  # by province code, then region code
    hangzhou = by_code["330100"]
    assert hangzhou[:11] == ["Zhejiang", "Hangzhou", "330100", "Prefecture-level division", "Draft",
                             days(-5).isoformat(), "No", 5, 33, 33, "PS04, PS08"]
    assert hangzhou[11] == "Submit for city sign-off"
    assert len(hangzhou[12]) == len("2026-11-30 18:00")
    assert by_code["320100"][5:8] == [days(10).isoformat(), "Yes", 0]
    assert by_code["330102"][3] == "County-level division"
    assert by_code["330200"][4] == "Approved"
    assert by_code["330200"][11:] == [None, None]  # no activity yet: empty cells


def test_every_cell_is_a_number_or_text_and_formula_lookalikes_stay_text(client, cycle, admin_user):
    Region.objects.filter(code="330100").update(name_en="=HYPERLINK(\"http://evil.example\",\"x\")")
    Region.objects.filter(code="330200").update(name_en="+1-2")
    Region.objects.filter(code="320100").update(name_en="@SUM(A1:A9)")
    Region.objects.filter(code="330102").update(name_en="-3")
    sheet = _sheet(_export(client, admin_user, cycle=cycle.pk))
    names = {}
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type in ("s", "n"), (cell.coordinate, cell.value, cell.data_type)
        names[row[2].value] = (row[1].value, row[1].data_type)
    assert names == {"330100": ('=HYPERLINK("http://evil.example","x")', "s"), "330200": ("+1-2", "s"),
                     "320100": ("@SUM(A1:A9)", "s"), "330102": ("-3", "s")}


def test_a_provincial_coordinator_exports_their_province_in_chinese(client, cycle):
    sheet = _sheet(_export(client, coordinator(), language="zh-hans", cycle=cycle.pk))
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[2] for row in rows[1:]] == ["330100", "330102", "330200"]
    assert rows[1][:2] == ("浙江省", "杭州市")


def test_the_file_is_named_after_the_cycle_and_the_province(client, cycle, admin_user):
    response = _export(client, admin_user, cycle=cycle.pk, province="330000")
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"progress-{cycle.period}-330000.xlsx\"; "
        f"filename*=UTF-8''{quote(f'{cycle.period}-Zhejiang-Progress.xlsx')}")
    assert [row[2] for row in _sheet(response).iter_rows(min_row=2, values_only=True)] == [
        "330100", "330102", "330200"]
