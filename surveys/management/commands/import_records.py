from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessments.models import Cycle, Region
from smartgov.errors import DomainError
from smartgov.numbers import human_number
from surveys.records import LAYOUTS
from surveys.services.record_imports import RecordsOutcome, records_import
from surveys.services.refusals import ImportRejected
from surveys.sources import feeds_from_imports

SHOWN_ERRORS = 200
"""Row errors printed (the count is always complete)."""


class Command(BaseCommand):
    help = ("Compute indicator values from system records (docs/records.md) for the regions of a province and "
            "write them into the cycle's submissions, all or nothing; prints each region's values or the row errors.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV or .xlsx file of records")
        parser.add_argument("--kind", required=True, choices=sorted(LAYOUTS), help="the layout of the file")
        parser.add_argument("--cycle", required=True, type=int, help="the cycle's period (year)")
        parser.add_argument("--province", required=True, help="the province's region code, e.g. 330000")
        parser.add_argument("--user", required=True, help="the username the import is made and audited as")
        parser.add_argument("--dry-run", action="store_true", help="compute and print, write nothing")

    def handle(self, *args, file, kind, cycle, province, user, dry_run, **options):
        actor = get_user_model().objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(_("No active user %(user)s.") % {"user": user})
        region = Region.objects.filter(code=province, level=Region.Level.PROVINCE).first()
        if region is None:
            raise CommandError(_("No province has the code %(code)s.") % {"code": province})
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(_("Cannot read %(file)s: %(reason)s.")
                               % {"file": file, "reason": error.strerror}) from error
        try:
            outcome = records_import(kind=kind, cycle=_cycle(cycle), province=region, data=data, name=file.name,
                                     actor=actor, dry_run=dry_run)
        except ImportRejected as refused:
            raise CommandError("\n".join([str(refused), *_error_lines(refused)])) from refused
        except DomainError as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write("\n".join(outcome_lines(outcome)))


def _cycle(period: int) -> Cycle:
    """The cycle of the period; of the default framework from version 2 on when the period has several."""
    cycles = list(Cycle.objects.filter(period=period).select_related("framework"))
    if len(cycles) > 1:
        cycles = [c for c in cycles if not feeds_from_imports(c.framework)]
    if len(cycles) != 1:
        raise CommandError(_("There is no single cycle of %(period)s to import records into (%(count)d found).")
                           % {"period": period, "count": len(cycles)})
    return cycles[0]


def _error_lines(refused: ImportRejected) -> list[str]:
    lines = [_("row %(row)d, %(column)s (“%(value)s”): %(reason)s") % {
        "row": e.row, "column": e.column, "value": e.value, "reason": e.reason} for e in refused.errors[:SHOWN_ERRORS]]
    if len(refused.errors) > SHOWN_ERRORS:
        lines.append(_("… and %(count)d more errors.") % {"count": len(refused.errors) - SHOWN_ERRORS})
    return lines


def outcome_lines(outcome: RecordsOutcome) -> list[str]:
    state = _("dry run, nothing written") if outcome.dry_run else _("values written")
    lines = [_("Records of kind %(kind)s — rows: %(rows)s, regions: %(regions)d; %(state)s.") % {
        "rows": f"{outcome.rows:,}", "kind": outcome.kind, "regions": len(outcome.regions), "state": state}]
    for region in outcome.regions:
        submission = region.submission
        lines.append(_("%(code)s %(name)s — rows: %(rows)s, values changed: %(changed)d") % {
            "code": submission.region.code, "name": submission.region.name, "rows": f"{region.rows:,}",
            "changed": region.changed})
        lines += [f"  {code} = {human_number(figure.value)}  {figure.note}" for code, figure in region.values.items()]
        lines += [f"  {code} —  {reason}" for code, reason in region.missing.items()]
    if outcome.not_in_framework:
        lines.append(_("Not indicators of the cycle's framework, so not written: %(codes)s.")
                     % {"codes": ", ".join(outcome.not_in_framework)})
    return lines
