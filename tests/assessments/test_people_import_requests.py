"""The people import's apply as background work: the apply stores the file and records the job (outbox), the job
applies it — all or nothing, refused when the dry run is out of date — and records how that went, the request's
page follows it and shows the accounts, the roles and the invitation links, or the refusal; it runs once and
invites once however often it is delivered; only the coordinator who asked (and the platform administrators)
see it."""

from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import PeopleImportRequest, Region, RoleAssignment
from assessments.services import people_requests
from assessments.services.people import (
    PeopleImportRefused,
    people_import_preview,
    person_deactivate,
    person_invite,
)
from assessments.services.people_requests import people_import_given_up, people_import_job, people_import_request
from audit.models import Action, AuditEvent
from outbox.models import Job
from outbox.services import job_enqueue, job_run
from tests.factories import UserFactory
from tests.people_sheets import XLSX, coordinator, people_sheet

pytestmark = pytest.mark.django_db
User = get_user_model()
Role = RoleAssignment.Role
Status = PeopleImportRequest.Status
ROWS = [["王芳", "wang@hz.gov.cn", "", "330100", "城市填报员"],
        ["李强", "", "13800000002", "330200", "city_officer"]]


@pytest.fixture
def zj(regions):
    return coordinator("zj_coordinator", regions["zhejiang"])


@pytest.fixture
def apply(client, django_capture_on_commit_callbacks):
    """Upload a sheet (the dry run) and apply it, as the logged-in user; on-commit work runs (in-process: the job
    itself, queued: its sending). Returns the apply's response."""

    def upload_and_apply(data=None, *, before_apply=None):
        dry = client.post(reverse("people-import"), {
            "file": SimpleUploadedFile("人员.xlsx", data or people_sheet(ROWS), content_type=XLSX)})
        assert dry.status_code == 200
        if before_apply is not None:
            before_apply()
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("people-import"), {"action": "apply", "token": dry.context["token"],
                                                          "fingerprint": dry.context["preview"].fingerprint})

    return upload_and_apply


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a recorded job as a worker would (its on-commit work included: the e-mails, the file's removal)."""

    def job(made):
        with django_capture_on_commit_callbacks(execute=True):
            return job_run(job_id=Job.objects.get(key=f"people-import:{made.pk}", state="pending").pk)

    return job


def _page(made, view="people-import-request"):
    return reverse(view, args=[made.pk])


def _stored(made) -> Path:
    return Path(settings.MEDIA_ROOT) / made.file.name


def test_an_apply_is_pending_until_a_worker_runs_it(client, apply, run, zj, queued_mode, english):
    client.force_login(zj)
    data = people_sheet(ROWS)
    response = apply(data)
    made = PeopleImportRequest.objects.get()
    assert (response.status_code, response["Location"]) == (302, _page(made))
    assert (made.status, made.file_name, made.requested_by, made.base_url, made.language) == (
        Status.QUEUED, "人员.xlsx", zj, "http://testserver/", "en")
    assert made.fingerprint == people_import_preview(data=data, actor=zj).fingerprint
    assert _stored(made).read_bytes() == data
    assert made.file.name.startswith("people-imports/")
    assert "人员" not in made.file.name  # a name of the platform's, never the uploader's
    assert not list((Path(settings.MEDIA_ROOT) / "imports" / "people").glob("*"))  # the dry run's copy is gone
    job = Job.objects.get(kind="assessments.people_import", key=f"people-import:{made.pk}")
    assert (job.state, job.args) == ("pending", {"request_id": made.pk})
    assert queued_mode == [((job.pk,), {"time_limit": 600, "soft_time_limit": 570})]

    page = client.get(_page(made)).content.decode()
    assert 'id="import-pending"' in page
    assert "Pending: the file is being applied in the background." in page
    assert 'id="refresh"' in page
    assert "js/import-status.js" in page
    status = client.get(_page(made, "people-import-request-status"))
    assert status["Cache-Control"] == "private, no-store"
    assert status.json() == {"id": made.pk, "status": "queued", "status_label": "Queued", "active": True,
                             "stage": "", "stage_label": "", "progress": 0}
    assert not User.objects.filter(email="wang@hz.gov.cn").exists()
    assert mail.outbox == []
    assert f'data-request="{made.pk}"' in client.get(reverse("people-import")).content.decode()

    assert run(made) == "done"
    made.refresh_from_db()
    assert (made.status, made.progress, made.rows, made.created, made.granted, made.unchanged) == (
        Status.SUCCEEDED, 100, 2, 2, 2, 0)
    assert made.started_at <= made.finished_at
    assert made.file.name == ""
    assert not list((Path(settings.MEDIA_ROOT) / "people-imports").glob("*"))
    assert client.get(_page(made, "people-import-request-status")).json()["active"] is False
    page = client.get(_page(made)).content.decode()
    assert "2 accounts created, 2 roles given." in page
    assert "import-status.js" not in page


def test_the_job_applies_invites_and_shows_the_links(client, apply, zj, regions):
    client.force_login(zj)
    response = apply()  # in-process: the job has run once the apply committed
    made = PeopleImportRequest.objects.get()
    assert made.status == Status.SUCCEEDED
    wang, li = User.objects.get(email="wang@hz.gov.cn"), User.objects.get(username="13800000002")
    assert (wang.roles.get().role, wang.roles.get().region) == (Role.CITY_OFFICER, regions["hangzhou"])
    assert li.roles.get().region == regions["ningbo"]
    assert [m.to for m in mail.outbox] == [["wang@hz.gov.cn"]]
    assert [row[:2] for row in made.invitations] == [[wang.pk, True], [li.pk, False]]
    assert "invitation/" not in str(made.invitations)  # never the link itself

    page = client.get(response["Location"])
    links = [i.link for i in page.context["invitations"]]
    assert links[0] in mail.outbox[0].body  # the very link the e-mail carries, made again
    content = page.content.decode()
    assert all(link.startswith("http://testserver/invitation/") and link in content for link in links)
    assert 'data-username="13800000002"' in content
    imported = AuditEvent.objects.get(action=Action.PEOPLE_IMPORTED)
    assert (imported.actor, imported.comment, imported.new["created"]) == (zj, "人员.xlsx", 2)


def _accepted(person, zj):
    person.set_password("a-new-password-2026")
    person.save()


def _invited_again(person, zj):
    person_invite(person=person, actor=zj, base_url="http://testserver/")


def _deactivated(person, zj):
    person_deactivate(person=person, actor=zj)


@pytest.mark.parametrize("change", [_accepted, _invited_again, _deactivated])
def test_a_link_is_shown_only_while_it_works(client, apply, zj, change):
    client.force_login(zj)
    response = apply()
    li = User.objects.get(username="13800000002")
    link = next(i.link for i in client.get(response["Location"]).context["invitations"] if i.person == li)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in str(PeopleImportRequest.objects.get().invitations)
    change(li, zj)
    page = client.get(response["Location"])
    shown = {i.person.username: i.link for i in page.context["invitations"]}
    assert shown["13800000002"] is None  # never a new link to an account whose state changed
    assert shown["wang@hz.gov.cn"] is not None
    assert "/invitation/Mw" not in page.content.decode()
    assert page.content.decode().count('class="muted link-gone"') == 1


def test_a_link_is_not_shown_after_it_expired(client, apply, zj, settings):
    client.force_login(zj)
    response = apply()
    settings.PASSWORD_RESET_TIMEOUT = -1
    assert [i.link for i in client.get(response["Location"]).context["invitations"]] == [None, None]


def test_running_the_job_twice_applies_once_and_invites_once(client, apply, run, zj, queued_mode,
                                                             django_capture_on_commit_callbacks):
    client.force_login(zj)
    apply()
    made = PeopleImportRequest.objects.get()
    assert run(made) == "done"
    finished = PeopleImportRequest.objects.get().finished_at
    with django_capture_on_commit_callbacks(execute=True):
        people_import_job(request_id=made.pk)  # delivered again
    with django_capture_on_commit_callbacks(execute=True):  # or asked for again: a new job of the same key
        job = job_enqueue(kind_name="assessments.people_import", key=f"people-import:{made.pk}",
                          args={"request_id": made.pk})
    with django_capture_on_commit_callbacks(execute=True):
        assert job_run(job_id=job.pk) == "done"
    assert User.objects.filter(email="wang@hz.gov.cn").count() == 1
    assert RoleAssignment.objects.filter(user__username__in=["wang@hz.gov.cn", "13800000002"]).count() == 2
    assert AuditEvent.objects.filter(action=Action.PEOPLE_IMPORTED).count() == 1
    assert AuditEvent.objects.filter(action=Action.PERSON_INVITED).count() == 2
    assert [m.to for m in mail.outbox] == [["wang@hz.gov.cn"]]
    made.refresh_from_db()
    assert (made.status, made.finished_at, made.created) == (Status.SUCCEEDED, finished, 2)


def test_the_job_goes_through_its_stages(client, apply, run, zj, queued_mode, monkeypatch):
    seen = []
    progress = people_requests._job_progress

    def record(made, stage, percent):
        progress(made, stage, percent)
        stored = PeopleImportRequest.objects.get(pk=made.pk)
        seen.append((stored.status, stored.stage, stored.progress))

    monkeypatch.setattr(people_requests, "_job_progress", record)
    client.force_login(zj)
    apply()
    run(PeopleImportRequest.objects.get())
    assert seen == [("running", "checking", 10), ("running", "writing", 40)]


def test_the_outcome_is_recorded_with_the_accounts_or_not_at_all(client, apply, run, zj, queued_mode,
                                                                 monkeypatch, settings):
    from assessments.services import people as service

    settings.OUTBOX_RETRY_SECONDS = 0

    def broken_send(messages):  # the last step inside the write's transaction, after the outcome is recorded
        raise RuntimeError("simulated")

    monkeypatch.setattr(service, "_send", broken_send)
    client.force_login(zj)
    apply()
    made = PeopleImportRequest.objects.get()
    assert run(made) == "again"  # an error, not a refusal: the outbox tries again
    made.refresh_from_db()
    assert (made.status, made.created, made.invitations) == (Status.RUNNING, None, [])
    assert not User.objects.filter(email="wang@hz.gov.cn").exists()
    assert made.file.name != ""  # kept for the next try

    monkeypatch.undo()
    assert run(made) == "done"
    made.refresh_from_db()
    assert (made.status, made.created) == (Status.SUCCEEDED, 2)
    assert len(mail.outbox) == 1


def test_a_job_whose_worker_died_before_the_commit_runs_again(client, apply, run, zj, queued_mode):
    client.force_login(zj)
    apply()
    made = PeopleImportRequest.objects.get()
    PeopleImportRequest.objects.filter(pk=made.pk).update(status=Status.RUNNING, stage="writing", progress=40)
    assert run(made) == "done"
    assert PeopleImportRequest.objects.get().status == Status.SUCCEEDED
    assert User.objects.filter(email="wang@hz.gov.cn").count() == 1
    assert len(mail.outbox) == 1


def test_a_stale_dry_run_is_refused_with_its_reason_on_the_page(client, apply, zj, english):
    client.force_login(zj)
    # Between the dry run and the apply someone makes an account with the e-mail of row 2: the apply would now
    # give that account the role instead of creating one.
    response = apply(before_apply=lambda: UserFactory(username="wang", email="wang@hz.gov.cn"))
    made = PeopleImportRequest.objects.get()
    assert (made.status, made.rows, made.created, made.granted) == (Status.FAILED, 2, None, None)
    assert made.error == ("The people or the file changed since the dry run; nothing was imported. Upload the file "
                          "again: its new dry run shows what it would do now.")
    assert made.file.name == ""
    assert not User.objects.filter(username="13800000002").exists()
    assert not RoleAssignment.objects.filter(user__email="wang@hz.gov.cn").exists()
    assert not AuditEvent.objects.filter(action=Action.PEOPLE_IMPORTED).exists()
    assert mail.outbox == []
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-error"' in page
    assert "The people or the file changed since the dry run; nothing was imported." in page
    assert f'href="{reverse("people-import")}" id="upload-again"' in page
    assert 'id="invitations"' not in page


def test_rows_that_became_wrong_are_listed_on_the_page(client, apply, zj, regions, english):
    client.force_login(zj)
    ningbo = Region.objects.filter(pk=regions["ningbo"].pk)
    response = apply(before_apply=lambda: ningbo.update(valid_to="2020-01-01"))  # the code is no longer valid
    made = PeopleImportRequest.objects.get()
    assert made.status == Status.FAILED
    assert made.error.startswith("The file has errors; nothing was imported.")
    assert (made.error_count, made.row_errors[0][0], made.row_errors[0][1]) == (1, 3, "地区代码 Region code (D)")
    page = client.get(response["Location"]).content.decode()
    assert '<tr data-row="3">' in page


def test_a_requester_who_no_longer_coordinates_is_refused(client, apply, run, zj, queued_mode, english):
    client.force_login(zj)
    apply()
    made = PeopleImportRequest.objects.get()
    RoleAssignment.objects.filter(user=zj).delete()
    assert run(made) == "done"
    made.refresh_from_db()
    assert (made.status, made.error) == (Status.FAILED, "Only a coordinator may import people.")
    assert not User.objects.filter(email="wang@hz.gov.cn").exists()


def test_an_apply_stopped_by_the_time_limit_writes_nothing(client, apply, run, zj, queued_mode, monkeypatch, english):
    from assessments.services import people as service

    original, calls = service.role_grant, []

    def slow_grant(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise SoftTimeLimitExceeded
        return original(**kwargs)

    monkeypatch.setattr(service, "role_grant", slow_grant)
    client.force_login(zj)
    apply()
    made = PeopleImportRequest.objects.get()
    assert run(made) == "done"
    made.refresh_from_db()
    assert (made.status, made.error) == (
        Status.FAILED, "The import took longer than 10 minutes and was stopped; nothing was imported.")
    assert not User.objects.filter(email="wang@hz.gov.cn").exists()
    assert mail.outbox == []


def test_a_job_given_up_fails_the_request_and_removes_the_file(client, apply, zj, queued_mode, english,
                                                               django_capture_on_commit_callbacks):
    client.force_login(zj)
    apply()
    made = PeopleImportRequest.objects.get()
    stored = _stored(made)
    with django_capture_on_commit_callbacks(execute=True):
        people_import_given_up(request_id=made.pk, error="OperationalError: the database went away")
    made.refresh_from_db()
    assert made.status == Status.FAILED
    assert made.error.startswith("The import could not be finished; nothing was imported.")
    assert "the database went away" in made.error
    assert made.file.name == ""
    assert not stored.exists()


@pytest.mark.parametrize(("who", "status"), [
    ("coordinator", 200), ("national", 200), ("other_province", 404), ("same_province", 404), ("officer", 404)])
def test_only_the_requester_and_the_platform_administrators_see_the_request(client, apply, zj, people, regions,
                                                                            queued_mode, who, status):
    client.force_login(zj)
    apply()
    made = PeopleImportRequest.objects.get()
    viewer = {"coordinator": zj, "national": people["admin"], "officer": people["officer"],
              "other_province": coordinator("js_coordinator", regions["jiangsu"]),
              "same_province": coordinator("zj_coordinator_2", regions["zhejiang"])}[who]
    client.force_login(viewer)
    assert client.get(_page(made)).status_code == status
    assert client.get(_page(made, "people-import-request-status")).status_code == status
    listed = f'data-request="{made.pk}"' in client.get(reverse("people-import")).content.decode()
    assert listed == (who == "coordinator")


def test_the_links_are_shown_to_the_requester_only(client, apply, zj, people):
    client.force_login(zj)
    response = apply()
    client.force_login(people["admin"])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'data-username="13800000002"' in page.content.decode()
    assert "/invitation/" not in page.content.decode()
    assert [i.link for i in page.context["invitations"]] == [None, None]


def test_an_anonymous_visitor_is_sent_to_log_in(client, apply, zj, queued_mode):
    client.force_login(zj)
    apply()
    made = PeopleImportRequest.objects.get()
    client.logout()
    response = client.get(_page(made))
    assert (response.status_code, response["Location"].split("?")[0]) == (302, "/accounts/login/")


def test_the_same_dry_run_applied_twice_is_one_request(zj, regions, queued_mode):
    data = people_sheet(ROWS)
    fingerprint = people_import_preview(data=data, actor=zj).fingerprint
    first = people_import_request(data=data, name="a.xlsx", actor=zj, fingerprint=fingerprint, base_url="http://x/")
    second = people_import_request(data=data, name="a.xlsx", actor=zj, fingerprint=fingerprint, base_url="http://x/")
    assert second == first
    assert (PeopleImportRequest.objects.count(), Job.objects.count()) == (1, 1)
    PeopleImportRequest.objects.filter(pk=first.pk).update(status=Status.FAILED)
    third = people_import_request(data=data, name="a.xlsx", actor=zj, fingerprint=fingerprint, base_url="http://x/")
    assert third != first
    assert len(list((Path(settings.MEDIA_ROOT) / "people-imports").glob("*"))) == 2


@pytest.mark.parametrize("fingerprint", ["", "x" * 64, "0" * 65, "<script>"])
def test_a_fingerprint_that_is_no_dry_runs_is_refused(zj, regions, fingerprint):
    with pytest.raises(PeopleImportRefused):
        people_import_request(data=people_sheet(ROWS), name="a.xlsx", actor=zj, fingerprint=fingerprint,
                              base_url="http://x/")
    assert not PeopleImportRequest.objects.exists()


def test_someone_who_coordinates_no_province_may_not_ask(people, regions):
    from smartgov.errors import PermissionRefused

    with pytest.raises(PermissionRefused):
        people_import_request(data=people_sheet(ROWS), name="a.xlsx", actor=people["analyst"], fingerprint="0" * 64,
                              base_url="http://x/")


def test_the_job_is_registered_with_its_time_limit():
    from outbox.registry import kind

    spec = kind(people_requests.PEOPLE_IMPORT_JOB)
    assert (spec.run, spec.failed, spec.time_limit) == (
        people_import_job, people_import_given_up, people_requests.PEOPLE_IMPORT_TIME_LIMIT)
    assert people_requests.PEOPLE_IMPORT_TIME_LIMIT == 600
