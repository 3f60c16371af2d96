"""Score runs and the results they store (written in bulk, swapped in atomically), and the publications that make
one run a cycle's official result (immutable from then on: `assessments.db_triggers`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models import Indicator

from .regions import Region
from .submissions import Cycle


class ScoreRun(models.Model):
    """One computation of a cycle's scores. The cycle points at its current run; a new run replaces it only
    once all its results are written, in the same transaction."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Stage(models.TextChoices):
        LOADING = "loading", _("loading the approved values")
        COMPUTING = "computing", _("computing the scores")
        AUDITING = "auditing", _("statistical audit")
        SENSITIVITY = "sensitivity", _("sensitivity analysis")
        WRITING = "writing", _("writing the results")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="score_runs")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=100, choices=Stage.choices, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    method = models.JSONField(_("method used"), null=True, blank=True)
    regions = models.PositiveIntegerField(_("regions scored"), default=0)
    participants = models.PositiveIntegerField(_("participants"), default=0,
                                               help_text=_("The cycle's participants when the run was computed."))
    inputs_fingerprint = models.CharField(_("fingerprint of the inputs"), max_length=64, blank=True,
                                          help_text=_("SHA-256 of the approved values the run scored."))
    engine_version = models.CharField(_("engine version"), max_length=80, blank=True)
    error = models.TextField(_("error"), blank=True)
    warnings = models.JSONField(
        _("warnings"), default=list, blank=True,
        help_text=_("What the run found that weakens its results (one region, a constant indicator …): "
                    "a list of {code, subject, facts}, told in the reader's language."))

    class Meta:
        verbose_name = _("score run")
        verbose_name_plural = _("score runs")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed"]), name="score_run_status_valid"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="score_run_progress_range"),
            models.UniqueConstraint(
                fields=["cycle"], condition=Q(status="queued"), name="score_run_one_queued_per_cycle"
            ),
        ]

    def __str__(self):
        return f"{self.cycle.period} #{self.pk} {self.get_status_display()}"


class RunAnalysis(models.Model):
    """The statistical audit and the sensitivity analysis of a run's cycle period, as the engine returns them
    (`indicators.scoring.Audit.as_dict()`, `Sensitivity.as_dict()`). Kept apart from the run so that lists of
    runs do not load them."""

    run = models.OneToOneField(ScoreRun, on_delete=models.CASCADE, related_name="analysis")
    audit = models.JSONField(_("statistical audit"))
    sensitivity = models.JSONField(_("sensitivity analysis"), null=True, blank=True)

    class Meta:
        verbose_name = _("analysis of a score run")
        verbose_name_plural = _("analyses of score runs")

    def __str__(self):
        return str(self.run)


class RegionScore(models.Model):
    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="region_scores")
    group_ranks = models.JSONField(_("ranks within comparison groups"), default=dict, blank=True,
                                   help_text=_("Group code → rank among the group's members."))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    index = models.FloatField(_("index"), null=True)
    level = models.PositiveSmallIntegerField(_("maturity level"), null=True)
    rank = models.PositiveIntegerField(_("rank"), null=True)
    parent_rank = models.PositiveIntegerField(_("rank within the province"), null=True)
    change = models.FloatField(_("change since the previous cycle"), null=True)
    complete = models.BooleanField(_("complete"))
    coverage = models.FloatField(_("share of weight present"))
    rank_median = models.FloatField(_("median rank under uncertainty"), null=True)
    rank_low = models.FloatField(_("rank, 5th percentile"), null=True)
    rank_high = models.FloatField(_("rank, 95th percentile"), null=True)

    class Meta:
        verbose_name = _("region score")
        verbose_name_plural = _("region scores")
        constraints = [
            models.UniqueConstraint(fields=["run", "region"], name="region_score_unique"),
            models.CheckConstraint(
                condition=Q(index__isnull=True) | Q(index__gte=0, index__lte=100), name="region_score_index_range"
            ),
            models.CheckConstraint(
                condition=Q(complete=False) | Q(index__isnull=False), name="region_score_complete_has_index"
            ),
        ]

    def __str__(self):
        return f"{self.region_id}: {self.index}"


class DimensionScore(models.Model):
    """Its keys are enforced by triggers, once per statement (assessments/db_references.py); the run's index is
    the unique constraint's."""

    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="dimension_scores",
                            db_constraint=False, db_index=False)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    dimension = models.ForeignKey("indicators.Dimension", on_delete=models.PROTECT, related_name="+",
                                  db_constraint=False)
    score = models.FloatField(_("score"), null=True)
    coverage = models.FloatField(_("share of weight present"))
    rank = models.PositiveIntegerField(_("rank"), null=True)

    class Meta:
        verbose_name = _("dimension score")
        verbose_name_plural = _("dimension scores")
        constraints = [
            models.UniqueConstraint(fields=["run", "region", "dimension"], name="dimension_score_unique"),
        ]

    def __str__(self):
        return f"{self.dimension_id}@{self.region_id}: {self.score}"


class IndicatorScore(models.Model):
    """Its keys are enforced by triggers, once per statement (assessments/db_references.py); the run's index is
    the unique constraint's."""

    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="indicator_scores",
                            db_constraint=False, db_index=False)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    value = models.FloatField(_("value"), null=True)
    score = models.FloatField(_("normalised score"), null=True)
    weight = models.FloatField(_("effective weight"))
    contribution = models.FloatField(_("contribution to the index"), null=True)
    gap = models.FloatField(_("contribution to the gap to the best region"), null=True)

    class Meta:
        verbose_name = _("indicator score")
        verbose_name_plural = _("indicator scores")
        constraints = [
            models.UniqueConstraint(fields=["run", "region", "indicator"], name="indicator_score_unique"),
        ]

    def __str__(self):
        return f"{self.indicator_id}@{self.region_id}: {self.score}"


class Publication(models.Model):
    """One score run published as a cycle's official result. Version 1 is the publication; each later version
    is a revision, with its reason. Rows are never changed or deleted, nor is the run they freeze."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="publications")
    version = models.PositiveSmallIntegerField(_("version"))
    run = models.ForeignKey(ScoreRun, on_delete=models.PROTECT, related_name="publications")
    reason = models.TextField(_("reason"), blank=True, help_text=_("Required for a revision."))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("published by"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    participants = models.PositiveIntegerField(_("participants"))
    approved = models.PositiveIntegerField(_("participants approved"))
    method = models.JSONField(_("method used"))
    inputs_fingerprint = models.CharField(_("fingerprint of the inputs"), max_length=64)
    engine_version = models.CharField(_("engine version"), max_length=80)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["cycle", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "version"], name="publication_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="publication_version_positive"),
            models.CheckConstraint(condition=Q(version=1) | ~Q(reason=""), name="publication_revision_has_reason"),
            models.CheckConstraint(condition=Q(approved__lte=models.F("participants")),
                                   name="publication_approved_le_participants"),
        ]

    def __str__(self):
        return f"{self.cycle} v{self.version}"
