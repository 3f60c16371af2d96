"""The page from which a province's analyst imports values computed from system records for all its regions: the
upload stores the file and records the job (outbox), the job checks or imports it, the request's page shows each
region's values or the row errors; only the province's analysts and the administrators see it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import IndicatorValue
from audit.models import AuditEvent
from outbox.models import Job
from outbox.services import job_run
from surveys.models import RecordsImportRequest
from surveys.services.records_requests import records_import_given_up
from tests.factories import CycleFactory, Role, example_user, open_now, region_tree, table_csv, user_with_role
from tests.records_data import computed, framework_v2, records_cycle, records_year
from tests.surveys.test_records_cases import HANGZHOU, HEADER, NINGBO
from tests.surveys.test_records_cases import _rows as case_rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
Status = RecordsImportRequest.Status
PAGE = reverse("records-province", args=["330000"])


@pytest.fixture
def cycle(db):
    return records_cycle(framework_v2())


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """Upload a file as the logged-in user; on-commit work runs (in-process: the job itself)."""

    def upload(cycle, data, name="cases.csv", kind="cases", code="330000", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("records-province", args=[code]),
                               {"cycle": cycle.pk, "kind": kind, "file": SimpleUploadedFile(name, data), **extra})

    return upload


def _page(made, view="records-request"):
    return reverse(view, args=[made.province.code, made.pk])


def _cases(rows=None):
    return table_csv(rows or case_rows(records_year()), header=HEADER)


def test_it_offers_the_open_v2_cycles_not_v1(client, cycle, framework):
    v1 = open_now(CycleFactory(framework=framework, period=records_year() - 1))
    client.force_login(example_user("analyst"))
    assert client.get(reverse("records-index"))["Location"] == PAGE
    page = client.get(PAGE).content.decode()
    assert f'<option value="{cycle.pk}"' in page
    assert f'<option value="{v1.pk}"' not in page
    assert 'name="dry_run" value="1" id="records-dry-run" checked' in page
    assert reverse("records-template", args=["330000", "cases"]) in page
    template = client.get(reverse("records-template", args=["330000", "hotline"]))
    assert template.content.decode("utf-8-sig").splitlines()[0].startswith("行政区划代码,工单编号,受理时间")

    response = client.post(PAGE, {"cycle": v1.pk, "kind": "cases", "file": SimpleUploadedFile("c.csv", _cases())})
    assert response.status_code == 400
    assert "Choose an open cycle." in response.content.decode()
    assert not RecordsImportRequest.objects.exists()


def test_a_dry_run_shows_each_regions_values_then_imports_them(client, post, cycle,
                                                               django_capture_on_commit_callbacks):
    client.force_login(example_user("analyst"))
    response = post(cycle, _cases(), dry_run="1")
    dry = RecordsImportRequest.objects.get()
    assert response["Location"] == _page(dry)
    assert Job.objects.get(key=f"records-import:{dry.pk}").kind == "surveys.records_import"
    assert (dry.status, dry.dry_run, dry.rows, dry.progress) == (Status.SUCCEEDED, True, 6, 100)
    assert not IndicatorValue.objects.exists()
    hangzhou, ningbo = dry.outcome["regions"]
    assert (hangzhou["code"], hangzhou["name"], hangzhou["rows"]) == ("330100", "Hangzhou", 4)
    assert {v["code"]: v["value"] for v in hangzhou["values"]} == HANGZHOU
    assert {v["code"]: v["value"] for v in ningbo["values"]} == NINGBO
    assert {m["code"]: m["why"] for m in ningbo["missing"]}["SC03"] == "No case of a high-frequency item."

    page = client.get(_page(dry)).content.decode()
    assert "The file is valid: 6 rows checked, no errors." in page
    assert 'id="values-330100"' in page
    assert 'id="values-330200"' in page
    assert "SC03 Indicator SC03: No case of a high-frequency item." in page
    assert "Import these values" in page
    assert client.get(_page(dry, "records-request-status")).json()["active"] is False

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_page(dry, "records-request-apply"))
    made = RecordsImportRequest.objects.exclude(pk=dry.pk).get()
    assert response["Location"] == _page(made)
    assert (made.dry_run, made.applies, made.status, made.rows) == (False, dry, Status.SUCCEEDED, 6)
    assert computed(cycle, "330100") == HANGZHOU
    assert computed(cycle, "330200") == NINGBO
    assert [r["changed"] for r in made.outcome["regions"]] == [8, 5]
    assert AuditEvent.objects.filter(action="values_imported", subject="records").count() == 2
    dry.refresh_from_db()
    assert (dry.file.name, made.file.name) == ("", "")
    page = client.get(_page(made)).content.decode()
    assert "6 rows of “cases.csv” imported" in page
    assert "8 values changed." in page
    assert f'id="records-request-{made.pk}"' in client.get(PAGE).content.decode()


def test_an_import_in_the_background_goes_through_its_stages(client, post, cycle, queued_mode,
                                                             django_capture_on_commit_callbacks):
    client.force_login(example_user("analyst"))
    post(cycle, _cases())
    made = RecordsImportRequest.objects.get()
    assert made.status == Status.QUEUED
    page = client.get(_page(made)).content.decode()
    assert 'id="import-pending"' in page
    assert "js/import-status.js" in page
    assert client.get(_page(made, "records-request-status")).json() == {
        "id": made.pk, "status": "queued", "status_label": "Queued", "active": True, "stage": "",
        "stage_label": "", "progress": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert job_run(job_id=Job.objects.get(key=f"records-import:{made.pk}").pk) == "done"
    made.refresh_from_db()
    assert (made.status, made.stage, made.progress) == (Status.SUCCEEDED, "", 100)
    assert computed(cycle, "330100") == HANGZHOU
    assert made.file.name == ""


def test_a_bad_row_refuses_the_file_and_shows_the_errors(client, post, cycle):
    client.force_login(example_user("analyst"))
    rows = case_rows(records_year())
    rows[2][4] = "yesterday"
    post(cycle, _cases(rows))
    made = RecordsImportRequest.objects.get()
    assert made.status == Status.FAILED
    assert made.error.startswith("Nothing was imported: 1 rows have errors.")
    assert [(row, column) for row, column, _value, _why in made.row_errors] == [(4, "受理时间")]
    assert not IndicatorValue.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["values_imported", "value_changed"]).exists()
    page = client.get(_page(made)).content.decode()
    assert 'id="import-errors"' in page
    assert '<tr data-row="4"><td>4</td><td>受理时间</td><td>yesterday</td>' in page
    errors = client.get(_page(made, "records-request-errors")).content.decode("utf-8-sig")
    assert errors.splitlines()[0] == "Row,Column,Value,Reason"
    assert client.post(_page(made, "records-request-apply")).status_code == 302
    assert RecordsImportRequest.objects.count() == 1


def test_a_region_of_another_province_refuses_the_file(client, post, cycle):
    client.force_login(example_user("analyst"))
    rows = case_rows(records_year())
    rows[4][0] = "320100"
    post(cycle, _cases(rows))
    made = RecordsImportRequest.objects.get()
    assert [(e[0], e[3]) for e in made.row_errors] == [(6, "Nanjing is not in Zhejiang.")]
    assert not IndicatorValue.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("officer", 404), ("reviewer", 404), ("jiangsu_analyst", 404)])
def test_city_users_and_other_provinces_cannot_see_or_post(client, post, cycle, who, status):
    client.force_login(example_user("analyst"))
    post(cycle, _cases(), dry_run="1")
    made = RecordsImportRequest.objects.get()
    client.force_login(example_user(who))
    assert client.get(PAGE).status_code == status
    assert post(cycle, _cases()).status_code == status
    for view in ("records-request", "records-request-status", "records-request-errors"):
        assert client.get(_page(made, view)).status_code == status
    assert client.post(_page(made, "records-request-apply")).status_code == status
    assert client.get(reverse("records-template", args=["330000", "cases"])).status_code == status
    assert RecordsImportRequest.objects.count() == 1
    assert not IndicatorValue.objects.exists()


def test_the_index_refuses_who_imports_for_no_province(client, post, cycle):
    client.force_login(example_user("officer"))
    assert client.get(reverse("records-index")).status_code == 403
    client.force_login(example_user("analyst"))
    post(cycle, _cases(), dry_run="1")
    made = RecordsImportRequest.objects.get()
    client.force_login(example_user("jiangsu_analyst"))
    assert client.get(reverse("records-index"))["Location"] == reverse("records-province", args=["320000"])
    assert client.get(reverse("records-request", args=["320000", made.pk])).status_code == 404
    assert client.post(reverse("records-request-apply", args=["320000", made.pk])).status_code == 404


def test_a_provincial_coordinator_sees_the_province_but_may_not_import(client, cycle):
    client.force_login(user_with_role("zj_coordinator", Role.PROVINCE_COORDINATOR, region_tree()["zhejiang"]))
    assert client.get(PAGE).status_code == 403


def test_an_administrator_chooses_the_province(client, post, cycle):
    client.force_login(example_user("admin"))
    page = client.get(reverse("records-index")).content.decode()
    assert PAGE in page
    assert reverse("records-province", args=["320000"]) in page
    post(cycle, _cases(), dry_run="1")
    assert RecordsImportRequest.objects.get().status == Status.SUCCEEDED


def test_a_job_given_up_fails_with_the_reason_and_removes_the_file(client, post, cycle, queued_mode):
    client.force_login(example_user("analyst"))
    post(cycle, _cases())
    made = RecordsImportRequest.objects.get()
    records_import_given_up(request_id=made.pk, error="worker lost")
    made.refresh_from_db()
    assert made.status == Status.FAILED
    assert made.error == ("The import could not be finished; nothing was imported. Upload the file again, or ask "
                          "the administrators if this happens again. (worker lost)")
    assert made.file.name == ""
    assert not IndicatorValue.objects.exists()
