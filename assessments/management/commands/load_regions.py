from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.regions_file import RegionsFileError, read_regions_file
from assessments.services.regions import RegionsDiff, regions_diff, regions_load
from smartgov.errors import DomainError

SHOWN = 20
"""Regions listed per kind of change (the counts are always complete)."""


class Command(BaseCommand):
    help = ("Load a region register file (smartgov-regions/1, docs/regions.md), e.g. "
            "assessments/data/regions/cn-nbs-2023.yaml: print what changes, then write it all or nothing.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="print the changes and write nothing")

    def handle(self, *args, file, dry_run, **options):
        try:
            document = read_regions_file(file)
            diff = regions_diff(document=document) if dry_run else regions_load(document=document, actor=None)
        except FileNotFoundError as error:
            raise CommandError(f"No such file: {file}") from error
        except RegionsFileError as error:
            raise CommandError("The file was refused, nothing was written:\n" + "\n".join(
                f"  {where}: {reason}" for where, reason in error.errors)) from error
        except DomainError as error:
            raise CommandError(f"Nothing was written: {error}") from error
        self.stdout.write("\n".join(diff_lines(diff, written=not dry_run)))


def diff_lines(diff: RegionsDiff, *, written: bool) -> list[str]:
    if not diff.changes:
        outcome = "already loaded, nothing to write"
    else:
        outcome = "written" if written else "dry run, nothing written"
    lines = [
        f"{diff.tree} {diff.edition} (valid from {diff.valid_from}): {outcome}",
        f"created {len(diff.created)}, renamed {len(diff.renamed)}, moved {len(diff.moved)}, "
        f"closed {len(diff.closed)}, reopened {len(diff.reopened)}, roles {len(diff.roles)}, "
        f"edition refreshed {diff.refreshed}, unchanged {diff.unchanged}",
    ]
    for label, changes, detail in (
            ("created", diff.created, lambda c: f"under {c.new}" if c.new else ""),
            ("renamed", diff.renamed, lambda c: f"{c.old} → {c.new}"),
            ("moved", diff.moved, lambda c: f"{c.old} → {c.new}"),
            ("closed", diff.closed, lambda c: f"successor {c.new}" if c.new else "no successor"),
            ("reopened", diff.reopened, lambda c: f"closed on {c.old}"),
            ("held by another register", diff.shared, lambda c: f"register {c.old}")):
        lines += [f"  {label}: {c.code} {c.name}" + (f" ({detail(c)})" if detail(c) else "") for c in changes[:SHOWN]]
        if len(changes) > SHOWN:
            lines.append(f"  … and {len(changes) - SHOWN} more {label}")
    for move in diff.roles:
        where = f"moved to {move.new}" if move.new else "kept: the region has no successor"
        lines.append(f"  role: {move.user} {move.role} on {move.old}, {where}")
    return lines

