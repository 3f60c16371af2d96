"""The audit trail can only grow: no row is changed or deleted, by the ORM or by raw SQL, and what it is about
(a submission, a region, a user) cannot be deleted from under it."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from assessments.models import Submission
from assessments.services import Entry, values_save
from audit.models import Action, AppendOnly, AuditEvent
from audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(submission, officer):
    values_save(submission=submission, entries={"RS01": Entry("80")}, actor=officer, expected_version=None)
    return AuditEvent.objects.get(submission=submission, subject="RS01")


def test_a_write_records_who_what_and_where(event, submission, officer):
    assert (event.actor, event.action, event.region, event.submission_version) == (
        officer, Action.VALUE_CHANGED, submission.region, 2)
    assert (event.old, event.new) == (None, {"value": 80.0, "note": ""})


def test_the_orm_refuses_to_change_or_delete_an_event(event):
    event.comment = "edited afterwards"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(comment="edited afterwards")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).comment == ""


@pytest.mark.parametrize("sql", [
    "UPDATE audit_auditevent SET comment = 'edited' WHERE id = %s",
    "UPDATE audit_auditevent SET new = NULL WHERE id = %s",
    "DELETE FROM audit_auditevent WHERE id = %s",
])
def test_the_database_refuses_raw_sql_that_changes_or_deletes_an_event(event, sql):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert (event.comment, event.new) == ("", {"value": 80.0, "note": ""})


def _empty_the_table():
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred check
            cursor.execute("TRUNCATE audit_auditevent")
        else:
            cursor.execute("DELETE FROM audit_auditevent")


def test_the_database_refuses_to_empty_the_table(event):
    with pytest.raises(IntegrityError, match="append-only"):
        _empty_the_table()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def _delete_with_raw_sql(submission):
    """Delete the submission's row as a tool outside Django would, checking the foreign keys at once (they are
    deferred to the end of the transaction, which a test cannot reach)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM assessments_indicatorvalue WHERE submission_id = %s", [submission.pk])
        cursor.execute("DELETE FROM assessments_submission WHERE id = %s", [submission.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        else:
            cursor.execute("PRAGMA foreign_key_check")
            if cursor.fetchall():
                raise IntegrityError("FOREIGN KEY constraint failed")


def test_a_submission_with_history_cannot_be_deleted(event, submission):
    with pytest.raises(ProtectedError), transaction.atomic():
        submission.delete()
    with pytest.raises(IntegrityError):
        _delete_with_raw_sql(submission)
    assert Submission.objects.filter(pk=submission.pk).exists()
    assert AuditEvent.objects.filter(submission=submission).exists()


def test_a_user_and_a_region_with_history_cannot_be_deleted(event, officer, submission):
    with pytest.raises(ProtectedError), transaction.atomic():
        get_user_model().objects.filter(pk=officer.pk).delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        submission.region.delete()


def test_an_event_keeps_the_name_of_an_object_deleted_since(framework, officer):
    from tests.factories import CycleFactory

    cycle = CycleFactory(framework=framework, period=2030)
    event = audit_record(actor=officer, action=Action.CYCLE_CHANGED, target=cycle, old={"status": "planned"},
                         new={"status": "open"})
    label = str(cycle)
    cycle.delete()
    event.refresh_from_db()
    assert (event.target, event.target_label) == (None, label)


def test_the_admin_shows_the_trail_read_only(client, admin_user, event):
    client.force_login(admin_user)
    page = client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
