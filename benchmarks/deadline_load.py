"""Deadline day: 300 city officers autosaving their entry forms at once (locust → gunicorn → PostgreSQL).

    .venv/bin/python benchmarks/deadline_load.py [--users 300] [--seconds 60] [--workers 3] [--wait 4 12]

In its own database (`smartgov_bench_load` on 127.0.0.1, or DATABASE_URL when it names PostgreSQL): the 300
cities and five closed cycles of benchmarks/pipeline.py, plus an open cycle whose entry closes today, a draft
submission of every city (emptied before each run) and a city officer of each, already signed in — a session
made on the server (`django.contrib.auth.login`, as the login view does) and handed to locust, since officers log
in once and type all day: 300 password logins (PBKDF2, about 0.3 s of CPU each) would measure the hasher instead.

gunicorn runs with docker-compose.yml's `web` flags (sync workers, timeout, keep-alive, max-requests, preload)
over plain HTTP on the loopback. Each locust user is one officer: it opens its form as the browser does (GET the
page: the CSRF token and the version), then autosaves one indicator at a time as static/js/entry.js does (JSON
entries and the version, X-CSRFToken), waiting `--wait` seconds between saves, and carries the version each
answer returns. Every answer is logged in the locust process; afterwards the last acknowledged value (HTTP 200) of
each (submission, indicator) is compared with the one PostgreSQL holds.

The pace: entry.js saves 1.2 s after the last keystroke, so a save is one field typed; an officer copying values
from a prepared table fills one every 4–12 s (the default `--wait`), so 300 of them offer about 38 saves a second.
`--wait 1 3` is the burst of someone typing a field every two seconds without pause (150 saves a second).

The officers arrive over the first 10 s, each opening its form on arrival: 30 pages a second, each far heavier
than a save. Two phases are reported apart, from each request's own start and duration as the locust process
logged them: the opening, until the last officer's form has come back (its pages' p50/p95, and the autosaves
of those who were already typing meanwhile), then the `--seconds` after it — all forms open, only autosaves —
with their throughput and p50/p95/p99. The run lasts long enough for that window whatever the opening took (up
to OPENING_ALLOWANCE s more). Over the whole run: the answers by status (5xx, 409) and the acknowledged saves
missing from the database. Targets: autosave p95 ≤ 200 ms once the forms are open, no 5xx, no lost
acknowledged save.

Workers (`--workers`, sync as in production): the default is 3, docker-compose's number. At 300 users × 60 s on
this machine's 2 cores (shared with other work at the time) 3 workers answered 24–27 saves/s and 5 workers (the
2 × cores + 1 of gunicorn's advice) 12–17/s: an autosave is CPU-bound, so processes beyond the cores only share
them and switch between them; 3 leave one to run while another waits on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from benchmarks.api_load import _free_port, _wait_until_serving  # noqa: E402
from benchmarks.pipeline import PERIODS, _analyse, _ensure_data, _regions, _setup_django  # noqa: E402

TARGET_MS = 200
RAMP_SECONDS = 10  # the officers arrive, and open their forms, over these seconds
OPENING_ALLOWANCE = 40  # seconds the run goes on beyond ramp + --seconds, for the forms still opening
# docker-compose.yml's `web` service, but for the number of workers.
GUNICORN_FLAGS = ["--timeout", "30", "--graceful-timeout", "30", "--keep-alive", "5", "--max-requests", "1000",
                  "--max-requests-jitter", "100", "--preload", "--log-level", "warning"]
LOCUSTFILE = '''
import itertools
import json
import os
import random
import re
import time

from locust import HttpUser, between, task

OFFICERS = json.loads(os.environ["BENCH_OFFICERS"])
CODES = json.loads(os.environ["BENCH_CODES"])
TAKEN = itertools.count()
ANSWERS = open(os.environ["BENCH_ANSWERS"], "a", buffering=1)  # submission code value, then sent or the status
TIMINGS = open(os.environ["BENCH_TIMINGS"], "a", buffering=1)  # request, its start (epoch s), ms, status
FIELD = re.compile(r'name="(csrfmiddlewaretoken|version)" value="([^"]*)"')


class Officer(HttpUser):
    wait_time = between(*json.loads(os.environ["BENCH_WAIT"]))

    def on_start(self):
        self.submission, session = OFFICERS[next(TAKEN) % len(OFFICERS)]
        self.client.cookies.set("sessionid", session)
        self.open()

    def open(self):
        start = time.time()
        response = self.client.get(f"/submissions/{self.submission}/", name="open the form")
        TIMINGS.write(f"open {start:.3f} {(time.time() - start) * 1000:.1f} {response.status_code}\\n")
        fields = dict(FIELD.findall(response.text))
        self.csrf, self.version = fields["csrfmiddlewaretoken"], int(fields["version"])

    @task
    def autosave(self):
        code, value = random.choice(CODES), f"{random.uniform(0, 100):.1f}"
        ANSWERS.write(f"{self.submission} {code} {value} sent\\n")
        start = time.time()
        response = self.client.post(f"/submissions/{self.submission}/autosave", name="autosave",
                                    json={"version": self.version, "entries": {code: {"value": value, "note": ""}}},
                                    headers={"X-CSRFToken": self.csrf})
        TIMINGS.write(f"autosave {start:.3f} {(time.time() - start) * 1000:.1f} {response.status_code}\\n")
        ANSWERS.write(f"{self.submission} {code} {value} {response.status_code}\\n")
        if response.status_code == 200:
            self.version = response.json()["version"]
        elif response.status_code == 409:  # the page shows the conflict; the officer reloads it
            self.open()
'''


def _deadline_cycle(cycle):
    """The open cycle after `cycle`, closing today, with a draft of every city, emptied, and an officer each."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from assessments.models import Cycle, IndicatorValue, RoleAssignment, Submission

    today = timezone.localdate()
    deadline, created = Cycle.objects.update_or_create(
        framework=cycle.framework, period=PERIODS[-1] + 1,
        defaults={"opens": today - datetime.timedelta(days=30), "closes": today, "status": Cycle.Status.OPEN})
    if created:
        cities = _regions(300)
        Submission.objects.bulk_create(Submission(region=city, cycle=deadline) for city in cities)
        user = get_user_model()
        users = user.objects.bulk_create(user(username=f"bench-officer-{city.code}", password=make_password(None))
                                         for city in cities)
        RoleAssignment.objects.bulk_create(
            RoleAssignment(user=officer, role=RoleAssignment.Role.CITY_OFFICER, region=city)
            for officer, city in zip(users, cities, strict=True))
    IndicatorValue.objects.filter(submission__cycle=deadline).delete()
    return deadline


def _officers(deadline) -> list[tuple[int, str]]:
    """(submission, session key) of each city's officer, signed in on the server."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    officers = []
    for submission in deadline.submissions.select_related("region"):
        client = Client()
        client.force_login(get_user_model().objects.get(username=f"bench-officer-{submission.region.code}"),
                           backend="django.contrib.auth.backends.ModelBackend")
        officers.append((submission.pk, client.cookies[settings.SESSION_COOKIE_NAME].value))
    return officers


def _lost(deadline, answers: Path) -> tuple[dict[int, int], int, int, int]:
    """The answers by status, the acknowledged (submission, indicator) pairs, how many of them PostgreSQL does
    not hold with the last acknowledged value — nor with the value of a later save still unanswered when the run
    stopped (it may have been stored: the audit trail then shows it) — and how many saves were unanswered so."""
    from assessments.models import IndicatorValue

    statuses: dict[int, int] = {}
    acknowledged: dict[tuple[int, str], float] = {}
    unanswered: dict[int, tuple[tuple[int, str], float]] = {}
    for line in answers.read_text().splitlines():  # each user's saves follow one another: later lines, later saves
        submission, code, value, status = line.split()
        key = (int(submission), code)
        if status == "sent":
            unanswered[key[0]] = (key, float(value))
            continue
        del unanswered[key[0]]
        statuses[int(status)] = statuses.get(int(status), 0) + 1
        if status == "200":
            acknowledged[key] = float(value)
    interrupted = dict(unanswered.values())
    stored = {(s, c): v for s, c, v in IndicatorValue.objects.filter(submission__cycle=deadline)
              .values_list("submission_id", "indicator__code", "value")}
    lost = sum(stored.get(key) not in (value, interrupted.get(key)) for key, value in acknowledged.items())
    return statuses, len(acknowledged), lost, len(interrupted)


@dataclass(frozen=True)
class Phases:
    """The run's requests in its two phases: while the forms open, then with all of them open."""

    opened: int
    """Forms that came back (of --users)."""
    opening_seconds: float
    """From the first officer's arrival to the last form back."""
    pages: list[float]
    """The forms' page times, ms."""
    during: list[float]
    """Autosave times while forms were still opening, ms."""
    after: list[float]
    """Autosave times in the window after, ms."""
    after_seconds: float


def _phases(timings: Path, users: int, seconds: int) -> Phases:
    """Split the logged requests (`open|autosave start ms status`) at the moment the last form came back: saves
    started before it belong to the opening, those started in the `seconds` after it to the window after (those
    still unanswered when locust stopped were not logged, and count as missing in `_lost`)."""
    rows = [(kind, float(start), float(ms)) for kind, start, ms, _status in
            (line.split() for line in timings.read_text().splitlines())]
    opens = [(start, ms) for kind, start, ms in rows if kind == "open"]
    first = min(start for start, _ms in opens)
    opened_at = max(start + ms / 1000 for start, ms in opens)
    end = min(opened_at + seconds, max(start for _kind, start, _ms in rows))
    saves = [(start, ms) for kind, start, ms in rows if kind == "autosave"]
    return Phases(opened=len(opens), opening_seconds=opened_at - first, pages=[ms for _start, ms in opens],
                  during=[ms for start, ms in saves if start < opened_at],
                  after=[ms for start, ms in saves if opened_at <= start < end], after_seconds=end - opened_at)


def _percentile(times: list[float], q: float) -> float:
    return float(np.percentile(times, q, method="higher"))


def _ms(times: list[float], q: float) -> str:
    return f"{_percentile(times, q):.0f} ms" if times else "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--wait", type=float, nargs=2, default=(4, 12), metavar=("MIN", "MAX"),
                        help="seconds each officer waits between saves")
    args = parser.parse_args()

    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)  # gunicorn's too: it reads the sessions made here
    _setup_django("smartgov_bench_load")
    deadline = _deadline_cycle(_ensure_data("bench-300x60", 300, 60))
    _analyse()
    officers = _officers(deadline)
    codes = list(deadline.framework.indicators.values_list("code", flat=True))

    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        answers, timings = Path(tmp) / "answers.txt", Path(tmp) / "timings.txt"
        # Production settings over plain HTTP on the loopback: no redirect to HTTPS, cookies not marked Secure;
        # static file names without collectstatic's manifest (the page is fetched, not its files).
        env = {**os.environ, "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1",
               "SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false",
               "STATICFILES_BACKEND": "whitenoise.storage.CompressedStaticFilesStorage", "CONN_MAX_AGE": "60",
               "LOG_LEVEL": "WARNING", "BENCH_OFFICERS": json.dumps(officers), "BENCH_CODES": json.dumps(codes),
               "BENCH_ANSWERS": str(answers), "BENCH_TIMINGS": str(timings),
               "BENCH_WAIT": json.dumps(args.wait)}
        server = subprocess.Popen([str(BIN / "gunicorn"), "smartgov.wsgi", "--workers", str(args.workers),
                                   "--bind", f"127.0.0.1:{port}", *GUNICORN_FLAGS],
                                  cwd=ROOT, env=env, start_new_session=True)
        try:
            _wait_until_serving(f"http://127.0.0.1:{port}/healthz", server)
            load = os.getloadavg()[0]
            locustfile = Path(tmp) / "locustfile.py"
            locustfile.write_text(LOCUSTFILE)
            log = Path(tmp) / "locust.log"
            with open(log, "w") as out:
                subprocess.run([str(BIN / "locust"), "-f", str(locustfile), "--headless", "--only-summary",
                                "-u", str(args.users), "-r", str(args.users / RAMP_SECONDS),
                                "-t", f"{RAMP_SECONDS + OPENING_ALLOWANCE + args.seconds}s",
                                "--host", f"http://127.0.0.1:{port}", "--loglevel", "WARNING"],
                               cwd=tmp, env=env, check=False, stdout=out, stderr=subprocess.STDOUT,
                               timeout=RAMP_SECONDS + OPENING_ALLOWANCE + args.seconds + 60)
            if not timings.exists():
                raise RuntimeError("locust logged no request:\n" + log.read_text()[-3000:])
            phases = _phases(timings, args.users, args.seconds)
            warnings = [line for line in log.read_text().splitlines() if "CPU usage" in line]
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(15)
        statuses, acknowledged, lost, interrupted = _lost(deadline, answers)

    saves = phases.after
    errors = sum(count for status, count in statuses.items() if status >= 500 or status == 0)
    print(f"(h) deadline day: {args.users} city officers autosaving, {args.wait[0]:g}–{args.wait[1]:g} s between "
          f"saves, gunicorn {args.workers} "
          f"sync workers on PostgreSQL; machine load average {load:.1f} on {os.cpu_count()} cores before the run "
          f"(locust runs on the same machine)")
    print(f"  the opening: {phases.opened} of {args.users} forms open {phases.opening_seconds:.1f} s after the first "
          f"officer arrived (arrivals over {RAMP_SECONDS} s); pages p50 {_ms(phases.pages, 50)}, p95 "
          f"{_ms(phases.pages, 95)}; meanwhile {len(phases.during)} autosaves, p50 {_ms(phases.during, 50)}, "
          f"p95 {_ms(phases.during, 95)}")
    print(f"  the {phases.after_seconds:.0f} s after all forms were open: {len(saves)} autosaves, "
          f"{len(saves) / phases.after_seconds:.1f}/s, p50 {_ms(saves, 50)}, p95 {_ms(saves, 95)}, "
          f"p99 {_ms(saves, 99)}, max {_ms(saves, 100)}")
    print(f"  the whole run's autosave answers by status: {dict(sorted(statuses.items()))} (0: none); {errors} 5xx "
          f"or none, {statuses.get(409, 0)} conflicts (409); {interrupted} unanswered when the run stopped")
    print(f"  acknowledged saves missing from the database: {lost} (of {acknowledged} (submission, indicator) pairs "
          f"acknowledged)")
    print(f"  targets: p95 ≤ {TARGET_MS} ms once the forms are open "
          f"{'met' if saves and _percentile(saves, 95) <= TARGET_MS else 'NOT met'}, "
          f"no 5xx {'met' if not errors else 'NOT met'}, no lost save {'met' if not lost else 'NOT met'}")
    for warning in warnings:
        print("  locust: " + warning.strip())


if __name__ == "__main__":
    main()
