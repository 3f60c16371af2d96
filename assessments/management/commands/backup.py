"""`manage.py backup [DIRECTORY]`: the database and the media in one folder with a manifest (assessments.backups)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from assessments.backups import BackupError, backup


class Command(BaseCommand):
    help = ("Back up the database (pg_dump custom format, or SQLite's online backup) and MEDIA_ROOT (evidence, "
            "reports) into a new folder smartgov-<UTC time>/ with a manifest of row counts and checksums; "
            "`manage.py restore` restores and checks it. See docs/operations.md.")

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", help="where the backup folder is made (default: VAR_DIR/backups)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database alias (default: default)")
        parser.add_argument("--allow-missing-files", action="store_true",
                            help="finish even when files the database refers to are missing from MEDIA_ROOT "
                                 "(they are listed in the manifest)")

    def handle(self, *args, directory, database, allow_missing_files, **options):
        directory = Path(directory) if directory else Path(settings.VAR_DIR) / "backups"
        try:
            made = backup(directory, alias=database, allow_missing_files=allow_missing_files)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = made.manifest
        keys = ", ".join(f"{label} {key['rows']}" for label, key in manifest["key_tables"].items())
        self.stdout.write(f"database: {manifest['database']['source']}, {len(manifest['tables'])} tables ({keys}), "
                          f"{manifest['database']['size']} bytes")
        self.stdout.write(f"media: {manifest['media']['count']} files, {manifest['media']['bytes']} bytes")
        if manifest["missing_files"]:
            self.stdout.write(self.style.WARNING(f"missing from the media: {len(manifest['missing_files'])} file(s)"))
        self.stdout.write(f"in {manifest['seconds']['total']} s; written to:")
        self.stdout.write(str(made.path))
