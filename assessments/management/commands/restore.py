"""`manage.py restore BACKUP --database-url URL --media-root DIR`: restore a backup into a new, empty database and
media folder, and check it against its manifest (assessments.backups)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.backups import BackupError, restore

SHOWN_MISMATCHES = 50


class Command(BaseCommand):
    help = ("Restore a backup of `manage.py backup` into a new, empty database and an empty media folder, then check "
            "every table's row count, the migrations, every media file's checksum and every evidence file against "
            "the manifest; exits non-zero on any difference. See docs/operations.md.")

    def add_arguments(self, parser):
        parser.add_argument("backup", help="the backup folder (smartgov-<UTC time>)")
        parser.add_argument("--database-url", required=True,
                            help="the new, empty database: postgres://user@host:5432/name or sqlite:////path")
        parser.add_argument("--media-root", required=True, help="the new, empty folder for the media")
        parser.add_argument("--verify-only", action="store_true",
                            help="restore nothing: only check that database and folder against the manifest")

    def handle(self, *args, backup, database_url, media_root, verify_only, **options):
        try:
            report = restore(Path(backup), database_url=database_url, media_root=Path(media_root),
                             verify_only=verify_only)
        except BackupError as error:
            raise CommandError(str(error)) from error
        shown = 0
        for line in report.lines:
            if not line.startswith("MISMATCH"):
                self.stdout.write(line)
            elif (shown := shown + 1) <= SHOWN_MISMATCHES:
                self.stdout.write(self.style.ERROR(line))
        if shown > SHOWN_MISMATCHES:
            self.stdout.write(self.style.ERROR(f"… and {shown - SHOWN_MISMATCHES} more differences"))
        seconds = ", ".join(f"{part} {value} s" for part, value in report.seconds.items())
        self.stdout.write(f"time: {seconds}")
        if report.problems:
            raise CommandError(f"{len(report.problems)} difference(s) from the backup's manifest: the restore is "
                               "incomplete.")
        self.stdout.write(self.style.SUCCESS("restore checked: every table, migration, media file and evidence "
                                             "file matches the backup"))
