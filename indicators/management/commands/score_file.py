"""`manage.py score_file FRAMEWORK VALUES [--groups groups.csv] [--levels levels.csv] [--out results.csv]
[--audit audit.json]`: score any index from files, without a cycle (docs/scoring.md, "Scoring a file without a
cycle"). Nothing is read from or written to the database."""

import json
import sys
from contextlib import nullcontext
from pathlib import Path

import pandas as pd
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indicators.score_file import Problem, ScoredFile, ScoreFileError, score_file
from smartgov.i18n import localised

TOP = 10


class Command(BaseCommand):
    help = ("Score a values CSV (region, period, indicator, value) with a framework file (YAML or JSON), without a "
            "cycle; print a summary and write the results and the audit.")

    def add_arguments(self, parser):
        parser.add_argument("framework", help="framework file (smartgov-framework/1, YAML or JSON)")
        parser.add_argument("values", help="values CSV with the columns region, period, indicator, value")
        parser.add_argument("--groups", help="groups CSV with the columns group, region: ranks within each group")
        parser.add_argument("--levels", help="levels CSV with the columns region, level (province, prefecture, "
                                             "county): for the indicators assessed at some levels only")
        parser.add_argument("--out", help="results CSV to write (one row per region and period); - for stdout")
        parser.add_argument("--audit", help="JSON file to write the statistical audit of the latest period to")
        parser.add_argument("--language", choices=("zh-hans", "en"), help="language of the messages")

    def handle(self, *args, framework, values, groups, levels, out, audit, language, **options):
        with translation.override(language) if language else nullcontext():
            try:
                scored = score_file(framework, values, groups=groups, levels=levels)
            except ScoreFileError as error:
                raise CommandError(_("The files were refused:") + "\n" + "\n".join(
                    f"  {_told(problem)}" for problem in error.problems)) from error
            self._summary(scored, to_stdout=out == "-")
            try:
                if out:
                    self._write_results(scored, out)
                if audit:
                    Path(audit).write_text(json.dumps(scored.audit_dict(), ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
                    self.stderr.write(_("Audit written to %(file)s.") % {"file": audit})
            except OSError as error:
                raise CommandError(_("Cannot write %(file)s: %(reason)s.") % {
                    "file": error.filename, "reason": error.strerror or error}) from error

    def _write_results(self, scored: ScoredFile, out: str) -> None:
        if out == "-":
            scored.write_csv(sys.stdout if self.stdout is None else self.stdout)
            return
        Path(out).write_bytes(scored.csv_bytes())
        self.stderr.write(_("Results written to %(file)s (%(rows)s rows).") % {
            "file": out, "rows": len(scored.result.index)})

    def _summary(self, scored: ScoredFile, *, to_stdout: bool) -> None:
        """The summary goes to stdout, or to stderr when the results CSV does."""
        write = self.stderr.write if to_stdout else self.stdout.write
        spec, periods = scored.spec, scored.periods
        lang = "en" if (translation.get_language() or "").startswith("en") else "zh"
        name = scored.document["name"][lang]
        labels = {band["level"]: band["label"][lang] for band in scored.document["bands"]}
        write(_("Framework: %(name)s (%(code)s v%(version)s)") % {"name": name, "code": spec.code,
                                                                  "version": spec.version})
        write(_("Regions: %(regions)s · periods: %(periods)s (%(listed)s) · indicators: %(indicators)s of "
                "%(total)s") % {"regions": scored.regions, "periods": len(periods),
                                "listed": ", ".join(str(p) for p in periods[:10]) + (" …" if len(periods) > 10 else ""),
                                "indicators": scored.indicators, "total": len(spec.indicators)})
        if scored.groups:
            write(_("Groups: %(groups)s") % {"groups": ", ".join(scored.groups)})
        latest = scored.table(scored.latest)
        ranked = latest[latest["rank"].notna()].sort_values(["rank", "region"]).head(TOP)
        write(_("Top %(count)s of %(period)s (of %(ranked)s ranked):") % {
            "count": len(ranked), "period": scored.latest, "ranked": int(latest["rank"].notna().sum())})
        write(f"  {_('Rank'):>6}  {_('Region'):<12} {_('Index'):>8}  {_('Level')}")
        for row in ranked.itertuples(index=False):
            level = "" if pd.isna(row.level) else f"L{row.level} {labels.get(row.level, '')}".rstrip()
            write(f"  {int(row.rank):>6}  {row.region:<12} {row.index:>8.2f}  {level}")
        for note in scored.notes:
            write(_told(note))
        period_audit = scored.audit_dict()["periods"][0]
        warnings = period_audit["warnings"]
        write(ngettext("Audit of %(period)s: %(count)s warning.", "Audit of %(period)s: %(count)s warnings.",
                       len(warnings)) % {"period": period_audit["period"], "count": len(warnings)})
        for warning in warnings:
            subject = f"{warning['subject']}: " if warning["subject"] else ""
            write(f"  - [{warning['code']}] {subject}{warning['message']}")


def _told(problem: Problem) -> str:
    """"Values file, line 5, column value: “x” is not a number.", as the active language writes it."""
    return localised("%s：%s", "%s: %s") % (problem.where(_, localised("，", ", ")), problem.text(_))
