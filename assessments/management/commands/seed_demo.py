from django.core.management import call_command
from django.core.management.base import BaseCommand

from assessments.demo import demo_seed
from indicators.selectors import default_framework


class Command(BaseCommand):
    help = ("Load the default framework and build the demo through the campaign's services: regions, people, three "
            "cycles (two published, the current one open), logins.")

    def handle(self, *args, **options):
        call_command("load_framework", publish=True, stdout=self.stdout)
        summary = demo_seed(framework=default_framework())
        made = ", ".join(map(str, summary["cycles"])) or "none (all there already)"
        self.stdout.write(f"Demo data: {summary['cities']} cities; cycles made: {made}; "
                          f"logins {', '.join(summary['users'])}")
