"""A real Celery worker for the tests marked `worker`: a subprocess on the real broker and the test database."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def _database_url():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def skip_unless_real_services():
    if settings.CELERY_BROKER_URL.startswith("memory"):
        pytest.skip("needs a real broker: set CELERY_BROKER_URL (.ci/run sets it to Redis)")
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a worker process cannot share the in-memory SQLite test database")


class Worker:
    """Start, wait for and kill one `celery worker --pool=solo` consuming the settings' queue."""

    def __init__(self, log_path):
        self.log_path = log_path
        self.process = None

    def start(self, timeout=60):
        env = {**os.environ, "DATABASE_URL": _database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
               "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE, "CELERY_TASK_ALWAYS_EAGER": "false"}
        self.log = open(self.log_path, "a")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "smartgov", "worker", "--pool=solo", "--loglevel=INFO",
             "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", f"test-{os.getpid()}-{time.monotonic_ns()}@%h"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while " ready." not in Path(self.log_path).read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the worker did not start:\n" + Path(self.log_path).read_text()[-3000:])
            time.sleep(0.2)
        return self

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def wait_for(predicate, timeout=60, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")
