"""Writes on reports: request one, request a province's or the nation's batch, retry, build (run by the Celery
task) and expire old files.

A build records its progress on the report row (10 % data read, 40 % charts drawn, 80 % PDF laid out, 100 %
stored). A report that succeeded is never built twice (a redelivered task does nothing); a failed one is
rebuilt when asked again. Requests are sent to Celery once their transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import Cycle, Region, RegionScore, RoleAssignment, ScoreRun
from assessments.permissions import is_platform_admin, roles_for_region, visible_regions
from assessments.selectors import CycleResults, cycle_results
from audit.models import Action
from audit.services import Actor, audit_record
from outbox.services import job_enqueue
from smartgov.errors import DomainError, ErrorCode, PermissionRefused

from . import pdf
from .models import ACTIVE, LANGUAGE_CHOICES, Report, ReportBatch, Status

if TYPE_CHECKING:
    from .charts import Chart
    from .selectors import CityReport, CityRow, NationalReport, ProvinceReport

logger = logging.getLogger(__name__)
REPORTS_JOB = "reports.build"
LANGUAGES = [code for code, _name in LANGUAGE_CHOICES]
ABANDONED = "Abandoned: the report was changed while it was being built."


class ReportRefused(DomainError):
    """A report that cannot be requested, for a reason the user can act on."""

    code = ErrorCode.REPORT_REFUSED


# ---- who may ask for what -------------------------------------------------------------------------------

CITY_LEVELS = (Region.Level.PREFECTURE, Region.Level.COUNTY)
"""The levels whose regions get a city report (a county's is built like a prefecture's, as its dashboard is)."""


def may_report_city(user: Actor, city: Region) -> bool:
    return city.level in CITY_LEVELS and visible_regions(user).filter(pk=city.pk).exists()


def may_report_province(user: Actor, province: Region) -> bool:
    return province.level == Region.Level.PROVINCE and bool(
        roles_for_region(user, province) & {RoleAssignment.Role.PROVINCE_ANALYST, RoleAssignment.Role.PLATFORM_ADMIN})


def may_report_nation(user: Actor) -> bool:
    """Whether `user` may ask for the national batch (every scored city of every province): the national role."""
    return is_platform_admin(user)


def may_report_national(user: Actor, country: Region) -> bool:
    """Whether `user` may ask for the national report on `country` (the register's country): the national
    role."""
    return country.level == Region.Level.COUNTRY and may_report_nation(user)


REPORT_KINDS: dict[str, str] = {
    Region.Level.COUNTY: Report.Kind.CITY, Region.Level.PREFECTURE: Report.Kind.CITY,
    Region.Level.PROVINCE: Report.Kind.PROVINCE, Region.Level.COUNTRY: Report.Kind.NATIONAL}
"""The kind of report asked for on a region of each level (none on other levels)."""
MAY_REPORT: dict[str, Callable[[Actor, Region], bool]] = {
    Report.Kind.CITY: may_report_city, Report.Kind.PROVINCE: may_report_province,
    Report.Kind.NATIONAL: may_report_national}
"""Who may ask for each kind of report, on a region."""


def reportable_provinces(user: User) -> QuerySet[Region]:
    """Provinces whose batch and summary `user` (signed in) may ask for: their own as analyst, all for an
    administrator."""
    provinces = Region.objects.filter(level=Region.Level.PROVINCE)
    if is_platform_admin(user):
        return provinces
    return provinces.filter(role_assignments__user=user,
                            role_assignments__role=RoleAssignment.Role.PROVINCE_ANALYST).distinct()


def _shown(cycle: Cycle) -> tuple[CycleResults, ScoreRun, QuerySet[RegionScore]]:
    """The results a report on the cycle shows (`cycle_results`: its latest publication, else its latest
    computation, provisional), their run and its scores (ReportRefused when nothing has been computed yet)."""
    results = cycle_results(cycle)
    if results.run is None:
        raise ReportRefused(_("The %(period)s cycle has no computed scores yet: there is nothing to report.")
                            % {"period": cycle.period})
    return results, results.run, RegionScore.objects.filter(run=results.run)


def _same_results(report: Report, results: CycleResults) -> bool:
    """Whether a report that succeeded shows `results`: built on their run and, once they are published, after
    the publication (a report built before says “provisional”, and is not reused for the published version)."""
    if results.run is None or report.run_id != results.run.pk:
        return False
    publication = results.publication
    return publication is None or (report.started_at is not None and report.started_at >= publication.published_at)


def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise ReportRefused(_("Unknown report language “%(language)s”.") % {"language": language})
    return language


# ---- requests -------------------------------------------------------------------------------------------

def report_request(*, cycle: Cycle, region: Region, language: str = "zh-hans", actor: Actor | None = None,
                   enqueue: bool = True) -> Report:
    """Ask for the PDF report of a city, the summary of a province or — on the register's country — the national
    report, in `language`.

    The same request while one is queued or running, or after one succeeded on the results the cycle shows now
    (the same run, and the same publication: one built while they were provisional is not reused once they are
    published), returns that report instead of building another; a new request is audited. Raises
    PermissionRefused outside the actor's regions (the national report: unless the actor has the national role)
    and ReportRefused when there is nothing to report.
    """
    kind = REPORT_KINDS.get(region.level)
    if actor is not None:
        if kind is None or not MAY_REPORT[kind](actor, region):
            raise PermissionRefused(_("You may not request reports on this region."))
    elif kind is None:
        raise ReportRefused(_("Reports are made for cities, provinces and the nation."))
    language = _language(language)
    results, run, scores = _shown(cycle)
    if kind == Report.Kind.CITY and not scores.filter(region=region).exists():
        raise ReportRefused(_("%(city)s has no score in the %(period)s cycle (no approved submission).")
                            % {"city": region.name, "period": cycle.period})
    if kind == Report.Kind.PROVINCE and not scores.filter(region__province=region).exists():
        raise ReportRefused(_("No city of %(province)s has a score in the %(period)s cycle.")
                            % {"province": region.name, "period": cycle.period})
    if kind == Report.Kind.NATIONAL and not scores.filter(region__level__in=CITY_LEVELS).exists():
        raise ReportRefused(_("No city has a score in the %(period)s cycle.") % {"period": cycle.period})
    requester = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        Cycle.objects.select_for_update().filter(pk=cycle.pk).first()
        same = Report.objects.filter(kind=kind, cycle=cycle, region=region, language=language,
                                     requested_by=requester, batch__isnull=True)
        existing = same.filter(status__in=ACTIVE).first()
        if existing is None:
            done = same.filter(status=Status.SUCCEEDED, run=run).order_by("-started_at").first()
            existing = done if done is not None and _same_results(done, results) else None
        if existing is not None:
            return existing
        report = Report.objects.create(kind=kind, cycle=cycle, region=region, language=language,
                                       requested_by=requester)
        audit_record(actor=actor, action=Action.REPORT_REQUESTED, target=report, subject=kind,
                     new={"period": cycle.period, "language": language, "run": run.pk})
        if enqueue:
            _enqueue([report.pk])
    return report


def batch_request(*, cycle: Cycle, province: Region | None, language: str = "zh-hans", actor: Actor | None = None,
                  enqueue: bool = True) -> ReportBatch:
    """Ask for the reports of every scored city of a province — or, with no province, of every province (the
    national batch) — one background job each, on the reports queue (settings.OUTBOX_QUEUES).

    The same request while that batch still runs returns it; a new one is audited. Raises PermissionRefused unless
    the actor is the province's analyst or a platform administrator (for the national batch: the national
    role)."""
    if province is not None and province.level != Region.Level.PROVINCE:
        raise ReportRefused(_("A batch covers the cities of one province."))
    if actor is not None:
        allowed = may_report_nation(actor) if province is None else may_report_province(actor, province)
        if not allowed:
            raise PermissionRefused(_("You may not request reports on this region."))
    language = _language(language)
    scores = _shown(cycle)[2]
    if province is None:
        scores = scores.filter(region__province__isnull=False).exclude(region__level=Region.Level.PROVINCE)
    else:
        scores = scores.filter(region__province=province)
    cities = list(Region.objects.filter(pk__in=scores.values("region_id")).order_by("code"))
    if not cities:
        if province is None:
            raise ReportRefused(_("No city has a score in the %(period)s cycle.") % {"period": cycle.period})
        raise ReportRefused(_("No city of %(province)s has a score in the %(period)s cycle.")
                            % {"province": province.name, "period": cycle.period})
    requester = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        Cycle.objects.select_for_update().filter(pk=cycle.pk).first()
        running = ReportBatch.objects.filter(cycle=cycle, province=province, language=language,
                                             requested_by=requester, reports__status__in=ACTIVE).first()
        if running is not None:
            return running
        batch = ReportBatch.objects.create(cycle=cycle, province=province, language=language,
                                           requested_by=requester, total=len(cities))
        audit_record(actor=actor, action=Action.REPORT_REQUESTED, target=batch, region=province, subject="batch",
                     new={"period": cycle.period, "language": language, "reports": len(cities)})
        reports = Report.objects.bulk_create(
            Report(kind=Report.Kind.CITY, cycle=cycle, region=city, language=language, requested_by=requester,
                   batch=batch) for city in cities)
        if enqueue:
            _enqueue([r.pk for r in reports])
    return batch


def report_retry(*, report: Report, actor: Actor | None = None, enqueue: bool = True) -> Report:
    """Queue a failed report again, or build again one whose file expired (any other report is returned as it
    is)."""
    with transaction.atomic():
        updated = Report.objects.filter(pk=report.pk, status__in=(Status.FAILED, Status.EXPIRED)).update(
            status=Status.QUEUED, progress=0, stage="", error="", started_at=None, finished_at=None,
            requested_at=timezone.now())
        if updated and enqueue:
            _enqueue([report.pk])
    report.refresh_from_db()
    return report


def _enqueue(report_ids: list[int]) -> None:
    """Record each report's build as background work, in the caller's transaction (outbox)."""
    for report_id in report_ids:
        job_enqueue(kind_name=REPORTS_JOB, key=f"report:{report_id}", args={"report_id": report_id})


def report_job(*, report_id: int) -> None:
    """The background job of a report (outbox kind `reports.build`)."""
    report_build(report_id=report_id)


def report_given_up(*, report_id: int, error: str) -> None:
    """A report whose job was given up (its worker died again and again) fails with that reason; it can be
    retried."""
    Report.objects.filter(pk=report_id, status__in=ACTIVE).update(
        status=Status.FAILED, finished_at=timezone.now(), error=error[:4000], stage="")


# ---- the build ------------------------------------------------------------------------------------------

def report_build(*, report_id: int) -> Report:
    """Build a report's PDF and store it. Safe to run twice: a succeeded report is left as it is."""
    report = _build_start(report_id)
    if report is None:
        return Report.objects.get(pk=report_id)
    try:
        with translation.override(report.language):
            built = _build(report)
        _build_store(report, built)
    except Exception as error:
        logger.exception("report %s failed", report_id)
        message = str(error) or type(error).__name__
        Report.objects.filter(pk=report_id, status=Status.RUNNING).update(
            status=Status.FAILED, finished_at=timezone.now(), error=message[:4000], stage="")
    report.refresh_from_db()
    return report


def _build_start(report_id: int) -> Report | None:
    with transaction.atomic():
        report = (Report.objects.select_for_update(of=("self",)).select_related("cycle__framework", "region")
                  .filter(pk=report_id).first())
        if report is None or report.status == Status.SUCCEEDED:
            return None
        report.status, report.started_at, report.finished_at = Status.RUNNING, timezone.now(), None
        report.progress, report.stage, report.error = 0, "checking", ""
        report.save(update_fields=["status", "started_at", "finished_at", "progress", "stage", "error"])
    return report


def _progress(report: Report, progress: int, stage: str) -> None:
    Report.objects.filter(pk=report.pk, status=Status.RUNNING).update(progress=progress, stage=stage)


def _build(report: Report) -> pdf.Pdf:
    from . import selectors
    from .charts import svg_uris

    pdf.check_requirements()
    cycle = Cycle.objects.select_related("framework").get(pk=report.cycle_id)
    results, run, _scores = _shown(cycle)
    report.run = run
    Report.objects.filter(pk=report.pk).update(run=run)
    try:
        data = _read(report.kind, results, report.region)
    except selectors.NoResult as error:
        raise ReportRefused(str(error)) from error
    _progress(report, 10, "data")
    part = _PARTS[report.kind](results, report.region, data)
    charts = svg_uris(part.charts) | part.drawn
    _progress(report, 40, "charts")
    context: dict[str, object] = {
        "report": report, "cycle": cycle, "region": report.region, "data": data, "charts": charts,
        "generated_at": timezone.localtime(), **part.context,
        **pdf.print_context(top_left=f"{part.scope} · {cycle.period}", top_right=_("Smart government maturity report"),
                            bottom_left=data.status.label, bottom_right=_("Demo data") if data.is_demo else "")}
    if report.kind != Report.Kind.CITY:
        context.update(weighting=cycle.framework.get_weighting_display(),
                       aggregation=cycle.framework.get_aggregation_display())
    built = pdf.html_to_pdf(render_to_string(f"reports/pdf/{report.kind}.html", context))
    _progress(report, 80, "pdf")
    return built


def _read(kind: str, results: CycleResults, region: Region) -> CityReport | ProvinceReport | NationalReport:
    """The data of a report of `kind` on `region` (NoResult when it has none)."""
    from . import selectors

    if kind == Report.Kind.NATIONAL:
        return selectors.national_report(results)
    if kind == Report.Kind.PROVINCE:
        return selectors.province_report(results, region)
    return selectors.city_report(results, region)


@dataclass(frozen=True)
class _Part:
    """What a kind of report adds to its data in the build: the name of its scope (for the top of its pages), its
    own context, the charts to draw (in one batch) and those drawn already (by the audit annex)."""

    scope: str
    context: dict[str, object] = field(default_factory=dict)
    charts: dict[str, Chart] = field(default_factory=dict)
    drawn: dict[str, str] = field(default_factory=dict)


def _city_part(_results: CycleResults, _city: Region, data: CityReport) -> _Part:
    return _Part(scope=data.result.name, charts=_city_charts(data))


def _city_charts(data: CityReport) -> dict[str, Chart]:
    from . import figures
    from .charts import Chart

    charts = {"radar": Chart(figures.city_radar(data), 600, 440), "trend": Chart(figures.city_trend(data), 660, 300)}
    if data.status.ranks_shown:
        charts["rank_interval"] = Chart(figures.city_rank_interval(data), 660, 220)
    charts["priorities"] = Chart(figures.city_priorities(data), 660, 320)
    return charts


def _province_charts(data: ProvinceReport) -> dict[str, Chart]:
    from . import figures
    from .charts import Chart

    cities = data.cities
    return {"ranking": Chart(figures.ranking_bar(cities), 660, max(300, 90 + 20 * len(cities))),
            "levels": Chart(figures.level_distribution(data.level_counts), 660, 240),
            "dimensions": Chart(figures.dimension_boxes(cities, data.dimensions), 660, 260)}


def _province_part(results: CycleResults, province: Region, data: ProvinceReport) -> _Part:
    from . import selectors
    from .audit_annex import province_annex
    from .charts import Chart
    from .map_figures import province_map  # the map of the province's regions (reports.map_figures)

    annex, annex_charts = province_annex(results, province)
    map_data, map_figure = province_map(results, province)
    return _Part(
        scope=data.province.name,
        context={"cities": _province_cities(data), "mean_index": selectors.scope_summary(data).mean,
                 "annex": annex, "map_missing": map_data.missing},
        charts={**_province_charts(data), "map": Chart(map_figure, 660, 480)},
        drawn={f"audit_{name}": chart for name, chart in annex_charts.items()})


def _national_part(results: CycleResults, _country: Region, data: NationalReport) -> _Part:
    from . import figures, national_figures
    from .audit_annex import national_annex
    from .charts import Chart
    from .map_figures import national_maps

    annex, annex_charts = national_annex(results)
    (provinces, province_figure), (prefectures, prefecture_figure) = national_maps(results)
    rows = sum(1 for row in data.provinces if row.scored)
    return _Part(
        scope=_("National"),
        context={"annex": annex, "map_missing": provinces.missing, "prefecture_map_missing": prefectures.missing,
                 "tables": [table for table in (
                     (_("The %(count)s highest ranked regions") % {"count": len(data.top)}, data.top, "top-regions"),
                     (_("The %(count)s lowest ranked regions") % {"count": len(data.bottom)}, data.bottom,
                      "bottom-regions")) if table[1]]},
        charts={"levels": Chart(figures.level_distribution(data.level_counts), 660, 240),
                "map": Chart(province_figure, 660, 540),
                "prefecture_map": Chart(prefecture_figure, 660, 540),
                "province_levels": Chart(national_figures.province_levels(data.provinces, data.level_counts), 660,
                                         max(260, 130 + national_figures.ROW_HEIGHT * rows)),
                "province_dimensions": Chart(national_figures.province_dimensions(data.provinces, data.dimensions),
                                             660, max(260, 130 + national_figures.ROW_HEIGHT * rows))},
        drawn={f"audit_{name}": chart for name, chart in annex_charts.items()})


_PARTS: dict[str, Callable[[CycleResults, Region, Any], _Part]] = {
    Report.Kind.CITY: _city_part, Report.Kind.PROVINCE: _province_part, Report.Kind.NATIONAL: _national_part}
"""What each kind of report adds to its data: its charts, maps and annex."""


@dataclass(frozen=True)
class ProvinceCity:
    """A city of a province report with what print adds to its row."""

    row: CityRow
    """The city's row of the `ProvinceReport`."""
    dimension_rows: tuple[tuple[str, float | None], ...]
    """(dimension name, score) in framework order."""
    strongest: str | None = None
    """Name of the dimension with the highest score; None unless two or more are scored."""
    weakest: str | None = None
    """Name of the dimension with the lowest score; None unless two or more are scored."""

    @property
    def dimension_scores(self) -> list[float | None]:
        """The scores of `dimension_rows`."""
        return [score for _name, score in self.dimension_rows]


def _province_cities(data: ProvinceReport) -> list[ProvinceCity]:
    """Each city of the report with its dimension scores in framework order and its strongest and weakest
    dimension."""
    cities = []
    for city in data.cities:
        rows = tuple((d.name, city.dimensions.get(d.code)) for d in data.dimensions)
        scored = [(name, score) for name, score in rows if score is not None]
        strongest = weakest = None
        if len(scored) > 1:
            strongest = max(scored, key=lambda row: row[1])[0]
            weakest = min(scored, key=lambda row: row[1])[0]
        cities.append(ProvinceCity(row=city, dimension_rows=rows, strongest=strongest, weakest=weakest))
    return cities


def _build_store(report: Report, built: pdf.Pdf) -> None:
    old = Report.objects.filter(pk=report.pk).values_list("file", flat=True).first()
    if old:
        report.file.storage.delete(old)
    name = f"{report.kind}-{report.region.code}-{report.cycle.period}-{report.language}-{report.pk}.pdf"
    stored = report.file.storage.save(report.file.field.generate_filename(report, name), ContentFile(built.content))
    finished = Report.objects.filter(pk=report.pk, status=Status.RUNNING).update(
        status=Status.SUCCEEDED, progress=100, stage="", finished_at=timezone.now(), file=stored,
        size=len(built.content), pages=built.pages, error="")
    if not finished:
        report.file.storage.delete(stored)
        raise pdf.ReportUnavailable(ABANDONED)


# ---- expiry ---------------------------------------------------------------------------------------------

def report_files_expire(*, now: datetime | None = None) -> int:
    """Delete the files of the reports built more than REPORT_FILE_DAYS days ago (run every hour by Celery beat:
    reports.tasks.expire_report_files). Each row stays, marked expired — its page offers to build it again —
    and keeps its size and pages. Safe to run twice at once: a row is claimed before its file is deleted.
    Returns how many reports expired."""
    days = settings.REPORT_FILE_DAYS
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    old = list(Report.objects.filter(status=Status.SUCCEEDED, finished_at__lt=cutoff).values_list("pk", "file"))
    storage = Report._meta.get_field("file").storage
    expired = 0
    for report_id, name in old:
        claimed = Report.objects.filter(pk=report_id, status=Status.SUCCEEDED, file=name).update(
            status=Status.EXPIRED, file="", stage="")
        if not claimed:  # built again, or expired by another sweep, meanwhile
            continue
        expired += 1
        try:
            storage.delete(name)
        except OSError:
            logger.warning("the expired file %s of report %s could not be deleted", name, report_id, exc_info=True)
    if expired:
        logger.info("%s report files older than %s days deleted", expired, days)
    return expired
