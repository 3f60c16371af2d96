from pathlib import Path

import yaml
from django.core.management import call_command
from django.core.management.base import BaseCommand

from assessments.demo import DEMO_PERIODS, demo_seed
from indicators.selectors import default_framework

REGIONS_FILE = Path(__file__).resolve().parents[2] / "data" / "regions.yaml"


class Command(BaseCommand):
    help = "Load the default framework and create the demo: regions, three cycles of generated values, users."

    def handle(self, *args, **options):
        call_command("load_framework", publish=True, stdout=self.stdout)
        summary = demo_seed(framework=default_framework(), regions_data=yaml.safe_load(REGIONS_FILE.read_text("utf-8")))
        self.stdout.write(
            f"Demo data: {summary['cities']} cities, cycles {', '.join(map(str, DEMO_PERIODS))}, "
            f"{summary['values']} values; users {', '.join(summary['users'])}"
        )
