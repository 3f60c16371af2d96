"""Satisfaction imports as background work: the upload stores the file and records the job (outbox), the job
checks or imports it and records how that went, the request's page follows it; the stored file lives only as long
as it is needed."""

import datetime
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from outbox.models import Job
from outbox.services import job_enqueue, job_run
from surveys.models import SatisfactionImport, SatisfactionImportRequest, ServiceRating
from surveys.services import import_requests, satisfaction_import_files_prune, satisfaction_import_job
from tests.factories import Role, rating_rows, table_csv, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_cycle")]
Status = SatisfactionImportRequest.Status


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """Upload a file as the logged-in user; on-commit work runs (in-process: the job itself, queued: its sending)."""

    def upload(submission, data, name="ratings.csv", kind="ratings", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("satisfaction-import", args=[submission.pk, kind]),
                               {"file": SimpleUploadedFile(name, data), **extra})

    return upload


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a recorded job as a worker would (its on-commit clean-up included)."""

    def job(made):
        with django_capture_on_commit_callbacks(execute=True):
            return job_run(job_id=Job.objects.get(key=f"satisfaction-import:{made.pk}", state="pending").pk)

    return job


def _page(made, view="satisfaction-import-request"):
    return reverse(view, args=[made.submission_id, made.pk])


def _stored(made) -> Path:
    return Path(settings.MEDIA_ROOT) / made.file.name


def test_an_upload_is_pending_until_a_worker_runs_it(client, post, run, submission, reviewer, queued_mode, english):
    client.force_login(reviewer)
    response = post(submission, table_csv(rating_rows(10)))
    made = SatisfactionImportRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _page(made)
    assert (made.status, made.dry_run, made.file_name, made.size) == (Status.QUEUED, False, "ratings.csv",
                                                                       len(table_csv(rating_rows(10))))
    assert _stored(made).read_bytes() == table_csv(rating_rows(10))
    assert made.file.name.startswith(f"satisfaction-imports/{submission.pk}/")
    assert "ratings" not in made.file.name  # a name of the platform's, never the uploader's
    job = Job.objects.get(kind="surveys.import", key=f"satisfaction-import:{made.pk}")
    assert (job.state, job.args) == ("pending", {"request_id": made.pk})
    assert queued_mode == [((job.pk,), {"time_limit": 600, "soft_time_limit": 570})]

    page = client.get(_page(made)).content.decode()
    assert 'id="import-pending"' in page
    assert "Pending: the file is stored and is being imported in the background." in page
    assert 'id="refresh"' in page
    assert "js/import-status.js" in page
    assert client.get(_page(made, "satisfaction-import-request-status")).json() == {
        "id": made.pk, "status": "queued", "status_label": "Queued", "active": True, "stage": "",
        "stage_label": "", "progress": 0}
    assert not ServiceRating.objects.exists()
    assert not SatisfactionImport.objects.exists()

    assert run(made) == "done"
    made.refresh_from_db()
    assert (made.status, made.rows, made.progress, made.batch.rows) == (Status.SUCCEEDED, 10, 100, 10)
    assert ServiceRating.objects.count() == 10
    assert client.get(_page(made, "satisfaction-import-request-status")).json()["active"] is False
    page = client.get(_page(made)).content.decode()
    assert "10 rows imported from “ratings.csv”." in page
    assert "import-status.js" not in page


def test_the_job_goes_through_its_stages(post, client, run, submission, reviewer, queued_mode, monkeypatch):
    seen = []
    progress = import_requests.job_progress

    def record(made, stage, percent):
        progress(made, stage, percent)
        stored = SatisfactionImportRequest.objects.get(pk=made.pk)
        seen.append((stored.status, stored.stage, stored.progress))

    monkeypatch.setattr(import_requests, "job_progress", record)
    client.force_login(reviewer)
    post(submission, table_csv(rating_rows(10)))
    run(SatisfactionImportRequest.objects.get())
    assert seen == [("running", "reading", 5), ("running", "checking", 30), ("running", "writing", 50)]
    made = SatisfactionImportRequest.objects.get()
    assert made.started_at <= made.finished_at


def test_a_rejected_file_records_its_errors_and_removes_the_file(post, client, run, submission, reviewer,
                                                                 queued_mode, english):
    client.force_login(reviewer)
    rows = rating_rows(300)
    for row in rows[:250]:
        row[3] = "6"
    post(submission, table_csv(rows))
    made = SatisfactionImportRequest.objects.get()
    stored = _stored(made)
    run(made)
    made.refresh_from_db()
    assert made.status == Status.FAILED
    assert made.error == ("Nothing was imported: 250 rows have errors. Correct them and upload the file again.")
    assert (made.error_count, made.rows, len(made.row_errors)) == (250, 300, 250)
    assert made.row_errors[0] == [2, "评分", "6", made.row_errors[0][3]]
    assert made.file.name == ""
    assert not stored.exists()
    assert not ServiceRating.objects.exists()
    page = client.get(_page(made)).content.decode()
    assert page.count("<tr data-row=") == 200
    assert "The first 200 of 250 errors are shown." in page
    lines = client.get(_page(made, "satisfaction-import-request-errors")).content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Row,Column,Value,Reason"
    assert len(lines) == 251


def test_a_file_that_cannot_be_read_fails_with_the_reason(post, client, submission, reviewer, english):
    client.force_login(reviewer)
    post(submission, b"\xd0\xcf\x11\xe0" + b"\x00" * 100, name="old.xls")
    made = SatisfactionImportRequest.objects.get()
    assert made.status == Status.FAILED
    assert "(.xls)" in made.error
    assert made.error_count == 0
    assert client.get(_page(made, "satisfaction-import-request-errors")).status_code == 404


def test_a_dry_run_then_import_this_file_imports_the_same_file(post, client, submission, reviewer,
                                                               django_capture_on_commit_callbacks, english):
    client.force_login(reviewer)
    data = table_csv(rating_rows(40))
    post(submission, data, dry_run="1")
    dry = SatisfactionImportRequest.objects.get()
    assert (dry.status, dry.dry_run, dry.rows) == (Status.SUCCEEDED, True, 40)
    assert _stored(dry).read_bytes() == data  # kept to be imported
    assert not ServiceRating.objects.exists()
    page = client.get(_page(dry)).content.decode()
    assert "The file is valid: 40 rows checked, no errors. Nothing was written." in page
    assert 'id="apply-form"' in page

    stored = _stored(dry)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_page(dry, "satisfaction-import-request-apply"))
    made = SatisfactionImportRequest.objects.exclude(pk=dry.pk).get()
    assert response["Location"] == _page(made)
    assert (made.dry_run, made.applies, made.status, made.rows) == (False, dry, Status.SUCCEEDED, 40)
    assert ServiceRating.objects.count() == 40
    assert SatisfactionImport.objects.get().sha256 == dry.sha256
    dry.refresh_from_db()
    assert dry.file.name == ""
    assert made.file.name == ""
    assert not stored.exists()
    assert 'id="applied"' in client.get(_page(dry)).content.decode()
    again = client.post(_page(dry, "satisfaction-import-request-apply"))  # a second click: the same request
    assert again["Location"] == _page(made)
    assert SatisfactionImportRequest.objects.count() == 2
    assert ServiceRating.objects.count() == 40


def test_a_checked_file_is_kept_for_a_day(post, client, submission, reviewer, english,
                                          django_capture_on_commit_callbacks):
    client.force_login(reviewer)
    post(submission, table_csv(rating_rows(5)), dry_run="1")
    dry = SatisfactionImportRequest.objects.get()
    stored = _stored(dry)
    assert satisfaction_import_files_prune() == 0
    SatisfactionImportRequest.objects.filter(pk=dry.pk).update(
        finished_at=timezone.now() - datetime.timedelta(hours=25))
    assert 'id="file-gone"' in client.get(_page(dry)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_page(dry, "satisfaction-import-request-apply"), follow=True)
    assert "The checked file is no longer kept (it is kept 24 hours after its dry run): upload it again." in (
        response.content.decode())
    assert SatisfactionImportRequest.objects.count() == 1
    dry.refresh_from_db()
    assert dry.file.name == ""
    assert not stored.exists()
    assert not ServiceRating.objects.exists()


def test_stale_files_are_removed_as_the_next_file_is_uploaded(post, client, submission, reviewer, queued_mode):
    client.force_login(reviewer)
    post(submission, table_csv(rating_rows(5)), dry_run="1")
    old = SatisfactionImportRequest.objects.get()
    SatisfactionImportRequest.objects.filter(pk=old.pk).update(
        status=Status.SUCCEEDED, finished_at=timezone.now() - datetime.timedelta(days=2))
    stored = _stored(old)
    post(submission, table_csv(rating_rows(6)), dry_run="1")
    old.refresh_from_db()
    assert old.file.name == ""
    assert not stored.exists()
    assert SatisfactionImportRequest.objects.exclude(pk=old.pk).get().file.name != ""  # queued: kept


def test_running_the_job_twice_imports_once(post, client, run, submission, reviewer, queued_mode,
                                            django_capture_on_commit_callbacks):
    client.force_login(reviewer)
    post(submission, table_csv(rating_rows(10)))
    made = SatisfactionImportRequest.objects.get()
    assert run(made) == "done"
    finished = SatisfactionImportRequest.objects.get().finished_at
    satisfaction_import_job(request_id=made.pk)  # delivered again
    with django_capture_on_commit_callbacks(execute=True):  # or asked for again: a new job of the same key
        job = job_enqueue(kind_name="surveys.import", key=f"satisfaction-import:{made.pk}",
                          args={"request_id": made.pk})
    assert job_run(job_id=job.pk) == "done"
    assert ServiceRating.objects.count() == 10
    assert AuditEvent.objects.filter(action="satisfaction_imported").count() == 1
    assert SatisfactionImportRequest.objects.get().finished_at == finished


def test_a_job_whose_worker_died_runs_again(post, client, run, submission, reviewer, queued_mode):
    client.force_login(reviewer)
    post(submission, table_csv(rating_rows(10)))
    made = SatisfactionImportRequest.objects.get()
    SatisfactionImportRequest.objects.filter(pk=made.pk).update(status=Status.RUNNING, stage="checking")
    assert run(made) == "done"
    assert SatisfactionImportRequest.objects.get().status == Status.SUCCEEDED
    assert ServiceRating.objects.count() == 10


def test_the_same_file_imported_twice_is_refused_the_second_time(post, client, submission, reviewer, english):
    client.force_login(reviewer)
    data = table_csv(rating_rows(10))
    post(submission, data)
    post(submission, data)
    first, second = SatisfactionImportRequest.objects.order_by("id")
    assert (first.status, second.status) == (Status.SUCCEEDED, Status.FAILED)
    assert second.error.startswith("This file was already imported on ")
    assert ServiceRating.objects.count() == 10


def test_an_import_over_its_time_is_stopped_with_the_reason(post, client, submission, reviewer, monkeypatch,
                                                            english):
    def slow(**kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(import_requests, "satisfaction_import", slow)
    client.force_login(reviewer)
    post(submission, table_csv(rating_rows(10)))
    made = SatisfactionImportRequest.objects.get()
    assert made.status == Status.FAILED
    assert made.error == "The import took longer than 10 minutes and was stopped; nothing was imported."
    assert made.file.name == ""


def test_a_job_given_up_fails_the_request_with_the_reason(post, client, submission, reviewer, settings,
                                                          queued_mode, monkeypatch, django_capture_on_commit_callbacks):
    def crash(**kwargs):
        raise MemoryError("out of memory")

    monkeypatch.setattr(import_requests, "satisfaction_import", crash)
    settings.OUTBOX_MAX_FAILURES = 1
    client.force_login(reviewer)
    post(submission, table_csv(rating_rows(10)))
    made = SatisfactionImportRequest.objects.get()
    stored = _stored(made)
    job = Job.objects.get(key=f"satisfaction-import:{made.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        assert job_run(job_id=job.pk) == "failed"
    made.refresh_from_db()
    assert made.status == Status.FAILED
    assert "MemoryError: out of memory" in made.error
    assert made.file.name == ""
    assert not stored.exists()


def test_only_who_manages_the_city_sees_the_request(post, client, submission, reviewer, regions):
    client.force_login(reviewer)
    post(submission, table_csv(rating_rows(3)))
    made = SatisfactionImportRequest.objects.get()
    nanjing = submission.cycle.submissions.create(region=regions["nanjing"])
    other_city = user_with_role("nanjing-reviewer", Role.CITY_REVIEWER, regions["nanjing"])
    officer = user_with_role("hz-officer", Role.CITY_OFFICER, regions["hangzhou"])
    views = ("satisfaction-import-request", "satisfaction-import-request-status",
             "satisfaction-import-request-errors")
    client.force_login(other_city)
    for view in views:
        assert client.get(_page(made, view)).status_code == 404
        assert client.get(reverse(view, args=[nanjing.pk, made.pk])).status_code == 404  # under their own city
    assert client.post(_page(made, "satisfaction-import-request-apply")).status_code == 404
    assert client.post(reverse("satisfaction-import-request-apply", args=[nanjing.pk, made.pk])).status_code == 404
    client.force_login(officer)
    assert client.get(_page(made)).status_code == 403
    assert client.get(_page(made, "satisfaction-import-request-status")).status_code == 403
    assert 'id="import-requests"' not in client.get(reverse("satisfaction-city", args=[submission.pk])).content.decode()


def test_a_requester_who_lost_the_role_before_the_job_ran_imports_nothing(post, client, run, submission, regions,
                                                                          queued_mode, english):
    from assessments.models import RoleAssignment

    reviewer = user_with_role("hz-reviewer-2", Role.CITY_REVIEWER, regions["hangzhou"])
    client.force_login(reviewer)
    post(submission, table_csv(rating_rows(10)))
    RoleAssignment.objects.filter(user=reviewer).delete()
    run(SatisfactionImportRequest.objects.get())
    made = SatisfactionImportRequest.objects.get()
    assert made.status == Status.FAILED
    assert made.error.startswith("Only the city's reviewer, the province's analysts and administrators")
    assert not ServiceRating.objects.exists()
