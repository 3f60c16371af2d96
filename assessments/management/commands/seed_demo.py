from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from assessments.demo import CHINA_REGISTER, demo_seed
from assessments.demo.national import demo_seed_national
from indicators.management.commands.load_framework import DEFAULT_FILE, VERSION_2_FILE
from indicators.models import Framework
from indicators.selectors import DEFAULT_FRAMEWORK_CODE
from smartgov.errors import DomainError


class Command(BaseCommand):
    help = ("Load the default framework (versions 1 and 2) and build the demo through the campaign's services: "
            "regions, people, three cycles (two published under version 1, the current one open under version 2), "
            "logins. With --scale national: every prefecture- and county-level division of the register, five cycles "
            "under version 1 (minutes, not seconds).")

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=("provinces", "national"), default="provinces",
                            help="provinces (default): the 45 prefecture-level cities of three provinces, quick; "
                                 "national: every prefecture- and county-level division of the register, five "
                                 "cycles, on a database without the quick demo's cycles")
        parser.add_argument("--regions", type=Path, default=None,
                            help="with --scale national: the register file to load and assess (China's by default)")

    def handle(self, *args, **options):
        if options["regions"] is not None and options["scale"] != "national":
            raise CommandError("--regions goes with --scale national")
        call_command("load_framework", str(DEFAULT_FILE), publish=True, stdout=self.stdout)
        if options["scale"] == "national":
            return self._national(options["regions"] or CHINA_REGISTER, verbose=options["verbosity"] > 0)
        call_command("load_framework", str(VERSION_2_FILE), publish=True, stdout=self.stdout)
        summary = demo_seed(framework=_default(2), earlier=_default(1))
        made = ", ".join(map(str, summary["cycles"])) or "none (all there already)"
        self.stdout.write(f"Demo data: {summary['cities']} cities; cycles made: {made}; "
                          f"logins {', '.join(summary['users'])}")

    def _national(self, regions_file: Path, *, verbose: bool) -> None:
        try:
            summary = demo_seed_national(framework=_default(1), regions_file=regions_file,
                                         say=self.stdout.write if verbose else lambda _text: None)
        except DomainError as refused:
            raise CommandError(str(refused)) from refused
        made = ", ".join(map(str, summary["periods"])) or "none (all there already)"
        seconds = sum(t for stages in summary["stages"].values() for t in stages.values())
        self.stdout.write(f"Demo data (national, generated): {summary['regions']} prefecture- and county-level "
                          f"divisions; cycles made: {made}; {seconds:.0f} s; logins {', '.join(summary['users'])}")


def _default(version: int) -> Framework:
    return Framework.objects.get(code=DEFAULT_FRAMEWORK_CODE, version=version)
