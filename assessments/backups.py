"""Backups that restore: the database and the media (evidence files, built reports) in one folder, with a manifest
of what is in it, and a restore that proves it (`manage.py backup`, `manage.py restore`; docs/operations.md).

A backup is a folder `smartgov-<UTC time>/`:

- `database.dump`: PostgreSQL's custom format (`pg_dump -Fc`), or `database.sqlite3` (SQLite's online backup);
- `media.tar`: every file under MEDIA_ROOT;
- `manifest.json`: when, which database vendor and which migrations, the row count of every table (the key ones
  named: submissions, indicator values, evidence, audit events, score runs, publications, reports), every media
  file with its size and SHA-256, and the checksums of the two archives.

On PostgreSQL the counts and the dump come from one snapshot (`pg_export_snapshot`, then `pg_dump --snapshot`), so
they agree even while the site writes. The folder is written as `….partial` and renamed once complete; a backup in
which a file the database refers to is missing from MEDIA_ROOT fails (it could not restore that file).

A restore goes into a new, empty database and an empty media folder, never over live data. pg_dump puts the
triggers that keep the audit trail and published results immutable after the data, so restoring the rows does
not trip them, and they are in force again in the restored database. Then every table's row count, the
migrations, every media file's checksum and every evidence row's file (against the evidence's own SHA-256) are
checked against the manifest; what differs is reported.

The key tables are named by their app label (no import): this module sits in `assessments`, below `reports`.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import environ
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.migrations.loader import MigrationLoader

FORMAT = "smartgov-backup/1"
DUMP = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MEDIA_ARCHIVE = "media.tar"
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024

KEY_TABLES = {
    "submissions": "assessments.Submission",
    "indicator values": "assessments.IndicatorValue",
    "evidence": "assessments.Evidence",
    "audit events": "audit.AuditEvent",
    "score runs": "assessments.ScoreRun",
    "publications": "assessments.Publication",
    "reports": "reports.Report",
}
"""What the manifest and the restore report name: label → model."""

_PG_TOOL_OPTIONS = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                    "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT"}


class BackupError(Exception):
    """The backup or the restore cannot go on; the message says why. Nothing was overwritten."""


# Databases -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """A database by its vendor and Django's settings keys (NAME, USER, PASSWORD, HOST, PORT, OPTIONS)."""

    vendor: str
    params: dict[str, Any]

    @classmethod
    def of(cls, params: dict[str, Any]) -> Database:
        engine = params.get("ENGINE", "")
        vendor = "postgresql" if "postgresql" in engine or "postgis" in engine else (
            "sqlite" if "sqlite3" in engine else engine)
        if vendor not in DUMP:
            raise BackupError(f"Backups are made of PostgreSQL and SQLite databases, not of {engine or 'this one'}.")
        return cls(vendor, dict(params))

    @classmethod
    def from_alias(cls, alias: str = DEFAULT_DB_ALIAS) -> Database:
        return cls.of(connections[alias].settings_dict)

    @classmethod
    def from_url(cls, url: str) -> Database:
        try:
            return cls.of(environ.Env.db_url_config(url))
        except (KeyError, ValueError) as error:
            raise BackupError(f"Not a database URL: {error}") from error

    @property
    def name(self) -> str:
        return str(self.params.get("NAME") or "")

    @property
    def label(self) -> str:
        """Where it is, without its password."""
        if self.vendor == "sqlite":
            return f"sqlite {self.name}"
        host = self.params.get("HOST") or "localhost"
        return f"postgresql {self.params.get('USER') or ''}@{host}:{self.params.get('PORT') or 5432}/{self.name}"

    def connect(self) -> Any:
        """A new DB-API connection (psycopg2 or sqlite3), of this module's own."""
        if self.vendor == "sqlite":
            return sqlite3.connect(self.name)
        import psycopg2

        options = self.params.get("OPTIONS") or {}
        try:
            return psycopg2.connect(
                dbname=self.name, user=self.params.get("USER") or None, password=self.params.get("PASSWORD") or None,
                host=self.params.get("HOST") or None, port=self.params.get("PORT") or None,
                **{key: value for key, value in options.items() if key in _PG_TOOL_OPTIONS})
        except psycopg2.OperationalError as error:
            raise BackupError(f"Cannot connect to {self.label}: {str(error).strip()}") from error

    def tool_environment(self) -> dict[str, str]:
        """The environment of pg_dump and pg_restore: the connection in PG* variables (never in the command line,
        where other users of the machine could read the password)."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                              ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE")):
            if self.params.get(key):
                env[variable] = str(self.params[key])
        for option, variable in _PG_TOOL_OPTIONS.items():
            if (self.params.get("OPTIONS") or {}).get(option):
                env[variable] = str(self.params["OPTIONS"][option])
        return env


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(cursor: Any, vendor: str) -> list[str]:
    if vendor == "postgresql":
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                       "ORDER BY name")
    return [row[0] for row in cursor.fetchall()]


def row_counts(cursor: Any, vendor: str) -> dict[str, int]:
    """Every table of the database and its number of rows."""
    counts = {}
    for table in _tables(cursor, vendor):
        # The names come from the database's own catalogue, quoted.
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return counts


def applied_migrations(cursor: Any) -> list[str]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


def key_tables() -> dict[str, str]:
    """label → table name, for the key models of KEY_TABLES that are installed."""
    found = {}
    for label, model in KEY_TABLES.items():
        try:
            found[label] = apps.get_model(model)._meta.db_table
        except LookupError:
            continue
    return found


def file_columns() -> list[tuple[str, str]]:
    """(table, column) of every file field of the installed models: the rows that name a file of MEDIA_ROOT."""
    return sorted({(model._meta.db_table, str(field.column)) for model in apps.get_models()
                   if model._meta.managed and not model._meta.proxy
                   for field in model._meta.concrete_fields if isinstance(field, models.FileField)})


def referenced_files(cursor: Any, tables: set[str] | list[str]) -> set[str]:
    """The media files the database refers to."""
    names: set[str] = set()
    for table, column in file_columns():
        if table in tables:
            cursor.execute(f"SELECT {_quote(column)} FROM {_quote(table)} "  # noqa: S608 - names from the models
                           f"WHERE {_quote(column)} IS NOT NULL AND {_quote(column)} <> ''")
            names.update(row[0] for row in cursor.fetchall())
    return names


# Files -----------------------------------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _Hashing:
    """A file object that hashes what is read from it (the bytes that go into the archive)."""

    def __init__(self, file: Any) -> None:
        self.file, self.digest = file, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data: bytes = self.file.read(size)
        self.digest.update(data)
        return data


def archive_media(root: Path, target: Path) -> list[dict[str, Any]]:
    """Every regular file under `root` into the tar `target`; each one's path, size and SHA-256."""
    files = []
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        paths = sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()) if root.is_dir() else []
        for path in paths:
            relative = path.relative_to(root).as_posix()
            info = tar.gettarinfo(str(path), arcname=relative)
            with path.open("rb") as f:
                hashing = _Hashing(f)
                tar.addfile(info, hashing)
            files.append({"path": relative, "size": info.size, "sha256": hashing.digest.hexdigest()})
    return files


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client, of the server's "
                          "major version or newer).")
    return found


def _run(command: list[str], env: dict[str, str]) -> str:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)  # noqa: S603
    except subprocess.CalledProcessError as error:
        raise BackupError(f"{Path(command[0]).name} failed: {error.stderr.strip()}") from error
    return done.stdout


# Backup ----------------------------------------------------------------------------------------------------------


@dataclass
class Backup:
    path: Path
    manifest: dict[str, Any]


def backup(directory: Path, *, alias: str = DEFAULT_DB_ALIAS, allow_missing_files: bool = False) -> Backup:
    """Write a backup of the database `alias` and of MEDIA_ROOT into a new folder under `directory`."""
    started = time.monotonic()
    database = Database.from_alias(alias)
    created = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"smartgov-{created:%Y%m%dT%H%M%SZ}"
    for n in range(2, 100):
        if not (directory / name).exists() and not (directory / f"{name}.partial").exists():
            break
        name = f"smartgov-{created:%Y%m%dT%H%M%SZ}-{n}"
    work = directory / f"{name}.partial"
    work.mkdir(mode=0o700)  # it holds every person's data: readable by its owner only

    dump = work / DUMP[database.vendor]
    facts = _dump_postgresql(database, dump) if database.vendor == "postgresql" else _dump_sqlite(alias, dump)
    database_seconds = time.monotonic() - started

    media_root = Path(settings.MEDIA_ROOT)
    files = archive_media(media_root, work / MEDIA_ARCHIVE)
    present = {f["path"] for f in files}
    missing = sorted(facts.pop("referenced") - present)
    tables = facts["tables"]
    manifest = {
        "format": FORMAT,
        "created_at": created.isoformat(),
        "host": socket.gethostname(),
        "database": {
            "vendor": database.vendor, "source": database.label, "file": dump.name, "size": dump.stat().st_size,
            "sha256": sha256_of(dump), **{k: v for k, v in facts.items() if k not in ("tables", "migrations")},
        },
        "migrations": facts["migrations"],
        "key_tables": {label: {"table": table, "rows": tables.get(table)} for label, table in key_tables().items()},
        "tables": tables,
        "media": {
            "root": str(media_root), "file": MEDIA_ARCHIVE, "size": (work / MEDIA_ARCHIVE).stat().st_size,
            "sha256": sha256_of(work / MEDIA_ARCHIVE), "count": len(files), "bytes": sum(f["size"] for f in files),
            "files": files,
        },
        "missing_files": missing,
        "seconds": {"database": round(database_seconds, 3), "total": round(time.monotonic() - started, 3)},
    }
    (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    if missing and not allow_missing_files:
        raise BackupError(
            f"{len(missing)} file(s) the database refers to are not in {media_root}, e.g. {missing[0]}: the backup "
            f"in {work} is incomplete. Run it again (a file removed while it ran); if they are lost for good, "
            "--allow-missing-files records them as missing and goes on.")
    final = directory / name
    work.rename(final)
    return Backup(final, manifest)


def _dump_postgresql(database: Database, target: Path) -> dict[str, Any]:
    """pg_dump of one snapshot, and the counts, migrations and file names read in that same snapshot."""
    pg_dump = _tool("pg_dump")
    connection = database.connect()
    try:
        connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            tables = row_counts(cursor, "postgresql")
            migrations = applied_migrations(cursor)
            referenced = referenced_files(cursor, set(tables))
            # The snapshot lives as long as this transaction: pg_dump runs while it is open.
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}", "--no-password"],
                 database.tool_environment())
    finally:
        connection.rollback()
        connection.close()
    return {"server_version": server_version, "pg_dump": _run([pg_dump, "--version"], os.environ.copy()).strip(),
            "tables": tables, "migrations": migrations, "referenced": referenced}


def _dump_sqlite(alias: str, target: Path) -> dict[str, Any]:
    """SQLite's online backup of Django's own connection (consistent by construction); counts read from the
    copy."""
    source = connections[alias]
    source.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        source.connection.backup(copy)
        cursor = copy.cursor()
        tables = row_counts(cursor, "sqlite")
        migrations = applied_migrations(cursor)
        referenced = referenced_files(cursor, set(tables))
        version = sqlite3.sqlite_version
    finally:
        copy.close()
    return {"server_version": version, "tables": tables, "migrations": migrations, "referenced": referenced}


# Restore ---------------------------------------------------------------------------------------------------------


@dataclass
class Report:
    """What a restore found: lines to show, and the problems among them (none: the restore is complete)."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def say(self, line: str) -> None:
        self.lines.append(line)

    def problem(self, line: str) -> None:
        self.lines.append(f"MISMATCH {line}")
        self.problems.append(line)


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder} is not a backup: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder / MANIFEST}: not a {FORMAT} manifest.")
    return manifest


def restore(folder: Path, *, database_url: str, media_root: Path, verify_only: bool = False) -> Report:
    """Restore the backup in `folder` into the empty database of `database_url` and the empty `media_root`,
    then check it (with `verify_only`, only check what is already there)."""
    started = time.monotonic()
    manifest = read_manifest(folder)
    target = Database.from_url(database_url)
    vendor = manifest["database"]["vendor"]
    if target.vendor != vendor:
        raise BackupError(f"This backup is of a {vendor} database; the target is {target.vendor}.")
    report = Report()
    if not verify_only:
        for part in (manifest["database"], manifest["media"]):
            if sha256_of(folder / part["file"]) != part["sha256"]:
                raise BackupError(f"{folder / part['file']} is not the file the manifest describes (checksum).")
        if not _is_empty(target):
            raise BackupError(f"{target.label} is not empty: restore into a new, empty database.")
        if media_root.exists() and any(media_root.iterdir()):
            raise BackupError(f"{media_root} is not empty: restore the media into a new, empty folder.")
        if vendor == "postgresql":
            _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                  "--no-password", f"--dbname={target.name}", str(folder / manifest["database"]["file"])],
                 target.tool_environment())
        else:
            Path(target.name).parent.mkdir(parents=True, exist_ok=True)
            source, copy = sqlite3.connect(folder / manifest["database"]["file"]), sqlite3.connect(target.name)
            try:
                source.backup(copy)
            finally:
                source.close()
                copy.close()
        report.seconds["database"] = round(time.monotonic() - started, 3)
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(folder / manifest["media"]["file"]) as tar:
            tar.extractall(media_root, filter="data")
        report.say(f"restored {folder.name} ({manifest['created_at']}) into {target.label} and {media_root}")
    checked = time.monotonic()
    verify(manifest, target, media_root, report)
    report.seconds["verify"] = round(time.monotonic() - checked, 3)
    report.seconds["total"] = round(time.monotonic() - started, 3)
    return report


def _is_empty(database: Database) -> bool:
    if database.vendor == "sqlite" and not Path(database.name).exists():
        return True
    connection = database.connect()
    try:
        return not _tables(connection.cursor(), database.vendor)
    finally:
        connection.close()


def verify(manifest: dict[str, Any], target: Database, media_root: Path, report: Report) -> Report:
    """Compare the database `target` and `media_root` with the manifest: every table's rows, the migrations,
    every media file, every evidence row's file."""
    connection = target.connect()
    try:
        cursor = connection.cursor()
        counts = row_counts(cursor, target.vendor)
        migrations = applied_migrations(cursor) if "django_migrations" in counts else []
        evidence_table = key_tables().get("evidence")
        evidence = []
        if evidence_table in counts:
            cursor.execute(f"SELECT id, file, sha256 FROM {_quote(evidence_table)}")  # noqa: S608
            evidence = cursor.fetchall()
        referenced = referenced_files(cursor, set(counts))
    finally:
        connection.close()

    expected = manifest["tables"]
    for label, key in manifest["key_tables"].items():
        found = counts.get(key["table"])
        if found == key["rows"]:
            report.say(f"{label}: {found} rows of {key['rows']}")
        else:
            report.problem(f"{label}: {found} rows of {key['rows']}")
    differing = [t for t, n in expected.items() if counts.get(t) != n]
    named = {key["table"] for key in manifest["key_tables"].values()}
    for table in differing:
        if table not in named:
            report.problem(f"{table}: {counts.get(table)} rows of {expected[table]}")
    for table in counts.keys() - expected.keys():
        report.problem(f"{table}: a table the backup does not have")
    report.say(f"tables: {len(expected)} in the backup, {len(expected) - len(differing)} with every row")

    if sorted(migrations) != sorted(manifest["migrations"]):
        report.problem(f"migrations: {len(migrations)} applied, the backup had {len(manifest['migrations'])}")
    else:
        report.say(f"migrations: the {len(migrations)} of the backup")
    pending = sorted(_code_migrations() - set(migrations))
    if pending:
        report.say(f"note: {len(pending)} migration(s) of this code are newer than the backup (e.g. {pending[0]}): "
                   "run `manage.py migrate` on the restored database before serving it")

    sums: dict[str, str] = {}

    def checksum(name: str) -> str | None:
        path = media_root / name
        if name not in sums and path.is_file():
            sums[name] = sha256_of(path)
        return sums.get(name)

    bad_media = 0
    for entry in manifest["media"]["files"]:
        media_sum = checksum(entry["path"])
        if media_sum != entry["sha256"]:
            report.problem(f"media {entry['path']}: " + ("missing" if media_sum is None else "checksum differs"))
            bad_media += 1
    report.say(f"media: {manifest['media']['count'] - bad_media} of {manifest['media']['count']} files with their "
               f"checksum ({manifest['media']['bytes']} bytes)")

    known_missing = set(manifest.get("missing_files", []))
    for name in sorted(referenced - known_missing):
        if checksum(name) is None:
            report.problem(f"file {name}: named by the database, not in the media")
    bad_evidence = 0
    for pk, name, digest in evidence:
        if name in known_missing:
            continue
        if checksum(name) != digest:
            report.problem(f"evidence #{pk} ({name}): its file is missing or is not the one uploaded (SHA-256)")
            bad_evidence += 1
    report.say(f"evidence: {len(evidence) - bad_evidence} of {len(evidence)} rows with their file, checksum "
               "matching")
    if known_missing:
        report.say(f"note: {len(known_missing)} file(s) were already missing when the backup was made "
                   "(--allow-missing-files)")
    return report


def _code_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}
