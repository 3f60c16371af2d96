"""Cycles, submissions, their values, evidence, review comments and notifications."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models import Framework, Indicator

from .regions import Region


class Cycle(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open for entry")
        CLOSED = "closed", _("Closed")

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="cycles")
    period = models.PositiveSmallIntegerField(_("period (year)"))
    opens = models.DateField(_("opens"))
    closes = models.DateField(_("closes"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    is_demo = models.BooleanField(_("demo data"), default=False)
    current_run = models.ForeignKey(
        "ScoreRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("current scores"),
    )

    class Meta:
        verbose_name = _("assessment cycle")
        verbose_name_plural = _("assessment cycles")
        ordering = ["framework", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "period"], name="cycle_period_unique"),
            models.CheckConstraint(condition=Q(opens__lte=F("closes")), name="cycle_opens_before_closes"),
            models.CheckConstraint(condition=Q(status__in=["planned", "open", "closed"]), name="cycle_status_valid"),
            models.CheckConstraint(condition=Q(period__gte=2000, period__lte=2100), name="cycle_period_plausible"),
        ]

    def __str__(self):
        return f"{self.period} · {self.framework.name}"

    @property
    def entry_open(self) -> bool:
        """Whether cities may enter values and sign off now: the cycle is open and today is in its window."""
        return self.status == self.Status.OPEN and self.opens <= timezone.localdate() <= self.closes


class Submission(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting city sign-off")
        SIGNED_OFF = "signed_off", _("Signed off, awaiting provincial review")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="submissions")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="submissions")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Raised by every save; a save based on an older version is refused.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["cycle", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "cycle"], name="submission_region_cycle_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "signed_off", "returned", "approved"]),
                name="submission_status_valid",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="submission_version_positive"),
        ]

    def __str__(self):
        return f"{self.region.name} · {self.cycle.period}"


class IndicatorValue(models.Model):
    class Source(models.TextChoices):
        FORM = "form", _("Entry form")
        EXCEL = "excel", _("Excel import")
        API = "api", _("API")
        SURVEY = "survey", _("Citizen survey")
        DEMO = "demo", _("Demo data")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    value = models.FloatField(_("value"))
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.FORM)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(fields=["submission", "indicator"], name="value_submission_indicator_unique"),
        ]

    def __str__(self):
        return f"{self.indicator.code} = {self.value:g}"


def evidence_path(instance, filename):
    return f"evidence/{instance.submission.cycle.period}/{instance.submission.region.code}/{instance.sha256}"


class Evidence(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="evidence")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    file = models.FileField(_("file"), upload_to=evidence_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.original_name


class ReviewComment(models.Model):
    """The province's reason for returning a submission, overall (no indicator) or on one indicator."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="review_comments")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    text = models.TextField(_("comment"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submission_version = models.PositiveIntegerField(_("submission version"))

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["-created_at", "id"]

    def __str__(self):
        return self.text[:60]


class Notification(models.Model):
    """An in-app message to one user (also sent by e-mail when the user has an address)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    message = models.CharField(_("message"), max_length=500)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.message[:60]
