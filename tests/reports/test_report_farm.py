"""The report farm: PDF builds on a queue of their own (score runs never wait behind a batch), the national batch
(national role only) with its progress, a finished batch's ZIP, and the expiry of old report files."""

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.services import cycle_scores_request
from assessments.services.scores import SCORES_JOB
from outbox.models import Job
from outbox.registry import KINDS
from outbox.services import job_queue
from reports.models import Report, ReportBatch
from reports.services import REPORTS_JOB, batch_request, report_files_expire, report_retry
from reports.tasks import expire_report_files
from smartgov.celery import app
from smartgov.errors import PermissionRefused
from tests.factories import many_cities, scored_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def cities(regions):
    return [*many_cities(4, regions["zhejiang"]), regions["nanjing"]]


@pytest.fixture
def cycle(framework, cities):
    return scored_cycle(framework, cities, 2026, seed=5)


def _queue_of(message):
    """The Celery queue a message sent by the outbox goes to, as Celery's router resolves it."""
    args, options = message
    return app.amqp.router.route(dict(options), "outbox.run_job", args)["queue"].name


def _kind_of(message):
    return Job.objects.get(pk=message[0][0]).kind


def _built(report, content=b"%PDF-1.7 test"):
    """The report marked built, with a small file of its own under MEDIA_ROOT."""
    name = f"reports/{report.cycle.period}/{report.region.code}/r-{report.pk}.pdf"
    path = Path(report.file.storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.SUCCEEDED, file=name, size=len(content), pages=1,
                                               progress=100, finished_at=timezone.now())
    report.refresh_from_db()
    return report


# ---- routing --------------------------------------------------------------------------------------------

def test_with_a_long_report_batch_queued_a_score_run_goes_to_another_queue(
        cycle, admin_user, queued_mode, django_capture_on_commit_callbacks, settings):
    settings.SCORE_DEBOUNCE_SECONDS = 0  # the run is sent when asked (else by the sweeper, the same way)
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_request(cycle=cycle, province=None, actor=admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        cycle_scores_request(cycle=cycle, actor=admin_user, reason="a correction")

    reports = [m for m in queued_mode if _kind_of(m) == REPORTS_JOB]
    scores = [m for m in queued_mode if _kind_of(m) == SCORES_JOB]
    assert len(reports) == batch.total == 5
    assert len(scores) == 1
    assert {_queue_of(m) for m in reports} == {settings.REPORTS_QUEUE}
    assert _queue_of(scores[0]) == app.conf.task_default_queue == settings.CELERY_TASK_DEFAULT_QUEUE
    assert settings.REPORTS_QUEUE != settings.CELERY_TASK_DEFAULT_QUEUE
    # As recorded with each job, for the admin and the sweeper's re-sends alike.
    assert set(Job.objects.filter(kind=REPORTS_JOB).values_list("queue", flat=True)) == {settings.REPORTS_QUEUE}
    assert Job.objects.get(kind=SCORES_JOB).queue == ""


def test_the_routing_is_decided_by_kind_in_one_place(settings):
    assert settings.OUTBOX_QUEUES == {REPORTS_JOB: settings.REPORTS_QUEUE}
    assert job_queue(REPORTS_JOB) == settings.REPORTS_QUEUE
    for kind in set(KINDS) - {REPORTS_JOB}:
        assert job_queue(kind) == "", kind  # score runs, notices, webhooks, imports: the default queue
    settings.OUTBOX_QUEUES = {REPORTS_JOB: "pdf-farm"}
    assert job_queue(REPORTS_JOB) == "pdf-farm"


def test_a_worker_without_queues_named_consumes_both_and_each_has_its_own_exchange(settings):
    """`make run`'s embedded worker is started without -Q: it consumes the declared queues. Each has its own
    exchange and routing key — on a shared one, a message for one queue would reach both."""
    default, reports = settings.CELERY_TASK_DEFAULT_QUEUE, settings.REPORTS_QUEUE
    declared = {queue.name: (queue.exchange.name, queue.routing_key) for queue in app.conf.task_queues}
    assert declared == {default: (default, default), reports: (reports, reports)}
    assert set(app.amqp.queues) >= {default, reports}


# ---- the national batch ---------------------------------------------------------------------------------

def test_the_national_batch_covers_every_province_and_is_for_the_national_role_only(cycle, people, regions):
    for name in ("analyst", "jiangsu_analyst", "officer"):
        with pytest.raises(PermissionRefused):
            batch_request(cycle=cycle, province=None, actor=people[name], enqueue=False)
    assert not ReportBatch.objects.exists()

    batch = batch_request(cycle=cycle, province=None, actor=people["admin"], enqueue=False)

    assert batch.is_national
    assert batch.total == 5
    provinces = set(batch.reports.values_list("region__province__code", flat=True))
    assert provinces == {"330000", "320000"}
    assert batch_request(cycle=cycle, province=None, actor=people["admin"], enqueue=False) == batch  # still running
    assert batch_request(cycle=cycle, province=regions["zhejiang"], actor=people["admin"], enqueue=False) != batch


def test_the_national_form_and_request_are_the_national_roles(client, cycle, people):
    client.force_login(people["analyst"])
    assert 'id="national-batch-form"' not in client.get(reverse("report-list")).content.decode()
    answer = client.post(reverse("report-national-batch-request"), {"cycle": cycle.pk, "language": "zh-hans"})
    assert answer.status_code == 404
    assert not ReportBatch.objects.exists()

    client.force_login(people["admin"])
    assert 'id="national-batch-form"' in client.get(reverse("report-list")).content.decode()
    answer = client.post(reverse("report-national-batch-request"), {"cycle": cycle.pk, "language": "en"})
    batch = ReportBatch.objects.get()
    assert answer.status_code == 302
    assert answer.url == reverse("report-batch", args=[batch.pk])
    assert batch.province is None
    assert batch.language == "en"


def test_the_national_batch_page_shows_the_progress_by_province(client, cycle, admin_user, english):
    batch = batch_request(cycle=cycle, province=None, actor=admin_user, enqueue=False)
    zhejiang = batch.reports.filter(region__province__code="330000").order_by("region__code")
    _built(zhejiang[0])
    Report.objects.filter(pk=zhejiang[1].pk).update(status=Report.Status.FAILED, error="boom")
    client.force_login(admin_user)

    page = client.get(reverse("report-batch", args=[batch.pk])).content.decode()
    status = client.get(reverse("report-status"), {"batches": str(batch.pk)}).json()["batches"][0]

    assert "Reports of every city of the nation" in page
    assert 'id="batch-provinces"' in page
    assert "Zhejiang" in page
    assert "Jiangsu" in page
    assert "2 / 4" in page
    assert "0 / 1" in page
    assert (status["done"], status["total"], status["status"]) == (2, 5, "running")


# ---- the ZIP of a batch ---------------------------------------------------------------------------------

def _zip(answer):
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(answer.streaming_content)))


def test_a_finished_batch_downloads_as_one_zip_of_its_built_reports(client, cycle, regions, analyst):
    batch = batch_request(cycle=cycle, province=regions["zhejiang"], actor=analyst, enqueue=False)
    reports = list(batch.reports.order_by("region__code").select_related("region", "cycle"))
    for report in reports[1:]:
        _built(report, content=f"%PDF-1.7 {report.region.code}".encode())
    Report.objects.filter(pk=reports[0].pk).update(status=Report.Status.FAILED, error="boom")
    client.force_login(analyst)

    page = client.get(reverse("report-batch", args=[batch.pk])).content.decode()
    answer = client.get(reverse("report-batch-zip", args=[batch.pk]))
    archive = _zip(answer)

    assert reverse("report-batch-zip", args=[batch.pk]) in page
    assert 'filename="330000-2026-zh-hans-reports.zip"' in answer["Content-Disposition"]
    assert answer["Cache-Control"] == "private, no-store"
    assert archive.testzip() is None
    names = archive.namelist()
    assert names == [f"{r.region.name_zh}-{r.region.code}-zh-hans.pdf" for r in reports[1:]]
    for report, name in zip(reports[1:], names, strict=True):
        assert archive.read(name) == f"%PDF-1.7 {report.region.code}".encode()


def test_the_zip_holds_only_what_the_reader_may_see_and_only_their_batches(client, cycle, regions, analyst, people):
    batch = batch_request(cycle=cycle, province=regions["zhejiang"], actor=analyst, enqueue=False)
    for report in batch.reports.select_related("region", "cycle"):
        _built(report)
    # One of its reports on a region the analyst cannot see (e.g. moved out of the batch's province since).
    outside = batch.reports.order_by("region__code").first()
    Report.objects.filter(pk=outside.pk).update(region=regions["nanjing"])

    client.force_login(analyst)
    names = _zip(client.get(reverse("report-batch-zip", args=[batch.pk]))).namelist()
    assert len(names) == 3
    assert not any("320100" in name for name in names)

    client.force_login(people["jiangsu_analyst"])  # not their batch
    assert client.get(reverse("report-batch-zip", args=[batch.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("report-batch-zip", args=[batch.pk])).status_code == 302  # to the login page


def test_a_running_batch_or_one_with_nothing_built_gives_no_zip(client, cycle, regions, analyst):
    batch = batch_request(cycle=cycle, province=regions["zhejiang"], actor=analyst, enqueue=False)
    client.force_login(analyst)

    answer = client.get(reverse("report-batch-zip", args=[batch.pk]))
    assert answer.status_code == 302
    assert answer.url == reverse("report-batch", args=[batch.pk])

    batch.reports.update(status=Report.Status.FAILED, error="boom")
    answer = client.get(reverse("report-batch-zip", args=[batch.pk]))
    assert answer.status_code == 302
    assert answer.url == reverse("report-batch", args=[batch.pk])


def test_names_in_the_zip_cannot_leave_its_folder(client, cycle, regions, analyst):
    hangzhou = regions["hangzhou"]
    hangzhou.name_zh = "../../etc/passwd\\..\\杭州 市\t"
    hangzhou.save(update_fields=["name_zh"])
    batch = batch_request(cycle=cycle, province=regions["zhejiang"], actor=analyst, enqueue=False)
    for report in batch.reports.select_related("region", "cycle"):
        _built(report)
    client.force_login(analyst)

    names = _zip(client.get(reverse("report-batch-zip", args=[batch.pk]))).namelist()

    assert "etc-passwd-..-杭州-市-330100-zh-hans.pdf" in names
    for name in names:
        assert "/" not in name
        assert "\\" not in name
        assert "\t" not in name
        assert not name.startswith(".")


def test_a_deleted_file_is_left_out_of_the_zip(client, cycle, regions, analyst):
    batch = batch_request(cycle=cycle, province=regions["zhejiang"], actor=analyst, enqueue=False)
    reports = [_built(r) for r in batch.reports.order_by("region__code").select_related("region", "cycle")]
    Path(reports[0].file.path).unlink()
    client.force_login(analyst)

    assert len(_zip(client.get(reverse("report-batch-zip", args=[batch.pk]))).namelist()) == 3


# ---- expiry ---------------------------------------------------------------------------------------------

def test_old_report_files_are_deleted_and_their_reports_kept_as_expired(cycle, regions, analyst, settings):
    settings.REPORT_FILE_DAYS = 30
    batch = batch_request(cycle=cycle, province=regions["zhejiang"], actor=analyst, enqueue=False)
    old, recent = [_built(r) for r in batch.reports.order_by("region__code").select_related("region", "cycle")][:2]
    Report.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=31))
    old_path, recent_path = Path(old.file.path), Path(recent.file.path)

    assert report_files_expire() == 1
    assert report_files_expire() == 0  # safe to run twice

    old.refresh_from_db()
    assert old.status == Report.Status.EXPIRED
    assert not old.file
    assert old.pages == 1
    assert not old_path.exists()
    assert recent_path.exists()
    assert Report.objects.get(pk=recent.pk).status == Report.Status.SUCCEEDED
    assert ReportBatch.status_of({"succeeded": 1, "expired": 1}) == Report.Status.SUCCEEDED  # expired: built


def test_no_expiry_when_the_setting_is_zero(cycle, regions, analyst, settings):
    settings.REPORT_FILE_DAYS = 0
    batch = batch_request(cycle=cycle, province=regions["zhejiang"], actor=analyst, enqueue=False)
    report = _built(batch.reports.select_related("region", "cycle").first())
    Report.objects.filter(pk=report.pk).update(finished_at=timezone.now() - timedelta(days=3650))
    assert report_files_expire() == 0
    assert Path(report.file.path).exists()


def test_beat_runs_the_expiry_every_hour(settings, cycle, regions, analyst):
    entry = settings.CELERY_BEAT_SCHEDULE["expire-report-files"]
    assert entry["task"] == expire_report_files.name == "reports.tasks.expire_report_files"
    assert entry["schedule"] <= 24 * 3600
    batch = batch_request(cycle=cycle, province=regions["zhejiang"], actor=analyst, enqueue=False)
    report = _built(batch.reports.select_related("region", "cycle").first())
    Report.objects.filter(pk=report.pk).update(finished_at=timezone.now() - timedelta(days=400))
    assert expire_report_files.delay().get() == 1
    assert expire_report_files.delay().get() == 0


def test_an_expired_report_says_so_and_is_built_again_from_the_page(
        client, cycle, regions, analyst, english, django_capture_on_commit_callbacks, queued_mode):
    batch = batch_request(cycle=cycle, province=regions["zhejiang"], actor=analyst, enqueue=False)
    report = _built(batch.reports.select_related("region", "cycle").first())
    Report.objects.filter(pk=report.pk).update(finished_at=timezone.now() - timedelta(days=31))
    report_files_expire()
    client.force_login(analyst)

    page = client.get(reverse("report-batch", args=[batch.pk])).content.decode()
    row = page[page.index(f'id="report-{report.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "Expired" in row
    assert "Build it again" in row
    assert reverse("report-download", args=[report.pk]) not in row
    assert client.get(reverse("report-download", args=[report.pk])).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("report-retry", args=[report.pk]))
    assert answer.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED
    assert [_queue_of(m) for m in queued_mode] == ["reports"]
    assert report_retry(report=report, enqueue=False).status == Report.Status.QUEUED  # not expired any more
