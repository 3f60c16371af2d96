"""REST API under load: gunicorn (2 workers) on PostgreSQL, locust (20 users, 30 s) as a province aggregator.

    .venv/bin/python benchmarks/api_load.py [--users 20] [--seconds 30]

Uses the 300-city benchmark data of benchmarks/pipeline.py (created once in `smartgov_bench`, or DATABASE_URL
when it names PostgreSQL), scores its 2025 cycle if it has no published run, gives the aggregator of 基准省0
(30 cities) a token, then loads the results list (page_size=50) and the per-province statistics. Prints the
throughput, p50/p95/p99 (target: p95 ≤ 100 ms) and the SQL queries per request. Traffic goes to 127.0.0.1 only
and stops after `--seconds`.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from benchmarks.pipeline import _ensure_data, _pipeline_once, _setup_django  # noqa: E402


def _paths(period: int) -> dict[str, str]:
    return {"results": f"/api/v1/results/?cycle={period}&page_size=50",
            "aggregates": f"/api/v1/aggregates/?cycle={period}"}


LOCUSTFILE = '''
import os
from locust import HttpUser, between, task

HEADERS = {{"Authorization": "Bearer " + os.environ["SMARTGOV_TOKEN"], "Accept-Language": "zh-hans"}}


class Aggregator(HttpUser):
    wait_time = between({low}, {high})

    @task(3)
    def results(self):
        self.client.get("{results}", headers=HEADERS, name="results")

    @task(1)
    def aggregates(self):
        self.client.get("{aggregates}", headers=HEADERS, name="aggregates")
'''


def _aggregator_token(region: str) -> str:
    from django.contrib.auth import get_user_model

    from api.services import token_create
    from assessments.models import Region, RoleAssignment

    user, _ = get_user_model().objects.get_or_create(username=f"bench-aggregator-{region}")
    RoleAssignment.objects.get_or_create(user=user, role=RoleAssignment.Role.PROVINCE_ANALYST,
                                         region=Region.objects.get(code=region))
    return token_create(user=user, name="api_load benchmark")[1]


def _queries_per_request(token: str, paths: dict[str, str]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    client.get(paths["results"])  # the first use of a token records it (at most once a minute)
    counts = {}
    for name, path in paths.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, response.content[:300]
        counts[name] = len(queries)
    return counts


def _sequential(base: str, token: str, paths: dict[str, str], count: int = 50) -> dict[str, float]:
    """Median latency of one client alone (no concurrency), per endpoint, in ms."""
    out = {}
    for name, path in paths.items():
        times = []
        for _ in range(count):
            request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
            start = time.perf_counter()
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
            times.append((time.perf_counter() - start) * 1000)
        out[name] = statistics.median(times)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_serving(url: str, process, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn stopped")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError("gunicorn is not serving")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--wait", type=float, nargs=2, default=(0.1, 0.5), metavar=("MIN", "MAX"),
                        help="seconds each user waits between requests")
    parser.add_argument("--national", action="store_true",
                        help="China's register (benchmarks/overview.py's data), as the nation's aggregator")
    args = parser.parse_args()

    if args.national:
        _setup_django("smartgov_bench_national")
        from benchmarks.overview import _national_cycle

        cycle, region, who = _national_cycle(), "CHN", "the nation's aggregator (every region of China)"
    else:
        _setup_django()
        cycle = _ensure_data("bench-300x60", 300, 60)
        region, who = "900000", "the aggregator of one province (30 of 300 cities)"
    cycle.refresh_from_db()
    if cycle.current_run_id is None:
        _pipeline_once(cycle)
    paths = _paths(cycle.period)
    token = _aggregator_token(region)
    queries = _queries_per_request(token, paths)

    port = _free_port()
    # Production settings, but over plain HTTP on the loopback: no redirect to HTTPS.
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "SECURE_SSL_REDIRECT": "false",
           "ALLOWED_HOSTS": "127.0.0.1",
           "CONN_MAX_AGE": "60", "LOG_LEVEL": "WARNING", "API_THROTTLE_RATE": "1000000/min",
           "SMARTGOV_TOKEN": token}
    server = subprocess.Popen([str(BIN / "gunicorn"), "smartgov.wsgi", "--workers", "2", "--bind",
                               f"127.0.0.1:{port}", "--log-level", "warning"],
                              cwd=ROOT, env=env, start_new_session=True)
    try:
        _wait_until_serving(f"http://127.0.0.1:{port}/healthz", server)
        alone = _sequential(f"http://127.0.0.1:{port}", token, paths)
        load = os.getloadavg()[0]
        with tempfile.TemporaryDirectory() as tmp:
            locustfile = Path(tmp) / "locustfile.py"
            locustfile.write_text(LOCUSTFILE.format(low=args.wait[0], high=args.wait[1], **paths))
            with open(f"{tmp}/locust.log", "w") as log:
                subprocess.run([str(BIN / "locust"), "-f", str(locustfile), "--headless", "--only-summary",
                                "-u", str(args.users), "-r", str(args.users), "-t", f"{args.seconds}s",
                                "--host", f"http://127.0.0.1:{port}", "--csv", f"{tmp}/load", "--loglevel",
                                "WARNING"], cwd=tmp, env=env, check=False, stdout=log, stderr=subprocess.STDOUT,
                               timeout=args.seconds + 60)
            if not Path(f"{tmp}/load_stats.csv").exists():
                raise RuntimeError("locust wrote no statistics:\n" + Path(f"{tmp}/locust.log").read_text()[-3000:])
            stats = list(csv.DictReader(io.StringIO(Path(f"{tmp}/load_stats.csv").read_text(encoding="utf-8"))))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(15)

    print(f"API under load: gunicorn 2 workers on PostgreSQL, locust {args.users} users × {args.seconds} s, "
          f"waiting {args.wait[0]}–{args.wait[1]} s between requests, as {who}; machine load average "
          f"{load:.1f} on {os.cpu_count()} cores before the run")
    print("  one client alone: " + ", ".join(f"{name} median {ms:.1f} ms" for name, ms in alone.items()))
    for row in stats:
        name = row["Name"] if row["Name"] != "Aggregated" else "all"
        print(f"  {name:<11} {int(row['Request Count']):>6} requests, {float(row['Requests/s']):7.1f} req/s, "
              f"failures {row['Failure Count']}, p50 {row['50%']} ms, p95 {row['95%']} ms, p99 {row['99%']} ms"
              + (f", {queries[name]} SQL queries per request" if name in queries else ""))
    total = next(r for r in stats if r["Name"] == "Aggregated")
    print(f"  target p95 ≤ 100 ms: {'met' if float(total['95%']) <= 100 else 'NOT met'}")


if __name__ == "__main__":
    main()
