"""`make run` on the embedded defaults (SQLite, no broker server) runs long work in the background too: its
`scripts/serve.sh` starts a Celery worker with beat on kombu's filesystem transport beside the web server. Played
as an analyst would: on a fresh embedded installation with the demo, ask for a PDF report — the request answers
at once with the report queued (not built inside the request), the status endpoint follows it to "succeeded",
and the PDF downloads. Stopping the server stops its worker."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "smartgov-demo"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def embedded_env(tmp_path):
    """The environment of a newcomer's `make run`: no DATABASE_URL, no broker, this test's own var/ folder."""
    env = {name: value for name, value in os.environ.items()
           if name not in {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_QUEUE", "CELERY_TASK_ALWAYS_EAGER"}}
    env.update(SMARTGOV_VAR_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo"], ["score_cycle", "--all", "--stale"]):
        done = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    return env


@pytest.fixture
def served(embedded_env, tmp_path):
    port = _free_port()
    log = tmp_path / "serve.log"
    server = subprocess.Popen(["sh", "scripts/serve.sh", "127.0.0.1", str(port), "--noreload"], cwd=ROOT,
                              env=embedded_env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{base}/healthz", timeout=2)
            break
        except requests.ConnectionError:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
    yield base, server
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _csrf(page):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def _logged_in(base, username):
    session = requests.Session()
    login = session.get(f"{base}/accounts/login/", timeout=10)
    answer = session.post(f"{base}/accounts/login/", timeout=10, headers={"Referer": f"{base}/accounts/login/"},
                          data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": _csrf(login)})
    assert answer.url.rstrip("/") != f"{base}/accounts/login", "the demo login failed"
    return session


def _worker_pid(var):
    return int((Path(var) / "worker.pid").read_text().strip())


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_report_asked_for_on_the_embedded_defaults_is_built_in_the_background(served, embedded_env):
    base, server = served
    session = _logged_in(base, "demo_province")
    reports_page = session.get(f"{base}/reports/", timeout=10)
    published = re.search(r'<option value="(\d+)">2025 ', reports_page.text).group(1)

    session.post(f"{base}/reports/request", timeout=10, headers={"Referer": f"{base}/reports/"},
                 data={"cycle": published, "region": "330100", "language": "zh-hans",
                       "csrfmiddlewaretoken": _csrf(reports_page)})
    report_id = re.search(r'id="report-(\d+)"', session.get(f"{base}/reports/", timeout=10).text).group(1)
    status_url = f"{base}/reports/status?reports={report_id}"
    assert session.get(status_url, timeout=10).json()["reports"][0]["status"] in {"queued", "running"}

    deadline = time.monotonic() + 120
    while (report := session.get(status_url, timeout=10).json()["reports"][0])["status"] in {"queued", "running"}:
        assert time.monotonic() < deadline, "the embedded worker did not build the report"
        time.sleep(1)
    assert report["status"] == "succeeded", report
    assert session.get(base + report["download_url"], timeout=30).content.startswith(b"%PDF")

    worker = _worker_pid(embedded_env["SMARTGOV_VAR_DIR"])
    server.send_signal(signal.SIGTERM)  # to the script alone, as `kill` would
    server.wait(timeout=30)
    deadline = time.monotonic() + 30
    while _alive(worker):
        assert time.monotonic() < deadline, "the worker outlived its server"
        time.sleep(0.5)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/healthz", timeout=2)
