"""The Excel round trip: pre-filled templates, the dry run, the all-or-nothing apply, refusals and permissions."""

import datetime
import zipfile
from io import BytesIO
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook

from assessments.models import Cycle, IndicatorValue, RoleAssignment, Submission
from assessments.services import Entry, values_save
from assessments.services import imports as import_service
from audit.models import AuditEvent
from tests.factories import fill, many_cities, user_with_role

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZH_HEADERS = ["指标代码", "维度", "指标名称", "单位", "有效范围", "上期数值", "本期数值", "说明"]
EN_HEADERS = ["Indicator code", "Dimension", "Indicator", "Unit", "Valid range", "Last period", "This period", "Note"]


@pytest.fixture(autouse=True)
def _media_and_open_cycle(settings, tmp_path, cycle):
    """Uploads go to a temporary directory; the cycle is open for entry today, whatever today is."""
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    Cycle.objects.filter(pk=cycle.pk).update(opens=today - datetime.timedelta(days=30),
                                             closes=today + datetime.timedelta(days=30))
    cycle.refresh_from_db()


@pytest.fixture
def analyst(regions):
    return user_with_role("analyst", Role.PROVINCE_ANALYST, regions["zhejiang"])


def _workbook(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == XLSX
    return load_workbook(BytesIO(response.content))


def _bytes(workbook):
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, url, data, name="values.xlsx"):
    return client.post(url, {"file": SimpleUploadedFile(name, data, content_type=XLSX)})


def _apply(client, url, response):
    return client.post(url, {"action": "apply", "token": response.context["token"],
                             "fingerprint": response.context["preview"].fingerprint})


def _rows_by_key(sheet, *keys):
    """Header text → column index, and (key columns…) → row number."""
    columns = {cell.value: cell.column for cell in sheet[1]}
    rows = {}
    for row in range(2, sheet.max_row + 1):
        rows[tuple(str(sheet.cell(row, columns[k]).value) for k in keys)] = row
    return columns, rows


def _valid(indicator):
    """A value every indicator accepts."""
    low, high = indicator.min_value, indicator.max_value
    if indicator.data_type == "boolean":
        return 1
    if low is not None and high is not None:
        value = (low + high) / 2
    elif low is not None:
        value = low + 3
    elif high is not None:
        value = high - 3
    else:
        value = 3
    return round(value) if indicator.data_type == "ordinal" else value


def _files(tmp_path):
    directory = tmp_path / "imports"
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


# Round trip --------------------------------------------------------------------------------------------------


def test_round_trip_changes_exactly_the_cells_filled_in(client, officer, submission, tmp_path):
    fill(submission)
    before = {v.indicator.code: v.value for v in submission.values.select_related("indicator")}
    client.force_login(officer)
    workbook = _workbook(client.get(reverse("submission-excel", args=[submission.pk])))
    sheet = workbook.worksheets[0]
    columns, rows = _rows_by_key(sheet, "指标代码")
    assert {code: sheet.cell(rows[(code,)], columns["本期数值"]).value for code in before} == before

    sheet.cell(rows[("RS01",)], columns["本期数值"]).value = 77.5
    sheet.cell(rows[("RS02",)], columns["说明"]).value = "口径调整：含区县平台"
    sheet.cell(rows[("RS03",)], columns["本期数值"]).value = None
    url = reverse("submission-import", args=[submission.pk])
    response = _upload(client, url, _bytes(workbook))

    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.errors == []
    assert [(c.row, c.indicator.code, c.old_value, c.new_value, c.new_note) for c in preview.changes] == [
        (rows[("RS01",)], "RS01", before["RS01"], 77.5, ""),
        (rows[("RS02",)], "RS02", before["RS02"], before["RS02"], "口径调整：含区县平台"),
        (rows[("RS03",)], "RS03", before["RS03"], None, ""),
    ]
    assert preview.unchanged == len(before) - 3
    page = response.content.decode()
    assert 'id="apply-form"' in page
    assert "77.5" in page
    assert IndicatorValue.objects.get(submission=submission, indicator__code="RS01").value == before["RS01"]
    assert not AuditEvent.objects.filter(submission=submission).exists()
    token = response.context["token"]
    assert _files(tmp_path) == sorted([f"{token}.json", f"{token}.xlsx"])

    response = _apply(client, url, response)

    assert response.status_code == 302
    assert response["Location"] == reverse("submission", args=[submission.pk])
    values = {v.indicator.code: v for v in submission.values.select_related("indicator")}
    assert values["RS01"].value == 77.5
    assert values["RS01"].source == IndicatorValue.Source.EXCEL
    assert values["RS01"].updated_by == officer
    assert values["RS02"].note == "口径调整：含区县平台"
    assert values["RS02"].source == IndicatorValue.Source.EXCEL
    assert "RS03" not in values
    assert values["RS04"].source == IndicatorValue.Source.FORM
    events = AuditEvent.objects.filter(submission=submission, action="value_changed")
    assert {(e.subject, e.actor_id) for e in events} == {("RS01", officer.pk), ("RS02", officer.pk),
                                                         ("RS03", officer.pk)}
    assert events.get(subject="RS01").old == {"value": before["RS01"], "note": ""}
    assert events.get(subject="RS01").new == {"value": 77.5, "note": ""}
    assert AuditEvent.objects.filter(submission=submission, action="values_imported").count() == 1
    submission.refresh_from_db()
    assert submission.version == 2
    assert _files(tmp_path) == []


def test_an_empty_submission_is_filled_from_the_template(client, officer, submission, framework):
    client.force_login(officer)
    workbook = _workbook(client.get(reverse("submission-excel", args=[submission.pk])))
    sheet = workbook.worksheets[0]
    columns, rows = _rows_by_key(sheet, "指标代码")
    indicators = {i.code: i for i in framework.indicators.all()}
    for (code,), row in rows.items():
        sheet.cell(row, columns["本期数值"]).value = _valid(indicators[code])
    url = reverse("submission-import", args=[submission.pk])
    response = _upload(client, url, _bytes(workbook))
    assert response.context["preview"].errors == []
    assert len(response.context["preview"].changes) == 33

    assert _apply(client, url, response).status_code == 302
    assert submission.values.filter(source=IndicatorValue.Source.EXCEL).count() == 33


def test_a_file_downloaded_in_english_imports_in_chinese_and_percent_cells_count_as_shown(client, officer,
                                                                                         submission):
    client.force_login(officer)
    url = reverse("submission-excel", args=[submission.pk])
    workbook = _workbook(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    sheet = workbook.worksheets[0]
    columns, rows = _rows_by_key(sheet, "Indicator code")
    cell = sheet.cell(rows[("RS01",)], columns["This period"])
    cell.value, cell.number_format = 0.855, "0.0%"
    sheet.cell(rows[("RS03",)], columns["This period"]).value = "2.5天"
    response = _upload(client, reverse("submission-import", args=[submission.pk]), _bytes(workbook))
    preview = response.context["preview"]
    assert [(c.indicator.code, c.new_value) for c in preview.changes] == [("RS01", 85.5)]
    assert [(e.row, e.column) for e in preview.errors] == [(rows[("RS03",)], "value")]
    assert "本期数值" in preview.errors[0].column_label


# The template --------------------------------------------------------------------------------------------------


def test_the_template_speaks_the_users_language(client, officer, submission):
    client.force_login(officer)
    response = client.get(reverse("submission-excel", args=[submission.pk]))
    sheet = _workbook(response).worksheets[0]
    assert [c.value for c in sheet[1]] == ZH_HEADERS
    assert sheet["B2"].value == "资源共享度"
    assert sheet["C2"].value == "政务数据目录挂接率"
    assert sheet["D2"].value == "%"
    disposition = response["Content-Disposition"]
    name = f"{gettext('SmartGov assessment')}_杭州市_2026.xlsx"
    assert disposition.startswith("attachment; ")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert 'filename="smartgov_330100_2026.xlsx"' in disposition

    english = _workbook(client.get(reverse("submission-excel", args=[submission.pk]), HTTP_ACCEPT_LANGUAGE="en"))
    assert [c.value for c in english.worksheets[0][1]] == EN_HEADERS
    assert english.worksheets[0]["B2"].value == "Resource sharing"


def test_the_value_column_carries_data_validation(client, officer, submission, framework):
    client.force_login(officer)
    workbook = _workbook(client.get(reverse("submission-excel", args=[submission.pk])))
    sheet = workbook.worksheets[0]
    _columns, rows = _rows_by_key(sheet, "指标代码")
    by_cell = {}
    for validation in sheet.data_validations.dataValidation:
        assert validation.showErrorMessage
        assert validation.error
        assert validation.errorTitle
        for cell_range in validation.sqref.ranges:
            assert cell_range.min_col == cell_range.max_col == 7  # column G, 本期数值
            for row in range(cell_range.min_row, cell_range.max_row + 1):
                assert row not in by_cell
                by_cell[row] = validation
    assert sorted(by_cell) == sorted(rows.values())
    for indicator in framework.indicators.all():
        validation = by_cell[rows[(indicator.code,)]]
        if indicator.data_type == "boolean":
            assert (validation.type, validation.formula1) == ("list", '"0,1"')
        elif indicator.data_type == "ordinal":
            assert validation.type == "whole"
        else:
            assert validation.type == "decimal"
        if indicator.data_type != "boolean" and indicator.min_value is not None and indicator.max_value is not None:
            assert (validation.operator, float(validation.formula1), float(validation.formula2)) == (
                "between", indicator.min_value, indicator.max_value)


def test_the_template_locks_the_codes_and_records_where_it_comes_from(client, officer, submission):
    Submission.objects.filter(pk=submission.pk).update(version=4)
    client.force_login(officer)
    workbook = _workbook(client.get(reverse("submission-excel", args=[submission.pk])))
    sheet = workbook.worksheets[0]
    assert sheet.freeze_panes == "B2"
    assert sheet.protection.sheet
    assert sheet["A2"].protection.locked
    assert not sheet["G2"].protection.locked
    assert not sheet["H2"].protection.locked
    assert sheet["A1"].comment is not None
    assert sheet.column_dimensions["C"].width > sheet.column_dimensions["A"].width
    meta = workbook["_smartgov"]
    assert meta.sheet_state == "hidden"
    values = {row[0]: row[1:] for row in meta.iter_rows(values_only=True)}
    assert values["kind"][0] == "submission"
    assert values["region"][0] == "330100"
    assert values["period"][0] == 2026
    assert values["framework"][0] == "smartgov-maturity"
    assert values["framework_version"][0] == 1
    assert values["submission"][:3] == (submission.pk, "330100", 4)


def test_a_locked_submission_gives_a_template_with_locked_values(client, officer, submission):
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.SUBMITTED)
    client.force_login(officer)
    sheet = _workbook(client.get(reverse("submission-excel", args=[submission.pk]))).worksheets[0]
    assert sheet["G2"].protection.locked


# Refused files ----------------------------------------------------------------------------------------------


def _garbage_zip():
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not-a-workbook")
    return buffer.getvalue()


@pytest.mark.parametrize("data", [
    b"PK\x03\x04" + bytes(range(256)) * 20,
    "指标代码,本期数值\nRS01,88\n".encode(),
    b"",
    _garbage_zip(),
    b"\xd0\xcf\x11\xe0" + b"\0" * 600,
], ids=["zip-garbage", "csv-renamed", "empty", "broken-workbook", "xls"])
def test_an_unreadable_file_is_refused_with_a_message(client, officer, submission, tmp_path, data):
    client.force_login(officer)
    response = _upload(client, reverse("submission-import", args=[submission.pk]), data)
    assert response.status_code == 400
    assert response.context["error"]
    assert response.context["preview"] is None
    assert 'id="import-error"' in response.content.decode()
    assert not IndicatorValue.objects.exists()
    assert not AuditEvent.objects.filter(submission__isnull=False).exists()
    assert _files(tmp_path) == []


def test_a_workbook_not_made_by_the_platform_is_refused(client, officer, submission):
    workbook = Workbook()
    workbook.active.append(ZH_HEADERS)
    workbook.active.append(["RS01", "", "", "", "", "", 88, ""])
    client.force_login(officer)
    response = _upload(client, reverse("submission-import", args=[submission.pk]), _bytes(workbook))
    assert response.status_code == 400
    assert "_smartgov" in response.context["error"]
    assert not IndicatorValue.objects.exists()


def test_files_over_the_limits_are_refused(client, officer, submission, monkeypatch):
    client.force_login(officer)
    data = client.get(reverse("submission-excel", args=[submission.pk])).content
    url = reverse("submission-import", args=[submission.pk])
    monkeypatch.setattr(import_service, "VALUES_WORKBOOK_MAX_ROWS", 20)
    response = _upload(client, url, data)
    assert response.status_code == 400
    assert "20" in response.context["error"]
    monkeypatch.setattr(import_service, "VALUES_WORKBOOK_MAX_ROWS", 20_000)
    monkeypatch.setattr(import_service, "VALUES_WORKBOOK_MAX_BYTES", len(data) - 1)
    response = _upload(client, url, data)
    assert response.status_code == 400
    assert response.context["error"]
    assert not IndicatorValue.objects.exists()


def test_a_file_of_another_cycle_is_refused(client, officer, submission, framework):
    other = Cycle.objects.create(framework=framework, period=2027, opens=datetime.date(2027, 9, 1),
                                 closes=datetime.date(2027, 12, 31))
    other_submission = Submission.objects.create(region=submission.region, cycle=other)
    client.force_login(officer)
    data = client.get(reverse("submission-excel", args=[other_submission.pk])).content
    response = _upload(client, reverse("submission-import", args=[submission.pk]), data)
    assert response.status_code == 400
    assert "2027" in response.context["error"]


def test_a_file_of_another_city_names_both_cities(client, officer, submission, people, regions, cycle):
    ningbo, _created = Submission.objects.get_or_create(region=regions["ningbo"], cycle=cycle)
    client.force_login(people["ningbo_officer"])
    data = client.get(reverse("submission-excel", args=[ningbo.pk])).content
    client.force_login(officer)
    response = _upload(client, reverse("submission-import", args=[submission.pk]), data)
    assert response.status_code == 400
    assert response.context["error"] == "此文件是宁波市的数据，不是杭州市的数据。"


# Row-level errors ------------------------------------------------------------------------------------------------


def test_row_errors_name_the_row_and_column_and_the_report_downloads(client, officer, submission):
    client.force_login(officer)
    workbook = _workbook(client.get(reverse("submission-excel", args=[submission.pk])))
    sheet = workbook.worksheets[0]
    columns, rows = _rows_by_key(sheet, "指标代码")
    sheet.cell(rows[("RS01",)], columns["本期数值"]).value = "很多"
    sheet.cell(rows[("RS02",)], columns["本期数值"]).value = 140
    sheet.cell(rows[("RS04",)], columns["指标代码"]).value = "ZZ99"
    sheet.cell(rows[("RS04",)], columns["本期数值"]).value = 5
    sheet.cell(rows[("RS05",)], columns["本期数值"]).value = 50
    url = reverse("submission-import", args=[submission.pk])
    response = _upload(client, url, _bytes(workbook))

    preview = response.context["preview"]
    assert [(e.row, e.column) for e in preview.errors] == [
        (rows[("RS01",)], "value"), (rows[("RS02",)], "value"), (rows[("RS04",)], "code")]
    assert "很多" in preview.errors[0].reason
    assert preview.errors[1].value == "140"
    assert "ZZ99" in preview.errors[2].reason
    assert all("(G)" in e.column_label for e in preview.errors[:2])
    assert "(A)" in preview.errors[2].column_label
    assert [c.indicator.code for c in preview.changes] == ["RS05"]
    assert 'id="apply-form"' not in response.content.decode()

    report = client.get(response.context["errors_url"])
    sheet = _workbook(report).worksheets[0]
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        rows[("RS01",)], rows[("RS02",)], rows[("RS04",)]]
    assert sheet.cell(2, 5).value == "很多"
    assert "很多" in sheet.cell(2, 6).value
    assert "filename*=UTF-8''" in report["Content-Disposition"]

    # Applying anyway writes nothing.
    response = _apply(client, url, response)
    assert response.status_code == 409
    assert not IndicatorValue.objects.exists()
    assert not AuditEvent.objects.filter(submission__isnull=False).exists()


def test_the_error_report_is_only_for_the_uploader(client, officer, submission, regions):
    client.force_login(officer)
    workbook = _workbook(client.get(reverse("submission-excel", args=[submission.pk])))
    workbook.worksheets[0]["G2"] = "x"
    response = _upload(client, reverse("submission-import", args=[submission.pk]), _bytes(workbook))
    url = response.context["errors_url"]
    colleague = user_with_role("reviewer", Role.CITY_REVIEWER, regions["hangzhou"])
    client.force_login(colleague)
    assert client.get(url).status_code == 404
    token = response.context["token"]
    assert client.get(url.replace(token, "../../settings")).status_code == 404


# Province files ---------------------------------------------------------------------------------------------


@pytest.fixture
def province_cycle(cycle, regions, submission):
    cities = many_cities(15, regions["zhejiang"])
    for city in cities:
        Submission.objects.get_or_create(region=city, cycle=cycle)
    return cycle


def test_a_province_file_with_one_bad_row_writes_nothing_at_all(client, analyst, province_cycle, regions,
                                                                framework):
    client.force_login(analyst)
    kwargs = {"cycle_pk": province_cycle.pk, "code": "330000"}
    response = client.get(reverse("province-excel", kwargs=kwargs))
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    workbook = _workbook(response)
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == ["城市代码", "城市名称", *ZH_HEADERS]
    columns, rows = _rows_by_key(sheet, "城市代码", "指标代码")
    assert len(rows) == 15 * 33 == 495
    assert len({city for city, _code in rows}) == 15
    assert sheet.freeze_panes == "D2"
    indicators = {i.code: i for i in framework.indicators.all()}
    for (_city, code), row in rows.items():
        sheet.cell(row, columns["本期数值"]).value = _valid(indicators[code])
    bad_row = rows[("330800", "MP03")]
    sheet.cell(bad_row, columns["本期数值"]).value = "12,3x"
    url = reverse("province-import", kwargs=kwargs)

    response = _upload(client, url, _bytes(workbook))

    preview = response.context["preview"]
    assert [(e.row, e.column, e.code, e.value) for e in preview.errors] == [(bad_row, "value", "MP03", "12,3x")]
    assert len(preview.changes) == 494
    assert preview.submissions_changed == 15
    response = client.post(url, {"action": "apply", "token": response.context["token"],
                                 "fingerprint": preview.fingerprint})
    assert response.status_code == 409
    assert not IndicatorValue.objects.exists()
    assert not AuditEvent.objects.filter(submission__isnull=False).exists()
    assert set(Submission.objects.values_list("version", flat=True)) == {1}

    sheet.cell(bad_row, columns["本期数值"]).value = _valid(indicators["MP03"])
    response = _upload(client, url, _bytes(workbook))
    assert response.context["preview"].errors == []
    response = _apply(client, url, response)
    assert response.status_code == 302
    assert IndicatorValue.objects.filter(source=IndicatorValue.Source.EXCEL, updated_by=analyst).count() == 495
    assert set(Submission.objects.values_list("version", flat=True)) == {2}


def test_a_province_file_reports_cities_outside_the_province_and_locked_submissions(
        client, analyst, province_cycle, regions, framework):
    approved = Submission.objects.get(region__code="330300", cycle=province_cycle)
    Submission.objects.filter(pk=approved.pk).update(status=Submission.Status.APPROVED)
    client.force_login(analyst)
    kwargs = {"cycle_pk": province_cycle.pk, "code": "330000"}
    workbook = _workbook(client.get(reverse("province-excel", kwargs=kwargs)))
    sheet = workbook.worksheets[0]
    columns, rows = _rows_by_key(sheet, "城市代码", "指标代码")
    assert sheet.cell(rows[("330300", "RS01")], columns["本期数值"]).protection.locked
    sheet.cell(rows[("330300", "RS01")], columns["本期数值"]).value = 60
    sheet.cell(rows[("330400", "RS01")], columns["城市代码"]).value = "320100"
    sheet.cell(rows[("330400", "RS01")], columns["本期数值"]).value = 60
    sheet.cell(rows[("330500", "RS01")], columns["本期数值"]).value = 60

    response = _upload(client, reverse("province-import", kwargs=kwargs), _bytes(workbook))

    preview = response.context["preview"]
    assert [(e.row, e.column) for e in preview.errors] == [
        (rows[("330300", "RS01")], "value"), (rows[("330400", "RS01")], "region_code")]
    assert approved.region.name in preview.errors[0].reason
    assert preview.errors[1].reason == "南京市不是浙江省在本周期有填报的城市。"
    assert (preview.errors[1].value, preview.errors[1].region) == ("320100", "南京市")
    assert [(c.region.code, c.indicator.code) for c in preview.changes] == [("330500", "RS01")]


# Conflicts --------------------------------------------------------------------------------------------------


def test_a_submission_changed_after_the_download_is_a_conflict(client, officer, submission, admin_user):
    client.force_login(officer)
    workbook = _workbook(client.get(reverse("submission-excel", args=[submission.pk])))
    values_save(submission=submission, entries={"RS01": Entry(90)}, actor=admin_user, expected_version=1)
    sheet = workbook.worksheets[0]
    columns, rows = _rows_by_key(sheet, "指标代码")
    sheet.cell(rows[("RS02",)], columns["本期数值"]).value = 80

    url = reverse("submission-import", args=[submission.pk])
    response = _upload(client, url, _bytes(workbook))

    preview = response.context["preview"]
    assert [(e.row, e.column) for e in preview.errors] == [(rows[("RS01",)], "value"), (rows[("RS02",)], "value")]
    assert all("2" in e.reason and "1" in e.reason for e in preview.errors)
    assert _apply(client, url, response).status_code == 409
    assert list(submission.values.values_list("indicator__code", "value")) == [("RS01", 90.0)]


def test_a_change_between_the_dry_run_and_the_apply_writes_nothing(client, officer, submission, admin_user):
    client.force_login(officer)
    workbook = _workbook(client.get(reverse("submission-excel", args=[submission.pk])))
    sheet = workbook.worksheets[0]
    columns, rows = _rows_by_key(sheet, "指标代码")
    sheet.cell(rows[("RS02",)], columns["本期数值"]).value = 80
    url = reverse("submission-import", args=[submission.pk])
    response = _upload(client, url, _bytes(workbook))
    assert response.context["preview"].ok

    values_save(submission=submission, entries={"RS03": Entry(4)}, actor=admin_user, expected_version=1)
    response = _apply(client, url, response)

    assert response.status_code == 409
    assert response.context["error"]
    assert list(submission.values.values_list("indicator__code", flat=True)) == ["RS03"]
    assert not IndicatorValue.objects.filter(source=IndicatorValue.Source.EXCEL).exists()


def test_an_upload_is_applied_only_by_its_uploader(client, officer, submission, regions):
    client.force_login(officer)
    workbook = _workbook(client.get(reverse("submission-excel", args=[submission.pk])))
    workbook.worksheets[0]["G2"] = 70
    url = reverse("submission-import", args=[submission.pk])
    response = _upload(client, url, _bytes(workbook))
    client.force_login(user_with_role("reviewer", Role.CITY_REVIEWER, regions["hangzhou"]))
    assert _apply(client, url, response).status_code == 409
    assert not IndicatorValue.objects.exists()


# Permissions ------------------------------------------------------------------------------------------------


def test_another_provinces_analyst_gets_404(client, regions, province_cycle, submission):
    client.force_login(user_with_role("jiangsu", Role.PROVINCE_ANALYST, regions["jiangsu"]))
    kwargs = {"cycle_pk": province_cycle.pk, "code": "330000"}
    assert client.get(reverse("province-excel", kwargs=kwargs)).status_code == 404
    assert client.get(reverse("province-import", kwargs=kwargs)).status_code == 404
    assert client.post(reverse("province-import", kwargs=kwargs), {"file": b""}).status_code == 404
    assert client.get(reverse("submission-excel", args=[submission.pk])).status_code == 404
    assert client.get(reverse("submission-import", args=[submission.pk])).status_code == 404


def test_an_officer_of_another_city_gets_404(client, regions, cycle, submission):
    client.force_login(user_with_role("ningbo", Role.CITY_OFFICER, regions["ningbo"]))
    assert client.get(reverse("submission-excel", args=[submission.pk])).status_code == 404
    assert client.get(reverse("submission-import", args=[submission.pk])).status_code == 404
    data = b"PK\x03\x04"
    assert _upload(client, reverse("submission-import", args=[submission.pk]), data).status_code == 404
    kwargs = {"cycle_pk": cycle.pk, "code": "330000"}
    assert client.get(reverse("province-excel", kwargs=kwargs)).status_code == 404


def test_a_city_officer_cannot_use_the_province_file_of_its_own_province(client, officer, cycle):
    client.force_login(officer)
    kwargs = {"cycle_pk": cycle.pk, "code": "330000"}
    assert client.get(reverse("province-excel", kwargs=kwargs)).status_code == 404
    assert client.get(reverse("province-import", kwargs=kwargs)).status_code == 404


def test_an_anonymous_user_is_sent_to_log_in(client, submission):
    response = client.get(reverse("submission-excel", args=[submission.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_locked_submission_cannot_be_imported_but_its_template_downloads(client, officer, submission):
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.SIGNED_OFF)
    client.force_login(officer)
    data = client.get(reverse("submission-excel", args=[submission.pk])).content
    url = reverse("submission-import", args=[submission.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["lock"]
    assert 'id="upload-form"' not in page.content.decode()
    assert _upload(client, url, data).status_code == 403
    assert not IndicatorValue.objects.exists()


def test_the_admin_may_use_any_province_file(client, admin_user, province_cycle):
    client.force_login(admin_user)
    kwargs = {"cycle_pk": province_cycle.pk, "code": "330000"}
    assert client.get(reverse("province-excel", kwargs=kwargs)).status_code == 200
    assert client.get(reverse("province-import", kwargs=kwargs)).status_code == 200


def test_the_import_page_offers_the_template(client, officer, submission):
    client.force_login(officer)
    page = client.get(reverse("submission-import", args=[submission.pk])).content.decode()
    assert reverse("submission-excel", args=[submission.pk]) in page
    assert 'id="upload-form"' in page
