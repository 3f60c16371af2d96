"""`/healthz`: is the database reachable, is the broker reachable (or are tasks run in-process)?

Everyone gets the verdict, {"status": "ok"} with 200 or {"status": "unavailable"} with 503. Only an internal caller
(`smartgov.internal`: the container's health check, an operator on the host) gets the details: which database,
which broker, and the errors, whose text may name hosts and ports.
"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from .celery import app
from .internal import is_internal_request


def _database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return {"ok": False, "vendor": connection.vendor, "error": str(error)}
    return {"ok": True, "vendor": connection.vendor}


def _broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process"}
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:
        return {"ok": False, "mode": "broker", "error": str(error)}
    return {"ok": True, "mode": "broker", "transport": app.conf.broker_url.split(":", 1)[0]}


def healthz(request):
    checks = {"database": _database(), "broker": _broker()}
    healthy = all(check["ok"] for check in checks.values())
    body = {"status": "ok" if healthy else "unavailable"}
    if is_internal_request(request):
        body.update(checks)
    return JsonResponse(body, status=200 if healthy else 503)
