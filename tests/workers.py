"""A real Celery worker for the tests marked `worker`: a subprocess on the real broker and the test database."""

import contextlib
import os
import signal
import socket
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


def service_env(broker_url=None, **overrides):
    """The environment of a process (worker, command) on the test database and the broker (the settings' one
    unless given), with settings overridden by name (e.g. OUTBOX_LEASE_SECONDS="3")."""
    return {**os.environ, "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": broker_url or settings.CELERY_BROKER_URL,
            "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE, "CELERY_REPORTS_QUEUE": settings.REPORTS_QUEUE,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            **{name: str(value) for name, value in overrides.items()}}


class Worker:
    """Start, wait for and kill one `celery worker --pool=solo` consuming the settings' queues (the default one
    and the reports one: `queues()`) or those named in `consumes`; with `beat`, the worker runs Celery beat inside
    it too (the outbox sweeper, every OUTBOX_SWEEP_SECONDS)."""

    def __init__(self, log_path, *, broker_url=None, beat=False, consumes=None, **overrides):
        self.log_path = log_path
        self.process = None
        self.env = service_env(broker_url, **overrides)
        self.beat = ["-B", "--schedule", str(Path(log_path).with_suffix(".beat"))] if beat else []
        self.consumes = consumes or queues()

    def start(self, timeout=60):
        self.log = open(self.log_path, "a")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "smartgov", "worker", "--pool=solo", "--loglevel=INFO",
             "-Q", ",".join(self.consumes), "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", f"test-{os.getpid()}-{time.monotonic_ns()}@%h", *self.beat],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while " ready." not in Path(self.log_path).read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the worker did not start:\n" + Path(self.log_path).read_text()[-3000:])
            time.sleep(0.2)
        return self

    def kill(self):
        """SIGKILL to the worker's whole process group: its embedded beat is a child process, which would
        otherwise outlive it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    @property
    def alive(self):
        return self.process is not None and self.process.poll() is None

    def output(self):
        return Path(self.log_path).read_text()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(20)
        if self.process:
            self.kill()  # whatever of its group is left (a beat child)
        self.log.close()


def queues():
    """The queues a test worker consumes: the default one and those of OUTBOX_QUEUES (PDF builds)."""
    return list(dict.fromkeys([settings.CELERY_TASK_DEFAULT_QUEUE, *settings.OUTBOX_QUEUES.values()]))


def wait_for(predicate, timeout=60, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


class PrivateRedis:
    """A Redis server of the test's own on a free port (never the shared one), which the test may stop and start
    again on the same port: a broker outage on demand."""

    def __init__(self, workdir):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self, timeout=10):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.answers, timeout=timeout, interval=0.05, what="the private Redis to start")
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False


def manage(code, env, timeout=120):
    """Run Python code in `manage.py shell` in a process of its own (the web side of a test: its own broker
    connection), failing the test with the output if it fails."""
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
