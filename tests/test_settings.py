"""One settings module, driven by the environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _settings(**env):
    code = ("import django; from django.conf import settings; django.setup(); "
            "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER, settings.LANGUAGE_CODE,"
            " settings.TIME_ZONE)")
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "smartgov.settings", **env})


def test_the_embedded_default_is_sqlite_with_in_process_tasks():
    result = _settings()
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "zh-hans", "Asia/Shanghai"]


def test_database_and_broker_urls_switch_to_postgresql_and_real_workers():
    result = _settings(DATABASE_URL="postgres://u@127.0.0.1:5432/x", CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
    assert result.stdout.split()[:2] == ["django.db.backends.postgresql", "False"]


def test_secret_key_is_required_when_debug_is_off():
    result = _settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert _settings(DEBUG="false", SECRET_KEY="x" * 50).returncode != 0  # fewer than 5 different characters
    assert _settings(DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50)).returncode == 0
