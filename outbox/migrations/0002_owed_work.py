"""Record as jobs the background work owed when the outbox arrived: score runs and reports still queued or
running, webhook deliveries still pending (before, such work lived only as messages in the broker, and a lost
message left it waiting for ever)."""

from django.db import migrations
from django.utils import timezone


def record_owed_work(apps, schema_editor):
    Job = apps.get_model("outbox", "Job")
    now = timezone.now()
    jobs = []
    for run_id in apps.get_model("assessments", "ScoreRun").objects.filter(
            status__in=["queued", "running"]).values_list("pk", flat=True):
        jobs.append(Job(kind="scores.compute", key=f"score-run:{run_id}", args={"run_id": run_id}, due_at=now))
    for report_id in apps.get_model("reports", "Report").objects.filter(
            status__in=["queued", "running"]).values_list("pk", flat=True):
        jobs.append(Job(kind="reports.build", key=f"report:{report_id}", args={"report_id": report_id},
                        due_at=now))
    for delivery_id, due in apps.get_model("api", "WebhookDelivery").objects.filter(
            status="pending").values_list("pk", "next_attempt_at"):
        jobs.append(Job(kind="webhooks.deliver", key=f"webhook-delivery:{delivery_id}",
                        args={"delivery_id": delivery_id}, due_at=due or now))
    Job.objects.bulk_create(jobs)


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_jobs"),
        ("assessments", "0009_published_results_triggers"),
        ("reports", "0001_initial"),
        ("api", "0001_initial"),
    ]

    operations = [migrations.RunPython(record_owed_work, migrations.RunPython.noop)]
