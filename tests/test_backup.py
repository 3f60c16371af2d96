"""Backups restore: `manage.py backup`, then `manage.py restore` into a NEW database and an empty media folder,
finds every submission, value, evidence row and file, audit event, score run and publication, with the triggers
that keep the audit trail and published results immutable in force again; a difference makes the restore fail.

The PostgreSQL drill runs when the suite does (CI: DATABASE_URL); the SQLite one on the embedded default. The
tests are transactional: pg_dump, in another process, sees only committed rows.
"""

import hashlib
import json
import os
import sqlite3
import time
import uuid
from contextlib import closing
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from assessments.backups import FORMAT, BackupError, restore
from assessments.models import Evidence, IndicatorValue, Publication, ScoreRun, Submission
from assessments.services import evidence_add
from audit.models import Action, AuditEvent
from audit.services import audit_record_many
from reports.models import Report
from tests.evidence_files import PDF, pdf_upload, with_required_evidence
from tests.factories import CycleFactory, SubmissionFactory, fill, many_cities, open_now, published, scored_cycle

pytestmark = pytest.mark.django_db(transaction=True)

needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                      reason="the PostgreSQL drill: run the suite with DATABASE_URL=postgres://…")
needs_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite drill: the embedded default")


@pytest.fixture
def campaign(framework, regions, officer, settings):
    """A draft with every value and the required evidence (one file uploaded through the service, audited), value
    changes in the audit trail, and a scored and published cycle of three cities with a built report."""
    settings.SCORE_SENSITIVITY_SAMPLES = 16
    cycle = open_now(CycleFactory(framework=framework))
    submission = fill(SubmissionFactory(region=regions["hangzhou"], cycle=cycle))
    evidence_add(submission=submission, indicator_code="general", upload=pdf_upload("总体说明.pdf"), actor=officer)
    with_required_evidence(submission)
    audit_record_many(actor=officer, action=Action.VALUE_CHANGED, submission=submission,
                      changes=[(v.indicator.code, None, v.value) for v in submission.values.all()[:5]])
    earlier = scored_cycle(framework, many_cities(3, regions["jiangsu"]), 2025)
    published(earlier)
    report = Report(kind=Report.Kind.CITY, cycle=earlier, region=regions["nanjing"], status=Report.Status.SUCCEEDED,
                    run=earlier.current_run)
    report.file.save("南京市-2025.pdf", ContentFile(PDF + b"% report\n"), save=False)
    report.size = report.file.size
    report.save()
    return submission


def _facts():
    """What must come back, read through the ORM from the database backed up."""
    return {
        "submissions": set(Submission.objects.values_list("id", "region_id", "cycle_id", "status", "version")),
        "values": set(IndicatorValue.objects.values_list("id", "submission_id", "indicator_id", "value", "note")),
        "evidence": set(Evidence.objects.values_list("id", "submission_id", "file", "sha256", "size")),
        "audit": set(AuditEvent.objects.values_list("id", "action", "submission_id", "subject")),
        "runs": set(ScoreRun.objects.values_list("id", "cycle_id", "status")),
        "publications": set(Publication.objects.values_list("id", "run_id", "version")),
        "reports": set(Report.objects.values_list("id", "file")),
    }


def _found_in(db):
    """The same facts, read with plain SQL from the restored database (a DB-API connection)."""
    queries = {
        "submissions": "SELECT id, region_id, cycle_id, status, version FROM assessments_submission",
        "values": "SELECT id, submission_id, indicator_id, value, note FROM assessments_indicatorvalue",
        "evidence": "SELECT id, submission_id, file, sha256, size FROM assessments_evidence",
        "audit": "SELECT id, action, submission_id, subject FROM audit_auditevent",
        "runs": "SELECT id, cycle_id, status FROM assessments_scorerun",
        "publications": "SELECT id, run_id, version FROM assessments_publication",
        "reports": "SELECT id, file FROM reports_report",
    }
    found = {}
    with closing(db.cursor()) as cursor:
        for key, sql in queries.items():
            cursor.execute(sql)
            found[key] = {tuple(row) for row in cursor.fetchall()}
    return found


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _back_up(directory: Path, *args) -> tuple[Path, dict, float]:
    out, started = StringIO(), time.monotonic()
    call_command("backup", str(directory), *args, stdout=out)
    took = time.monotonic() - started
    folder = Path(out.getvalue().strip().splitlines()[-1])
    return folder, json.loads((folder / "manifest.json").read_text()), took


def _restore(folder: Path, url: str, media: Path, *args) -> tuple[str, float]:
    out, started = StringIO(), time.monotonic()
    call_command("restore", str(folder), "--database-url", url, "--media-root", str(media), *args, stdout=out)
    return out.getvalue(), time.monotonic() - started


def _check_everything_came_back(expected, found, media: Path):
    assert all(expected.values()), "every kind of row is there to be found"
    assert found == expected
    for _pk, _submission, name, digest, size in expected["evidence"]:
        restored = media / name
        assert restored.stat().st_size == size
        assert _sha256(restored) == digest
    for _pk, name in expected["reports"]:
        assert (media / name).is_file()


def _check_the_manifest(manifest, expected, media_root: Path):
    assert manifest["format"] == FORMAT
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["migrations"]
    keys = {label: key["rows"] for label, key in manifest["key_tables"].items()}
    assert keys["submissions"] == len(expected["submissions"])
    assert keys["indicator values"] == len(expected["values"])
    assert keys["evidence"] == len(expected["evidence"])
    assert keys["audit events"] == len(expected["audit"])
    assert keys["score runs"] == len(expected["runs"])
    files = {f["path"]: f for f in manifest["media"]["files"]}
    for _pk, _submission, name, digest, size in expected["evidence"]:
        assert files[name]["sha256"] == digest == _sha256(media_root / name)
        assert files[name]["size"] == size
    assert manifest["missing_files"] == []


# PostgreSQL --------------------------------------------------------------------------------------------------------


def _server():
    params = connection.settings_dict
    return {"host": params["HOST"] or "127.0.0.1", "port": params["PORT"] or 5432, "user": params["USER"],
            "password": params["PASSWORD"] or None}


@pytest.fixture
def new_database():
    """A new, empty PostgreSQL database on the server of the tests (dropped afterwards); its URL."""
    import psycopg2

    server = _server()
    name = f"smartgov_restore_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(dbname="postgres", **server)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    password = f":{server['password']}" if server["password"] else ""
    try:
        yield f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _connect(url):
    import psycopg2

    return psycopg2.connect(url.replace("postgres://", "postgresql://", 1))


@needs_postgresql
def test_a_postgresql_backup_restores_into_a_new_database_with_every_row_and_file(campaign, settings, tmp_path,
                                                                                  new_database):
    expected = _facts()
    folder, manifest, backup_took = _back_up(tmp_path / "backups")
    assert (folder / "database.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    _check_the_manifest(manifest, expected, Path(settings.MEDIA_ROOT))

    media = tmp_path / "restored-media"
    output, restore_took = _restore(folder, new_database, media)
    print(f"\nbackup {backup_took:.2f} s, restore and check {restore_took:.2f} s: "
          f"{sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables, "
          f"{manifest['media']['count']} media files, dump {manifest['database']['size']} bytes\n{output}")
    assert "restore checked" in output

    import psycopg2

    with closing(_connect(new_database)) as db:
        _check_everything_came_back(expected, _found_in(db), media)
        # The audit trail and the published results are immutable in the restored database too.
        with db.cursor() as cursor:
            with pytest.raises(psycopg2.errors.IntegrityConstraintViolation, match="append-only"):
                cursor.execute("UPDATE audit_auditevent SET comment = 'changed'")
            db.rollback()
            with pytest.raises(psycopg2.errors.IntegrityConstraintViolation, match="published results"):
                cursor.execute("DELETE FROM assessments_publication")
            db.rollback()

    # Run again over what it restored: it refuses to restore over data, and any difference fails the check.
    with pytest.raises(CommandError, match="not empty"):
        _restore(folder, new_database, tmp_path / "elsewhere")
    _restore(folder, new_database, media, "--verify-only")
    evidence_file = media / sorted(expected["evidence"])[0][2]
    evidence_file.write_bytes(b"%PDF-1.4 not what was uploaded")
    with pytest.raises(CommandError, match="difference"):
        _restore(folder, new_database, media, "--verify-only")


@needs_postgresql
def test_a_corrupt_archive_is_refused_before_anything_is_restored(campaign, tmp_path, new_database):
    folder, _manifest, _took = _back_up(tmp_path / "backups")
    with (folder / "media.tar").open("r+b") as archive:
        archive.seek(600)
        archive.write(b"corrupt")
    with pytest.raises(CommandError, match="checksum"):
        _restore(folder, new_database, tmp_path / "media")
    with closing(_connect(new_database)) as db, db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert cursor.fetchone()[0] == 0
    assert not (tmp_path / "media").exists()


# SQLite ------------------------------------------------------------------------------------------------------------


@needs_sqlite
def test_a_sqlite_backup_restores_into_a_new_file_with_every_row_and_file(campaign, settings, tmp_path):
    expected = _facts()
    folder, manifest, backup_took = _back_up(tmp_path / "backups")
    _check_the_manifest(manifest, expected, Path(settings.MEDIA_ROOT))
    target, media = tmp_path / "restored" / "smartgov.sqlite3", tmp_path / "restored-media"
    output, restore_took = _restore(folder, f"sqlite:///{target}", media)
    print(f"\nbackup {backup_took:.2f} s, restore and check {restore_took:.2f} s\n{output}")
    with closing(sqlite3.connect(target)) as db:
        _check_everything_came_back(expected, _found_in(db), media)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE audit_auditevent SET comment = 'changed'")
    with pytest.raises(CommandError, match="not empty"):
        _restore(folder, f"sqlite:///{target}", tmp_path / "elsewhere")


# Either database ---------------------------------------------------------------------------------------------------


def test_a_backup_missing_a_file_the_database_names_fails_unless_told(campaign, settings, tmp_path):
    lost = Evidence.objects.order_by("id").first().file.name
    (Path(settings.MEDIA_ROOT) / lost).unlink()
    with pytest.raises(CommandError, match="incomplete"):
        _back_up(tmp_path / "backups")
    assert not [p for p in (tmp_path / "backups").iterdir() if not p.name.endswith(".partial")]
    folder, manifest, _took = _back_up(tmp_path / "backups", "--allow-missing-files")
    assert manifest["missing_files"] == [lost]
    assert folder.stat().st_mode & 0o077 == 0, "only its owner may read a backup"


def test_a_backup_restores_only_into_a_database_of_its_own_vendor(campaign, tmp_path):
    folder, _manifest, _took = _back_up(tmp_path / "backups")
    other = "sqlite:///" + str(tmp_path / "x.sqlite3") if connection.vendor == "postgresql" else \
        "postgres://nobody@127.0.0.1:1/none"
    with pytest.raises(BackupError, match="backup is of a"):
        restore(folder, database_url=other, media_root=tmp_path / "media")
