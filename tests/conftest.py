"""Shared fixtures: the default framework (loaded once per test run), the region tree, the cast of users.

Builders of test data live in `tests/factories.py`; import from there, never from a conftest.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.utils import translation

from assessments import db_references as result_references
from assessments import db_triggers as published_triggers
from audit import db_triggers as audit_triggers
from indicators.framework_file import load_framework_file
from indicators.models import Framework
from indicators.published import framework_contents_forget
from indicators.services import framework_import, framework_publish
from tests.factories import CAST, CycleFactory, SubmissionFactory, example_user, region_tree

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FRAMEWORK_FILE = ROOT / "indicators" / "frameworks" / "smartgov-maturity.yaml"
FRAMEWORK_V2_FILE = ROOT / "indicators" / "frameworks" / "smartgov-maturity-v2.yaml"


@pytest.fixture(scope="session")
def default_document():
    return load_framework_file(DEFAULT_FRAMEWORK_FILE)


@pytest.fixture(scope="session")
def framework_v2_file():
    return FRAMEWORK_V2_FILE


@pytest.fixture(scope="session")
def default_document_v2():
    return load_framework_file(FRAMEWORK_V2_FILE)


@pytest.fixture
def framework_v2(db, default_document_v2):
    """The default framework's version 2, published (version 1 stays published beside it)."""
    return _default_framework(default_document_v2)


def _default_framework(document) -> Framework:
    """The published default framework: found when already loaded, else imported and published."""
    found = Framework.objects.filter(code=document["code"], version=document["version"],
                                     status=Framework.Status.PUBLISHED).first()
    return found or framework_publish(framework=framework_import(document=document).framework)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, default_document):
    """The test database starts with the default framework published, so that tests need not load it. Tests
    that flush the database (transactional ones, which pytest-django runs last) load it again when they ask."""
    with django_db_blocker.unblock():
        _default_framework(default_document)
    _let_test_flushes_empty_the_audit_table()


def _let_test_flushes_empty_the_audit_table():
    """The audit trail and published results refuse DELETE and TRUNCATE (audit.db_triggers,
    assessments.db_triggers), and a region, run, indicator or dimension that result rows still name refuses
    DELETE (assessments.db_references: SQLite's flush deletes table by table in an order that varies with the
    process's hash seed, so a region could go before the rows naming it). Only the flush that empties the test
    database after a transactional test lifts these triggers, for the length of that flush. Patched on the class:
    a connection made in another context (a live server thread, Playwright's loop) flushes too."""
    for operations in {type(connection.ops) for connection in connections.all()}:
        original = operations.sql_flush

        def sql_flush(self, style, tables, *, _original=original, **options):
            statements = _original(self, style, tables, **options)
            if audit_triggers.TABLE not in tables:
                return statements
            vendor, guards = self.connection.vendor, (audit_triggers, published_triggers, result_references)
            return [*(s for guard in guards for s in guard.drop_statements(vendor)), *statements,
                    *(s for guard in guards for s in guard.create_statements(vendor))]

        operations.sql_flush = sql_flush


@pytest.fixture
def framework(db, default_document):
    return _default_framework(default_document)


@pytest.fixture
def regions(db):
    return region_tree()


@pytest.fixture
def cycle(framework):
    return CycleFactory(framework=framework, period=2026)


@pytest.fixture
def submission(cycle, regions):
    return SubmissionFactory(region=regions["hangzhou"], cycle=cycle)


@pytest.fixture
def people(db):
    """The whole cast (`tests.factories.CAST`) by name: everyone exists, so that a notification or a list
    reaches the people it would reach in a real region."""
    return {name: example_user(name) for name in CAST}


@pytest.fixture
def officer(people):
    return people["officer"]


@pytest.fixture
def reviewer(people):
    return people["reviewer"]


@pytest.fixture
def analyst(people):
    return people["analyst"]


@pytest.fixture
def admin_user(people):
    return people["admin"]


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Tasks run in-process during tests, except in tests marked `worker`, which use a real worker."""
    from smartgov.celery import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def english(settings):
    """Messages in English, for tests that read them (the default language is Simplified Chinese): the default
    for requests, and the active language for services called directly."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def queued_mode(monkeypatch):
    """Tasks sent to a broker instead of run in-process, as in production, but nothing sent for real: the
    messages are returned in this list (args and options of each `outbox.run_job`)."""
    from outbox.tasks import run_job
    from smartgov.celery import app

    sent = []
    monkeypatch.setattr(run_job, "apply_async", lambda args, **options: sent.append((args, options)))
    previous, app.conf.task_always_eager = app.conf.task_always_eager, False
    yield sent
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _media_of_its_own(settings, tmp_path_factory):
    """Uploaded and built files go to a folder of the test's own, never to var/media (tests run in parallel)."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _no_language_left_active():
    """A request through LocaleMiddleware leaves its language active in the thread; the next test must not
    inherit it."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_framework_kept():
    """A framework kept by the process (`indicators.published`) must not outlive the test whose database held
    it: ids come back after a rollback, and a test with a frozen clock publishes at the same instant."""
    yield
    framework_contents_forget()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo (`manage.py seed_demo`), seeded once for the module — it takes seconds — in a transaction rolled
    back after the module's last test; each test runs in a savepoint of it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo")
        yield
        transaction.set_rollback(True)


def _real_worker(tmp_path, settings, *, scores_only=False):
    """A real Celery worker on the real broker and the test database (tests marked `worker`), with Celery beat
    inside it as in production (the outbox sweeper, every second here), on queues of this test process's own:
    processes running in parallel (pytest-xdist) share the broker, and a worker must not take the tasks of
    another process's database. It consumes the default queue and the reports queue, or with `scores_only` the
    default queue alone, as docker-compose's `worker` service does."""
    from smartgov.celery import app
    from tests.workers import Worker, skip_unless_real_services

    skip_unless_real_services()
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    settings.REPORTS_QUEUE = f"{queue}-reports"  # PDF builds too, on a reports queue of its own
    settings.OUTBOX_QUEUES = {kind: settings.REPORTS_QUEUE for kind in settings.OUTBOX_QUEUES}
    previous, app.conf.task_default_queue = app.conf.task_default_queue, queue
    started = Worker(tmp_path / "worker.log", beat=True, consumes=[queue] if scores_only else None,
                     OUTBOX_SWEEP_SECONDS=1).start()
    yield started
    started.stop()
    app.conf.task_default_queue = previous


@pytest.fixture
def worker(tmp_path, settings):
    """`_real_worker` on both queues."""
    yield from _real_worker(tmp_path, settings)


@pytest.fixture
def scores_worker(tmp_path, settings):
    """`_real_worker` on the default queue alone: score runs and light jobs, no PDF builds."""
    yield from _real_worker(tmp_path, settings, scores_only=True)
