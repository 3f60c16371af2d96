"""PDF reports of stored results, built by Celery: one row per requested report, and batches of them.

A report is a view of one score run of a cycle (the run that was current when it was built). Its file lives
under MEDIA_ROOT/reports/, which nothing serves: the download view checks who may see the region first.
"""

import re

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Cycle, Region, ScoreRun


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")
    """Its file was deleted REPORT_FILE_DAYS after it was built (reports.services.report_files_expire): the row
    stays, to be built again."""


ACTIVE = (Status.QUEUED, Status.RUNNING)
LANGUAGE_CHOICES = [("zh-hans", "简体中文"), ("en", "English")]


def report_path(instance, filename):
    return f"reports/{instance.cycle.period}/{instance.region.code}/{filename}"


class ReportBatch(models.Model):
    """Reports of all scored cities of a province — or of the whole nation (no province) — requested at once. Its
    status follows its reports."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="report_batches",
                              verbose_name=_("assessment cycle"))
    province = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("province"), help_text=_("Empty for a national batch."))
    language = models.CharField(_("language"), max_length=7, choices=LANGUAGE_CHOICES, default="zh-hans")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    total = models.PositiveIntegerField(_("reports"), default=0)

    class Meta:
        verbose_name = _("report batch")
        verbose_name_plural = _("report batches")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.scope_name} · {self.cycle.period} · {self.total}"

    @property
    def is_national(self) -> bool:
        return self.province_id is None

    @property
    def scope_name(self) -> str:
        """The province's name, or “National” for a national batch."""
        return str(_("National")) if self.province is None else self.province.name

    def counts(self) -> dict:
        """Reports of the batch per status (every status present, 0 when none)."""
        found = dict(self.reports.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        return {status: found.get(status, 0) for status in Status.values}

    @staticmethod
    def status_of(counts: dict) -> str:
        """The batch's status from its counts: queued until one starts, running while any waits or runs,
        then failed when any failed, else succeeded (expired files count as built)."""
        waiting = counts.get(Status.QUEUED, 0)
        if counts.get(Status.RUNNING, 0) or (waiting and waiting < sum(counts.values())):
            return Status.RUNNING
        if waiting:
            return Status.QUEUED
        return Status.FAILED if counts.get(Status.FAILED, 0) else Status.SUCCEEDED


class Report(models.Model):
    class Kind(models.TextChoices):
        CITY = "city", _("City report")
        PROVINCE = "province", _("Province report")
        NATIONAL = "national", _("National report")

    Status = Status

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CITY)
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="reports",
                              verbose_name=_("assessment cycle"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    language = models.CharField(_("language"), max_length=7, choices=LANGUAGE_CHOICES, default="zh-hans")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    run = models.ForeignKey(ScoreRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                            verbose_name=_("score run reported"))
    file = models.FileField(_("file"), upload_to=report_path, max_length=300, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), null=True, blank=True)
    pages = models.PositiveSmallIntegerField(_("pages"), null=True, blank=True)
    batch = models.ForeignKey(ReportBatch, on_delete=models.CASCADE, null=True, blank=True, related_name="reports",
                              verbose_name=_("batch"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-requested_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["city", "province", "national"]), name="report_kind_valid"),
            models.CheckConstraint(condition=Q(language__in=["zh-hans", "en"]), name="report_language_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed", "expired"]),
                name="report_status_valid"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_range"),
            models.CheckConstraint(condition=~Q(status="succeeded") | ~Q(file=""), name="report_succeeded_has_file"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.region.name} · {self.cycle.period} · {self.language}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def filename(self) -> str:
        """The name offered to the browser, e.g. 杭州市-2026-智慧政府成熟度报告.pdf (in the report's language)."""
        name = self.region.name_en if self.language == "en" else self.region.name_zh
        suffix = "smart-government-maturity" if self.language == "en" else "智慧政府成熟度报告"
        return f"{name}-{self.cycle.period}-{suffix}.pdf".replace(" ", "-")

    def archive_name(self) -> str:
        """Its name in a batch's ZIP: region name, code and language, e.g. 杭州市-330100-zh-hans.pdf — letters,
        digits, “-”, “_” and “.” only, so never a folder or a path."""
        name = self.region.name_en if self.language == "en" else self.region.name_zh
        return safe_file_name(f"{name}-{self.region.code}-{self.language}") + ".pdf"


def safe_file_name(text: str) -> str:
    """`text` as a file name: every run of anything but letters, digits, “_” and “.” becomes one “-” (no “/”,
    “\\” or control character survives), without leading dots or dashes."""
    return re.sub(r"[^\w.]+", "-", text).strip(".-") or "report"
