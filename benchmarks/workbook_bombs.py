"""Workbook bombs: how fast and in how little memory the two bombs of the report are refused, what openpyxl alone
would spend on one, what the check costs a large legitimate file, and whether the site answers /healthz while
bombs are uploaded.

    .venv/bin/python benchmarks/workbook_bombs.py [--repeat 5] [--unchecked 20] [--legit-rows 200000]
                                                  [--server-seconds 15]

1. Builds the shared-strings bomb (0.5 MB → 187 MB of ten million strings) and the deflate bomb (1 MB → 1 GB),
   then refuses each `--repeat` times through `open_workbook` in a fresh interpreter: seconds, and the bytes added
   to the peak resident memory (VmHWM reset before the refusal; a 64 MB string is measured too, as a calibration).
   Target: under 2 s and 100 MB each.
2. `--unchecked SECONDS` (0 to skip): openpyxl's own `load_workbook` on the shared-strings bomb, without the check,
   stopped after SECONDS: how long and how much memory (sampled every 0.2 s) the upload cost before.
3. `--legit-rows N` (0 to skip): a satisfaction-like file of N rows × 8 columns written as exporters write it
   (inline strings, no dimension): the check's time against `open_workbook` plus reading every row.
4. `--server-seconds S` (0 to skip): gunicorn (2 workers, 30 s timeout, production settings) on a fresh SQLite
   database; two clients upload the two bombs to the values import page over and over for S seconds while /healthz
   is asked every 0.1 s. Target: every /healthz under 1 s. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from tests.bomb_files import MIB, deflate_bomb, measure_refusal, shared_strings_bomb  # noqa: E402

UNCHECKED = """
import io, sys
from openpyxl import load_workbook
book = load_workbook(open(sys.argv[1], "rb"), read_only=True, data_only=True)
print(sum(1 for _ in book.worksheets[0].iter_rows()))
"""


def _mb(size: float) -> str:
    return f"{size / MIB:.1f} MB"


def refusals(files: dict[str, Path], repeat: int) -> None:
    print(f"Refusals through open_workbook, {repeat} runs each in a fresh interpreter (target < 2 s, < 100 MB):")
    for name, path in files.items():
        runs = [measure_refusal(path) for _ in range(repeat)]
        seconds = [run["seconds"] for run in runs]
        grown = [run["grown_bytes"] for run in runs]
        print(f"  {name:<15} {path.stat().st_size / 1024:6.0f} KB file: median {statistics.median(seconds) * 1000:.2f} "
              f"ms, max {max(seconds) * 1000:.2f} ms; peak memory added max {_mb(max(grown))} (calibration: a 64 MB "
              f"string adds {_mb(min(run['calibration_bytes'] for run in runs))})")
        print(f"  {'':<15} “{runs[0]['message']}”")


def unchecked(path: Path, seconds: float) -> None:
    process = subprocess.Popen([sys.executable, "-c", UNCHECKED, str(path)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    started, peak = time.perf_counter(), 0
    while process.poll() is None and time.perf_counter() - started < seconds:
        try:
            with open(f"/proc/{process.pid}/status") as status:
                peak = max(peak, next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:")))
        except (OSError, StopIteration):
            pass
        time.sleep(0.2)
    elapsed, finished = time.perf_counter() - started, process.poll() is not None
    if not finished:
        process.kill()
        process.wait()
    print(f"Without the check, openpyxl.load_workbook on the shared-strings bomb: "
          f"{'finished' if finished else 'still reading, stopped'} after {elapsed:.1f} s, resident memory up to "
          f"{_mb(peak)}")


def legit(rows: int) -> None:
    from openpyxl import Workbook

    from smartgov.workbooks import check_workbook, open_workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("评价")
    sheet.append(["服务事项", "渠道", "日期", "评分", "评价内容", "是否整改", "区划代码", "编号"])
    for number in range(rows):
        sheet.append([f"服务事项{number % 500}", ("网上", "窗口", "APP")[number % 3], f"2026-03-{1 + number % 28:02d}",
                      number % 5 + 1, f"评价内容 {number * 7919 % 100003} 办事很方便" if number % 3 == 0 else None,
                      "是" if number % 2 else "否", 330100 + number % 90, number])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    started = time.perf_counter()
    check_workbook(data)
    checked = time.perf_counter() - started
    started = time.perf_counter()
    book = open_workbook(data)
    cells = sum(len(row) for row in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    whole = time.perf_counter() - started
    print(f"A legitimate file of {rows:,} rows × 8 columns ({_mb(len(data))}, {cells:,} cells): the check takes "
          f"{checked:.2f} s of the {whole:.2f} s that open_workbook and reading every row take "
          f"({checked / whole:.0%})")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare_site() -> tuple[str, int]:
    """The fresh SQLite database of `main` with the default framework, a cycle open today and Hangzhou's officer
    logged in: their session cookie and the submission's id."""
    from django.core.management import call_command
    from django.test import Client

    from indicators.framework_file import load_framework_file
    from indicators.services import framework_import, framework_publish
    from tests.factories import CycleFactory, SubmissionFactory, example_user, open_now, region_tree

    call_command("migrate", verbosity=0)
    document = load_framework_file(ROOT / "indicators" / "frameworks" / "smartgov-maturity.yaml")
    framework = framework_publish(framework=framework_import(document=document).framework)
    cycle = open_now(CycleFactory(framework=framework, period=2026))
    submission = SubmissionFactory(region=region_tree()["hangzhou"], cycle=cycle)
    client = Client()
    client.force_login(example_user("officer"))
    return client.cookies["sessionid"].value, submission.pk


def _multipart(fields: dict[str, str], name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
             for key, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def server(files: dict[str, Path], seconds: float) -> None:
    session, submission = _prepare_site()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # Production settings (the session's key is the one `main` set), over plain HTTP on the loopback; its log (a
    # warning for each refused upload) goes to a file.
    env = {**os.environ, "DEBUG": "false", "SECURE_SSL_REDIRECT": "false", "ALLOWED_HOSTS": "127.0.0.1"}
    log = open(Path(os.environ["SMARTGOV_VAR_DIR"]) / "gunicorn.log", "w")  # noqa: SIM115  (closed below)
    process = subprocess.Popen([str(BIN / "gunicorn"), "smartgov.wsgi", "--workers", "2", "--timeout", "30",
                                "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
                               cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except Exception:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn is not serving") from None
                time.sleep(0.3)
        csrf = secrets.token_hex(16)
        stop = threading.Event()
        uploads: list[tuple[str, int, float, bool]] = []

        def upload(name: str, path: Path) -> None:
            body, content_type = _multipart({"csrfmiddlewaretoken": csrf}, f"{name}.xlsx", path.read_bytes())
            while not stop.is_set():
                request = urllib.request.Request(
                    f"{base}/submissions/{submission}/import", data=body, method="POST",
                    headers={"Content-Type": content_type, "Accept-Language": "en",
                             "Cookie": f"sessionid={session}; csrftoken={csrf}"})
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        status, page = response.status, response.read().decode()
                except urllib.error.HTTPError as error:
                    status, page = error.code, error.read().decode()
                uploads.append((name, status, time.perf_counter() - started, "once unpacked" in page))

        clients = [threading.Thread(target=upload, args=item) for item in files.items()]
        for client in clients:
            client.start()
        health: list[float] = []
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            started = time.perf_counter()
            with urllib.request.urlopen(f"{base}/healthz", timeout=30) as response:
                assert response.status == 200
            health.append(time.perf_counter() - started)
            time.sleep(0.1)
        stop.set()
        for client in clients:
            client.join(90)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(15)
        log.close()
    print(f"gunicorn (2 workers) for {seconds:.0f} s while two clients upload the bombs to the values import page:")
    for name in files:
        mine = [u for u in uploads if u[0] == name]
        print(f"  {name:<15} {len(mine)} uploads, answers {sorted({u[1] for u in mine})}, refused with its reason "
              f"{sum(u[3] for u in mine)}, median {statistics.median(u[2] for u in mine) * 1000:.0f} ms, "
              f"max {max(u[2] for u in mine) * 1000:.0f} ms")
    print(f"  /healthz {len(health)} times: median {statistics.median(health) * 1000:.0f} ms, max "
          f"{max(health) * 1000:.0f} ms (target < 1 s: {'met' if max(health) < 1 else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--unchecked", type=float, default=20, metavar="SECONDS")
    parser.add_argument("--legit-rows", type=int, default=200_000)
    parser.add_argument("--server-seconds", type=float, default=15)
    args = parser.parse_args()
    print(f"Machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        # A database, media and var folder of the run's own (the server's too), before Django starts.
        os.environ.update({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "SMARTGOV_VAR_DIR": tmp,
                           "MEDIA_ROOT": f"{tmp}/media", "LOG_LEVEL": "WARNING",
                           "SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_SETTINGS_MODULE": "smartgov.settings"})
        import django

        django.setup()
        files = {"shared strings": Path(tmp) / "shared-strings.xlsx", "deflate": Path(tmp) / "deflate.xlsx"}
        for (name, path), build in zip(files.items(), (shared_strings_bomb, deflate_bomb), strict=True):
            started = time.perf_counter()
            path.write_bytes(build())
            print(f"Built the {name} bomb in {time.perf_counter() - started:.1f} s: "
                  f"{path.stat().st_size / 1024:.0f} KB")
        refusals(files, args.repeat)
        if args.unchecked:
            unchecked(files["shared strings"], args.unchecked)
        if args.legit_rows:
            legit(args.legit_rows)
        if args.server_seconds:
            server(files, args.server_seconds)


if __name__ == "__main__":
    main()
