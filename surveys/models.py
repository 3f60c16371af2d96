"""Public satisfaction: questionnaires and responses, imported ratings and hotline figures, estimates."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Cycle, FileImportRequest, IndicatorValue, Region, Submission
from indicators.models import Indicator


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
            models.Index(fields=["questionnaire", "client_hash", "submitted_at"], name="survey_response_by_client"),
            models.Index(fields=["questionnaire", "region", "submitted_at"], name="survey_response_by_region"),
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


def import_request_path(instance, filename):
    """Under MEDIA_ROOT/satisfaction-imports/, which nothing serves; a random name, never the uploader's."""
    return f"satisfaction-imports/{instance.submission_id}/{uuid.uuid4().hex}"


class SatisfactionImportRequest(FileImportRequest):
    """A file of good/bad ratings or hotline figures to check (dry run) or import in the background, and how
    that went: its progress, the rows checked or the batch imported, or why nothing was imported (with the
    row-level errors). The file is kept, privately, only while it is needed: until the import has run, or, after a
    successful dry run, until it is imported (its file passes to that request) or IMPORT_UPLOAD_LIFETIME
    has passed."""

    class Stage(models.TextChoices):
        READING = "reading", _("Reading the file")
        CHECKING = "checking", _("Checking the rows")
        WRITING = "writing", _("Writing the rows")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="satisfaction_import_requests",
                                   verbose_name=_("submission"))
    kind = models.CharField(_("kind"), max_length=10, choices=SatisfactionImport.Kind.choices)
    dry_run = models.BooleanField(_("dry run"), default=False, help_text=_("Only check the file, write nothing."))
    file = models.FileField(_("stored file"), upload_to=import_request_path, max_length=200, blank=True,
                            help_text=_("Empty once the file is no longer needed."))
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True,
                                       help_text=_("Rows checked (dry run) or imported."))
    batch = models.ForeignKey(SatisfactionImport, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("imported batch"))
    applies = models.OneToOneField("self", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="applied_by", verbose_name=_("dry run applied"))

    class Meta:
        verbose_name = _("satisfaction import request")
        verbose_name_plural = _("satisfaction import requests")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["submission", "-requested_at"], name="sat_import_request_recent")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["ratings", "hotline"]), name="sat_import_request_kind"),
            models.CheckConstraint(condition=Q(status__in=["queued", "running", "succeeded", "failed"]),
                                   name="sat_import_request_status"),
            models.CheckConstraint(condition=Q(stage__in=["", "reading", "checking", "writing"]),
                                   name="sat_import_request_stage"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="sat_import_request_progress"),
            models.CheckConstraint(condition=Q(dry_run=False) | Q(applies__isnull=True),
                                   name="sat_import_request_applies_dry_run"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.file_name} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


def records_request_path(instance, filename):
    """Under MEDIA_ROOT/records-imports/, which nothing serves; a random name, never the uploader's."""
    return f"records-imports/{instance.province_id}/{uuid.uuid4().hex}"


class RecordsImportRequest(FileImportRequest):
    """A file of system records (case log, 12345 work orders or call figures, 好差评 ratings) of a province's
    regions to check (dry run) or import in the background, and how that went: its progress, the outcome per
    region (values computed with their notes, indicators not computed and why, values changed), or why nothing was
    imported (with the row-level errors). The file is kept, privately, as long as a satisfaction import's."""

    class Kind(models.TextChoices):
        CASES = "cases", _("Case log (办件库)")
        HOTLINE = "hotline", _("12345 work orders")
        CALLS = "calls", _("12345 monthly call figures")
        RATINGS = "ratings", _("Good/bad ratings (好差评)")

    Stage = SatisfactionImportRequest.Stage

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="records_import_requests",
                              verbose_name=_("cycle"))
    province = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="records_import_requests",
                                 verbose_name=_("province"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    dry_run = models.BooleanField(_("dry run"), default=False, help_text=_("Only check the file, write nothing."))
    file = models.FileField(_("stored file"), upload_to=records_request_path, max_length=200, blank=True,
                            help_text=_("Empty once the file is no longer needed."))
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True,
                                       help_text=_("Rows checked (dry run) or imported."))
    outcome = models.JSONField(_("outcome"), default=dict, blank=True,
                               help_text=_("Per region: the values computed, the indicators not computed and why, "
                                           "the values changed."))
    applies = models.OneToOneField("self", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="applied_by", verbose_name=_("dry run applied"))

    class Meta:
        verbose_name = _("records import request")
        verbose_name_plural = _("records import requests")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["province", "-requested_at"], name="records_import_request_recent")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["cases", "hotline", "calls", "ratings"]),
                                   name="records_import_request_kind"),
            models.CheckConstraint(condition=Q(status__in=["queued", "running", "succeeded", "failed"]),
                                   name="records_import_request_status"),
            models.CheckConstraint(condition=Q(stage__in=["", "reading", "checking", "writing"]),
                                   name="records_import_request_stage"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="records_import_request_progress"),
            models.CheckConstraint(condition=Q(dry_run=False) | Q(applies__isnull=True),
                                   name="records_import_request_applies_dry_run"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.file_name} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


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
