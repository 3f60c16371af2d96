from django.core.management.base import BaseCommand, CommandError

from assessments.models import Cycle, ScoreRun
from assessments.services import cycle_scores_are_current, cycle_scores_compute, cycle_scores_request
from indicators.selectors import DEFAULT_FRAMEWORK_CODE


class Command(BaseCommand):
    help = "Compute the scores of a cycle (or of every cycle with --all), here and now or through the queue."

    def add_arguments(self, parser):
        parser.add_argument("period", nargs="?", type=int, help="the cycle's year")
        parser.add_argument("--framework", default=DEFAULT_FRAMEWORK_CODE, help="framework code")
        parser.add_argument("--all", action="store_true", help="every cycle of the framework, oldest first")
        parser.add_argument("--queue", action="store_true", help="send to the Celery workers instead")
        parser.add_argument("--stale", action="store_true",
                            help="only cycles without scores, or whose approved values changed since")

    def handle(self, *args, period, framework, all, queue, stale, **options):
        cycles = Cycle.objects.filter(framework__code=framework).order_by("period")
        if not all:
            if period is None:
                raise CommandError("Give a period, or --all.")
            cycles = cycles.filter(period=period)
        if not cycles:
            raise CommandError(f"No cycle of framework {framework}" + (f" for {period}." if period else "."))
        failed = False
        for cycle in cycles.select_related("current_run"):
            if stale and cycle_scores_are_current(cycle):
                self.stdout.write(f"{cycle.period}: scores are current (run #{cycle.current_run_id})")
                continue
            run = cycle_scores_request(cycle=cycle, reason="manage.py score_cycle", enqueue=queue)
            if queue:
                self.stdout.write(f"{cycle.period}: run #{run.pk} queued")
                continue
            run = cycle_scores_compute(run_id=run.pk)
            failed |= run.status == ScoreRun.Status.FAILED
            self.stdout.write(f"{cycle.period}: run #{run.pk} {run.status}, {run.regions} regions"
                              + (f" — {run.error}" if run.error else ""))
        if failed:
            raise CommandError("Some runs failed; the previous results stay current.")
