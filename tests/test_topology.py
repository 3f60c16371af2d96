"""The production topology of docker-compose.yml: a slow client cannot stall the site, a crash or a Redis blip does
not leave a service down, the broker's queue survives a restart, the report worker is bounded.

No container engine runs here, so the compose file and the nginx configuration are checked on paper (their
values, against the application's own limits and gunicorn's timeout), then, where the binaries are installed, by
`docker-compose config` and `nginx -t`, and by two slow clients against nginx in front of one gunicorn sync worker.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from smartgov import limits

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
NGINX_CONF_PATH = ROOT / "deploy" / "nginx" / "smartgov.conf"
NGINX_CONF = NGINX_CONF_PATH.read_text()
HTTP_REDIRECT_CONF = (ROOT / "deploy" / "nginx" / "http-redirect.conf").read_text()
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)")


def _command(service):
    command = SERVICES[service]["command"]
    return command if isinstance(command, str) else " ".join(command)


def _directives(name, text=NGINX_CONF):
    """The values of every `name …;` directive of the nginx configuration (comments ignored)."""
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    return [m.group(1).strip() for line in lines if (m := re.match(rf"\s*{name}\s+([^;]*);", line))]


def _directive(name):
    values = _directives(name)
    assert len(values) == 1, f"{name}: {values}"
    return values[0]


def _seconds(value):
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h)?", value).groups()
    return int(number) * {"ms": 0.001, None: 1, "s": 1, "m": 60, "h": 3600}[unit]


def _bytes(value):
    number, unit = re.fullmatch(r"(\d+)([kKmMgG])?", value).groups()
    return int(number) * {None: 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower() if unit else None]


def _location(pattern):
    """The body of the `location …` block whose head matches `pattern`."""
    found = re.search(rf"location\s+{pattern}\s*\{{([^}}]*)\}}", NGINX_CONF)
    assert found, pattern
    return found.group(1)


def _gunicorn_timeout():
    found = re.search(r"gunicorn .*--timeout[ =](\d+)", _command("web"), re.DOTALL)
    assert found, "gunicorn's --timeout is set in the web command"
    return int(found.group(1))


def largest_upload():
    """The largest upload the application accepts: every *_MAX_BYTES of smartgov/limits.py and the evidence
    limit of the settings (an unpacked-size bound is not an upload)."""
    uploads = [value for name, value in vars(limits).items() if name.endswith("_MAX_BYTES")]
    return max([*uploads, settings.EVIDENCE_MAX_BYTES])


# docker-compose.yml ---------------------------------------------------------------------------------------------


def test_every_service_restarts_after_a_crash():
    for name, service in SERVICES.items():
        assert service.get("restart") in ("always", "unless-stopped"), name


def test_redis_keeps_the_queue_on_a_volume_with_an_append_only_file():
    command = _command("redis")
    assert re.search(r"--appendonly\s+yes", command)
    assert re.search(r"--appendfsync\s+(everysec|always)", command)
    volumes = SERVICES["redis"]["volumes"]
    assert any(v.split(":")[0] in COMPOSE["volumes"] and v.split(":")[1] == "/data" for v in volumes), volumes


def test_only_nginx_publishes_a_port_and_it_fronts_gunicorn():
    assert "ports" not in SERVICES["web"], "gunicorn must not be reachable from the host: nginx fronts it"
    for name in ("postgres", "redis", "worker", "report-worker", "beat"):
        assert "ports" not in SERVICES[name], name
    assert SERVICES["nginx"]["ports"]
    assert SERVICES["nginx"]["image"].startswith("nginx:")
    mounts = {v.split(":")[1]: v.split(":")[0] for v in SERVICES["nginx"]["volumes"]}
    assert (ROOT / mounts["/etc/nginx/conf.d/default.conf"]).resolve() == NGINX_CONF_PATH
    assert SERVICES["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert "http://web:8000" in NGINX_CONF
    assert "--bind 0.0.0.0:8000" in _command("web")


def test_nginx_serves_the_static_files_that_collectstatic_writes():
    environment = COMPOSE["x-app"]["environment"]
    static_root = f"{environment['SMARTGOV_VAR_DIR']}/{settings.STATIC_ROOT.name}"  # STATIC_ROOT = VAR_DIR/staticfiles
    web_mounts = {v.split(":")[1]: v.split(":")[0] for v in SERVICES["web"]["volumes"]}
    nginx_mounts = {v.split(":")[1]: v.split(":")[0] for v in SERVICES["nginx"]["volumes"]}
    volume = web_mounts[static_root]
    alias = _directives("alias", _location(f"/{settings.STATIC_URL.strip('/')}/"))[0]
    assert nginx_mounts[alias.rstrip("/")] == volume
    assert "collectstatic" in _command("web")
    assert not any("media" in path for path in nginx_mounts), "media is only served by Django's checking views"


def test_gunicorn_is_configured_for_the_proxy():
    command = _command("web")
    assert "--forwarded-allow-ips" in command
    assert re.search(r"--workers[ =]\d+", command)
    assert re.search(r"--graceful-timeout[ =]\d+", command)
    assert _gunicorn_timeout() <= 30
    assert "SATISFACTION_CLIENT_ADDRESS_HEADER" in COMPOSE["x-app"]["environment"]


@pytest.mark.parametrize("service", ["worker", "report-worker"])
def test_the_workers_are_bounded(service):
    command = _command(service)
    assert re.search(r"--max-memory-per-child[ =]\d+", command)
    assert re.search(r"--max-tasks-per-child[ =]\d+", command)
    assert re.search(r"--prefetch-multiplier[ =]1\b", command)
    limits_ = SERVICES[service]["deploy"]["resources"]["limits"]
    assert limits_["memory"]
    assert float(limits_["cpus"]) > 0
    memory = _bytes(limits_["memory"].rstrip("bB"))
    per_child = int(re.search(r"--max-memory-per-child[ =](\d+)", command).group(1)) * 1024
    # The report workers' concurrency comes from the environment (REPORT_WORKER_CONCURRENCY): its default here.
    concurrency = int(re.search(r"--concurrency[ =](?:\$\{\w+:-)?(\d+)", command).group(1))
    assert per_child * concurrency < memory, "children are recycled before the container's limit is reached"


def test_report_workers_take_one_report_at_a_time_and_scale():
    command = _command("report-worker")
    assert re.search(r"--concurrency[ =]\$\{REPORT_WORKER_CONCURRENCY:-\d+\}", command)
    assert re.search(r"(^|\s)-O fair\b", command)
    assert "container_name" not in SERVICES["report-worker"], "a fixed container name would forbid --scale"
    assert "--scale report-worker=" in (ROOT / "docker-compose.yml").read_text()
    assert "--scale report-worker=" in (ROOT / "README.md").read_text()


def test_beat_is_still_the_one_scheduler():
    assert _command("beat").split()[:4] == ["celery", "-A", "smartgov", "beat"]


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_docker_compose_validates_the_file(tmp_path):
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = subprocess.run(["docker-compose", "-f", str(tmp_path / "docker-compose.yml"), "config", "-q"],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


# deploy/nginx/smartgov.conf -------------------------------------------------------------------------------------


def test_nginx_buffers_whole_requests_and_answers():
    assert _directive("proxy_buffering") == "on"
    assert _directive("proxy_request_buffering") == "on"


def test_nginx_cuts_off_clients_that_dribble():
    for name in ("client_header_timeout", "client_body_timeout", "send_timeout", "keepalive_timeout"):
        assert _seconds(_directive(name)) <= 15, name
    assert _directives("limit_conn"), "connections per address are bounded"
    assert _directives("limit_conn_zone")[0].startswith("$binary_remote_addr")
    assert _directives("limit_req_zone")[0].startswith("$binary_remote_addr")
    assert "limit_req " in _location("/")


def test_nginx_waits_for_gunicorn_a_little_longer_than_gunicorn_does():
    assert _gunicorn_timeout() < _seconds(_directive("proxy_read_timeout")) <= _gunicorn_timeout() + 30


def test_nginx_accepts_the_largest_upload_with_its_multipart_overhead():
    assert _bytes(_directive("client_max_body_size")) >= largest_upload() + 64 * 1024


def test_nginx_passes_the_client_address_scheme_and_host():
    headers = dict(value.split(None, 1) for value in _directives("proxy_set_header"))
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert headers["X-Real-IP"] == "$remote_addr"
    assert headers["Host"] == "$host"
    assert headers["X-Request-ID"] == "$smartgov_request_id"


def test_tls_ends_at_nginx_and_plain_http_is_only_redirected():
    assert "listen 443 ssl default_server;" in NGINX_CONF
    assert _directive("ssl_certificate") == "/etc/nginx/certs/fullchain.pem"
    assert _directive("ssl_certificate_key") == "/etc/nginx/certs/privkey.pem"
    assert "TLSv1.2 TLSv1.3" in _directive("ssl_protocols")
    mounts = {v.split(":")[1]: v.split(":")[0] for v in SERVICES["nginx"]["volumes"]}
    assert mounts["/etc/nginx/certs"] == "./deploy/tls"
    assert (ROOT / mounts["/etc/nginx/conf.d/http-redirect.conf"]).read_text() == HTTP_REDIRECT_CONF
    assert set(SERVICES["nginx"]["ports"]) == {"443:443", "80:80"}
    assert "return 301 https://$host$request_uri;" in HTTP_REDIRECT_CONF
    assert "proxy_pass" not in HTTP_REDIRECT_CONF  # nothing of the application over plain HTTP
    assert "deploy/tls/*.pem" in (ROOT / ".gitignore").read_text()


def test_nginx_refuses_metrics_and_proxies_healthz():
    assert "deny all" in _location("= /metrics")
    assert "proxy_pass" not in _location("= /metrics")
    assert "proxy_pass" in _location("= /healthz")


# nginx and gunicorn, for real ------------------------------------------------------------------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _self_signed(folder):
    """A certificate and key for localhost, made here with openssl (as deploy/tls/self-signed.sh does)."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(folder / "privkey.pem"), "-out", str(folder / "fullchain.pem")],
                   check=True, capture_output=True, timeout=60)
    return folder


def _nginx_files(folder, *, listen=None, upstream=None, static=None):
    """A main nginx.conf in `folder` that includes the site configuration and the plain-HTTP redirect (verbatim,
    with a certificate made here, or — with `listen` — on that local port over plain HTTP, TLS taken out), with its
    upstream and static folder replaced as asked and every path nginx writes to inside `folder`."""
    site = NGINX_CONF
    if listen:
        site = site.replace("listen 443 ssl default_server", f"listen 127.0.0.1:{listen} default_server")
        site = "\n".join(line for line in site.splitlines() if not line.strip().startswith("ssl_"))
        redirect = ""
    else:
        certs = _self_signed(folder)
        site = site.replace("/etc/nginx/certs/", f"{certs}/")
        redirect = HTTP_REDIRECT_CONF.replace("listen 80 default_server", f"listen 127.0.0.1:{_free_port()}")
    if upstream:
        site = site.replace("http://web:8000", upstream)
    if static:
        site = site.replace("/usr/share/nginx/smartgov-static/", f"{static}/")
    site = site.replace("/var/log/nginx/access.log", f"{folder}/access.log")
    (folder / "site.conf").write_text(site + "\n" + redirect)
    temp = "\n".join(f"  {kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                          "scgi"))
    (folder / "nginx.conf").write_text(f"""
{'user root;' if os.geteuid() == 0 else ''}
pid {folder}/nginx.pid;
error_log {folder}/error.log;
worker_processes 1;
events {{ worker_connections 256; }}
http {{
  include /etc/nginx/mime.types;
  access_log {folder}/access.log;
{temp}
  include {folder}/site.conf;
}}
""")
    return folder / "nginx.conf"


@needs_nginx
def test_nginx_accepts_the_configuration_as_it_is(tmp_path):
    """`nginx -t` on the file as docker-compose mounts it (the upstream is resolved at request time, through
    Docker's DNS, so `web` need not exist here)."""
    result = subprocess.run([NGINX, "-t", "-c", str(_nginx_files(tmp_path)), "-p", str(tmp_path)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def _wait_for(url, timeout, process):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} stopped")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - a local URL
                return response.status
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout}s")


class SlowClient:
    """A client that opens a connection and sends its request a byte at a time: its headers never end, or its
    body (of a declared length) never arrives."""

    def __init__(self, port, *, body):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=5)
        if body:
            self.pending = (b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n"
                            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n" + b"a" * 100000)
        else:
            self.pending = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"x" * 100000

    def dribble(self, count=1):
        sent, self.pending = self.pending[:count], self.pending[count:]
        with contextlib.suppress(OSError):  # nginx may have hung up on it: it goes on all the same
            self.socket.sendall(sent)

    def close(self):
        self.socket.close()


def _timed_get(url, timeout):
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - a local URL
            response.read()
            return response.status, time.monotonic() - started
    except OSError:
        return None, time.monotonic() - started


@pytest.fixture
def one_sync_worker(tmp_path):
    """gunicorn with one sync worker serving the project on the embedded defaults (SQLite in a folder of the
    test's own); its port."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "CELERY_TASK_ALWAYS_EAGER")}
    env.update(SMARTGOV_VAR_DIR=str(tmp_path / "var"), DEBUG="true")
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "smartgov.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--worker-class", "sync", "--timeout", "30"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", 60, process)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
        log.close()


@pytest.fixture
def nginx_in_front(tmp_path, one_sync_worker):
    folder = tmp_path / "nginx"
    (folder / "static").mkdir(parents=True)
    (folder / "static" / "probe.css").write_text("body { color: #333; }\n")
    port = _free_port()
    config = _nginx_files(folder, listen=port, upstream=f"http://127.0.0.1:{one_sync_worker}",
                          static=folder / "static")
    process = subprocess.Popen([NGINX, "-c", str(config), "-p", str(folder), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_for(f"http://127.0.0.1:{port}/static/probe.css", 20, process)
        yield port, one_sync_worker
    finally:
        process.terminate()
        process.wait(30)


def _with_slow_clients(port, probe, *, seconds=3.0):
    """Two slow clients (one never finishing its headers, one its body) dribbling to `port` for `seconds` while
    `probe` is called every half second; the probe's results."""
    clients = [SlowClient(port, body=False), SlowClient(port, body=True)]
    results, deadline = [], time.monotonic() + seconds
    try:
        for client in clients:
            client.dribble(40)
        time.sleep(0.3)
        while time.monotonic() < deadline:
            for client in clients:
                client.dribble()
            results.append(probe())
            time.sleep(0.5)
    finally:
        for client in clients:
            client.close()
    return results


@needs_nginx
def test_two_slow_clients_do_not_stall_the_site_behind_nginx(nginx_in_front):
    nginx_port, gunicorn_port = nginx_in_front

    # Without the proxy, the two slow clients hold the one sync worker: the health check waits (the control).
    direct = _with_slow_clients(gunicorn_port, lambda: _timed_get(f"http://127.0.0.1:{gunicorn_port}/healthz", 2),
                                seconds=2.5)
    assert any(status is None or took >= 1 for status, took in direct), direct
    print(f"\ndirect to gunicorn: /healthz {[(s, round(t, 3)) for s, t in direct]}")

    # Behind nginx, the same clients wait in nginx; gunicorn answers the health check at once.
    proxied = _with_slow_clients(nginx_port, lambda: _timed_get(f"http://127.0.0.1:{nginx_port}/healthz", 5))
    print(f"through nginx: /healthz {[(s, round(t, 3)) for s, t in proxied]}")
    assert len(proxied) >= 4
    for status, took in proxied:
        assert status == 200
        assert took < 1, proxied


@needs_nginx
def test_nginx_serves_static_refuses_metrics_and_oversized_bodies(nginx_in_front):
    port, _ = nginx_in_front
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/probe.css", timeout=5) as response:
        assert response.status == 200
        assert b"color" in response.read()
    for path in ("/metrics", "/metrics/"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5)
        assert refused.value.code == 403
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        too_large = _bytes(_directive("client_max_body_size")) + 1
        s.sendall(f"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {too_large}\r\n\r\n"
                  .encode())
        assert s.recv(100).startswith(b"HTTP/1.1 413")
