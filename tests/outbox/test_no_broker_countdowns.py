"""No task waits inside the broker. Celery 5.7 with kombu 5.7's Redis transport crashes the worker
(`Unrecoverable error: AttributeError("'NoneType' object has no attribute 'hostname'")`) when the connection to
Redis is lost while the worker holds a message with an ETA: closing the channel restores the unacknowledged
messages through a connection that is already gone. Reproduced here with a bare Celery app and a countdown of
60 s: the worker died at every 3-second outage; the same app without a countdown survived. So work that is due
later keeps its due time in the database (outbox.Job.due_at) and the sweeper sends it when it is due."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("smartgov", "assessments", "indicators", "surveys", "reports", "api", "audit", "outbox")
WAITS_IN_BROKER = re.compile(r"\b(countdown|eta)\s*=|\.retry\(")


def test_no_code_sends_a_task_with_a_countdown_an_eta_or_a_retry():
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for app in APPS for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts
                 for number, line in enumerate(path.read_text().splitlines(), 1) if WAITS_IN_BROKER.search(line)]
    assert offenders == []


def test_the_rule_finds_what_it_looks_for():
    assert WAITS_IN_BROKER.search("compute.apply_async((1,), countdown=60)")
    assert WAITS_IN_BROKER.search("task.apply_async(args, eta=when)")
    assert WAITS_IN_BROKER.search("self.retry(exc=error)")
    assert not WAITS_IN_BROKER.search("run_job.apply_async((job_id,), queue=queue)")
