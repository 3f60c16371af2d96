"""Migration 0013: the notifications made before it keep their text (kind "text")."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("assessments", "0012_person_language")


@pytest.mark.django_db(transaction=True)
def test_written_notifications_stay_readable(submission, people):
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps.get_model("assessments", "Notification")
    about = old.objects.create(user_id=people["officer"].pk, submission_id=submission.pk,
                               message="杭州市 2026 年度：reviewer 已退回填报员。")
    general = old.objects.create(user_id=people["analyst"].pk, message="2026 的结果已发布（第 1 版）。")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # 0013 and whatever follows: the tests' schema again

    from assessments.models import Notification

    told = {n.pk: n for n in Notification.objects.all()}
    assert (told[about.pk].kind, told[about.pk].submission_id, told[about.pk].facts) == ("text", submission.pk, {})
    assert told[about.pk].message == "杭州市 2026 年度：reviewer 已退回填报员。"
    assert (told[general.pk].kind, told[general.pk].cycle_id) == ("text", None)
    assert told[general.pk].message == "2026 的结果已发布（第 1 版）。"
