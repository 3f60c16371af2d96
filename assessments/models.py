"""The facts: regions, who may act where, cycles, submissions, values, evidence and their audit trail."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models import BilingualName, Framework, Indicator

REGION_CODE = RegexValidator(
    r"^(\d{6}|[A-Z]{3})$", _("Use a six-digit GB/T 2260 code or an ISO 3166 alpha-3 country code.")
)


class Region(BilingualName):
    class Level(models.TextChoices):
        COUNTRY = "country", _("Country")
        PROVINCE = "province", _("Province")
        CITY = "city", _("Prefecture-level city")
        COUNTY = "county", _("County")

    code = models.CharField(_("code"), max_length=6, unique=True, validators=[REGION_CODE])
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=["country", "province", "city", "county"]), name="region_level_valid"
            ),
            models.CheckConstraint(
                condition=(Q(level="country") & Q(parent__isnull=True))
                | (~Q(level="country") & Q(parent__isnull=False)),
                name="region_parent_unless_country",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class RoleAssignment(models.Model):
    class Role(models.TextChoices):
        CITY_OFFICER = "city_officer", _("City data-entry officer")
        CITY_REVIEWER = "city_reviewer", _("City reviewer")
        PROVINCE_ANALYST = "province_analyst", _("Provincial reviewer and analyst")
        PLATFORM_ADMIN = "platform_admin", _("Platform administrator")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="role_assignments",
        verbose_name=_("region"),
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region"], name="role_assignment_unique"),
            models.CheckConstraint(
                condition=(Q(role="platform_admin") & Q(region__isnull=True))
                | (~Q(role="platform_admin") & Q(region__isnull=False)),
                name="role_region_unless_admin",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.region or '—'}"


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


class AuditEvent(models.Model):
    """One write that matters: who, when, what, the old and the new value."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=40)
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_events"
    )
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_events"
    )
    subject = models.CharField(_("subject"), max_length=100, blank=True)
    submission_version = models.PositiveIntegerField(
        _("submission version"), null=True, blank=True, help_text=_("The submission's version after this change.")
    )
    old = models.JSONField(_("old value"), null=True, blank=True)
    new = models.JSONField(_("new value"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.subject}"


class ScoreRun(models.Model):
    """One computation of a cycle's scores. The cycle points at its current run; a new run replaces it only
    once all its results are written, in the same transaction."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="score_runs")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=100, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    method = models.JSONField(_("method used"), null=True, blank=True)
    regions = models.PositiveIntegerField(_("regions scored"), default=0)
    error = models.TextField(_("error"), blank=True)

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


class RegionScore(models.Model):
    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="region_scores")
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
    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="dimension_scores")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    dimension = models.ForeignKey("indicators.Dimension", on_delete=models.PROTECT, related_name="+")
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
    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="indicator_scores")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
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
