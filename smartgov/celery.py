import os

from celery import Celery

# Connects the request id to Celery's signals (it travels in every message and is current while a task runs) and
# makes workers log through Django's LOGGING.
from . import task_context  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartgov.settings")

app = Celery("smartgov")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
