"""Production settings: `manage.py check --deploy` reports nothing under the values of .env.example (with a generated
SECRET_KEY), a placeholder or weak key stops the start, the forwarded-protocol header is trusted only when named."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_topology import _command

ROOT = Path(__file__).resolve().parent.parent
GENERATE = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'
# Variables a developer's or CI's environment may hold that would change what is checked: left out.
OUTSIDE = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "CACHE_URL", "MEDIA_ROOT",
           "SMARTGOV_VAR_DIR", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def _run(args, tmp_path, unset=(), **env):
    """`python args` with the values of .env.example, then `env`, less the variables named in `unset`."""
    example = env_example()
    clean = {k: v for k, v in os.environ.items() if k not in OUTSIDE and k not in example}
    environment = {**clean, **example, "SMARTGOV_VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in environment.items() if k not in unset})


def _setting(tmp_path, expression, unset=(), **env):
    code = f"import django; from django.conf import settings; django.setup(); print(repr({expression}))"
    result = _run(["-c", code], tmp_path, unset, DJANGO_SETTINGS_MODULE="smartgov.settings", **env)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_check_deploy_reports_nothing_under_the_env_example(tmp_path):
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path,
                  SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_the_env_example_ships_no_key_and_says_how_to_make_one():
    assert env_example()["SECRET_KEY"] == ""
    assert GENERATE in (ROOT / ".env.example").read_text()


@pytest.mark.parametrize("key", ["", "change-me-to-a-long-random-string", "django-insecure-" + "k3y" * 20,
                                 "ab" * 40, "Xq3-short-but-random-27char"],
                         ids=["empty", "placeholder", "django-insecure", "few-characters", "short"])
def test_a_missing_placeholder_or_weak_key_is_refused_with_how_to_make_one(tmp_path, key):
    result = _run(["manage.py", "check"], tmp_path, SECRET_KEY=key)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert GENERATE in result.stderr


def test_the_forwarded_protocol_is_trusted_only_when_named(tmp_path):
    key = secrets.token_urlsafe(50)
    assert _setting(tmp_path, "settings.SECURE_PROXY_SSL_HEADER", SECRET_KEY=key, SECURE_PROXY_SSL_HEADER="") \
        == "None"
    assert _setting(tmp_path, "settings.SECURE_PROXY_SSL_HEADER", SECRET_KEY=key,
                    SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto") == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_https_settings_are_on_by_default_in_production_and_configurable(tmp_path):
    expression = ("(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
                  "settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD, "
                  "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)")
    https = [name for name in env_example() if name.startswith("SECURE_") and name != "SECURE_PROXY_SSL_HEADER"]
    key = secrets.token_urlsafe(50)
    assert _setting(tmp_path, expression, unset=https, SECRET_KEY=key) == "(True, 31536000, True, True, True, True)"
    plain_http = _setting(tmp_path, expression, SECRET_KEY=key, SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0",
                          SESSION_COOKIE_SECURE="false", CSRF_COOKIE_SECURE="false")
    assert plain_http == "(False, 0, True, True, False, False)"
    development = _setting(tmp_path, expression, unset=[*https, "SECRET_KEY"], DEBUG="true")
    assert development == "(False, 0, False, False, False, False)"


def test_the_wsgi_application_loads_every_view_with_the_process_and_opens_no_connection(tmp_path):
    """gunicorn's `--preload` forks workers from a master that loaded the application: the views are imported
    there (not on a worker's first request), and the master holds no database connection and no thread that
    the forks would share."""
    code = ("import sys, threading; from smartgov.wsgi import application; from django.db import connections; "
            "print(all(m in sys.modules for m in ('assessments.views.submissions', 'reports.views', 'api.views'))"
            ", [a for a in connections if connections[a].connection is not None], threading.active_count())")
    secret = secrets.token_urlsafe(50)
    result = _run(["-c", code], tmp_path, SECRET_KEY=secret)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["True", "[]", "1"]
    assert "--preload" in _command("web")
