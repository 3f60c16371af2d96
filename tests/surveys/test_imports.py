"""Imports of good/bad service ratings and 12345 hotline figures: row-level checks, all or nothing."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from surveys.models import HotlineStatistic, SatisfactionImport, SatisfactionImportRequest, ServiceRating
from surveys.selectors import hotline_estimates, ratings_estimates
from surveys.services import ImportRejected, satisfaction_import
from tests.factories import (
    HOTLINE_HEADER,
    RATING_HEADER,
    Role,
    hotline_rows,
    rating_rows,
    table_csv,
    table_months,
    table_xlsx,
    user_with_role,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_cycle")]


def _import(submission, actor, kind, data, name="file.csv", **kwargs):
    return satisfaction_import(submission=submission, kind=kind, data=data, name=name, actor=actor, **kwargs)


def _nothing_written():
    assert ServiceRating.objects.count() == 0
    assert HotlineStatistic.objects.count() == 0
    assert SatisfactionImport.objects.count() == 0
    assert not AuditEvent.objects.filter(action="satisfaction_imported").exists()


def test_ratings_are_imported_and_estimated(submission, reviewer):
    outcome = _import(submission, reviewer, "ratings", table_csv(rating_rows(500)))
    assert outcome.rows == 500
    assert not outcome.dry_run
    assert ServiceRating.objects.count() == 500
    estimates = ratings_estimates(submission.region, submission.cycle)
    assert estimates["PS01"].n == 500
    assert estimates["PS01"].value == pytest.approx(40.0)  # ratings 4 and 5: two in five
    assert estimates["PS01"].low < 40 < estimates["PS01"].high
    assert estimates["PS02"].n == 200  # ratings 1–2, all with a rectified answer
    assert AuditEvent.objects.get(action="satisfaction_imported").new["rows"] == 500


def test_one_bad_row_among_many_writes_nothing(submission, reviewer):
    rows = rating_rows(2000)
    rows[1234][3] = "6"
    with pytest.raises(ImportRejected) as refused:
        _import(submission, reviewer, "ratings", table_csv(rows))
    assert [(e.row, e.column, e.value) for e in refused.value.errors] == [(1236, "评分", "6")]
    assert "1" in str(refused.value)
    _nothing_written()


def test_wrong_columns_are_named(submission, reviewer):
    with pytest.raises(ImportRejected) as refused:
        _import(submission, reviewer, "ratings", table_csv(rating_rows(5), header=["事项", "地点", "日期", "分数"]))
    errors = refused.value.errors
    assert {e.row for e in errors} == {1}
    assert {e.column for e in errors} == {"渠道 / channel", "评分 / rating"}
    _nothing_written()


def test_a_hotline_file_needs_its_columns(submission, reviewer):
    with pytest.raises(ImportRejected) as refused:
        _import(submission, reviewer, "hotline", table_csv(rating_rows(3)))
    assert len(refused.value.errors) == 6
    _nothing_written()


def test_a_corrupted_workbook_is_refused(submission, reviewer):
    good = table_xlsx(hotline_rows())
    for data in (good[: len(good) // 2], b"PK\x03\x04" + b"\x00" * 200, _zip_without_workbook()):
        with pytest.raises(ImportRejected) as refused:
            _import(submission, reviewer, "hotline", data, name="hotline.xlsx")
        assert refused.value.errors == []
        assert "Excel" in str(refused.value) or "xlsx" in str(refused.value)
    with pytest.raises(ImportRejected):
        _import(submission, reviewer, "hotline", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, name="old.xls")
    with pytest.raises(ImportRejected):
        _import(submission, reviewer, "hotline", b"", name="empty.csv")
    _nothing_written()


def _zip_without_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", "<x/>")
    return buffer.getvalue()


def test_a_csv_with_a_bad_date_is_refused(submission, reviewer):
    rows = rating_rows(50)
    rows[10][2] = "2026-02-30"
    rows[20][2] = "昨天"
    rows[30][2] = f"{timezone.localdate().year - 1}-06-01"
    rows[40][2] = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    with pytest.raises(ImportRejected) as refused:
        _import(submission, reviewer, "ratings", table_csv(rows))
    assert [(e.row, e.column) for e in refused.value.errors] == [(12, "日期"), (22, "日期"), (32, "日期"),
                                                                 (42, "日期")]
    _nothing_written()


def test_dates_and_ratings_in_other_spellings(submission, reviewer):
    year = timezone.localdate().year
    rows = [["不动产登记", "窗口", f"{year}/1/5", "非常满意", "", ""],
            ["社保", "App", f"{year}年1月6日", "不满意", "", "否"],
            ["公积金", "线上", f"{year}0107", "3.0", "", "未整改"]]
    assert _import(submission, reviewer, "ratings", table_csv(rows, delimiter=";")).rows == 3
    assert sorted(ServiceRating.objects.values_list("rating", flat=True)) == [2, 3, 5]


def test_a_gbk_csv_from_excel_is_read(submission, reviewer):
    data = table_csv(rating_rows(20), encoding="gb18030")
    assert _import(submission, reviewer, "ratings", data).rows == 20


def test_comments_of_ratings_are_masked(submission, reviewer):
    rows = rating_rows(1)
    rows[0][4] = "办事员态度差，请回电 13800001111"
    _import(submission, reviewer, "ratings", table_csv(rows))
    assert ServiceRating.objects.get().comment == "办事员态度差，请回电 ***"


def test_hotline_figures_from_excel(submission, reviewer):
    outcome = _import(submission, reviewer, "hotline", table_xlsx(hotline_rows()), name="12345.xlsx")
    months = len(table_months())
    assert outcome.rows == months == HotlineStatistic.objects.count()
    estimates = hotline_estimates(submission.region, submission.cycle)
    calls = sum(1000 + m for m in range(months))
    assert estimates["PS06"].value == pytest.approx(100 * sum(950 + m for m in range(months)) / calls)
    assert estimates["PS05"].value == pytest.approx(100 * 800 / 900)
    assert estimates["PS07"].value == pytest.approx(100 * 200 / 900)


def test_hotline_rows_are_checked(submission, reviewer):
    rows = [*hotline_rows(), [table_months()[0].strftime("%Y-%m"), 10, 5, 1, 1, 1]]
    rows[0][2] = rows[0][1] + 1  # on time > work orders
    rows[0][4] = 901  # satisfied > rated
    with pytest.raises(ImportRejected) as refused:
        _import(submission, reviewer, "hotline", table_xlsx(rows), name="12345.xlsx")
    reasons = [(e.row, e.column) for e in refused.value.errors]
    assert reasons == [(2, "按时办结数"), (2, "满意数"), (len(rows) + 1, "月份")]
    _nothing_written()


def test_a_month_cannot_be_imported_twice(submission, reviewer):
    _import(submission, reviewer, "hotline", table_xlsx(hotline_rows()[:1]), name="january.xlsx")
    with pytest.raises(ImportRejected) as refused:
        _import(submission, reviewer, "hotline", table_xlsx([*hotline_rows()[:1], [table_months()[0], 1, 1, 1, 1, 1]]),
                name="again.xlsx")
    assert "january.xlsx" in refused.value.errors[0].reason
    assert HotlineStatistic.objects.count() == 1


def test_the_same_file_twice_is_refused(submission, reviewer):
    data = table_csv(rating_rows(10))
    _import(submission, reviewer, "ratings", data)
    with pytest.raises(ImportRejected):
        _import(submission, reviewer, "ratings", data)
    assert ServiceRating.objects.count() == 10


def test_a_dry_run_writes_nothing(submission, reviewer):
    outcome = _import(submission, reviewer, "ratings", table_csv(rating_rows(10)), dry_run=True)
    assert outcome.dry_run
    assert outcome.rows == 10
    _nothing_written()


# --- Through the pages (the upload stores the file; the job runs in-process as the request commits) ------------


def _url(submission, kind="ratings"):
    return reverse("satisfaction-import", args=[submission.pk, kind])


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    def upload(submission, data, name="ratings.csv", kind="ratings", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(_url(submission, kind), {"file": SimpleUploadedFile(name, data), **extra})

    return upload


def _request_url(response, view="satisfaction-import-request"):
    made = SatisfactionImportRequest.objects.latest("id")
    assert response["Location"] == reverse("satisfaction-import-request", args=[made.submission_id, made.pk])
    return reverse(view, args=[made.submission_id, made.pk])


def test_the_page_shows_row_errors_and_offers_them_for_download(client, post, submission, reviewer):
    client.force_login(reviewer)
    assert client.get(_url(submission)).status_code == 200
    rows = rating_rows(30)
    rows[5][3] = "很好"
    rows[7][2] = "2026-13-01"
    response = post(submission, table_csv(rows))
    assert response.status_code == 302
    page = client.get(_request_url(response)).content.decode()
    assert 'id="import-error"' in page
    assert 'data-row="7"' in page
    assert 'data-row="9"' in page
    _nothing_written()
    download = client.get(_request_url(response, "satisfaction-import-request-errors"))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    lines = download.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 3
    assert lines[1].startswith("7,评分,很好,")


def test_the_page_imports_and_goes_back(client, post, submission, reviewer):
    client.force_login(reviewer)
    response = post(submission, table_csv(rating_rows(10)))
    assert response.status_code == 302
    page = client.get(_request_url(response)).content.decode()
    assert 'id="import-done"' in page
    assert reverse("satisfaction-city", args=[submission.pk]) in page
    assert ServiceRating.objects.count() == 10
    dry = post(submission, table_csv(rating_rows(11)), dry_run="1")
    assert dry.status_code == 302
    assert 'id="dry-run-ok"' in client.get(_request_url(dry)).content.decode()
    assert ServiceRating.objects.count() == 10
    city = client.get(reverse("satisfaction-city", args=[submission.pk])).content.decode()
    assert city.count('class="badge status-succeeded"') == 2  # both uploads listed, with their status


def test_an_import_can_be_removed(client, post, submission, reviewer):
    client.force_login(reviewer)
    post(submission, table_csv(rating_rows(10)))
    batch = SatisfactionImport.objects.get()
    response = client.post(reverse("satisfaction-import-remove", args=[submission.pk, batch.pk]))
    assert response.status_code == 302
    assert ServiceRating.objects.count() == 0
    assert AuditEvent.objects.filter(action="satisfaction_import_removed").exists()


def test_the_template_downloads(client, submission, reviewer):
    client.force_login(reviewer)
    for kind, header in (("ratings", RATING_HEADER), ("hotline", HOTLINE_HEADER)):
        response = client.get(reverse("satisfaction-import-template", args=[submission.pk, kind]))
        assert response.content.decode("utf-8-sig").splitlines()[0] == ",".join(header)


def test_who_may_import(client, post, submission, regions, cycle):
    other_city = user_with_role("nanjing-reviewer", Role.CITY_REVIEWER, regions["nanjing"])
    other_province = user_with_role("jiangsu-analyst", Role.PROVINCE_ANALYST, regions["jiangsu"])
    officer = user_with_role("hz-officer", Role.CITY_OFFICER, regions["hangzhou"])
    analyst = user_with_role("zj-analyst", Role.PROVINCE_ANALYST, regions["zhejiang"])
    data = table_csv(rating_rows(3))
    for outsider in (other_city, other_province):
        client.force_login(outsider)
        assert client.get(_url(submission)).status_code == 404
        assert post(submission, data).status_code == 404
    client.force_login(officer)
    assert client.get(_url(submission)).status_code == 403
    assert post(submission, data).status_code == 403
    _nothing_written()
    assert not SatisfactionImportRequest.objects.exists()
    client.force_login(analyst)
    assert post(submission, data).status_code == 302
    assert ServiceRating.objects.count() == 3
    client.force_login(other_city)
    batch = SatisfactionImport.objects.get()
    assert client.post(reverse("satisfaction-import-remove", args=[submission.pk, batch.pk])).status_code == 404
