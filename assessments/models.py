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


# ---------------------------------------------------------------------------------------------------------------
# Public satisfaction (公众满意度): questionnaires answered by citizens, imported good/bad service ratings and
# 12345 hotline figures, and how they were turned into the satisfaction indicators of a city's submission.
# The rules live in `assessments.services.satisfaction`, the arithmetic in `assessments.satisfaction`.


def questionnaire_key():
    """The unguessable part of a questionnaire's public address."""
    import secrets

    return secrets.token_urlsafe(9)


class Questionnaire(models.Model):
    """One questionnaire per cycle and region (a city, or a province for all its cities)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Open for responses")
        CLOSED = "closed", _("Closed")

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="questionnaires", verbose_name=_("cycle"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="questionnaires",
                               verbose_name=_("region"))
    key = models.CharField(_("public key"), max_length=24, unique=True, default=questionnaire_key, editable=False)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    intro_zh = models.TextField(_("introduction (Chinese)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    allow_comment = models.BooleanField(_("ask for a free comment"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-cycle__period", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "region"], name="questionnaire_cycle_region_unique"),
            models.CheckConstraint(condition=Q(status__in=["draft", "published", "closed"]),
                                   name="questionnaire_status_valid"),
        ]

    def __str__(self):
        return f"{self.region.name} · {self.cycle.period} · {self.title_zh}"

    @property
    def title(self):
        from smartgov.i18n import localised

        return localised(self.title_zh, self.title_en or self.title_zh)

    @property
    def intro(self):
        from smartgov.i18n import localised

        return localised(self.intro_zh, self.intro_en or self.intro_zh)


class Question(models.Model):
    """A satisfaction question on the 1–5 scale, feeding one indicator, or a question about the respondent with
    one answer among `options` ([{"zh", "en", "share"}]; `share` is the population share in % used to weight the
    responses when `weighting` is on)."""

    class Kind(models.TextChoices):
        SCALE = "scale", _("Satisfaction, 1–5")
        CHOICE = "choice", _("About the respondent, one choice")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SCALE)
    text_zh = models.CharField(_("question (Chinese)"), max_length=500)
    text_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("indicator"))
    options = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(_("answer required"), default=False)
    weighting = models.BooleanField(_("weight the responses to the population shares of the options"),
                                    default=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["scale", "choice"]), name="question_kind_valid"),
            models.CheckConstraint(
                condition=(Q(kind="scale") & Q(indicator__isnull=False) & Q(weighting=False))
                | (Q(kind="choice") & Q(indicator__isnull=True)),
                name="question_scale_has_indicator",
            ),
            models.UniqueConstraint(fields=["questionnaire"], condition=Q(weighting=True),
                                    name="question_one_weighting_per_questionnaire"),
        ]

    def __str__(self):
        return self.text_zh[:60]

    @property
    def text(self):
        from smartgov.i18n import localised

        return localised(self.text_zh, self.text_en or self.text_zh)

    def option_labels(self) -> list[str]:
        from smartgov.i18n import localised

        return [localised(o.get("zh", ""), o.get("en") or o.get("zh", "")) for o in self.options]


class SurveyResponse(models.Model):
    """One citizen's answers. Nothing identifies the person: the network address is kept only as a keyed hash
    (HMAC, per questionnaire), to limit floods; comments are stored with personal data masked."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="responses")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("city"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    client_hash = models.CharField(_("keyed hash of the network address"), max_length=64)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["questionnaire", "client_hash", "submitted_at"]),
            models.Index(fields=["questionnaire", "region", "submitted_at"]),
        ]

    def __str__(self):
        return f"{self.questionnaire_id} · {self.submitted_at:%Y-%m-%d %H:%M}"


class Answer(models.Model):
    """1–5 for a satisfaction question (非常不满意 … 非常满意), the option's number (from 1) for a choice.
    A question left unanswered or answered "not applicable" has no row."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(_("answer"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_one_per_question"),
            models.CheckConstraint(condition=Q(value__gte=1), name="answer_value_positive"),
        ]

    def __str__(self):
        return f"{self.question_id}={self.value}"


class SatisfactionImport(models.Model):
    """One imported file of good/bad ratings or hotline figures for a city and cycle (all its rows or none)."""

    class Kind(models.TextChoices):
        RATINGS = "ratings", _("Good/bad service ratings")
        HOTLINE = "hotline", _("12345 hotline statistics")

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("city"))
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="+", verbose_name=_("cycle"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("by"))
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        verbose_name = _("satisfaction data import")
        verbose_name_plural = _("satisfaction data imports")
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "cycle", "kind", "sha256"], name="satisfaction_import_once"),
            models.CheckConstraint(condition=Q(kind__in=["ratings", "hotline"]), name="satisfaction_import_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.file_name}"


class ServiceRating(models.Model):
    """One rating of the government service good/bad rating system (政务服务“好差评”)."""

    batch = models.ForeignKey(SatisfactionImport, on_delete=models.CASCADE, related_name="ratings")
    service = models.CharField(_("service"), max_length=200)
    channel = models.CharField(_("channel"), max_length=50)
    date = models.DateField(_("date"))
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    rectified = models.BooleanField(_("rectified"), null=True, blank=True)

    class Meta:
        verbose_name = _("service rating")
        verbose_name_plural = _("service ratings")
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="service_rating_range"),
        ]

    def __str__(self):
        return f"{self.date} {self.service[:30]} {self.rating}"


class HotlineStatistic(models.Model):
    """One month of a city's 12345 hotline figures."""

    batch = models.ForeignKey(SatisfactionImport, on_delete=models.CASCADE, related_name="hotline")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    calls = models.PositiveIntegerField(_("work orders"))
    on_time = models.PositiveIntegerField(_("closed on time"))
    resolved = models.PositiveIntegerField(_("reported resolved"))
    satisfied = models.PositiveIntegerField(_("satisfied or very satisfied"))
    rated = models.PositiveIntegerField(_("requesters who answered the follow-up"))

    class Meta:
        verbose_name = _("hotline statistic")
        verbose_name_plural = _("hotline statistics")
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["region", "cycle", "month"], name="hotline_month_once"),
            models.CheckConstraint(condition=Q(on_time__lte=F("calls")), name="hotline_on_time_le_calls"),
            models.CheckConstraint(condition=Q(rated__lte=F("calls")), name="hotline_rated_le_calls"),
            models.CheckConstraint(condition=Q(satisfied__lte=F("rated")), name="hotline_satisfied_le_rated"),
            models.CheckConstraint(condition=Q(resolved__lte=F("rated")), name="hotline_resolved_le_rated"),
        ]

    def __str__(self):
        return f"{self.region_id} {self.month:%Y-%m}"


class SatisfactionEstimate(models.Model):
    """How a value from citizens (source "survey") was computed: what the entry form and review show with it."""

    value = models.OneToOneField(IndicatorValue, on_delete=models.CASCADE, related_name="satisfaction_estimate")
    method = models.CharField(_("method"), max_length=10)
    """"mean" (a 1–5 scale turned into 0–100) or "share" (a proportion in %)."""
    n = models.PositiveIntegerField(_("responses"))
    n_effective = models.FloatField(_("effective sample size"), null=True, blank=True)
    low = models.FloatField(_("interval, low end (95%)"), null=True, blank=True)
    high = models.FloatField(_("interval, high end (95%)"), null=True, blank=True)
    weighted = models.BooleanField(_("weighted"), default=False)
    unweighted = models.FloatField(_("unweighted value"), null=True, blank=True)
    too_few = models.BooleanField(_("too few responses"), default=False)
    sources = models.JSONField(_("sources"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("satisfaction estimate")
        verbose_name_plural = _("satisfaction estimates")

    def __str__(self):
        return f"{self.value_id}: n={self.n}"
